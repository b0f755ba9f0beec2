// The chat page of `gpt-oss serve`: plain browser JavaScript (no build step), talking to the server's
// Ollama-compatible POST /api/chat (newline-delimited JSON). Conversations live in localStorage.
// Markdown goes through marked, then DOMPurify (the model's output is untrusted HTML); both are
// served by the server from its own node_modules, so the page works offline.

const STORE = 'gpt-oss-chat:conversations';
const KEY = 'gpt-oss-chat:api-key';
const EFFORT = 'gpt-oss-chat:effort';

const $ = (id) => document.getElementById(id);
const els = {
  list: $('conversations'), messages: $('messages'), input: $('input'), send: $('send'), stop: $('stop'),
  effort: $('effort'), model: $('model-name'), error: $('error'), composer: $('composer'), newChat: $('new-chat'), key: $('api-key'),
};

let renderMarkdown = (text) => {
  const pre = document.createElement('div');
  pre.style.whiteSpace = 'pre-wrap';
  pre.textContent = text;
  return pre.outerHTML;
};
try {
  const [{ marked }, purify] = await Promise.all([import('/chat/vendor/marked.js'), import('/chat/vendor/purify.js')]);
  const DOMPurify = purify.default;
  renderMarkdown = (text) => DOMPurify.sanitize(marked.parse(text, { gfm: true, breaks: false }));
} catch (e) {
  console.warn('markdown rendering unavailable, showing plain text', e);
}

let conversations = load();
let current = conversations[0]?.id ?? newConversation().id;
let modelName = 'gpt-oss';
let controller = null;

function load() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE) ?? '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}
function save() {
  localStorage.setItem(STORE, JSON.stringify(conversations));
}
function newConversation() {
  const c = { id: crypto.randomUUID(), title: 'New chat', messages: [] };
  conversations.unshift(c);
  save();
  return c;
}
const conversation = () => conversations.find((c) => c.id === current);

function headers() {
  const h = { 'content-type': 'application/json' };
  const key = localStorage.getItem(KEY);
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

function showError(text) {
  els.error.textContent = text;
  els.error.hidden = !text;
}

function askKey() {
  const key = prompt('This server needs its API key (the --api-key it was started with):', localStorage.getItem(KEY) ?? '');
  if (key === null) return false;
  if (key.trim() === '') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, key.trim());
  return true;
}

function renderList() {
  els.list.replaceChildren(
    ...conversations.map((c) => {
      const li = document.createElement('li');
      li.className = c.id === current ? 'active' : '';
      const title = document.createElement('span');
      title.textContent = c.title;
      const del = document.createElement('button');
      del.type = 'button';
      del.title = 'Delete this conversation';
      del.textContent = '×';
      del.onclick = (ev) => {
        ev.stopPropagation();
        conversations = conversations.filter((x) => x.id !== c.id);
        if (current === c.id) current = (conversations[0] ?? newConversation()).id;
        save();
        renderAll();
      };
      li.onclick = () => {
        if (controller) return;
        current = c.id;
        renderAll();
      };
      li.append(title, del);
      return li;
    }),
  );
}

/** One message's element; assistant messages get reasoning, tool calls, answer and stats parts. */
function messageElement(m) {
  const div = document.createElement('div');
  div.className = `msg ${m.role}`;
  const role = document.createElement('div');
  role.className = 'role';
  role.textContent = m.role === 'user' ? 'You' : modelName;
  div.append(role);
  if (m.role === 'user') {
    const body = document.createElement('div');
    body.className = 'body';
    body.textContent = m.content;
    div.append(body);
    return div;
  }
  const details = document.createElement('details');
  details.className = 'reasoning';
  const summary = document.createElement('summary');
  summary.textContent = 'Reasoning';
  const thinking = document.createElement('div');
  thinking.className = 'text';
  details.append(summary, thinking);
  const tools = document.createElement('div');
  tools.className = 'tools';
  const answer = document.createElement('div');
  answer.className = 'answer';
  const stats = document.createElement('div');
  stats.className = 'stats';
  div.append(details, tools, answer, stats);
  updateAssistant(div, m);
  return div;
}

function updateAssistant(div, m) {
  const [details, tools, answer, stats] = [div.querySelector('details'), div.querySelector('.tools'), div.querySelector('.answer'), div.querySelector('.stats')];
  details.hidden = !m.thinking;
  details.querySelector('.text').textContent = m.thinking ?? '';
  // Open while the model reasons; folded away once the answer starts.
  if (m.streaming) details.open = !m.content && !(m.tool_calls ?? []).length && !(m.builtin_calls ?? []).length;
  tools.replaceChildren(
    ...(m.tool_calls ?? []).map((call) => {
      const t = document.createElement('div');
      t.className = 'tool-call';
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = `tool call ${call.function.name}`;
      t.append(label, ` ${JSON.stringify(call.function.arguments)}`);
      return t;
    }),
    // Calls the server ran itself (serve --browser / --python): the call, then its result, dimmed and folded.
    ...(m.builtin_calls ?? []).map((call) => {
      const t = document.createElement('div');
      t.className = 'tool-call builtin';
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = `tool call ${call.name}`;
      const args = document.createElement('pre');
      args.className = 'args';
      args.textContent = call.arguments;
      t.append(label, args);
      const result = document.createElement('details');
      result.className = 'tool-result';
      const summary = document.createElement('summary');
      summary.textContent = call.output === undefined ? 'running…' : `result (${call.output.length} characters)`;
      const out = document.createElement('pre');
      out.textContent = call.output ?? '';
      result.append(summary, out);
      t.append(result);
      return t;
    }),
  );
  answer.innerHTML = renderMarkdown(m.content ?? '');
  for (const pre of answer.querySelectorAll('pre')) {
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'copy';
    copy.textContent = 'copy';
    copy.onclick = () => navigator.clipboard?.writeText(pre.querySelector('code')?.textContent ?? pre.textContent);
    pre.append(copy);
  }
  stats.replaceChildren();
  if (m.stopped) {
    const s = document.createElement('span');
    s.className = 'stopped';
    s.textContent = 'stopped · ';
    stats.append(s);
  }
  if (m.stats) stats.append(m.stats);
}

function renderAll() {
  renderList();
  const c = conversation();
  els.messages.replaceChildren(...c.messages.map(messageElement));
  els.messages.scrollTop = els.messages.scrollHeight;
}

function statsText(done) {
  const secs = (done.eval_duration ?? 0) / 1e9;
  const speed = secs > 0 ? (done.eval_count / secs).toFixed(1) : '-';
  const total = ((done.total_duration ?? 0) / 1e9).toFixed(2);
  return `${done.prompt_eval_count ?? 0} prompt tokens · ${done.eval_count ?? 0} tokens · ${speed} tok/s · ${total} s`;
}

/** The conversation as Ollama messages (earlier reasoning is not sent: harmony drops it anyway). */
function apiMessages(c) {
  return c.messages.map((m) => {
    const out = { role: m.role, content: m.content ?? '' };
    if (m.tool_calls?.length) out.tool_calls = m.tool_calls;
    return out;
  });
}

async function send(text) {
  const c = conversation();
  if (c.messages.length === 0) c.title = text.slice(0, 40);
  c.messages.push({ role: 'user', content: text });
  const reply = { role: 'assistant', content: '', thinking: '', tool_calls: [], builtin_calls: [], streaming: true };
  const history = apiMessages(c);
  const think = els.effort.value;
  c.messages.push(reply);
  save();
  renderAll();
  const div = els.messages.lastElementChild;
  controller = new AbortController();
  els.send.hidden = true;
  els.stop.hidden = false;
  showError('');
  let pending = false;
  const redraw = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      updateAssistant(div, reply);
      els.messages.scrollTop = els.messages.scrollHeight;
    });
  };
  try {
    await modelLoaded;
    const request = { model: modelName, messages: history, think, stream: true };
    let res = await fetch('/api/chat', { method: 'POST', headers: headers(), body: JSON.stringify(request), signal: controller.signal });
    if (res.status === 401 && askKey()) res = await fetch('/api/chat', { method: 'POST', headers: headers(), body: JSON.stringify(request), signal: controller.signal });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.error ?? `HTTP ${res.status}`);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        const chunk = JSON.parse(line);
        if (chunk.error) throw new Error(chunk.error);
        if (chunk.message?.thinking) reply.thinking += chunk.message.thinking;
        if (chunk.message?.content) reply.content += chunk.message.content;
        if (chunk.message?.tool_calls) reply.tool_calls.push(...chunk.message.tool_calls);
        for (const call of chunk.message?.builtin_tool_calls ?? []) {
          const known = reply.builtin_calls.find((c) => c.id === call.id);
          if (known) Object.assign(known, call);
          else reply.builtin_calls.push({ ...call });
        }
        if (chunk.done) reply.stats = statsText(chunk);
        redraw();
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') reply.stopped = true;
    else showError(String(e.message ?? e));
  } finally {
    reply.streaming = false;
    controller = null;
    els.send.hidden = false;
    els.stop.hidden = true;
    save();
    updateAssistant(div, reply);
  }
}

els.composer.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = els.input.value.trim();
  if (!text || controller) return;
  els.input.value = '';
  void send(text);
});
els.input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    els.composer.requestSubmit();
  }
});
els.stop.onclick = () => controller?.abort();
els.newChat.onclick = () => {
  if (controller) return;
  current = newConversation().id;
  renderAll();
};
els.key.onclick = () => askKey();
els.effort.value = localStorage.getItem(EFFORT) ?? 'medium';
els.effort.onchange = () => localStorage.setItem(EFFORT, els.effort.value);

async function loadModelName() {
  for (;;) {
    let res = await fetch('/api/tags', { headers: headers() });
    if (res.status === 401 && askKey()) res = await fetch('/api/tags', { headers: headers() });
    if (res.status === 503) {
      // The server is still loading its model (a large one takes minutes): say so and ask again.
      els.model.textContent = 'loading the model…';
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    if (!res.ok) return;
    const tags = await res.json();
    if (tags.models?.[0]) modelName = tags.models[0].name;
    els.model.textContent = modelName;
    return;
  }
}

renderAll();
// A message sent before the server has named its model waits for the name.
const modelLoaded = loadModelName().catch((e) => showError(`cannot reach the server: ${e.message}`));

// The server runs the built-in tools inside requests (serve --browser --python): the Responses API's
// web_search / code_interpreter tool types as the openai SDK sends them, forced through tool_choice,
// with their output items, streaming events and url_citation annotations; Chat Completions and
// Ollama's /api/chat with the calls in builtin_tool_calls; a 400 naming the flag when a tool is off;
// a cancelled request stopping a running python cell. Real HTTP on 127.0.0.1, the real engine and
// tools, a stand-in model that answers directly unless a call is forced (PreferenceModel).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { Engine } from '../../src/engine/index.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import type { ServedModel } from '../../src/server/served-model.js';
import { ids, scriptedServer, ANSWER, tok, type TestServer } from './helpers.js';
import { PreferenceModel } from './preference-model.js';

type Ev = Record<string, unknown> & { type: string; sequence_number: number };

const DIRECT = ids('<|channel|>final<|message|>I answer without looking.<|return|>');
const SEARCH = ids('<|channel|>analysis to=browser.search code<|message|>{"query":"whales krill"}<|call|>');
const OPEN = ids('<|channel|>analysis to=browser.open code<|message|>{"id":0}<|call|>');
const CITED = ids('<|channel|>final<|message|>Blue whales eat krill【1†L2-L2】.<|return|>');
/** Answers directly; forced, it searches, opens the first result and cites it. */
const BROWSE = [[DIRECT, SEARCH], [OPEN], [CITED]];

const CODE_DIRECT = ids('<|channel|>final<|message|>No code needed.<|return|>');
const code = (src: string): number[] => ids(`<|channel|>analysis to=python code<|message|>${src}<|call|>`);
const python = (src: string, answer: string): number[][][] => [[CODE_DIRECT, code(src)], [ids(`<|channel|>final<|message|>${answer}<|return|>`)]];

let docs: string;
let docUrl: string;
let server: RunningServer;
let served: ServedModel;
let model: PreferenceModel;
let client: OpenAI;
let base: string;

before(async () => {
  docs = mkdtempSync(join(tmpdir(), 'gpt-oss-builtin-docs-'));
  writeFileSync(join(docs, 'whales.md'), '# Blue whales\n\nBlue whales eat krill, up to four tonnes a day.\n');
  writeFileSync(join(docs, 'cats.md'), '# Cats\n\nCats sleep most of the day.\n');
  docUrl = pathToFileURL(join(docs, 'whales.md')).href;
  model = new PreferenceModel(BROWSE);
  const engine = new Engine(model, tok, { sessions: 1 });
  server = await startServer(
    { engine },
    { modelId: 'scripted', port: 0, log: () => {}, builtins: { browser: { backend: 'local', docs }, python: { timeoutS: 60, prestart: false } } },
  );
  served = await server.ready;
  base = server.url;
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  await server?.close();
  rmSync(docs, { recursive: true, force: true });
});

const waitIdle = async (): Promise<void> => {
  for (let i = 0; i < 200 && served.pool.busy > 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(served.pool.busy, 0, 'the session was released');
};

describe('built-in tools on the Responses API (openai client)', () => {
  it('web_search: the model answers directly unless tool_choice forces a search; forced, it searches, opens and cites', async () => {
    model.rounds = BROWSE;
    const free = await client.responses.create({ model: 'scripted', input: 'What do blue whales eat?', tools: [{ type: 'web_search' }] });
    assert.deepEqual(free.output.map((o) => o.type), ['message']);
    assert.equal(free.output_text, 'I answer without looking.');

    const r = await client.responses.create({ model: 'scripted', input: 'What do blue whales eat?', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search_preview' } });
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.output.map((o) => o.type), ['web_search_call', 'web_search_call', 'message']);
    const [search, open] = r.output as OpenAI.Responses.ResponseFunctionWebSearch[];
    assert.match(search!.id, /^ws_/);
    assert.equal(search!.status, 'completed');
    assert.deepEqual(search!.action, { type: 'search', query: 'whales krill', queries: ['whales krill'], sources: [{ type: 'url', url: docUrl }] });
    assert.deepEqual(open!.action, { type: 'open_page', url: docUrl });
    const text = (r.output[2] as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputText;
    assert.equal(text.text, `Blue whales eat krill ([whales.md](${docUrl})) .`);
    assert.deepEqual(text.annotations, [{ type: 'url_citation', url: docUrl, title: 'Blue whales', start_index: 21, end_index: 21 + ` ([whales.md](${docUrl})) `.length }]);
    assert.deepEqual(r.tools, [{ type: 'web_search' }]);
    // What the model saw: the browser namespace, the search results and the page it opened.
    const seen = tok.decode(model.history.get(0)!);
    assert.match(seen, /## browser\n/);
    assert.match(seen, /<\|start\|>browser\.search to=assistant<\|channel\|>commentary<\|message\|>\[0\] whales krill/);
    assert.match(seen, /L2: Blue whales eat krill, up to four tonnes a day\./);
  });

  it('streams web_search_call items with their status events, sequence numbers and the annotation as it is added', async () => {
    model.rounds = BROWSE;
    const stream = await client.responses.create({ model: 'scripted', input: 'Whales?', tools: [{ type: 'web_search_preview' }], tool_choice: 'required', stream: true });
    const events: Ev[] = [];
    for await (const e of stream) events.push(e as unknown as Ev);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const types = events.map((e) => e.type).filter((t, i, a) => !(t.endsWith('.delta') && a[i - 1] === t));
    const call = ['response.output_item.added', 'response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed', 'response.output_item.done'];
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      ...call,
      ...call,
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.annotation.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const added = events.find((e) => e.type === 'response.output_item.added')!;
    assert.equal((added['item'] as { status: string }).status, 'in_progress');
    const note = events.find((e) => e.type === 'response.output_text.annotation.added')!;
    assert.equal(note['annotation_index'], 0);
    assert.equal((note['annotation'] as { url: string }).url, docUrl);
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e['item']);
    const completed = events.at(-1)!['response'] as OpenAI.Responses.Response;
    assert.deepEqual(completed.output, done);
    // Streamed text with the citation rewritten exactly as in the final item.
    const streamed = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e['delta']).join('');
    assert.equal(streamed, ((completed.output[2] as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputText).text);
  });

  it('code_interpreter: a forced python call runs in a container kept by its id; code, logs and the code events stream', async () => {
    model.rounds = python('x = 6 * 7\nprint(x)', 'It is 42.');
    const r = await client.responses.create({ model: 'scripted', input: '6 times 7?', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], tool_choice: { type: 'code_interpreter' } });
    assert.deepEqual(r.output.map((o) => o.type), ['code_interpreter_call', 'message']);
    const ci = r.output[0] as OpenAI.Responses.ResponseCodeInterpreterToolCall;
    assert.match(ci.id, /^ci_/);
    assert.match(ci.container_id, /^cntr_/);
    assert.deepEqual({ status: ci.status, code: ci.code, outputs: ci.outputs }, { status: 'completed', code: 'x = 6 * 7\nprint(x)', outputs: [{ type: 'logs', logs: '42\n' }] });
    assert.equal(r.output_text, 'It is 42.');
    assert.deepEqual(r.tools, [{ type: 'code_interpreter', container: ci.container_id }]);

    // The same container by its id: the interpreter's state is still there.
    model.rounds = python('print(x + 1)', 'It is 43.');
    const stream = await client.responses.create({ model: 'scripted', input: 'And plus one?', tools: [{ type: 'code_interpreter', container: ci.container_id }], tool_choice: 'required', stream: true });
    const events: Ev[] = [];
    for await (const e of stream) events.push(e as unknown as Ev);
    const types = events.map((e) => e.type).filter((t, i, a) => !(t.endsWith('.delta') && a[i - 1] === t));
    assert.deepEqual(types.slice(2, 9), [
      'response.output_item.added',
      'response.code_interpreter_call.in_progress',
      'response.code_interpreter_call_code.delta',
      'response.code_interpreter_call_code.done',
      'response.code_interpreter_call.interpreting',
      'response.code_interpreter_call.completed',
      'response.output_item.done',
    ]);
    const codeDeltas = events.filter((e) => e.type === 'response.code_interpreter_call_code.delta').map((e) => e['delta']).join('');
    assert.equal(codeDeltas, 'print(x + 1)');
    const item = events.find((e) => e.type === 'response.output_item.done')!['item'] as OpenAI.Responses.ResponseCodeInterpreterToolCall;
    assert.deepEqual(item.outputs, [{ type: 'logs', logs: '43\n' }]);
    assert.equal(item.container_id, ci.container_id);

    // A container that does not exist is a 404 naming it.
    await assert.rejects(
      client.responses.create({ model: 'scripted', input: 'x', tools: [{ type: 'code_interpreter', container: 'cntr_nope' }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404 && e.code === 'container_not_found' && /cntr_nope/.test(e.message),
    );
  });

  it('a cancelled request stops its running python cell: the interpreter restarts, the session is freed, state is lost', async () => {
    model.rounds = python('y = 1', 'Set.');
    const r = await client.responses.create({ model: 'scripted', input: 'set y', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], tool_choice: 'required' });
    const container = (r.output[0] as OpenAI.Responses.ResponseCodeInterpreterToolCall).container_id;
    model.rounds = python('while True:\n    pass', 'Never.');
    const abort = new AbortController();
    const stream = await client.responses.create(
      { model: 'scripted', input: 'loop', tools: [{ type: 'code_interpreter', container }], tool_choice: 'required', stream: true },
      { signal: abort.signal },
    );
    const t0 = Date.now();
    let completed = false;
    try {
      for await (const e of stream) {
        if (e.type === 'response.code_interpreter_call.interpreting') setTimeout(() => abort.abort(), 200);
        if (e.type === 'response.completed') completed = true;
      }
    } catch {
      // The client's abort ends the stream (the SDK may throw or just stop).
    }
    assert.equal(completed, false);
    await waitIdle();
    assert.ok(Date.now() - t0 < 30_000, 'stopped long before the 60 s cell limit');
    model.rounds = python('print(y)', 'Gone.');
    const after = await client.responses.create({ model: 'scripted', input: 'y?', tools: [{ type: 'code_interpreter', container }], tool_choice: 'required' });
    const logs = (after.output[0] as OpenAI.Responses.ResponseCodeInterpreterToolCall).outputs![0] as { logs: string };
    assert.match(logs.logs, /NameError: name 'y' is not defined/);
  });
});

describe('built-in tools on Chat Completions and Ollama /api/chat', () => {
  it('Chat Completions: a forced browser.search runs on the server; calls in builtin_tool_calls, citations as annotations, no tool_calls', async () => {
    model.rounds = BROWSE;
    const c = await client.chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'What do blue whales eat?' }],
      tool_choice: { type: 'function', function: { name: 'browser.search' } },
    });
    const message = c.choices[0]!.message as OpenAI.Chat.ChatCompletionMessage & { builtin_tool_calls?: { name: string; arguments: string; output: string }[] };
    assert.equal(c.choices[0]!.finish_reason, 'stop');
    assert.equal(message.tool_calls, undefined);
    assert.equal(message.content, `Blue whales eat krill ([whales.md](${docUrl})) .`);
    assert.deepEqual(message.annotations, [{ type: 'url_citation', url_citation: { start_index: 21, end_index: 21 + ` ([whales.md](${docUrl})) `.length, title: 'Blue whales', url: docUrl } }]);
    assert.deepEqual(message.builtin_tool_calls!.map((b) => [b.name, b.arguments]), [['browser.search', '{"query":"whales krill"}'], ['browser.open', '{"id":0}']]);
    assert.match(message.builtin_tool_calls![1]!.output, /L2: Blue whales eat krill/);

    // Streaming: each call as a delta when it is made, and again with its output.
    const stream = await client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Whales?' }], tool_choice: 'required', stream: true });
    const deltas: Record<string, unknown>[] = [];
    for await (const chunk of stream) if (chunk.choices[0]) deltas.push(chunk.choices[0].delta as Record<string, unknown>);
    const builtin = deltas.flatMap((d) => (d['builtin_tool_calls'] as { index: number; name: string; output?: string }[] | undefined) ?? []);
    assert.deepEqual(builtin.map((b) => [b.index, b.name, b.output === undefined]), [[0, 'browser.search', true], [0, 'browser.search', false], [1, 'browser.open', true], [1, 'browser.open', false]]);
    assert.equal(deltas.map((d) => d['content'] ?? '').join(''), `Blue whales eat krill ([whales.md](${docUrl})) .`);
    assert.ok(deltas.some((d) => Array.isArray(d['annotations'])));
    assert.ok(deltas.every((d) => d['tool_calls'] === undefined));
  });

  it('Ollama /api/chat (ollama client): the browser declared by the server flag, calls and results in builtin_tool_calls', async () => {
    // /api/chat has no tool_choice: this model calls on its own.
    model.rounds = [[SEARCH], [OPEN], [CITED]];
    const ollama = new Ollama({ host: base });
    const parts: Record<string, unknown>[] = [];
    for await (const chunk of await ollama.chat({ model: 'scripted', messages: [{ role: 'user', content: 'Whales?' }], stream: true })) parts.push(chunk.message as unknown as Record<string, unknown>);
    const builtin = parts.flatMap((m) => (m['builtin_tool_calls'] as { name: string; output?: string }[] | undefined) ?? []);
    assert.deepEqual(builtin.map((b) => [b.name, b.output !== undefined]), [['browser.search', false], ['browser.search', true], ['browser.open', false], ['browser.open', true]]);
    assert.match(builtin[1]!.output!, /whales\.md/);
    assert.equal(parts.map((m) => m['content']).join(''), `Blue whales eat krill ([whales.md](${docUrl})) .`);
    assert.ok(parts.every((m) => m['tool_calls'] === undefined));
  });
});

describe('built-in tools that the server has not enabled', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer([ANSWER]);
  });
  after(() => s?.close());

  it('a request that asks for one gets a 400 naming the tool and the flag that enables it; the server keeps serving', async () => {
    const cases: [() => Promise<unknown>, RegExp, string][] = [
      [() => s.client.responses.create({ model: 'scripted', input: 'x', tools: [{ type: 'web_search' }] }), /tools\[0\] \(web_search\).*--browser/, 'tools[0].type'],
      [() => s.client.responses.create({ model: 'scripted', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }), /code_interpreter.*--python/, 'tools[0].type'],
      [() => s.client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function', function: { name: 'python' } } }), /tool_choice 'python'.*--python/, 'tool_choice.function.name'],
      [() => s.client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }], web_search_options: {} }), /web_search_options.*--browser/, 'web_search_options'],
    ];
    for (const [call, message, param] of cases) {
      await assert.rejects(call(), (e: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(e.status, 400);
        assert.equal(e.code, 'tool_not_enabled');
        assert.equal(e.param, param);
        assert.match(e.message, message);
        return true;
      });
    }
    // tool_choice naming a built-in type that is not among the request's tools.
    await assert.rejects(
      client.responses.create({ model: 'scripted', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'code_interpreter' } }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && e.param === 'tool_choice.type',
    );
    const ok = await s.client.responses.create({ model: 'scripted', input: 'Hi' });
    assert.equal(ok.output_text, 'Hello, world!');
  });
});

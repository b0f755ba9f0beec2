import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { ANSWER, CALL_ROUNDS, WEATHER_TOOL, scriptedServer, type TestServer } from './helpers.js';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;
const user: Msg[] = [{ role: 'user', content: 'Hi' }];
/** The fields this server adds beside OpenAI's (what gpt-oss clients read). */
type WithReasoning = { reasoning?: string; reasoning_content?: string };

describe('POST /v1/chat/completions (openai client, scripted model)', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer([ANSWER]);
  });
  after(() => s.close());

  it('answers with content, reasoning as `reasoning` and `reasoning_content`, finish_reason and usage', async () => {
    const r = await s.client.chat.completions.create({ model: 'scripted', messages: user, seed: 1 });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    const choice = r.choices[0]!;
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'Hello, world!');
    const m = choice.message as typeof choice.message & WithReasoning;
    assert.equal(m.reasoning, 'The user greets me.');
    assert.equal(m.reasoning_content, 'The user greets me.');
    assert.equal(choice.finish_reason, 'stop');
    const u = r.usage!;
    assert.equal(u.completion_tokens, ANSWER.length);
    assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
    // Reasoning tokens: those of the analysis message's text, at least.
    assert.ok(u.completion_tokens_details!.reasoning_tokens! >= 5 && u.completion_tokens_details!.reasoning_tokens! < ANSWER.length);
    assert.equal(typeof u.prompt_tokens_details!.cached_tokens, 'number');
  });

  it('streams role, reasoning and content chunks, a finish chunk, the usage chunk and [DONE]', async () => {
    const stream = await s.client.chat.completions.create({ model: 'scripted', messages: user, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta as typeof ch.delta & WithReasoning));
    assert.equal(deltas.map((d) => d.content ?? '').join(''), 'Hello, world!');
    assert.equal(deltas.map((d) => d.reasoning ?? '').join(''), 'The user greets me.');
    assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'The user greets me.');
    assert.ok(deltas.filter((d) => d.content).length > 1, 'content arrives in several chunks');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.equal(finish.length, 1);
    assert.equal(finish[0]!.choices[0]!.finish_reason, 'stop');
    const last = chunks[chunks.length - 1]!;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage!.completion_tokens, ANSWER.length);
    for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);
    assert.ok(chunks.every((c) => c.id === chunks[0]!.id && c.object === 'chat.completion.chunk'));
  });

  it('the raw stream ends with data: [DONE]', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: user, stream: true }) });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const text = await res.text();
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  });

  it('stop: cuts the content before the stop sequence, also split over deltas, with finish_reason stop', async () => {
    const r = await s.client.chat.completions.create({ model: 'scripted', messages: user, stop: ['world'] });
    assert.equal(r.choices[0]!.message.content, 'Hello, ');
    assert.equal(r.choices[0]!.finish_reason, 'stop');
    // The engine stopped: fewer tokens than the whole answer.
    assert.ok(r.usage!.completion_tokens < ANSWER.length);
    const stream = await s.client.chat.completions.create({ model: 'scripted', messages: user, stop: ', wor', stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    assert.equal(text, 'Hello');
  });

  it('max_tokens / max_completion_tokens count all generated tokens, reasoning included: finish_reason length', async () => {
    const a = await s.client.chat.completions.create({ model: 'scripted', messages: user, max_tokens: 4 });
    assert.equal(a.choices[0]!.finish_reason, 'length');
    assert.equal(a.usage!.completion_tokens, 4);
    const b = await s.client.chat.completions.create({ model: 'scripted', messages: user, max_completion_tokens: 6 });
    assert.equal(b.usage!.completion_tokens, 6);
  });

  it('logprobs with top_logprobs: one entry per content token, texts that spell the content', async () => {
    const r = await s.client.chat.completions.create({ model: 'scripted', messages: user, logprobs: true, top_logprobs: 2 });
    const content = r.choices[0]!.logprobs!.content!;
    assert.equal(content.map((t) => t.token).join(''), 'Hello, world!');
    for (const t of content) {
      // The scripted model gives its token logit 40 and every other 0: probability ~1.
      assert.ok(t.logprob <= 0 && t.logprob > -1e-6, `logprob ${t.logprob}`);
      assert.equal(t.top_logprobs.length, 2);
      assert.equal(t.top_logprobs[0]!.token, t.token);
      assert.ok(t.top_logprobs[1]!.logprob < -30);
      assert.deepEqual(Buffer.from(t.bytes!).toString(), t.token);
    }
  });

  it('seed makes sampling reproducible; the assistant message is accepted back as returned', async () => {
    const a = await s.client.chat.completions.create({ model: 'scripted', messages: user, seed: 7, temperature: 1 });
    const back: Msg[] = [...user, a.choices[0]!.message as Msg, { role: 'user', content: 'Again' }];
    const b = await s.client.chat.completions.create({ model: 'scripted', messages: back, seed: 7 });
    assert.equal(b.choices[0]!.message.content, 'Hello, world!');
    // The second request reuses the cache of the first: everything up to the previous answer.
    assert.ok(b.usage!.prompt_tokens_details!.cached_tokens! >= a.usage!.prompt_tokens);
  });

  it('n=1 is accepted', async () => {
    const r = await s.client.chat.completions.create({ model: 'scripted', messages: user, n: 1 });
    assert.equal(r.choices.length, 1);
  });
});

describe('chat completions: a function call round trip', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer(CALL_ROUNDS);
  });
  after(() => s.close());

  const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: WEATHER_TOOL }];
  const ask: Msg[] = [{ role: 'user', content: 'Weather in Paris?' }];

  it('returns the call (finish_reason tool_calls), takes the result by tool_call_id and answers', async () => {
    const first = await s.client.chat.completions.create({ model: 'scripted', messages: ask, tools });
    const m = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(m.content, null);
    assert.equal((m as WithReasoning).reasoning, 'Need the weather.');
    assert.equal(m.tool_calls!.length, 1);
    const call = m.tool_calls![0]!;
    assert.equal(call.type, 'function');
    assert.ok(call.type === 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    const second = await s.client.chat.completions.create({
      model: 'scripted',
      messages: [...ask, m as Msg, { role: 'tool', tool_call_id: call.id, content: '{"sky":"sunny"}' }],
      tools,
    });
    assert.equal(second.choices[0]!.message.content, 'It is sunny.');
    assert.equal(second.choices[0]!.finish_reason, 'stop');
    // The chain of thought sent back with the call was kept: everything before the tool result was cached.
    assert.ok(second.usage!.prompt_tokens_details!.cached_tokens! > first.usage!.prompt_tokens);
  });

  it('streams the call: id and name first, then the arguments in chunks of the same index', async () => {
    const stream = await s.client.chat.completions.create({ model: 'scripted', messages: ask, tools, stream: true });
    const calls: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null | undefined;
    for await (const c of stream) {
      calls.push(...(c.choices[0]?.delta.tool_calls ?? []));
      finish ??= c.choices[0]?.finish_reason;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls[0]!.function!.name, 'get_weather');
    assert.match(calls[0]!.id!, /^call_/);
    assert.ok(calls.every((c) => c.index === 0));
    assert.equal(calls.map((c) => c.function?.arguments ?? '').join(''), '{"city":"Paris"}');
  });
});

describe('model names on /v1: those Ollama\'s API and the CLI resolve for the served model', () => {
  // Served as `gpt-oss serve gpt-oss-20b` names it.
  let s: TestServer;
  before(async () => {
    s = await scriptedServer([ANSWER], { modelId: 'gpt-oss-20b' });
  });
  after(() => s.close());

  const post = (path: string, body: object): Promise<Response> =>
    fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('chat completions, responses and GET /v1/models/{id} accept the Ollama name, the :latest tag and the hub names', async () => {
    for (const name of ['gpt-oss:20b', 'gpt-oss-20b:latest', 'openai/gpt-oss-20b', 'gpt-oss', 'gpt-oss:latest']) {
      const r = await s.client.chat.completions.create({ model: name, messages: user });
      assert.equal(r.model, name);
      assert.equal(r.choices[0]!.message.content, 'Hello, world!');
      const resp = await s.client.responses.create({ model: name, input: 'Hi' });
      assert.equal(resp.model, name);
      assert.equal(resp.output_text, 'Hello, world!');
      const entry = await fetch(`${s.url}/v1/models/${name}`);
      assert.equal(entry.status, 200, name);
      assert.equal(((await entry.json()) as { id: string }).id, name);
    }
    // The list still names the model once, as before.
    assert.deepEqual((await s.client.models.list()).data.map((m) => m.id), ['gpt-oss-20b']);
    // The same rule on Ollama's side: the hub name is accepted there too.
    const ollama = await post('/api/chat', { model: 'openai/gpt-oss-20b', messages: [{ role: 'user', content: 'Hi' }], stream: false });
    assert.equal(ollama.status, 200);
  });

  it('names of other models stay a 404 with an OpenAI-style model_not_found body', async () => {
    for (const name of ['gpt-oss:120b', 'openai/gpt-oss-120b', 'gpt-oss-120b', 'llama3:latest', 'gpt-oss-20b:q4']) {
      for (const r of [
        await post('/v1/chat/completions', { model: name, messages: [{ role: 'user', content: 'Hi' }] }),
        await post('/v1/responses', { model: name, input: 'Hi' }),
        await fetch(`${s.url}/v1/models/${name}`),
      ]) {
        assert.equal(r.status, 404, name);
        const body = (await r.json()) as { error: { code: string; param: string; type: string; message: string } };
        assert.equal(body.error.code, 'model_not_found');
        assert.equal(body.error.param, 'model');
        assert.match(body.error.message, new RegExp(`The model '${name.replace('/', '\\/')}' does not exist; this server serves 'gpt-oss-20b'`));
      }
    }
  });
});

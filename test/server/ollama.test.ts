import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ollama, type ChatResponse } from 'ollama';
import { ANSWER, CALL_ROUNDS, ids, scriptedServer, tok, WEATHER_TOOL, type TestServer } from './helpers.js';

// Ollama's API on the real server over real HTTP, driven by Ollama's own JavaScript client, with a
// scripted model (reasoning, answers and tool calls a random-weight checkpoint would not produce).

const servers: TestServer[] = [];
async function server(rounds: readonly (readonly number[])[], options: Parameters<typeof scriptedServer>[1] = {}): Promise<{ s: TestServer; ollama: Ollama }> {
  const s = await scriptedServer(rounds, { modelId: 'gpt-oss-20b', ...options });
  servers.push(s);
  return { s, ollama: new Ollama({ host: s.url }) };
}
after(async () => {
  for (const s of servers) await s.close();
});

const promptText = (s: TestServer): string => tok.decode(s.model.history.get(0) ?? []);

describe('Ollama API: /api/chat', () => {
  it('without streaming: thinking and content apart, token counts and durations, the Ollama model name accepted', async () => {
    const { s, ollama } = await server([ANSWER]);
    const r = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false });
    assert.equal(r.model, 'gpt-oss:20b');
    assert.equal(r.message.role, 'assistant');
    assert.equal(r.message.thinking, 'The user greets me.');
    assert.equal(r.message.content, 'Hello, world!');
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'stop');
    assert.ok(r.prompt_eval_count > 10);
    assert.equal(r.eval_count, ANSWER.length);
    assert.ok(r.eval_duration > 0 && r.total_duration >= r.eval_duration);
    assert.match(promptText(s), /<\|start\|>user<\|message\|>Hi<\|end\|>/);
  });

  it('streaming: newline-delimited chunks, thinking first, then content, then one done chunk with the counts', async () => {
    const { ollama } = await server([ANSWER]);
    const chunks: ChatResponse[] = [];
    for await (const c of await ollama.chat({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: 'Hi' }], stream: true })) chunks.push(c);
    const last = chunks.pop()!;
    assert.equal(last.done, true);
    assert.equal(last.eval_count, ANSWER.length);
    assert.ok(chunks.every((c) => !c.done));
    const thinking = chunks.map((c) => c.message.thinking ?? '').join('');
    const content = chunks.map((c) => c.message.content).join('');
    assert.equal(thinking, 'The user greets me.');
    assert.equal(content, 'Hello, world!');
    const firstContent = chunks.findIndex((c) => c.message.content !== '');
    const lastThinking = chunks.findLastIndex((c) => (c.message.thinking ?? '') !== '');
    assert.ok(chunks.length > 4 && lastThinking < firstContent, 'reasoning streams before the answer, in several chunks');
  });

  it('think: "high" sets the reasoning effort; think: false returns no thinking', async () => {
    const { s, ollama } = await server([ANSWER]);
    await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], think: 'high', stream: false });
    assert.match(promptText(s), /Reasoning: high/);
    const final = await server([ids('<|channel|>final<|message|>Hi.<|return|>')]);
    const r = await final.ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], think: false, stream: false });
    assert.equal(r.message.content, 'Hi.');
    assert.equal(r.message.thinking, undefined);
  });

  it('tools: a tool call with parsed arguments, then the tool result goes back and the answer follows', async () => {
    const { s, ollama } = await server(CALL_ROUNDS);
    const tools = [{ type: 'function', function: WEATHER_TOOL }];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await ollama.chat({ model: 'gpt-oss:20b', messages, tools, stream: false });
    assert.equal(first.message.tool_calls?.length, 1);
    assert.equal(first.message.tool_calls![0]!.function.name, 'get_weather');
    assert.deepEqual(first.message.tool_calls![0]!.function.arguments, { city: 'Paris' });
    assert.match(promptText(s), /namespace functions \{[\s\S]*type get_weather = \(_: \{/);
    const second = await ollama.chat({
      model: 'gpt-oss:20b',
      messages: [...messages, first.message, { role: 'tool', content: '{"sky":"sunny"}', tool_name: 'get_weather' }],
      tools,
      stream: false,
    });
    assert.equal(second.message.content, 'It is sunny.');
    assert.match(promptText(s), /<\|start\|>functions\.get_weather to=assistant<\|channel\|>commentary<\|message\|>\{"sky":"sunny"\}<\|end\|>/);
  });

  it('tools while streaming: the call arrives in one chunk with parsed arguments, before the done chunk', async () => {
    const { ollama } = await server(CALL_ROUNDS);
    const chunks: ChatResponse[] = [];
    const stream = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [{ type: 'function', function: WEATHER_TOOL }], think: 'low', stream: true });
    for await (const c of stream) chunks.push(c);
    const calls = chunks.flatMap((c) => c.message.tool_calls ?? []);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.function.name, 'get_weather');
    assert.deepEqual(calls[0]!.function.arguments, { city: 'Paris' });
    assert.equal(chunks.map((c) => c.message.thinking ?? '').join(''), 'Need the weather.');
    const last = chunks.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'stop');
    assert.ok(chunks.findIndex((c) => c.message.tool_calls) < chunks.length - 1);
  });

  it('format as a JSON schema goes to constrained decoding: the content parses and validates', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, sunny: { type: 'boolean' } }, required: ['city', 'sunny'], additionalProperties: false };
    // The script chats before its JSON: only constrained decoding turns that into content that parses.
    const { ollama } = await server([ids('<|channel|>final<|message|>Sure! Here it is: {"city":"Paris","sunny":true}<|return|>')]);
    const r = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Paris?' }], format: schema, stream: false, options: { temperature: 0, num_predict: 60 } });
    const value: unknown = JSON.parse(r.message.content);
    assert.ok(new Ajv2020().validate(schema, value), r.message.content);
    const json = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Paris?' }], format: 'json', stream: false, options: { temperature: 0, num_predict: 60 } });
    assert.equal(typeof JSON.parse(json.message.content), 'object', json.message.content);
    // A schema the grammar cannot take is the request's fault: 400, named.
    await assert.rejects(ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'x' }], format: { type: 'object', properties: { a: { $ref: '#/nowhere' } } }, stream: false }), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 400);
      return true;
    });
  });

  it('options: num_predict caps the answer (done_reason length), seed and temperature accepted, stop ends it', async () => {
    const { ollama } = await server([ANSWER]);
    const r = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false, options: { num_predict: 3, temperature: 0.5, seed: 7 } });
    assert.equal(r.done_reason, 'length');
    assert.equal(r.eval_count, 3);
    const stopped = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false, options: { stop: [', world'] } });
    assert.equal(stopped.message.content, 'Hello');
    assert.equal(stopped.done_reason, 'stop');
  });
});

describe('Ollama API: generate, tags, show, ps, version, errors', () => {
  it('/api/generate streams the answer as `response` (with thinking); an empty prompt loads the model, with keep_alive 0 unloads it', async () => {
    const { ollama } = await server([ANSWER]);
    let response = '';
    let thinking = '';
    for await (const c of await ollama.generate({ model: 'gpt-oss:20b', prompt: 'Hi', system: 'Be brief.', stream: true })) {
      response += c.response;
      thinking += c.thinking ?? '';
    }
    assert.equal(response, 'Hello, world!');
    assert.equal(thinking, 'The user greets me.');
    const load = await ollama.generate({ model: 'gpt-oss:20b', prompt: '', stream: false });
    assert.equal(load.done_reason, 'load');
    // Ollama's unload request (docs/api.md "Unload a model"): no input and keep_alive 0, as a number or a duration.
    for (const keep_alive of [0, '0', '0s']) {
      const unload = await ollama.generate({ model: 'gpt-oss:20b', prompt: '', keep_alive, stream: false });
      assert.deepEqual({ ...unload, created_at: '' }, { model: 'gpt-oss:20b', created_at: '', response: '', done: true, done_reason: 'unload' }, `keep_alive ${JSON.stringify(keep_alive)}`);
      const chat = await ollama.chat({ model: 'gpt-oss:20b', messages: [], keep_alive, stream: false });
      assert.deepEqual({ ...chat, created_at: '' }, { model: 'gpt-oss:20b', created_at: '', message: { role: 'assistant', content: '' }, done: true, done_reason: 'unload' });
    }
    assert.equal((await ollama.chat({ model: 'gpt-oss:20b', messages: [], keep_alive: '5m', stream: false })).done_reason, 'load');
    // keep_alive 0 beside a prompt still answers it (Ollama unloads afterwards; this server keeps its one model).
    const answered = await ollama.generate({ model: 'gpt-oss:20b', prompt: 'Hi', keep_alive: 0, stream: false });
    assert.equal(answered.response, 'Hello, world!');
    assert.equal(answered.done_reason, 'stop');
  });

  it('tags, show, ps and version answer in the shapes the client reads', async () => {
    const { s, ollama } = await server([ANSWER]);
    const list = await ollama.list();
    assert.equal(list.models.length, 1);
    assert.equal(list.models[0]!.name, 'gpt-oss:20b');
    assert.equal(list.models[0]!.details.family, 'gpt-oss');
    assert.equal(list.models[0]!.details.quantization_level, 'MXFP4');
    const info = await ollama.show({ model: 'gpt-oss:20b' });
    assert.deepEqual(info.capabilities, ['completion', 'tools', 'thinking']);
    const modelInfo = info.model_info as unknown as Record<string, unknown>; // the client types it as a Map; the wire has an object
    assert.equal(modelInfo['gpt-oss.block_count'], s.served.engine.config.numHiddenLayers);
    assert.equal(modelInfo['gpt-oss.context_length'], s.served.engine.config.maxContextLength);
    const running = await ollama.ps();
    assert.equal(running.models[0]!.name, 'gpt-oss:20b');
    assert.equal((running.models[0] as unknown as { context_length: number }).context_length, s.served.engine.contextLength);
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    // Ollama front ends probe GET / for this line.
    assert.equal(await (await fetch(`${s.url}/`)).text(), 'Ollama is running');
  });

  it('an unknown model is a 404, a bad body a 400, both as {"error": ...}; the server keeps serving', async () => {
    const { s, ollama } = await server([ANSWER]);
    await assert.rejects(ollama.chat({ model: 'llama3', messages: [{ role: 'user', content: 'Hi' }], stream: false }), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 404);
      assert.match(e.message, /model 'llama3' not found; this server serves 'gpt-oss:20b'/);
      return true;
    });
    const bad = await fetch(`${s.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'gpt-oss:20b', messages: 'hi' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /Invalid value for 'messages': Invalid input: expected array, received string/);
    const notJson = await fetch(`${s.url}/api/generate`, { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /not JSON/);
    // Endpoints a one-model server does not have answer in Ollama's shape, so the client shows why.
    await assert.rejects(ollama.pull({ model: 'gpt-oss:120b' }), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 404);
      assert.match(e.message, /^this server does not pull models over the API: .*'gpt-oss pull'/);
      return true;
    });
    await assert.rejects(ollama.embed({ model: 'gpt-oss:20b', input: 'x' }), /embeddings are not offered/);
    const unknown = await fetch(`${s.url}/api/nothing`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: 'no route for GET /api/nothing' });
    const ok = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false });
    assert.equal(ok.message.content, 'Hello, world!');
  });

  it('with --api-key, /api needs the key too (the client sends it as a header); /api/version does not', async () => {
    const { s } = await server([ANSWER], { apiKey: 'sekret' });
    const without = new Ollama({ host: s.url });
    await assert.rejects(without.list(), (e: Error & { status_code?: number }) => {
      assert.equal(e.status_code, 401);
      assert.match(e.message, /API key/);
      return true;
    });
    assert.equal((await fetch(`${s.url}/api/version`)).status, 200);
    const withKey = new Ollama({ host: s.url, headers: { Authorization: 'Bearer sekret' } });
    const r = await withKey.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false });
    assert.equal(r.message.content, 'Hello, world!');
  });
});

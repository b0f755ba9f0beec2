import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ANSWER, scriptedServer, type TestServer } from './helpers.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const KEY = 'sk-test-key';

describe('bad input gets its status and an OpenAI-style error body; the server keeps serving', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer([ANSWER], { apiKey: KEY, bodyLimit: 64 * 1024, contextLength: 256 });
  });
  after(() => s.close());

  async function send(path: string, body: string | object, init: { method?: string; key?: string | null } = {}): Promise<{ status: number; body: ErrorBody; headers: Headers }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = init.key === undefined ? KEY : init.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    const res = await fetch(`${s.url}${path}`, {
      method: init.method ?? 'POST',
      headers,
      ...(init.method === 'GET' || init.method === 'DELETE' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const json = (await res.json()) as ErrorBody;
    return { status: res.status, body: json, headers: res.headers };
  }

  function assertError(r: { status: number; body: ErrorBody }, status: number, param: string | null, code: string | null): void {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(r.body.error.param, param);
    assert.equal(r.body.error.code, code);
    assert.ok(r.body.error.message.length > 10);
  }

  const chat = (extra: object): object => ({ messages: [{ role: 'user', content: 'Hi' }], ...extra });

  it('malformed JSON: 400 invalid_json', async () => {
    assertError(await send('/v1/chat/completions', '{"messages": ['), 400, null, 'invalid_json');
    assertError(await send('/v1/responses', 'not json'), 400, null, 'invalid_json');
    assertError(await send('/v1/responses', '[1, 2]'), 400, null, 'invalid_type');
  });

  it('fields of the wrong type or unknown enum values: 400 naming the field as param', async () => {
    assertError(await send('/v1/chat/completions', chat({ temperature: 'hot' })), 400, 'temperature', 'invalid_type');
    assertError(await send('/v1/chat/completions', chat({ reasoning_effort: 'extreme' })), 400, 'reasoning_effort', 'invalid_value');
    assertError(await send('/v1/chat/completions', { messages: [{ role: 'robot', content: 'Hi' }] }), 400, 'messages[0].role', 'invalid_value');
    assertError(await send('/v1/chat/completions', { messages: [{ role: 'user', content: 5 }] }), 400, 'messages[0].content', 'invalid_type');
    assertError(await send('/v1/chat/completions', { messages: 'Hi' }), 400, 'messages', 'invalid_type');
    assertError(await send('/v1/chat/completions', chat({ response_format: { type: 'yaml' } })), 400, 'response_format.type', 'invalid_value');
    assertError(await send('/v1/chat/completions', chat({ top_logprobs: 50, logprobs: true })), 400, 'top_logprobs', 'invalid_value');
    assertError(await send('/v1/responses', { input: 'Hi', reasoning: { effort: 'max' } }), 400, 'reasoning.effort', 'invalid_value');
    assertError(await send('/v1/responses', { input: [{ type: 'function_call_output', output: 'x' }] }), 400, 'input[0].call_id', 'invalid_type');
    assertError(await send('/v1/responses', { input: 'Hi', max_output_tokens: 0 }), 400, 'max_output_tokens', 'invalid_value');
  });

  it('n other than 1: 400 naming n', async () => {
    assertError(await send('/v1/chat/completions', chat({ n: 3 })), 400, 'n', 'unsupported_value');
  });

  it('a tool message whose tool_call_id matches no call: 400 naming it', async () => {
    const r = await send('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }, { role: 'tool', tool_call_id: 'call_x', content: '1' }] });
    assertError(r, 400, 'messages[1].tool_call_id', 'invalid_value');
  });

  it('a prompt longer than the context: 400 context_length_exceeded', async () => {
    const long = 'lorem ipsum '.repeat(300);
    assertError(await send('/v1/chat/completions', { messages: [{ role: 'user', content: long }] }), 400, 'messages', 'context_length_exceeded');
    assertError(await send('/v1/responses', { input: long, stream: true }), 400, 'input', 'context_length_exceeded');
  });

  it('an unknown model: 404 model_not_found on both APIs and GET /v1/models/{id}', async () => {
    assertError(await send('/v1/chat/completions', chat({ model: 'gpt-4o' })), 404, 'model', 'model_not_found');
    assertError(await send('/v1/responses', { model: 'gpt-4o', input: 'Hi' }), 404, 'model', 'model_not_found');
    assertError(await send('/v1/models/gpt-4o', '', { method: 'GET' }), 404, 'model', 'model_not_found');
  });

  it('an unknown response id: 404 on GET, DELETE and previous_response_id', async () => {
    assertError(await send('/v1/responses/resp_missing', '', { method: 'GET' }), 404, 'response_id', 'response_not_found');
    assertError(await send('/v1/responses/resp_missing', '', { method: 'DELETE' }), 404, 'response_id', 'response_not_found');
    assertError(await send('/v1/responses', { input: 'Hi', previous_response_id: 'resp_missing' }), 404, 'previous_response_id', 'previous_response_not_found');
  });

  it('a missing or wrong API key: 401 (GET /health needs none)', async () => {
    assertError(await send('/v1/chat/completions', chat({}), { key: null }), 401, null, 'invalid_api_key');
    assertError(await send('/v1/chat/completions', chat({}), { key: 'sk-wrong' }), 401, null, 'invalid_api_key');
    assertError(await send('/v1/models', '', { method: 'GET', key: 'sk-test-kez' }), 401, null, 'invalid_api_key');
    const health = await fetch(`${s.url}/health`);
    assert.equal(health.status, 200);
  });

  it('a body over the size limit: 413', async () => {
    const big = 'x'.repeat(70 * 1024);
    assertError(await send('/v1/chat/completions', { messages: [{ role: 'user', content: big }] }), 413, null, 'request_too_large');
  });

  it('an unknown route: 404', async () => {
    assertError(await send('/v1/embeddings', { input: 'x' }), 404, null, 'unknown_url');
  });

  it('after all of that the server still answers, and logged one JSON line per request', async () => {
    const r = await s.client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'Hi' }] }, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(r.choices[0]!.message.content, 'Hello, world!');
    const last = s.logs[s.logs.length - 1]!;
    assert.equal(last['method'], 'POST');
    assert.equal(last['path'], '/v1/chat/completions');
    assert.equal(last['status'], 200);
    assert.equal(last['completion_tokens'], r.usage!.completion_tokens);
    assert.equal(last['prompt_tokens'], r.usage!.prompt_tokens);
    assert.equal(last['cached_tokens'], r.usage!.prompt_tokens_details!.cached_tokens);
    assert.equal(typeof last['ttft_ms'], 'number');
    assert.equal(typeof last['duration_ms'], 'number');
    assert.ok(s.logs.some((l) => l['status'] === 413) && s.logs.some((l) => l['status'] === 401));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { Engine } from '../../src/engine/index.js';
import { startServer } from '../../src/server/serve.js';
import { ScriptedModel, makeTinyModel } from '../engine/helpers.js';
import { ANSWER, spawnServe, tok, type CliServer } from './helpers.js';

type Msg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe('gpt-oss serve on a tiny random checkpoint', () => {
  let model: { dir: string; remove: () => void };
  let srv: CliServer;
  let client: OpenAI;
  before(async () => {
    model = makeTinyModel(5);
    srv = await spawnServe([model.dir, '--parallel', '2', '--model-id', 'tiny-test', '--api-key', 'sk-cli', '--context', '2048']);
    client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'sk-cli', maxRetries: 0 });
  });
  after(() => {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
    model.remove();
  });

  it('binds 127.0.0.1, answers /health without a key and lists --model-id and the directory name', async () => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${srv.url}/health`);
    assert.equal(health.status, 200);
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['tiny-test', 'tiny'],
    );
    const r = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, seed: 1 });
    assert.equal(r.model, 'tiny');
    assert.equal(r.usage!.completion_tokens, 3);
    assert.equal(r.choices[0]!.finish_reason, 'length');
    const resp = await client.responses.create({ model: 'tiny-test', input: 'Hi', max_output_tokens: 3 });
    assert.equal(resp.status, 'incomplete');
  });

  it('prefix cache: a 10-turn stateless chat reuses every token before the previous assistant message', async () => {
    // Two conversations interleaved on --parallel 2: each turn must find its own conversation's session.
    const convs: Msg[][] = [[{ role: 'system', content: 'You are terse.' }], [{ role: 'developer', content: 'Answer in French.' }]];
    const prevPrompt = [0, 0];
    for (let turn = 0; turn < 10; turn++) {
      for (let c = 0; c < 2; c++) {
        const messages = convs[c]!;
        messages.push({ role: 'user', content: `Turn ${turn} of conversation ${c}: say something.` });
        const r = await client.chat.completions.create({ model: 'tiny-test', messages, max_tokens: 4, seed: turn, temperature: 1 });
        const u = r.usage!;
        const cached = u.prompt_tokens_details!.cached_tokens!;
        if (turn > 0) {
          assert.ok(cached >= prevPrompt[c]!, `turn ${turn} conv ${c}: cached ${cached} < previous prompt ${prevPrompt[c]}`);
          assert.ok(cached < u.prompt_tokens);
        }
        prevPrompt[c] = u.prompt_tokens;
        messages.push(r.choices[0]!.message as Msg);
      }
    }
  });

  it('SIGTERM: a running stream is ended, the process exits 0 and logged one JSON line per request', async () => {
    const stream = await client.chat.completions.create({ model: 'tiny-test', messages: [{ role: 'user', content: 'Go on' }], max_tokens: 1500, stream: true });
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 1) srv.child.kill('SIGTERM');
    }
    const code = await srv.exited;
    assert.equal(code, 0);
    assert.match(srv.stderr(), /SIGTERM, stopping/);
    assert.match(srv.stderr(), /stopped/);
    const lines = srv
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length >= 23);
    const chat = lines.filter((l) => l['path'] === '/v1/chat/completions');
    assert.ok(chat.every((l) => typeof l['status'] === 'number' && typeof l['duration_ms'] === 'number' && typeof l['prompt_tokens'] === 'number'));
    assert.ok(chat.some((l) => (l['cached_tokens'] as number) > 0));
  });
});

describe('GET /health while the model loads', () => {
  it('answers 503 (and /v1 routes 503 with an error body) until the model is loaded, then 200', async () => {
    let resolve!: (e: Engine) => void;
    const loading = new Promise<Engine>((r) => (resolve = r));
    const server = await startServer({ engine: loading }, { modelId: 'slow', port: 0, log: () => {} });
    try {
      assert.equal((await fetch(`${server.url}/health`)).status, 503);
      const early = await fetch(`${server.url}/v1/models`);
      assert.equal(early.status, 503);
      assert.equal(((await early.json()) as { error: { code: string } }).error.code, 'model_loading');
      resolve(new Engine(new ScriptedModel([ANSWER]), tok));
      await server.ready;
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    } finally {
      await server.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
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

  // The random model follows no instruction: every structure below comes from constrained decoding.
  const schema = {
    type: 'object',
    properties: { city: { type: 'string', maxLength: 12 }, days: { type: 'integer', minimum: 1, maximum: 7 }, units: { enum: ['metric', 'imperial'] } },
    required: ['city', 'days', 'units'],
    additionalProperties: false,
  };
  const validate = new Ajv2020().compile(schema);
  const forecast = { name: 'get_forecast', description: 'Weather forecast', parameters: schema, strict: true };

  it('structured output: response_format / text.format json_schema always yield JSON that validates', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({
        model: 'tiny-test',
        messages: [{ role: 'user', content: 'Forecast?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'forecast', schema, strict: true } },
        reasoning_effort: 'low',
        max_tokens: 200,
        seed,
        ...({ reasoning: { max_tokens: 4 } } as object),
      });
      const content = r.choices[0]!.message.content!;
      assert.ok(validate(JSON.parse(content)), `seed ${seed}: ${content}`);
      assert.equal(r.choices[0]!.finish_reason, 'stop');
      assert.ok(r.usage!.completion_tokens_details!.reasoning_tokens! <= 4);
    }
    const resp = await client.responses.create({
      model: 'tiny-test',
      input: 'Forecast?',
      text: { format: { type: 'json_schema', name: 'forecast', schema, strict: true } },
      reasoning: { effort: 'low', max_tokens: 0 } as OpenAI.Reasoning,
      max_output_tokens: 200,
    });
    assert.ok(validate(JSON.parse(resp.output_text)), resp.output_text);
    assert.equal(resp.usage!.output_tokens_details.reasoning_tokens, 0);
  });

  it('tool_choice required / a named function: a call whose arguments validate, streamed in several deltas', async () => {
    for (const tool_choice of ['required', { type: 'function', function: { name: 'get_forecast' } }] as const) {
      const r = await client.chat.completions.create({
        model: 'tiny-test',
        messages: [{ role: 'user', content: 'Forecast?' }],
        tools: [{ type: 'function', function: forecast }],
        tool_choice,
        max_tokens: 200,
        seed: 5,
        ...({ reasoning: { max_tokens: 4 } } as object),
      });
      const call = r.choices[0]!.message.tool_calls![0]!;
      assert.equal(r.choices[0]!.finish_reason, 'tool_calls');
      assert.ok(call.type === 'function' && call.function.name === 'get_forecast');
      assert.ok(validate(JSON.parse(call.function.arguments)), call.function.arguments);
    }
    const stream = await client.responses.create({
      model: 'tiny-test',
      input: 'Forecast?',
      tools: [{ type: 'function', ...forecast }],
      tool_choice: 'required',
      reasoning: { max_tokens: 0 } as OpenAI.Reasoning,
      max_output_tokens: 200,
      stream: true,
    });
    const deltas: string[] = [];
    let done: OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent | undefined;
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') deltas.push(e.delta);
      if (e.type === 'response.function_call_arguments.done') done = e;
    }
    assert.ok(deltas.length > 3, `arguments came in ${deltas.length} deltas`);
    assert.equal(deltas.join(''), done!.arguments);
    assert.ok(validate(JSON.parse(done!.arguments)));
  });

  it('a strict schema the grammar cannot enforce: 400 naming the field', async () => {
    const bad = { type: 'object', properties: { a: { type: 'string' } }, patternProperties: { '^x': { type: 'string' } } };
    await assert.rejects(
      client.chat.completions.create({ model: 'tiny-test', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: bad } } }),
      (e: unknown) => (e as { status?: number; param?: string }).status === 400 && (e as { param?: string }).param === 'response_format.json_schema.schema',
    );
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
    assert.ok(lines.length >= 28, `${lines.length} log lines`);
    const answered = lines.filter((l) => l['path'] === '/v1/chat/completions' && l['status'] === 200);
    assert.ok(answered.length >= 25, `${answered.length} answered chat requests logged`);
    for (const l of answered) {
      for (const k of ['prompt_tokens', 'cached_tokens', 'completion_tokens', 'ttft_ms', 'duration_ms']) assert.equal(typeof l[k], 'number', `${k} of ${JSON.stringify(l)}`);
    }
    assert.ok(answered.some((l) => (l['cached_tokens'] as number) > 0), 'some request reused cached tokens');
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

describe('gpt-oss serve without MODEL', () => {
  it('serves the packaged demo model, named gpt-oss-demo, on both APIs', async () => {
    const demo = await spawnServe([]);
    try {
      assert.match(demo.stderr(), /ready, serving 'gpt-oss-demo' at/);
      const models = (await (await fetch(`${demo.url}/v1/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(models.data.map((m) => m.id), ['gpt-oss-demo']);
      const r = await fetch(`${demo.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-oss-demo', messages: [{ role: 'user', content: 'Hi' }], stream: false, options: { num_predict: 4, seed: 1 } }),
      });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { eval_count: number }).eval_count, 4);
      // The demo's own sampling applies when a request names no temperature (the API's default is 1).
      const temperatureOf = async (extra: Record<string, unknown>): Promise<number> => {
        const res = await fetch(`${demo.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-oss-demo', input: 'Hi', max_output_tokens: 4, ...extra }),
        });
        assert.equal(res.status, 200);
        return ((await res.json()) as { temperature: number }).temperature;
      };
      assert.equal(await temperatureOf({}), 0.3);
      assert.equal(await temperatureOf({ temperature: 0.9 }), 0.9);
    } finally {
      demo.child.kill('SIGTERM');
      assert.equal(await demo.exited, 0);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SCHEMAS } from '../grammar/schemas.js';
import { Engine, type ChatOptions, type FunctionTool } from '../../src/engine/index.js';
import { TOKEN_IDS, parseMessagesFromCompletionTokens, type JsonValue, type Message } from '../../src/harmony/index.js';
import { collect, makeTinyModel } from './helpers.js';

// A tiny random-weight model (the real vocabulary): on its own it emits noise, so every structure
// in its output comes from the constraints. Its turns are pushed towards harmony's special tokens
// with a logit bias, so that without the constraints almost every turn breaks the format.
let model: { dir: string; remove: () => void };
let engine: Engine;
before(async () => {
  model = makeTinyModel(3);
  engine = await Engine.load(model.dir, { contextLength: 1024 });
});
after(() => {
  engine.dispose();
  model.remove();
});

const towardsSpecials: Record<number, number> = Object.fromEntries(Object.values(TOKEN_IDS).map((id) => [id, 14]));
const hot: ChatOptions = { temperature: 1.5, logitBias: towardsSpecials, rawTokens: true };
const hi = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
const tools: FunctionTool[] = [
  { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'get_time', description: 'Time in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];

// ajv-formats is CommonJS; its default export arrives as the module object under tsx.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

function strictParse(tokens: readonly number[]): Message[] {
  return parseMessagesFromCompletionTokens(tokens, 'assistant', { strict: true });
}

function parses(tokens: readonly number[]): boolean {
  try {
    strictParse(tokens);
    return true;
  } catch {
    return false;
  }
}

describe('constrained decoding on a tiny random model', () => {
  it('harmony structure on: 20 seeds at temperature 1.5 pushed towards special tokens all parse strictly; off, most break', async () => {
    const shapes = new Set<string>();
    let brokenWithout = 0;
    for (let seed = 0; seed < 20; seed++) {
      const on = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 30 }));
      const messages = strictParse(on.tokens); // throws, failing the test, on any format error
      for (const m of messages) shapes.add(`${m.channel}${m.recipient ? ` to=${m.recipient}` : ''}`);
      const off = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 30, harmonyStructure: false }));
      if (!parses(off.tokens)) brokenWithout++;
    }
    // Not vacuous: the same sampling without the constraint breaks the format nearly every time,
    // and with it the turns take several shapes (several messages, both channels).
    assert.ok(brokenWithout >= 16, `only ${brokenWithout} of 20 unconstrained turns broke the format`);
    assert.ok(shapes.has('analysis') && shapes.has('final'), [...shapes].join(', '));
  });

  it("toolChoice 'none' never calls; 'required' and {name} always do, with every turn parsing strictly", async () => {
    for (let seed = 0; seed < 6; seed++) {
      const none = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 30, tools, toolChoice: 'none' }));
      assert.equal(none.events.filter((e) => e.type === 'tool_call').length, 0);
      assert.ok(strictParse(none.tokens).every((m) => m.recipient === undefined));
      assert.notEqual(none.done.reason, 'tool_call');

      const required = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 40, tools, toolChoice: 'required' }));
      assert.equal(required.done.reason, 'tool_call', engine.tokenizer.decode(required.tokens));
      const call = strictParse(required.tokens).at(-1)!;
      assert.match(call.recipient ?? '', /^functions\.get_(weather|time)$/);

      const named = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 40, tools, toolChoice: { name: 'get_time' } }));
      assert.equal(named.done.reason, 'tool_call');
      assert.equal(strictParse(named.tokens).at(-1)!.recipient, 'functions.get_time');
      // The arguments streamed as tool_call_delta events add up to the call's arguments, under its callId.
      const callEvent = named.events.find((e) => e.type === 'tool_call');
      assert.ok(callEvent?.type === 'tool_call');
      // Every call's arguments parse and validate against the tool's parameters (ajv, not our code).
      for (const [turn, tool] of [[required, undefined], [named, 'get_time']] as const) {
        const call = turn.events.find((e) => e.type === 'tool_call');
        assert.ok(call?.type === 'tool_call');
        const schema = tools.find((t) => `functions.${t.name}` === call.recipient && (tool === undefined || t.name === tool))!.parameters!;
        const args: unknown = JSON.parse(call.arguments);
        assert.ok(ajv.validate(schema as object, args), `${call.arguments}: ${ajv.errorsText()}`);
      }
      const deltas = named.events.flatMap((e) => (e.type === 'tool_call_delta' ? [e] : []));
      assert.equal(deltas.map((d) => d.delta).join(''), callEvent.arguments);
      for (const d of deltas) assert.deepEqual([d.callId, d.recipient], [callEvent.callId, 'functions.get_time']);
    }
  });

  it('a reasoning budget of N gives at most N analysis tokens, then a final message', async () => {
    // 120 tokens: room for the final message of noise to end (60 ran out on one seed once the fast kernels changed their rounding)
    for (const [seed, budget] of [[0, 0], [1, 1], [2, 4], [3, 4], [4, 9]] as const) {
      const r = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 120, reasoningBudget: budget }));
      const messages = strictParse(r.tokens);
      const text = engine.tokenizer.decode(r.tokens);
      assert.ok(r.done.usage.reasoningTokens <= budget, `${r.done.usage.reasoningTokens} reasoning tokens with budget ${budget}: ${text}`);
      // Count the analysis tokens in the output itself too: content tokens between analysis headers and their <|end|>.
      let inAnalysis = false;
      let counted = 0;
      for (let i = 0; i < r.tokens.length; i++) {
        const t = r.tokens[i]!;
        if (t === TOKEN_IDS['<|message|>']) inAnalysis = engine.tokenizer.decode(r.tokens.slice(Math.max(0, i - 3), i)).endsWith('analysis');
        else if (t === TOKEN_IDS['<|end|>']) inAnalysis = false;
        else if (inAnalysis) counted++;
      }
      assert.equal(counted, r.done.usage.reasoningTokens, text);
      assert.equal(messages.at(-1)!.channel, 'final', text);
      assert.equal(r.done.reason, 'stop', text);
      if (budget === 0) assert.ok(messages.every((m) => m.channel !== 'analysis'), text);
    }
  });

  it('structured output: 5 seeds x every schema of the grammar tests give JSON that ajv + ajv-formats accept', async () => {
    const names = Object.keys(SCHEMAS);
    assert.ok(names.length >= 8);
    for (const name of names) {
      const schema = SCHEMAS[name] as object;
      const validate = ajv.compile(schema);
      for (let seed = 0; seed < 5; seed++) {
        // A limit a little above the shortest answer, so that most runs end by the limit forcing the shortest completion.
        const opts: ChatOptions = { seed, rawTokens: true, responseFormat: { type: 'json_schema', schema: schema as JsonValue }, reasoningBudget: 4, maxTokens: 10_000 };
        const need = await shortestAnswer(opts);
        const r = await collect(engine.chat(hi, { ...opts, maxTokens: need + 8 + seed * 2 }));
        const text = engine.tokenizer.decode(r.tokens);
        const messages = strictParse(r.tokens);
        const final = messages.at(-1)!;
        assert.equal(final.channel, 'final', text);
        assert.ok(messages.slice(0, -1).every((m) => m.channel === 'analysis'), text); // analysis then final, no commentary
        assert.equal(r.done.reason, 'stop', text);
        const answer = r.events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
        const value: unknown = JSON.parse(answer);
        assert.ok(validate(value), `${name}, seed ${seed}: ${answer}\n${ajv.errorsText(validate.errors)}`);
      }
    }
  });

  it('a token limit below the shortest valid answer is refused before generation', async () => {
    const opts: ChatOptions = { responseFormat: { type: 'json_schema', schema: SCHEMAS['formats'] as JsonValue }, maxTokens: 20 };
    await assert.rejects(collect(engine.chat(hi, opts)), /maxTokens 20 is too small for a complete answer in the requested format: the shortest takes \d+ tokens/);
    await assert.rejects(
      collect(engine.chat(hi, { responseFormat: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string', minLength: 3, maxLength: 2 } } } } })),
      /responseFormat.schema: .*minLength/,
    );
  });
});

/** The fewest tokens a complete answer can take (the engine's own check reports it). */
async function shortestAnswer(opts: ChatOptions): Promise<number> {
  try {
    await collect(engine.chat(hi, { ...opts, maxTokens: 1 }));
  } catch (e) {
    const m = /the shortest takes (\d+) tokens/.exec((e as Error).message);
    if (m) return Number(m[1]);
    throw e;
  }
  throw new Error('maxTokens 1 was accepted');
}

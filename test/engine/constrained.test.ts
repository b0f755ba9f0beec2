import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Engine, type ChatOptions, type FunctionTool } from '../../src/engine/index.js';
import { TOKEN_IDS, parseMessagesFromCompletionTokens, type Message } from '../../src/harmony/index.js';
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
      const deltas = named.events.flatMap((e) => (e.type === 'tool_call_delta' ? [e] : []));
      assert.equal(deltas.map((d) => d.delta).join(''), callEvent.arguments);
      for (const d of deltas) assert.deepEqual([d.callId, d.recipient], [callEvent.callId, 'functions.get_time']);
    }
  });

  it('a reasoning budget of N gives at most N analysis tokens, then a final message', async () => {
    for (const [seed, budget] of [[0, 0], [1, 1], [2, 4], [3, 4], [4, 9]] as const) {
      const r = await collect(engine.chat(hi, { ...hot, seed, maxTokens: 60, reasoningBudget: budget }));
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
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContextOverflowError } from '../../src/core/errors.js';
import { Engine, type ChatEvent } from '../../src/engine/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { ScriptedModel, collect } from './helpers.js';

const tok = getTokenizer();
const S = (name: string): number => tok.specialId(name);
/** Harmony text with special tokens written by name, as token ids. */
function ids(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(/(<\|[a-z]+\|>)/)) {
    if (part === '') continue;
    if (/^<\|[a-z]+\|>$/.test(part)) out.push(S(part));
    else out.push(...tok.encode(part));
  }
  return out;
}

const ANSWER = ids('<|channel|>analysis<|message|>The user greets me.<|end|><|start|>assistant<|channel|>final<|message|>Hello, world!<|return|>');
const user = [{ role: 'user' as const, content: 'Hi' }];

const textOf = (events: ChatEvent[], type: 'reasoning' | 'text'): string =>
  events.map((e) => (e.type === type ? e.delta : '')).join('');

describe('engine with a scripted model', () => {
  it('routes analysis to reasoning and final to text, and stops at <|return|>', async () => {
    const model = new ScriptedModel([ANSWER]);
    const engine = new Engine(model, tok);
    const { events, done } = await collect(engine.chat(user, { seed: 1 }));
    assert.equal(textOf(events, 'reasoning'), 'The user greets me.');
    assert.equal(textOf(events, 'text'), 'Hello, world!');
    assert.equal(done.reason, 'stop');
    assert.equal(done.usage.completionTokens, ANSWER.length);
    assert.deepEqual(done.messages.map((m) => m.channel), ['analysis', 'final']);
    // Generation stopped at <|return|>: nothing after it was fed to the model.
    assert.ok(!model.history.get(0)!.includes(S('<|return|>')));
  });

  it('stops at max tokens with reason length, and on the next turn reuses the prompt prefix', async () => {
    const model = new ScriptedModel([ANSWER]);
    const engine = new Engine(model, tok);
    const first = await collect(engine.chat(user, { seed: 1, maxTokens: 5 }));
    assert.equal(first.done.reason, 'length');
    assert.equal(first.done.usage.completionTokens, 5);
    assert.equal(first.done.usage.reusedTokens, 0);
    const full = await collect(engine.chat(user, { seed: 1 }));
    const u = full.done.usage;
    assert.equal(u.prefilledTokens + u.reusedTokens, u.promptTokens);
    assert.equal(u.reusedTokens, u.promptTokens - 1);
    // A follow-up turn: harmony drops the analysis, so the cache rolls back into the last answer.
    const next = [...user, ...full.done.messages, { role: 'user' as const, content: 'And again?' }];
    const second = await collect(engine.chat(next, { seed: 1 }));
    assert.ok(second.done.usage.prefilledTokens < second.done.usage.promptTokens / 2);
    assert.equal(textOf(second.events, 'text'), 'Hello, world!');
  });

  it('runs the tool-call loop: yields the call, runs the handler, continues the same turn', async () => {
    const call = ids('<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Paris"}<|call|>');
    const model = new ScriptedModel([call, ids('<|channel|>final<|message|>It is sunny.<|return|>')]);
    const engine = new Engine(model, tok);
    const seen: string[] = [];
    const { events, done } = await collect(
      engine.chat(user, {
        seed: 2,
        tools: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            handler: (args) => {
              seen.push(args);
              return '{"sky":"sunny"}';
            },
          },
        ],
      }),
    );
    assert.deepEqual(seen, ['{"city":"Paris"}']);
    const callEvent = events.find((e) => e.type === 'tool_call');
    assert.ok(callEvent?.type === 'tool_call');
    assert.equal(callEvent.recipient, 'functions.get_weather');
    assert.equal(callEvent.arguments, '{"city":"Paris"}');
    assert.ok(events.some((e) => e.type === 'tool_result' && e.output === '{"sky":"sunny"}'));
    assert.equal(textOf(events, 'text'), 'It is sunny.');
    assert.equal(done.reason, 'stop');
    assert.equal(done.messages.length, 3);
    assert.equal(done.messages[1]!.author.name, 'functions.get_weather');
    // The second round reused the first round's prompt and call instead of prefilling them again.
    assert.ok(done.usage.reusedTokens > 0);
  });

  it('without a handler the turn ends with reason tool_call', async () => {
    const call = ids('<|channel|>commentary to=functions.lookup <|constrain|>json<|message|>{}<|call|>');
    const engine = new Engine(new ScriptedModel([call]), tok);
    const { events, done } = await collect(engine.chat(user, { tools: [{ name: 'lookup', description: 'Looks up' }] }));
    assert.equal(done.reason, 'tool_call');
    assert.equal(events.filter((e) => e.type === 'tool_call').length, 1);
  });

  it('an abort stops generation within one step', async () => {
    const long = ids(`<|channel|>final<|message|>${'one two three four five six seven eight nine ten '.repeat(4)}<|return|>`);
    const model = new ScriptedModel([long], 5);
    const engine = new Engine(model, tok);
    const controller = new AbortController();
    let tokens = 0;
    let callsAtAbort = 0;
    let done: ChatEvent | undefined;
    for await (const e of engine.chat(user, { signal: controller.signal, rawTokens: true })) {
      if (e.type === 'token' && ++tokens === 6) {
        controller.abort();
        callsAtAbort = model.forwardCalls;
      }
      if (e.type === 'done') done = e;
    }
    assert.ok(done?.type === 'done');
    assert.equal(done.reason, 'aborted');
    assert.equal(done.usage.completionTokens, 6);
    assert.ok(model.forwardCalls <= callsAtAbort + 1, `forward ran ${model.forwardCalls - callsAtAbort} times after the abort`);
  });

  it('a prompt that does not fit the context is a ContextOverflowError', async () => {
    const engine = new Engine(new ScriptedModel([ANSWER]), tok, { contextLength: 32 });
    await assert.rejects(collect(engine.chat(user)), (e) => e instanceof ContextOverflowError && /context holds 32/.test(e.message));
  });

  it('generation that fills the context ends with reason length', async () => {
    const probe = await collect(new Engine(new ScriptedModel([ANSWER]), tok).chat(user, { maxTokens: 1 }));
    const ctx = probe.done.usage.promptTokens + 5;
    const engine = new Engine(new ScriptedModel([ANSWER]), tok, { contextLength: ctx });
    const { done } = await collect(engine.chat(user, { seed: 1 }));
    assert.equal(done.reason, 'length');
    assert.ok(done.usage.completionTokens >= 1 && done.usage.promptTokens + done.usage.completionTokens <= ctx);
  });

  it('two sessions stepped concurrently share forward calls and each get their own answer', async () => {
    const model = new ScriptedModel([ANSWER]);
    const engine = new Engine(model, tok, { sessions: 2 });
    const a = engine.createSession();
    const b = engine.createSession();
    const [ra, rb] = await Promise.all([collect(a.chat(user, { seed: 1 })), collect(b.chat(user, { seed: 2 }))]);
    assert.equal(textOf(ra.events, 'text'), 'Hello, world!');
    assert.equal(textOf(rb.events, 'text'), 'Hello, world!');
    // Decode steps of both sessions went out together: fewer calls than the two turns' steps.
    assert.ok(model.forwardCalls < ra.done.usage.completionTokens + rb.done.usage.completionTokens);
    assert.throws(() => engine.createSession(), /sessions are in use/);
  });

  it('maps plain messages as gpt-oss guidance: system+developer text become developer instructions', async () => {
    const model = new ScriptedModel([ANSWER]);
    const engine = new Engine(model, tok);
    await collect(
      engine.chat(
        [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
        ],
        { reasoningEffort: 'high', conversationStartDate: '2025-08-05', maxTokens: 1 },
      ),
    );
    const text = tok.decode(model.history.get(0)!);
    assert.match(text, /^<\|start\|>system<\|message\|>You are ChatGPT, a large language model trained by OpenAI\.\nKnowledge cutoff: 2024-06\nCurrent date: 2025-08-05\n\nReasoning: high\n/);
    assert.match(text, /<\|start\|>developer<\|message\|># Instructions\n\nBe brief\.\n\nAnswer in French\.<\|end\|><\|start\|>user<\|message\|>Hi<\|end\|><\|start\|>assistant$/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { developerContent, message, parseMessagesFromCompletionTokens, systemContent, type Message } from '../../harmony/index.js';
import { getTokenizer } from '../../tokenizer/index.js';
import { Rng } from '../../sampling/index.js';
import type { GuideStep } from './token-guide.js';
import { grammarSource } from './grammars.js';
import { TurnPlan, type ConstraintOptions, type GrammarSource } from './turn-plan.js';

const tokenizer = getTokenizer();
const grammars = (): GrammarSource => grammarSource(tokenizer);
const FIRST_SPECIAL = 199998;

function conversation(withTools: boolean): Message[] {
  const sys = systemContent({
    conversationStartDate: '2025-01-01',
    ...(withTools ? { tools: [{ name: 'browser', tools: [{ name: 'search', description: 'Search' }, { name: 'open', description: 'Open' }] }, { name: 'python', tools: [] }] } : {}),
  });
  const msgs: Message[] = [message('system', sys)];
  if (withTools) {
    msgs.push(
      message('developer', developerContent({ functionTools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }, { name: 'add', description: 'Add' }] })),
    );
  }
  msgs.push(message('user', 'Hi'));
  return msgs;
}

/** A random walk through the guide: a random allowed token each step (ends sometimes chosen), as a model without preferences would. */
function walk(options: ConstraintOptions, withTools: boolean, limit: number, seed: number): { tokens: number[]; reasoning: number } {
  const plan = TurnPlan.create(conversation(withTools), options, tokenizer, grammars);
  assert.ok(plan);
  const counters = { reasoning: 0 };
  const guide = plan.guide(0, counters);
  const rng = new Rng(seed);
  const pick = (n: number): number => Math.min(n - 1, Math.floor(rng.nextFloat() * n));
  const tokens: number[] = [];
  for (let left = Math.max(limit, plan.mustComplete(0) ? guide.minTokens() : 0); left > 0; left--) {
    const step: GuideStep = guide.next(left);
    if (step.kind === 'stop') break;
    let token: number;
    if (step.kind === 'forced') token = step.token;
    else if (step.kind === 'ids') token = step.ids[pick(step.ids.length)]!;
    else {
      const mask = step.mask;
      const specials: number[] = [];
      for (let id = FIRST_SPECIAL; id < mask.length; id++) if (mask[id]) specials.push(id);
      // Mostly text; an allowed special (the message's end) one time in six.
      if (specials.length > 0 && pick(6) === 0) token = specials[pick(specials.length)]!;
      else {
        token = -1;
        for (let tries = 0; tries < 50 && token < 0; tries++) {
          const t = pick(FIRST_SPECIAL);
          if (mask[t]) token = t;
        }
        if (token < 0) {
          const allowed: number[] = [];
          for (let id = 0; id < mask.length; id++) if (mask[id]) allowed.push(id);
          assert.ok(allowed.length > 0, 'a dead end: the mask allows nothing');
          token = allowed[pick(allowed.length)]!;
        }
      }
    }
    guide.accept(token);
    tokens.push(token);
    if (token === 200002 || token === 200012) break;
  }
  return { tokens, reasoning: counters.reasoning };
}

describe('harmony structure guide (random walks, no model)', () => {
  for (const [name, options, withTools] of [
    ['plain chat', {}, false],
    ['tools, auto', {}, true],
    ['tools, required', { toolChoice: 'required' }, true],
    ['tools, forced browser.search', { toolChoice: { name: 'browser.search' } }, true],
    ['tools, none', { toolChoice: 'none' }, true],
    ['reasoning budget 5', { reasoningBudget: 5 }, false],
  ] as const) {
    it(`${name}: every walk parses with the strict parser, at any token limit`, () => {
      for (let seed = 0; seed < 40; seed++) {
        const limit = 3 + (seed % 13) * 5;
        const { tokens, reasoning } = walk(options as ConstraintOptions, withTools, limit, seed);
        assert.ok(tokens.length <= Math.max(limit, 30));
        const text = tokenizer.decode(tokens);
        let msgs: Message[];
        try {
          msgs = parseMessagesFromCompletionTokens(tokens, 'assistant', { strict: true, tokenizer });
        } catch (e) {
          assert.fail(`seed ${seed}, limit ${limit}: ${(e as Error).message}\n${text}`);
        }
        const recipients = msgs.filter((m) => m.recipient !== undefined).map((m) => m.recipient);
        if ('toolChoice' in options && options.toolChoice === 'none') assert.deepEqual(recipients, [], text);
        const ended = tokens.at(-1) === 200002 || tokens.at(-1) === 200012;
        if ('toolChoice' in options && options.toolChoice !== 'none') {
          // A forced call always completes, and is the only thing besides reasoning.
          assert.ok(ended, `seed ${seed}, limit ${limit}: the forced call did not complete\n${text}`);
          assert.equal(tokens.at(-1), 200012, text);
          const last = msgs.at(-1)!;
          if (typeof options.toolChoice === 'object') assert.equal(last.recipient, 'browser.search', text);
          for (const m of msgs.slice(0, -1)) assert.equal(m.channel, 'analysis', text);
        }
        if ('reasoningBudget' in options) {
          assert.ok(reasoning <= options.reasoningBudget, `${reasoning} reasoning tokens\n${text}`);
          const analysisTokens = msgs.filter((m) => m.channel === 'analysis').map((m) => tokenizer.encode(m.content.map((c) => (c.type === 'text' ? c.text : '')).join('')).length);
          assert.ok(analysisTokens.reduce((a, b) => a + b, 0) <= options.reasoningBudget + 2, text);
        }
        for (const m of msgs) {
          assert.ok(['analysis', 'commentary', 'final'].includes(m.channel ?? ''), text);
          if (m.recipient?.startsWith('functions.') && tokens.at(-1) === 200012 && m === msgs.at(-1)) {
            // A completed function call's arguments are a JSON object (the schema of both tools says so).
            const args: unknown = JSON.parse(m.content.map((c) => (c.type === 'text' ? c.text : '')).join(''));
            assert.ok(typeof args === 'object' && args !== null && !Array.isArray(args), text);
          }
          if (m.recipient !== undefined) {
            assert.match(m.recipient, withTools ? /^(functions\.(get_weather|add)|browser\.(search|open)|python)$/ : /^$/, text);
          }
        }
      }
    });
  }

  it('with the limit just enough for the forced call, the call is still completed', () => {
    const plan = TurnPlan.create(conversation(true), { toolChoice: { name: 'add' } }, tokenizer, grammars)!;
    const need = plan.guide(0, { reasoning: 0 }).minTokens();
    const { tokens } = walk({ toolChoice: { name: 'add' } }, true, need, 1);
    assert.ok(tokens.length <= need, `${tokens.length} > ${need}`);
    assert.equal(tokens.at(-1), 200012);
    const msgs = parseMessagesFromCompletionTokens(tokens, 'assistant', { strict: true, tokenizer });
    assert.equal(msgs[0]!.recipient, 'functions.add');
  });

  it('rejects bad options with errors that name them', () => {
    const conv = conversation(true);
    const make = (o: unknown): unknown => TurnPlan.create(conv, o as ConstraintOptions, tokenizer, grammars);
    assert.throws(() => make({ reasoningBudget: -1 }), /reasoningBudget must be an integer >= 0, got -1/);
    assert.throws(() => make({ toolChoice: 'sometimes' }), /toolChoice must be 'none', 'auto', 'required' or \{ name: string \}/);
    assert.throws(() => make({ toolChoice: { name: 'nope' } }), /toolChoice.name: no tool named 'nope' \(tools: get_weather, add, browser.search, browser.open, python\)/);
    assert.throws(() => make({ responseFormat: { type: 'xml' } }), /responseFormat.type must be/);
    assert.throws(() => TurnPlan.create(conversation(false), { toolChoice: 'required' }, tokenizer, grammars), /needs at least one tool/);
    assert.equal(TurnPlan.create(conv, { harmonyStructure: false }, tokenizer, grammars), undefined);
  });
});

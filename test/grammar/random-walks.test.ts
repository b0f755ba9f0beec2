import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { GrammarMatcher, compileJsonSchema, jsonObjectGrammar, literalsGrammar } from '../../src/grammar/index.js';
import { SCHEMAS } from './schemas.js';
import { randomWalk, rng, vocab } from './helpers.js';

// ajv-formats is CommonJS; its default export arrives as the module object under tsx.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

function validatorFor(schema: unknown): (v: unknown) => string | undefined {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema as object);
  return (v) => (validate(v) ? undefined : ajv.errorsText(validate.errors));
}

const WALKS = 4;

for (const [name, schema] of Object.entries(SCHEMAS)) {
  test(`random walks through "${name}" never dead-end and always validate (ajv + ajv-formats)`, () => {
    const grammar = compileJsonSchema(schema);
    const check = validatorFor(schema);
    const random = rng(0x9e3779b9 ^ name.length * 7919);
    const minimal = new GrammarMatcher(grammar, vocab().vocab).minTokensToComplete();
    for (let w = 0; w < WALKS; w++) {
      // Budgets from the bare minimum (only the shortest value fits) to roomy.
      const budget = w === 0 ? minimal : minimal + Math.floor(random() * 60);
      const walk = randomWalk(grammar, budget, random);
      assert.equal(walk.deadEnd, false, `dead end after ${JSON.stringify(walk.text)}`);
      assert.equal(walk.complete, true, `incomplete within ${budget} tokens: ${JSON.stringify(walk.text)}`);
      assert.ok(walk.tokens.length <= budget);
      let value: unknown;
      assert.doesNotThrow(() => (value = JSON.parse(walk.text)), `not JSON: ${walk.text}`);
      const error = check(value);
      assert.equal(error, undefined, `${walk.text}\n${error ?? ''}`);
    }
  });
}

test('json_object walks yield JSON objects within the budget', () => {
  const random = rng(7);
  for (const budget of [2, 3, 30]) {
    const walk = randomWalk(jsonObjectGrammar(), budget, random);
    assert.equal(walk.complete, true, walk.text);
    const v: unknown = JSON.parse(walk.text);
    assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), walk.text);
  }
});

test('a budget of exactly the shortest value (in single-byte tokens) still yields a valid value', () => {
  const { vocab: v, tokenizer } = vocab();
  const schema = SCHEMAS.toolCall;
  const grammar = compileJsonSchema(schema);
  const m = new GrammarMatcher(grammar, v);
  const need = m.minTokensToComplete();
  assert.equal(need, '{"location":"x","unit":"celsius"}'.length);
  const mask = new Uint8Array(tokenizer.vocabSize);
  m.fillMask(mask, 0);
  assert.equal(mask.reduce((a, b) => a + b, 0), 0, 'no budget, no token');
  for (let seed = 1; seed <= 3; seed++) {
    const walk = randomWalk(grammar, need, rng(seed));
    assert.equal(walk.complete, true, walk.text);
    assert.equal(validatorFor(schema)(JSON.parse(walk.text)), undefined, walk.text);
  }
  // Near the limit only the shortest completion is left: after '{"location":"ab', with the
  // exact remaining length, the string must close now.
  for (const t of tokenizer.encode('{"location":"ab')) m.accept(t);
  const left = m.minTokensToComplete();
  m.fillMask(mask, left);
  const quote = tokenizer.encode('"')[0]!;
  const letter = tokenizer.encode('c')[0]!;
  assert.equal(mask[quote], 1);
  assert.equal(mask[letter], 0, 'one more letter would not fit');
  m.fillMask(mask, left + 1);
  assert.equal(mask[letter], 1);
});

test('literals grammar allows exactly its options, token by token, and rolls back', () => {
  const { vocab: v, tokenizer } = vocab();
  const g = literalsGrammar(['analysis', 'commentary', 'final']);
  const m = new GrammarMatcher(g, v);
  const mask = new Uint8Array(tokenizer.vocabSize);
  m.fillMask(mask);
  const first = tokenizer.encode('final');
  assert.equal(mask[first[0]!], 1);
  assert.equal(mask[tokenizer.encode('x')[0]!], 0);
  assert.equal(mask[tokenizer.specialId('<|end|>')], 0, 'special tokens are never in the mask');
  for (const t of tokenizer.encode('comm')) m.accept(t);
  assert.equal(m.isComplete(), false);
  assert.throws(() => m.accept(tokenizer.encode('x')[0]!), /not allowed/);
  for (const t of tokenizer.encode('entary')) m.accept(t);
  assert.equal(m.isComplete(), true);
  assert.equal(m.canContinue(), false);
  m.rollback(m.acceptedCount);
  for (const t of tokenizer.encode('analysis')) m.accept(t);
  assert.equal(m.isComplete(), true);
});

test('tokens that span several symbols and UTF-8 characters split across tokens', () => {
  const { vocab: v, tokenizer } = vocab();
  const g = compileJsonSchema({ type: 'object', properties: { s: { type: 'string', maxLength: 2 } }, required: ['s'], additionalProperties: false });
  const m = new GrammarMatcher(g, v);
  // '{"' then 's":"' as whatever tokens the tokenizer makes, then 'é' one byte at a time.
  for (const t of tokenizer.encode('{"s":"')) m.accept(t);
  const e = new TextEncoder().encode('é');
  const byteToken = (b: number): number => {
    for (let id = 0; id < 256 * 4; id++) {
      const bytes = v.tokenBytes(id);
      if (bytes.length === 1 && bytes[0] === b) return id;
    }
    throw new Error(`no token for byte ${b}`);
  };
  m.accept(byteToken(e[0]!));
  assert.equal(m.allows(byteToken(0x22)), false, 'a quote cannot follow half a character');
  m.accept(byteToken(e[1]!));
  const eAcute = tokenizer.encode('\u00e9')[0]!;
  assert.equal(m.allows(eAcute), true);
  m.accept(eAcute);
  assert.equal(m.allows(eAcute), false, 'a third character is over maxLength 2');
  for (const t of tokenizer.encode('"}')) m.accept(t);
  assert.equal(m.isComplete(), true);
  m.rollback(tokenizer.encode('"}').length + 1);
  assert.equal(m.allows(eAcute), true, 'rollback restores the state before the second character');
});

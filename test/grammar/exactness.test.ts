import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullFormats as formats } from 'ajv-formats/dist/formats.js';

// The entries used here are { validate } objects or regular expressions.
const fullFormats = formats as unknown as Record<string, { validate: (s: string) => boolean } | RegExp>;
import { compileJsonSchema, type Grammar } from '../../src/grammar/index.js';
import { CompiledGrammar } from '../../src/grammar/compiled.js';

/** Whether the grammar accepts exactly this text as a complete value (bytes straight through the automaton). */
function accepts(g: Grammar, text: string): boolean {
  assert.ok(g instanceof CompiledGrammar);
  const a = g.automaton;
  let c = a.initial;
  for (const b of new TextEncoder().encode(text)) {
    c = a.step(c, b);
    if (c < 0) return false;
  }
  return a.configComplete[c]!;
}

function* strings(alphabet: string, maxLength: number): Generator<string> {
  let level = [''];
  for (let n = 1; n <= maxLength; n++) {
    const next: string[] = [];
    for (const s of level) for (const ch of alphabet) next.push(s + ch);
    yield* next;
    level = next;
  }
}

/** The number forms the grammar writes: no exponent, no "-0", at most 15 digits. */
function canonical(text: string): boolean {
  return /^-?(0|[1-9]\d*)(\.\d+)?$/.test(text) && !/^-0(\.0+)?$/.test(text) && text.replace(/[-.]/g, '').replace(/^0(?=\d)/, '').length <= 15;
}

const NUMBER_CASES: [Record<string, number>, boolean][] = [
  [{ minimum: -1.5, exclusiveMaximum: 2.25 }, false],
  [{ exclusiveMinimum: 10, maximum: 1000 }, true],
  [{ minimum: 0.1, maximum: 0.3 }, false],
  [{ maximum: -5 }, true],
  [{ exclusiveMinimum: -0.05, exclusiveMaximum: 0 }, false],
  [{ minimum: 0 }, true],
  [{ minimum: 99, maximum: 101 }, false],
];

test('number bounds are exact: every short numeral is accepted iff it is a canonical number within the bounds', () => {
  for (const [bounds, integer] of NUMBER_CASES) {
    const g = compileJsonSchema({ type: integer ? 'integer' : 'number', ...bounds });
    const tricky = ['2.25', '2.2499999', '2.250', '-1.5', '-1.50', '-1.5000001', '-1.4999', '0.3', '0.30', '0.3000001', '0.1', '0.09999',
      '1000', '999', '10', '11', '-5', '-6', '-4', '-0.05', '-0.0499', '-0.05001', '-0.0', '-0', '0', '99', '101', '101.0001', '100.5',
      '123456789012345', '1234567890123456', '0.00000000000001'];
    for (const s of [...strings('-.0123456789', 4), ...tricky]) {
      const v = Number(s);
      const inBounds =
        (bounds.minimum === undefined || v >= bounds.minimum) &&
        (bounds.maximum === undefined || v <= bounds.maximum) &&
        (bounds.exclusiveMinimum === undefined || v > bounds.exclusiveMinimum) &&
        (bounds.exclusiveMaximum === undefined || v < bounds.exclusiveMaximum);
      const expected = canonical(s) && (!integer || !s.includes('.')) && inBounds;
      assert.equal(accepts(g, s), expected, `${JSON.stringify(bounds)} ${integer ? 'integer' : 'number'}: ${s}`);
    }
  }
});

test('format date accepts exactly the calendar dates ajv-formats accepts (leap years included)', () => {
  const g = compileJsonSchema({ type: 'string', format: 'date' });
  const validate = (fullFormats.date as { validate: (s: string) => boolean }).validate;
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  let valid = 0;
  for (const year of [0, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
        const expected = validate(s);
        if (expected) valid++;
        assert.equal(accepts(g, JSON.stringify(s)), expected, s);
      }
    }
  }
  assert.equal(valid, 12 * 365 + 6, 'six of the twelve years are leap years (0, 4, 400, 2000, 2024, 2400)');
});

test('format time and date-time: what the grammar accepts ajv-formats accepts, and common forms are accepted', () => {
  const time = compileJsonSchema({ type: 'string', format: 'time' });
  const dateTime = compileJsonSchema({ type: 'string', format: 'date-time' });
  const validTime = (fullFormats.time as { validate: (s: string) => boolean }).validate;
  const validDateTime = (fullFormats['date-time'] as { validate: (s: string) => boolean }).validate;
  for (const s of ['23:59:59Z', '00:00:00+00:00', '12:30:45.123-05:30', '08:00:00z', '10:11:12+0530', '07:08:09+05']) {
    assert.equal(accepts(time, JSON.stringify(s)), true, s);
    assert.equal(validTime(s), true, s);
  }
  for (const s of ['24:00:00Z', '12:60:00Z', '12:00:60Z', '12:00:00', '12:00:00+24:00', '12:00:00+05:60', '1:00:00Z']) {
    assert.equal(accepts(time, JSON.stringify(s)), false, s);
  }
  for (const s of ['2024-02-29T12:00:00Z', '2023-12-31t23:59:59.5+01:00', '2000-01-01 00:00:00Z']) {
    assert.equal(accepts(dateTime, JSON.stringify(s)), true, s);
    assert.equal(validDateTime(s), true, s);
  }
  for (const s of ['2023-02-29T12:00:00Z', '2024-01-01T12:00:00', '2024-01-01X12:00:00Z']) {
    assert.equal(accepts(dateTime, JSON.stringify(s)), false, s);
    assert.equal(validDateTime(s), false, s);
  }
});

test('formats uuid, email and uri accept the usual forms and reject near misses, as ajv-formats does', () => {
  const cases: [string, string, boolean][] = [
    ['uuid', '123e4567-e89b-12d3-a456-426614174000', true],
    ['uuid', 'URN:UUID:123E4567-E89B-12D3-A456-426614174000', true],
    ['uuid', '123e4567-e89b-12d3-a456-42661417400', false],
    ['email', 'first.last+tag@mail.example.co.uk', true],
    ['email', "o'brien@example.org", true],
    ['email', 'nobody@localhost', false],
    ['email', 'two@@example.com', false],
    ['uri', 'https://example.com/a/b?q=1&r=%20#frag', true],
    ['uri', 'urn:isbn:0451450523', true],
    ['uri', 'mailto:someone@example.com', true],
    ['uri', 'http://[2001:db8::1]:8080/', true],
    ['uri', '//example.com/no-scheme', false],
    ['uri', 'https://exa mple.com', false],
  ];
  for (const [format, s, expected] of cases) {
    const validate = fullFormats[format] as unknown as RegExp | { validate: (s: string) => boolean } | ((s: string) => boolean);
    const ajvSays = validate instanceof RegExp ? validate.test(s) : typeof validate === 'function' ? validate(s) : validate.validate(s);
    assert.equal(ajvSays, expected, `ajv-formats on ${format} ${s}`);
    assert.equal(accepts(compileJsonSchema({ type: 'string', format }), JSON.stringify(s)), expected, `${format} ${s}`);
  }
});

test('patterns match exactly what RegExp (u flag) matches, and the JSON escapes decode to the matched text', () => {
  const patterns = ['^[A-Z]{2}-\\d{3}$', 'ab+c', '^(a|bc)*$', '[^x]y?$', '^\\w+\\s?$', '^"?\\\\?$', '^.{2,3}$', '^(?:[a-c]{1,2}|z)+?$'];
  for (const source of patterns) {
    const g = compileJsonSchema({ type: 'string', pattern: source });
    const re = new RegExp(source, 'u');
    for (const s of strings('abcxyzA-1 "\\\n', 4)) {
      assert.equal(accepts(g, JSON.stringify(s)), re.test(s), `${source} on ${JSON.stringify(s)}`);
    }
  }
});

test('string lengths count code points, and escapes count as one', () => {
  const g = compileJsonSchema({ type: 'string', minLength: 2, maxLength: 3 });
  for (const [s, ok] of [['ab', true], ['abcd', false], ['a', false], ['😀😀', true], ['é\\n\\"', true], ['\\u00e9\\u00e9', true], ['\\ud83d\\ude00', false]] as const) {
    assert.equal(accepts(g, `"${s}"`), ok, s);
  }
});

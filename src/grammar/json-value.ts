import { alt, byteRange, call, literal, opt, rep, seq, type Expr } from './expr.js';
import { anyJsonChar } from './json-char.js';
import type { RuleSet } from './rules.js';

/**
 * Whitespace policy: compact JSON, with at most one space after ':' and ','. A bounded run
 * keeps the model from padding forever and keeps the shortest completion short.
 */
export const WS: Expr = opt(literal(' '));

export const DIGIT: Expr = byteRange(0x30, 0x39);
const NONZERO: Expr = byteRange(0x31, 0x39);

/**
 * Integer digits are capped at 15 so every number is a finite double that JSON.parse reads
 * back exactly; fractions are free and exponents stay within two digits.
 */
export const INTEGER_LITERAL: Expr = seq(opt(literal('-')), alt(literal('0'), seq(NONZERO, rep(DIGIT, 0, 14))));
export const NUMBER_LITERAL: Expr = seq(
  INTEGER_LITERAL,
  opt(seq(literal('.'), rep(DIGIT, 1, Infinity))),
  opt(seq(alt(literal('e'), literal('E')), opt(alt(literal('+'), literal('-'))), rep(DIGIT, 1, 2))),
);

export function quoted(body: Expr): Expr {
  return seq(literal('"'), body, literal('"'));
}

export const ANY_STRING: Expr = quoted(rep(anyJsonChar(), 0, Infinity));

/** `open item (',' ws item)* close` with between min and max items (max may be Infinity). */
export function list(open: string, item: Expr, close: string, min = 0, max = Infinity): Expr {
  const more = seq(literal(','), WS, item);
  if (max === 0) return literal(open + close);
  const body = seq(item, rep(more, Math.max(0, min - 1), max === Infinity ? Infinity : max - 1));
  return seq(literal(open), min === 0 ? opt(body) : body, literal(close));
}

/** The rule for any JSON value (objects and arrays recurse through it). */
export function anyValueRule(rules: RuleSet): number {
  return rules.shared('any-value', '$', (self) => {
    const member = seq(ANY_STRING, literal(':'), WS, call(self));
    return alt(
      list('{', member, '}'),
      list('[', call(self), ']'),
      ANY_STRING,
      NUMBER_LITERAL,
      literal('true'),
      literal('false'),
      literal('null'),
    );
  });
}

/** Any JSON object, its members any JSON values. */
export function anyObject(rules: RuleSet): Expr {
  const value = anyValueRule(rules);
  return list('{', seq(ANY_STRING, literal(':'), WS, call(value)), '}');
}

import { byteRange, literal, seq, alt, type Expr, NOTHING } from './expr.js';
import { ANY, cpSet, intersect, isEmpty, subtract, utf8Sequences, type CodePointSet } from './codepoints.js';

const SHORT_ESCAPES: readonly (readonly [number, string])[] = [
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
];

/** Code points that JSON strings must escape: '"', '\' and the controls below U+0020. */
const MUST_ESCAPE = cpSet([0, 0x1f], [0x22, 0x22], [0x5c, 0x5c]);

const HEX = '0123456789abcdef';

/**
 * One character of a JSON string's content whose code point is in `set`: raw UTF-8 where
 * JSON allows it, the short escape where one exists, otherwise \u00XX. With
 * `unicodeEscapes`, \uXXXX (any case, surrogates excluded) is accepted for every BMP code
 * point too; that form is only used for sets that hold every code point, where the exact
 * value does not matter.
 */
export function jsonChar(set: CodePointSet, unicodeEscapes = false): Expr {
  const parts: Expr[] = [];
  const raw = subtract(set, MUST_ESCAPE);
  for (const [lo, hi] of raw) {
    for (const s of utf8Sequences(lo, hi)) parts.push(seq(...s.map(([a, b]) => byteRange(a, b))));
  }
  const escaped = intersect(set, MUST_ESCAPE);
  if (!isEmpty(escaped)) {
    const short = new Set<number>();
    for (const [c, text] of SHORT_ESCAPES) {
      if (escaped.some(([lo, hi]) => c >= lo && c <= hi)) {
        parts.push(literal(text));
        short.add(c);
      }
    }
    if (!unicodeEscapes) {
      for (const [lo, hi] of escaped) {
        for (let c = lo; c <= hi; c++) {
          if (!short.has(c)) parts.push(literal(`\\u00${HEX[c >> 4]}${HEX[c & 15]}`));
        }
      }
    }
  }
  if (unicodeEscapes) parts.push(seq(literal('\\u'), bmpHex()));
  return parts.length === 0 ? NOTHING : alt(...parts);
}

function hexDigit(lowOnly?: string): Expr {
  const codes = new Set<number>();
  for (const ch of lowOnly ?? HEX) {
    codes.add(ch.charCodeAt(0));
    if (ch >= 'a' && ch <= 'f') codes.add(ch.charCodeAt(0) - 32);
  }
  // Merge neighbours into ranges: 0-9, a-f, A-F are one edge each.
  const sorted = [...codes].sort((a, b) => a - b);
  const ranges: Expr[] = [];
  let lo = sorted[0]!;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[i - 1]! + 1) {
      ranges.push(byteRange(lo, sorted[i - 1]!));
      lo = sorted[i]!;
    }
  }
  return alt(...ranges);
}

/** Four hex digits naming a non-surrogate BMP code point. */
function bmpHex(): Expr {
  const any = hexDigit();
  return alt(
    seq(hexDigit('0123456789abcef'), any, any, any),
    seq(hexDigit('d'), hexDigit('01234567'), any, any),
  );
}

/** Any character of a JSON string (all code points, every escape form). */
export function anyJsonChar(): Expr {
  return jsonChar(ANY, true);
}

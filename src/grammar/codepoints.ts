/**
 * Sets of Unicode code points as sorted, disjoint, inclusive [lo, hi] ranges. Surrogates
 * (U+D800..U+DFFF) are never members: they cannot be written in UTF-8.
 */
export type CodePointSet = readonly (readonly [number, number])[];

export const MAX_CODE_POINT = 0x10ffff;
export const ANY: CodePointSet = [
  [0, 0xd7ff],
  [0xe000, MAX_CODE_POINT],
];

export function cpSet(...ranges: (readonly [number, number])[]): CodePointSet {
  return normalize(ranges);
}

export function cpChar(c: number): CodePointSet {
  return normalize([[c, c]]);
}

function normalize(ranges: readonly (readonly [number, number])[]): CodePointSet {
  const sorted = ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => [lo, hi] as [number, number]);
  sorted.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return removeSurrogates(out);
}

function removeSurrogates(ranges: readonly (readonly [number, number])[]): CodePointSet {
  const out: [number, number][] = [];
  for (const [lo, hi] of ranges) {
    if (hi < 0xd800 || lo > 0xdfff) out.push([lo, hi]);
    else {
      if (lo < 0xd800) out.push([lo, 0xd7ff]);
      if (hi > 0xdfff) out.push([0xe000, hi]);
    }
  }
  return out;
}

export function union(...sets: CodePointSet[]): CodePointSet {
  return normalize(sets.flat());
}

export function complement(set: CodePointSet): CodePointSet {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return removeSurrogates(out);
}

export function intersect(a: CodePointSet, b: CodePointSet): CodePointSet {
  return complement(union(complement(a), complement(b)));
}

export function subtract(a: CodePointSet, b: CodePointSet): CodePointSet {
  return intersect(a, complement(b));
}

export function contains(set: CodePointSet, c: number): boolean {
  for (const [lo, hi] of set) if (c >= lo && c <= hi) return true;
  return false;
}

export function isEmpty(set: CodePointSet): boolean {
  return set.length === 0;
}

/**
 * The UTF-8 encodings of the code points in [lo, hi] as sequences of byte ranges (each
 * sequence matches exactly the encodings of one sub-range), split the way utf8-ranges does.
 */
export function utf8Sequences(lo: number, hi: number): [number, number][][] {
  const out: [number, number][][] = [];
  const limits = [0x7f, 0x7ff, 0xffff, MAX_CODE_POINT];
  const split = (a: number, b: number): void => {
    if (a > b) return;
    for (const lim of limits.slice(0, 3)) {
      if (a <= lim && b > lim) {
        split(a, lim);
        split(lim + 1, b);
        return;
      }
    }
    if (b <= 0x7f) {
      out.push([[a, b]]);
      return;
    }
    const n = b <= 0x7ff ? 2 : b <= 0xffff ? 3 : 4;
    for (let i = 1; i < n; i++) {
      const m = (1 << (6 * i)) - 1;
      if ((a & ~m) !== (b & ~m)) {
        if ((a & m) !== 0) {
          split(a, a | m);
          split((a | m) + 1, b);
          return;
        }
        if ((b & m) !== m) {
          split(a, (b & ~m) - 1);
          split(b & ~m, b);
          return;
        }
      }
    }
    const ea = encode(a);
    const eb = encode(b);
    out.push(ea.map((x, i) => [x, eb[i]!]));
  };
  split(lo, hi);
  return out;
}

export function encode(c: number): number[] {
  if (c < 0x80) return [c];
  if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  if (c < 0x10000) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
  return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}

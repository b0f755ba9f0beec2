import { GrammarError } from './errors.js';
import type { Expr, ExprWiring } from './expr.js';

export interface NumberBounds {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/**
 * At most 15 digits in a bounded number: every such decimal is told apart from its
 * neighbours by the double it parses to, so a comparison the automaton makes on the digits
 * is the comparison a validator makes on the parsed value (no rounding onto a bound).
 */
export const MAX_BOUNDED_DIGITS = 15;

/** A bound as a decimal: sign, integer digits without leading zeros, fraction without trailing zeros. */
interface Decimal {
  negative: boolean;
  int: string;
  frac: string;
}

/** The exact decimal digits of a double (no exponent notation). */
export function toDecimal(v: number): Decimal {
  const negative = v < 0;
  let s = Math.abs(v).toString();
  if (s.includes('e')) {
    const [mant, expText] = s.split('e') as [string, string];
    const exp = Number(expText);
    const [ip, fp = ''] = mant.split('.') as [string, string?];
    const digits = ip + fp;
    const point = ip.length + exp;
    if (point <= 0) s = '0.' + '0'.repeat(-point) + digits;
    else if (point >= digits.length) s = digits + '0'.repeat(point - digits.length);
    else s = digits.slice(0, point) + '.' + digits.slice(point);
  }
  const [ip, fp = ''] = s.split('.') as [string, string?];
  return { negative: negative && v !== 0, int: ip.replace(/^0+/, ''), frac: fp.replace(/0+$/, '') };
}

const LT = 0;
const EQ = 1;
const GT = 2;

/** Where the digits read so far stand against one bound's magnitude. */
interface Comparator {
  /** Significant integer digits read, capped at the bound's length + 1 ("longer"). */
  i: number;
  /** Fraction digits read (capped at the bound's fraction length), -1 while in the integer part. */
  j: number;
  status: number;
}

type Phase = 'start' | 'minus' | 'zero' | 'int' | 'dot' | 'frac';

interface State {
  phase: Phase;
  negative: boolean;
  digits: number;
  nonzero: boolean;
  comps: Comparator[];
}

interface Bound {
  value: Decimal;
  /** Which signed comparisons (x against the bound) are allowed: [x<b, x=b, x>b]. */
  allow: [boolean, boolean, boolean];
}

function stepComparator(c: Comparator, m: Decimal, d: number, inFraction: boolean): Comparator {
  if (!inFraction) {
    if (c.i >= m.int.length) return { i: m.int.length + 1, j: -1, status: c.status };
    const md = m.int.charCodeAt(c.i) - 48;
    const status = c.status !== EQ ? c.status : d < md ? LT : d > md ? GT : EQ;
    return { i: c.i + 1, j: -1, status };
  }
  const md = c.j < m.frac.length ? m.frac.charCodeAt(c.j) - 48 : 0;
  const status = c.status !== EQ ? c.status : d < md ? LT : d > md ? GT : EQ;
  return { i: c.i, j: Math.min(c.j + 1, m.frac.length), status };
}

/** Close the integer part: a shorter or longer integer decides the comparison. */
function endInteger(c: Comparator, m: Decimal): Comparator {
  const status = c.i > m.int.length ? GT : c.i < m.int.length ? LT : c.status;
  return { i: c.i, j: 0, status };
}

/** The magnitude comparison once the number ends. */
function finish(c: Comparator, m: Decimal): number {
  const closed = c.j < 0 ? endInteger(c, m) : c;
  if (closed.status === EQ && closed.j < m.frac.length) return LT;
  return closed.status;
}

function accepts(s: State, bounds: readonly Bound[], integer: boolean): boolean {
  if (!(s.phase === 'zero' || s.phase === 'int' || (!integer && s.phase === 'frac'))) return false;
  if (s.negative && !s.nonzero) return false; // no "-0"
  return bounds.every((b, k) => {
    const mag = finish(s.comps[k]!, b.value);
    let cmp: number;
    if (!s.negative) cmp = b.value.negative ? GT : mag;
    else cmp = b.value.negative ? 2 - mag : LT;
    return b.allow[cmp]!;
  });
}

function next(s: State, byte: number, bounds: readonly Bound[], integer: boolean): State | undefined {
  const ch = String.fromCharCode(byte);
  if (ch === '-') return s.phase === 'start' ? { ...s, phase: 'minus', negative: true } : undefined;
  if (ch === '.') {
    if (integer || (s.phase !== 'zero' && s.phase !== 'int')) return undefined;
    return { ...s, phase: 'dot', comps: s.comps.map((c, k) => endInteger(c, bounds[k]!.value)) };
  }
  if (byte < 48 || byte > 57) return undefined;
  const d = byte - 48;
  const counted = s.digits + 1;
  if (counted > MAX_BOUNDED_DIGITS) return undefined;
  switch (s.phase) {
    case 'start':
    case 'minus':
      // A lone leading zero is no significant digit (its comparators do not move).
      if (d === 0) return { ...s, phase: 'zero' };
      return { ...s, phase: 'int', digits: counted, nonzero: true, comps: s.comps.map((c, k) => stepComparator(c, bounds[k]!.value, d, false)) };
    case 'int':
      return { ...s, digits: counted, comps: s.comps.map((c, k) => stepComparator(c, bounds[k]!.value, d, false)) };
    case 'dot':
    case 'frac':
      return {
        ...s,
        phase: 'frac',
        digits: counted,
        nonzero: s.nonzero || d !== 0,
        comps: s.comps.map((c, k) => stepComparator(c, bounds[k]!.value, d, true)),
      };
    case 'zero':
      return undefined;
  }
}

function keyOf(s: State): string {
  return `${s.phase}${s.negative ? '-' : '+'}${s.digits}${s.nonzero ? 'n' : 'z'}${s.comps.map((c) => `${c.i}.${c.j}.${c.status}`).join('|')}`;
}

const BYTES = [45, 46, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57];

/**
 * The JSON numbers (or integers) within the bounds, exactly: an automaton that compares the
 * digits with each bound as they are read (sign, integer length, then digit by digit).
 */
export function boundedNumber(b: NumberBounds, integer: boolean, path: string): Expr {
  const bounds: Bound[] = [];
  if (b.minimum !== undefined) bounds.push({ value: toDecimal(b.minimum), allow: [false, true, true] });
  if (b.exclusiveMinimum !== undefined) bounds.push({ value: toDecimal(b.exclusiveMinimum), allow: [false, false, true] });
  if (b.maximum !== undefined) bounds.push({ value: toDecimal(b.maximum), allow: [true, true, false] });
  if (b.exclusiveMaximum !== undefined) bounds.push({ value: toDecimal(b.exclusiveMaximum), allow: [true, false, false] });
  const states: State[] = [];
  const index = new Map<string, number>();
  const edges: [number, number, number][] = [];
  const add = (s: State): number => {
    const key = keyOf(s);
    let id = index.get(key);
    if (id === undefined) {
      id = states.length;
      index.set(key, id);
      states.push(s);
    }
    return id;
  };
  add({ phase: 'start', negative: false, digits: 0, nonzero: false, comps: bounds.map(() => ({ i: 0, j: -1, status: EQ })) });
  for (let id = 0; id < states.length; id++) {
    for (const byte of BYTES) {
      const n = next(states[id]!, byte, bounds, integer);
      if (n !== undefined) edges.push([id, byte, add(n)]);
    }
  }
  const accepting = states.map((s) => accepts(s, bounds, integer));
  // Keep only states from which an accepting state can be reached.
  const live = accepting.slice();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [from, , to] of edges) {
      if (live[to] && !live[from]) {
        live[from] = true;
        changed = true;
      }
    }
  }
  if (!live[0]) {
    const text = Object.entries(b).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    throw new GrammarError('unsatisfiable', path, `no ${integer ? 'integer' : 'number'} satisfies ${text} (with at most ${MAX_BOUNDED_DIGITS} digits)`);
  }
  return {
    k: 'build',
    build: (w: ExprWiring, from: number): number => {
      const mapped = states.map((_s, i) => (i === 0 ? from : live[i] ? w.state() : -1));
      const end = w.state();
      for (const [f, byte, t] of edges) if (live[f] && live[t]) w.byte(mapped[f]!, byte, byte, mapped[t]!);
      accepting.forEach((acc, i) => {
        if (acc) w.eps(mapped[i]!, end);
      });
      return end;
    },
  };
}

import { ANY, type CodePointSet } from './codepoints.js';
import type { Expr, ExprWiring } from './expr.js';
import { jsonChar } from './json-char.js';

/**
 * An NFA over code points (what patterns, formats and key sets compile to). It becomes a
 * JSON string body by `jsonStringBody`, which also counts code points for
 * minLength/maxLength by running a counter beside it.
 */
export class CpNfa {
  readonly edges: { from: number; set: CodePointSet; to: number }[] = [];
  readonly eps: number[][] = [];
  readonly accepting: boolean[] = [];
  start = 0;

  state(): number {
    this.eps.push([]);
    this.accepting.push(false);
    return this.eps.length - 1;
  }
  edge(from: number, set: CodePointSet, to: number): void {
    if (set.length > 0) this.edges.push({ from, set, to });
  }
  epsilon(from: number, to: number): void {
    this.eps[from]!.push(to);
  }
  get stateCount(): number {
    return this.eps.length;
  }

  private closure(s: number): number[] {
    const seen = new Set([s]);
    const stack = [s];
    while (stack.length > 0) {
      for (const t of this.eps[stack.pop()!]!) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen];
  }

  /** The same language without epsilon edges: per state, its outgoing (set, to) and acceptance. */
  withoutEpsilons(): { out: { set: CodePointSet; to: number }[][]; accepting: boolean[] } {
    const byFrom: { set: CodePointSet; to: number }[][] = this.eps.map(() => []);
    for (const e of this.edges) byFrom[e.from]!.push({ set: e.set, to: e.to });
    const out: { set: CodePointSet; to: number }[][] = [];
    const accepting: boolean[] = [];
    for (let s = 0; s < this.stateCount; s++) {
      const cl = this.closure(s);
      out.push(cl.flatMap((t) => byFrom[t]!));
      accepting.push(cl.some((t) => this.accepting[t]));
    }
    return { out, accepting };
  }
}

/** A code point NFA accepting exactly one string. */
export function cpLiteral(nfa: CpNfa, from: number, text: string): number {
  let at = from;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const next = nfa.state();
    nfa.edge(at, [[c, c]], next);
    at = next;
  }
  return at;
}

/** Strings (as code points) other than the given ones. */
export function notOneOf(words: readonly string[]): CpNfa {
  const nfa = new CpNfa();
  const root = nfa.state();
  const free = nfa.state();
  nfa.accepting[free] = true;
  nfa.edge(free, ANY, free);
  interface Node {
    state: number;
    children: Map<number, Node>;
    word: boolean;
  }
  const trie: Node = { state: root, children: new Map(), word: false };
  for (const w of words) {
    let node = trie;
    for (const ch of w) {
      const c = ch.codePointAt(0)!;
      let next = node.children.get(c);
      if (next === undefined) {
        next = { state: nfa.state(), children: new Map(), word: false };
        node.children.set(c, next);
      }
      node = next;
    }
    node.word = true;
  }
  const visit = (node: Node): void => {
    nfa.accepting[node.state] = !node.word;
    const taken: [number, number][] = [];
    for (const [c, child] of node.children) {
      nfa.edge(node.state, [[c, c]], child.state);
      taken.push([c, c]);
      visit(child);
    }
    const others: [number, number][] = [];
    let next = 0;
    for (const [c] of taken.sort((a, b) => a[0] - b[0])) {
      if (c > next) others.push([next, c - 1]);
      next = c + 1;
    }
    others.push([next, 0x10ffff]);
    nfa.edge(node.state, others.filter(([lo, hi]) => lo <= hi && !(lo >= 0xd800 && hi <= 0xdfff)).flatMap(([lo, hi]) => splitSurrogates(lo, hi)), free);
  };
  visit(trie);
  nfa.start = root;
  return nfa;
}

function splitSurrogates(lo: number, hi: number): [number, number][] {
  if (hi < 0xd800 || lo > 0xdfff) return [[lo, hi]];
  const out: [number, number][] = [];
  if (lo < 0xd800) out.push([lo, 0xd7ff]);
  if (hi > 0xdfff) out.push([0xe000, hi]);
  return out;
}

/** JSON encodings of code point sets by content: patterns and formats repeat the same classes. */
const jsonCharCache = new Map<string, Expr>();

/**
 * The content of a JSON string (without the quotes) whose decoded value is accepted by
 * `nfa` and has between `minLength` and `maxLength` code points. Each (state, count) pair
 * becomes one byte state; every code point edge becomes the JSON encodings of its set.
 */
export function jsonStringBody(nfa: CpNfa, minLength: number, maxLength: number): Expr {
  const { out, accepting } = nfa.withoutEpsilons();
  const cap = maxLength === Infinity ? minLength : maxLength;
  const charOf = (set: CodePointSet): Expr => {
    const key = set.map(([lo, hi]) => `${lo}-${hi}`).join(',');
    let e = jsonCharCache.get(key);
    if (e === undefined) {
      if (jsonCharCache.size > 4096) jsonCharCache.clear();
      e = jsonChar(set);
      jsonCharCache.set(key, e);
    }
    return e;
  };
  return {
    k: 'build',
    build: (b: ExprWiring, from: number): number => {
      const end = b.state();
      const states = new Map<number, number>();
      const work: [number, number][] = [];
      const get = (s: number, n: number): number => {
        const key = s * (cap + 2) + n;
        let st = states.get(key);
        if (st === undefined) {
          st = b.state();
          states.set(key, st);
          work.push([s, n]);
        }
        return st;
      };
      b.eps(from, get(nfa.start, 0));
      while (work.length > 0) {
        const [s, n] = work.pop()!;
        const here = states.get(s * (cap + 2) + n)!;
        if (accepting[s] && n >= minLength) b.eps(here, end);
        if (n >= cap && maxLength !== Infinity) continue;
        const next = maxLength === Infinity ? Math.min(n + 1, cap) : n + 1;
        for (const e of out[s]!) {
          const to = get(e.to, next);
          b.emitTo(charOf(e.set), here, to);
        }
      }
      return end;
    },
  };
}

import type { Expr, ExprWiring } from './expr.js';
import { GrammarError } from './errors.js';

/**
 * The compiled form of a grammar: one byte-level NFA per rule, all states in one pool.
 * Byte edges are ranges; epsilon edges stay inside a rule; a call edge runs another rule
 * to its end and continues at `to` (the pushdown part, used only where rules recurse).
 * `dist[s]` is the fewest bytes that take state s to the end of its rule (Infinity when it
 * never can: such states are dropped while matching, so no walk can reach a dead end).
 */
export interface NfaTables {
  readonly stateCount: number;
  readonly ruleOf: Int32Array;
  /** Byte edges of state s: edges[edgeStart[s] .. edgeStart[s+1]) as (lo, hi, to) triples. */
  readonly edgeStart: Int32Array;
  readonly edges: Int32Array;
  /** Epsilon edges of state s: epsTo[epsStart[s] .. epsStart[s+1]). */
  readonly epsStart: Int32Array;
  readonly epsTo: Int32Array;
  /** Call edges of state s: callStart[s] .. callStart[s+1] into callRule / callTo. */
  readonly callStart: Int32Array;
  readonly callRule: Int32Array;
  readonly callTo: Int32Array;
  readonly ruleStart: Int32Array;
  readonly ruleEnd: Int32Array;
  readonly dist: Float64Array;
  readonly ruleMinLength: Float64Array;
}

/** Edges are collected flat (one push per field), then sorted into per-state runs. */
class Builder implements ExprWiring {
  readonly ruleOf: number[] = [];
  readonly byteEdges: number[] = []; // from, lo, hi, to
  readonly epsEdges: number[] = []; // from, to
  readonly callEdges: number[] = []; // from, rule, to
  currentRule = 0;

  state(): number {
    this.ruleOf.push(this.currentRule);
    return this.ruleOf.length - 1;
  }
  byte(from: number, lo: number, hi: number, to: number): void {
    this.byteEdges.push(from, lo, hi, to);
  }
  eps(from: number, to: number): void {
    if (from !== to) this.epsEdges.push(from, to);
  }
  emit(e: Expr, from: number): number {
    if (e.k === 'build') return e.build(this, from);
    if (e.k === 'seq') {
      let at = from;
      for (const it of e.items) at = this.emit(it, at);
      return at;
    }
    if (e.k === 'rep') return this.emitRep(e.item, e.min, e.max, from);
    const to = this.state();
    this.emitTo(e, from, to);
    return to;
  }
  /** Emit `e` so that it ends in the given state (saves a state and an epsilon edge per branch). */
  emitTo(e: Expr, from: number, to: number): void {
    switch (e.k) {
      case 'bytes':
        this.byte(from, e.lo, e.hi, to);
        return;
      case 'alt':
        for (const it of e.items) this.emitTo(it, from, to);
        return;
      case 'seq': {
        if (e.items.length === 0) {
          this.eps(from, to);
          return;
        }
        let at = from;
        for (let i = 0; i < e.items.length - 1; i++) at = this.emit(e.items[i]!, at);
        this.emitTo(e.items[e.items.length - 1]!, at, to);
        return;
      }
      case 'call':
        this.callEdges.push(from, e.rule, to);
        return;
      default:
        this.eps(this.emit(e, from), to);
    }
  }
  private emitRep(item: Expr, min: number, max: number, from: number): number {
    let at = from;
    for (let i = 0; i < min; i++) at = this.emit(item, at);
    if (max === Infinity) {
      // A fresh loop head keeps the loop's epsilon edges away from earlier states.
      const head = this.state();
      this.eps(at, head);
      this.emitTo(item, head, head);
      return head;
    }
    const end = this.state();
    this.eps(at, end);
    for (let i = min; i < max; i++) {
      at = this.emit(item, at);
      this.eps(at, end);
    }
    return end;
  }
}

/** Group flat edge records (`width` numbers each, the first the source state) into per-state runs. */
function csr(n: number, flat: readonly number[], width: number): { start: Int32Array; fields: Int32Array[] } {
  const count = flat.length / width;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) start[flat[i * width]! + 1]!++;
  for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
  const fill = start.slice(0, n);
  const fields = Array.from({ length: width - 1 }, () => new Int32Array(count));
  for (let i = 0; i < count; i++) {
    const at = fill[flat[i * width]!]!++;
    for (let f = 1; f < width; f++) fields[f - 1]![at] = flat[i * width + f]!;
  }
  return { start, fields };
}

/** Compile rule expressions (rule 0 is the start rule) into NFA tables with distances. */
export function buildNfa(rules: readonly Expr[], rulePaths: readonly string[]): NfaTables {
  const b = new Builder();
  const ruleStart = new Int32Array(rules.length);
  const ruleEnd = new Int32Array(rules.length);
  rules.forEach((expr, r) => {
    b.currentRule = r;
    const start = b.state();
    ruleStart[r] = start;
    ruleEnd[r] = b.emit(expr, start);
  });
  const n = b.ruleOf.length;
  const bytes = csr(n, b.byteEdges, 4);
  const edges = new Int32Array(bytes.fields[0]!.length * 3);
  for (let i = 0; i < bytes.fields[0]!.length; i++) {
    edges[3 * i] = bytes.fields[0]![i]!;
    edges[3 * i + 1] = bytes.fields[1]![i]!;
    edges[3 * i + 2] = bytes.fields[2]![i]!;
  }
  const edgeStart = bytes.start.map((x) => x * 3);
  const eps = csr(n, b.epsEdges, 2);
  const calls = csr(n, b.callEdges, 3);
  const tables: NfaTables = {
    stateCount: n,
    ruleOf: Int32Array.from(b.ruleOf),
    edgeStart,
    edges,
    epsStart: eps.start,
    epsTo: eps.fields[0]!,
    callStart: calls.start,
    callRule: calls.fields[0]!,
    callTo: calls.fields[1]!,
    ruleStart,
    ruleEnd,
    dist: new Float64Array(n),
    ruleMinLength: new Float64Array(rules.length),
  };
  computeDistances(tables);
  checkRules(tables, rulePaths);
  return tables;
}

/**
 * Shortest completion lengths: a backward Dijkstra per rule from its end state, repeated
 * until the rules' minimum lengths settle (they only fall, from Infinity).
 */
function computeDistances(t: NfaTables): void {
  const n = t.stateCount;
  // Reverse adjacency: for each state, (predecessor, weight kind) where kind -1 = byte (1),
  // -2 = epsilon (0), r >= 0 = call of rule r (its minimum length).
  const revStart = new Int32Array(n + 1);
  const count = new Int32Array(n);
  const forEachEdge = (f: (from: number, to: number, kind: number) => void): void => {
    for (let s = 0; s < n; s++) {
      for (let e = t.edgeStart[s]!; e < t.edgeStart[s + 1]!; e += 3) f(s, t.edges[e + 2]!, -1);
      for (let e = t.epsStart[s]!; e < t.epsStart[s + 1]!; e++) f(s, t.epsTo[e]!, -2);
      for (let c = t.callStart[s]!; c < t.callStart[s + 1]!; c++) f(s, t.callTo[c]!, t.callRule[c]!);
    }
  };
  forEachEdge((_f, to) => count[to]!++);
  for (let s = 0; s < n; s++) revStart[s + 1] = revStart[s]! + count[s]!;
  const revFrom = new Int32Array(revStart[n]!);
  const revKind = new Int32Array(revStart[n]!);
  const fill = revStart.slice(0, n);
  forEachEdge((from, to, kind) => {
    const at = fill[to]!++;
    revFrom[at] = from;
    revKind[at] = kind;
  });
  t.ruleMinLength.fill(Infinity);
  const heap = new MinHeap();
  for (let round = 0; round <= t.ruleStart.length + 1; round++) {
    t.dist.fill(Infinity);
    for (let r = 0; r < t.ruleEnd.length; r++) {
      t.dist[t.ruleEnd[r]!] = 0;
      heap.push(0, t.ruleEnd[r]!);
    }
    while (heap.size > 0) {
      const [d, s] = heap.pop();
      if (d > t.dist[s]!) continue;
      for (let i = revStart[s]!; i < revStart[s + 1]!; i++) {
        const kind = revKind[i]!;
        const w = kind === -1 ? 1 : kind === -2 ? 0 : t.ruleMinLength[kind]!;
        const nd = d + w;
        const from = revFrom[i]!;
        if (nd < t.dist[from]!) {
          t.dist[from] = nd;
          heap.push(nd, from);
        }
      }
    }
    let changed = false;
    for (let r = 0; r < t.ruleStart.length; r++) {
      const m = t.dist[t.ruleStart[r]!]!;
      if (m !== t.ruleMinLength[r]) {
        t.ruleMinLength[r] = m;
        changed = true;
      }
    }
    if (!changed) return;
  }
}

/** Every rule must be able to end, and no rule may call itself before reading a byte. */
function checkRules(t: NfaTables, rulePaths: readonly string[]): void {
  const recursive = t.callRule.length > 0;
  for (let r = 0; r < t.ruleStart.length; r++) {
    if (t.ruleMinLength[r] === Infinity) {
      const path = rulePaths[r] ?? '$';
      throw new GrammarError(
        'unsatisfiable',
        path,
        !recursive ? 'no value can satisfy this schema' : 'this recursive definition has no base case (every value would be infinite)',
      );
    }
  }
  // Rules reachable at the start of each rule without consuming a byte.
  const leading: Set<number>[] = [];
  for (let r = 0; r < t.ruleStart.length; r++) {
    const out = new Set<number>();
    const seen = new Set<number>([t.ruleStart[r]!]);
    const stack = [t.ruleStart[r]!];
    while (stack.length > 0) {
      const s = stack.pop()!;
      for (let c = t.callStart[s]!; c < t.callStart[s + 1]!; c++) out.add(t.callRule[c]!);
      for (let e = t.epsStart[s]!; e < t.epsStart[s + 1]!; e++) {
        const to = t.epsTo[e]!;
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    leading.push(out);
  }
  const state = new Uint8Array(t.ruleStart.length); // 0 new, 1 on stack, 2 done
  const visit = (r: number): void => {
    state[r] = 1;
    for (const c of leading[r]!) {
      if (state[c] === 1) {
        throw new GrammarError('unsatisfiable', rulePaths[c] ?? '$', 'this definition refers to itself before any value is written (left recursion)');
      }
      if (state[c] === 0) visit(c);
    }
    state[r] = 2;
  };
  for (let r = 0; r < t.ruleStart.length; r++) if (state[r] === 0) visit(r);
}

class MinHeap {
  private readonly keys: number[] = [];
  private readonly vals: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(k: number, v: number): void {
    const keys = this.keys;
    const vals = this.vals;
    let i = keys.length;
    keys.push(k);
    vals.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= k) break;
      keys[i] = keys[p]!;
      vals[i] = vals[p]!;
      i = p;
    }
    keys[i] = k;
    vals[i] = v;
  }
  pop(): [number, number] {
    const keys = this.keys;
    const vals = this.vals;
    const topK = keys[0]!;
    const topV = vals[0]!;
    const lastK = keys.pop()!;
    const lastV = vals.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1]! < keys[c]!) c++;
        if (keys[c]! >= lastK) break;
        keys[i] = keys[c]!;
        vals[i] = vals[c]!;
        i = c;
      }
      keys[i] = lastK;
      vals[i] = lastV;
    }
    return [topK, topV];
  }
}

import type { NfaTables } from './nfa.js';

const UNKNOWN = -2;
const DEAD = -1;

/**
 * The pushdown automaton of a grammar, determinized lazily. A DFA state is a set of NFA
 * states of one rule; a stack is an interned list of DFA states (the top is where the
 * input is, the others are return points); a configuration is the set of stacks the input
 * so far allows, closed under calls and returns. Configurations are interned too, and
 * their byte transitions are cached in one flat table, so walking the vocabulary trie from
 * a configuration already seen costs one array read per trie node.
 */
export class Automaton {
  readonly nfa: NfaTables;

  // DFA states
  private readonly dfaIndex = new Map<string, number>();
  private readonly dfaNfa: Int32Array[] = [];
  private readonly dfaAccepting: boolean[] = [];
  private readonly dfaHasBytes: boolean[] = [];
  private readonly dfaCalls: (readonly [number, number])[][] = [];
  private readonly dfaDist: number[] = [];
  private readonly dfaTrans: (Int32Array | undefined)[] = [];
  private readonly ruleStartDfa: number[] = [];

  // stacks
  private readonly stackIndex = new Map<number, Map<number, number>>();
  private readonly stackParent: number[] = [];
  private readonly stackTop: number[] = [];
  private readonly stackDist: number[] = [];

  // configurations
  private readonly configIndex = new Map<string, number>();
  private readonly configStacks: Int32Array[] = [];
  /** Fewest bytes that complete the value from this configuration (0 when it may end). */
  readonly configDist: number[] = [];
  readonly configComplete: boolean[] = [];
  readonly configCanContinue: boolean[] = [];
  /** trans[c * 256 + byte]: next configuration, DEAD, or UNKNOWN (not computed yet). */
  trans = new Int32Array(256 * 64).fill(UNKNOWN);

  /** The configuration before any byte. */
  readonly initial: number;

  constructor(nfa: NfaTables) {
    this.nfa = nfa;
    for (let r = 0; r < nfa.ruleStart.length; r++) this.ruleStartDfa.push(this.dfaFor([nfa.ruleStart[r]!]));
    this.initial = this.configFor([this.stackFor(-1, this.ruleStartDfa[0]!)]);
  }

  get configCount(): number {
    return this.configStacks.length;
  }

  /** The configuration after `byte`, or -1 when the byte is not allowed. */
  step(config: number, byte: number): number {
    const cached = this.trans[config * 256 + byte]!;
    if (cached !== UNKNOWN) return cached;
    return this.computeStep(config, byte);
  }

  private computeStep(config: number, byte: number): number {
    const next: number[] = [];
    for (const s of this.configStacks[config]!) {
      const top = this.stackTop[s]!;
      if (!this.dfaHasBytes[top]) continue;
      const moved = this.dfaStep(top, byte);
      if (moved !== DEAD) next.push(this.stackFor(this.stackParent[s]!, moved));
    }
    const result = next.length === 0 ? DEAD : this.configFor(next);
    this.trans[config * 256 + byte] = result;
    return result;
  }

  private dfaStep(d: number, byte: number): number {
    let row = this.dfaTrans[d];
    if (row === undefined) {
      row = new Int32Array(256).fill(UNKNOWN);
      this.dfaTrans[d] = row;
    }
    const cached = row[byte]!;
    if (cached !== UNKNOWN) return cached;
    const { edgeStart, edges } = this.nfa;
    const targets: number[] = [];
    for (const s of this.dfaNfa[d]!) {
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e += 3) {
        if (edges[e]! <= byte && byte <= edges[e + 1]!) targets.push(edges[e + 2]!);
      }
    }
    const result = targets.length === 0 ? DEAD : this.dfaFor(targets);
    row[byte] = result;
    return result;
  }

  /** The DFA state for the epsilon closure of `states` (live states only), or DEAD. */
  private dfaFor(states: readonly number[]): number {
    const { epsStart, epsTo, dist } = this.nfa;
    const seen = new Set<number>();
    const stack: number[] = [];
    for (const s of states) {
      if (!seen.has(s)) {
        seen.add(s);
        stack.push(s);
      }
    }
    while (stack.length > 0) {
      const s = stack.pop()!;
      for (let e = epsStart[s]!; e < epsStart[s + 1]!; e++) {
        const to = epsTo[e]!;
        if (!seen.has(to)) {
          seen.add(to);
          stack.push(to);
        }
      }
    }
    const live = [...seen].filter((s) => dist[s]! !== Infinity).sort((a, b) => a - b);
    if (live.length === 0) return DEAD;
    const key = live.join(',');
    const known = this.dfaIndex.get(key);
    if (known !== undefined) return known;
    const id = this.dfaNfa.length;
    const { edgeStart, callStart, callRule, callTo, ruleEnd, ruleOf } = this.nfa;
    let hasBytes = false;
    let best = Infinity;
    const dcalls: [number, number][] = [];
    for (const s of live) {
      if (edgeStart[s + 1]! > edgeStart[s]!) hasBytes = true;
      for (let c = callStart[s]!; c < callStart[s + 1]!; c++) dcalls.push([callRule[c]!, callTo[c]!]);
      best = Math.min(best, dist[s]!);
    }
    this.dfaIndex.set(key, id);
    this.dfaNfa.push(Int32Array.from(live));
    this.dfaAccepting.push(live.includes(ruleEnd[ruleOf[live[0]!]!]!));
    this.dfaHasBytes.push(hasBytes);
    this.dfaCalls.push(dcalls);
    this.dfaDist.push(best);
    this.dfaTrans.push(undefined);
    return id;
  }

  private stackFor(parent: number, top: number): number {
    let byTop = this.stackIndex.get(parent);
    if (byTop === undefined) {
      byTop = new Map();
      this.stackIndex.set(parent, byTop);
    }
    const known = byTop.get(top);
    if (known !== undefined) return known;
    const id = this.stackParent.length;
    byTop.set(top, id);
    this.stackParent.push(parent);
    this.stackTop.push(top);
    this.stackDist.push(this.dfaDist[top]! + (parent < 0 ? 0 : this.stackDist[parent]!));
    return id;
  }

  /** Close a set of stacks under calls (push) and returns (pop), then intern it. */
  private configFor(stacks: readonly number[]): number {
    const seen = new Set<number>();
    const work = [...stacks];
    let complete = false;
    while (work.length > 0) {
      const s = work.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      const top = this.stackTop[s]!;
      const parent = this.stackParent[s]!;
      if (this.dfaAccepting[top]) {
        if (parent < 0) complete = true;
        else work.push(parent);
      }
      for (const [rule, ret] of this.dfaCalls[top]!) {
        const back = this.dfaFor([ret]);
        if (back === DEAD) continue;
        const start = this.ruleStartDfa[rule]!;
        if (start === DEAD) continue;
        work.push(this.stackFor(this.stackFor(parent, back), start));
      }
    }
    // Only stacks that can read a byte matter from here on; completion is a flag.
    const kept = [...seen].filter((s) => this.dfaHasBytes[this.stackTop[s]!]).sort((a, b) => a - b);
    const key = (complete ? 'c' : '') + kept.join(',');
    const known = this.configIndex.get(key);
    if (known !== undefined) return known;
    const id = this.configStacks.length;
    this.configIndex.set(key, id);
    this.configStacks.push(Int32Array.from(kept));
    let best = complete ? 0 : Infinity;
    for (const s of kept) best = Math.min(best, this.stackDist[s]!);
    this.configDist.push(best);
    this.configComplete.push(complete);
    this.configCanContinue.push(kept.length > 0);
    if (this.trans.length < (id + 1) * 256) {
      const grown = new Int32Array(this.trans.length * 2).fill(UNKNOWN);
      grown.set(this.trans);
      this.trans = grown;
    }
    return id;
  }
}

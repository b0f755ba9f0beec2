import { Automaton } from './automaton.js';
import type { Expr } from './expr.js';
import { buildNfa } from './nfa.js';
import type { GrammarVocabulary } from './vocabulary.js';

/** An opaque compiled grammar; `key` identifies its content (equal keys, equal grammars). */
export interface Grammar {
  readonly key: string;
}

/** The allowed next tokens from one configuration, with the completion length after each. */
export interface MaskEntry {
  readonly tokens: Int32Array;
  readonly distAfter: Int32Array;
  readonly maxDistAfter: number;
}

/** Mask entries cached per vocabulary, dropped all together when they grow past this many ints. */
const MASK_CACHE_LIMIT = 32 * 1024 * 1024;

export class CompiledGrammar implements Grammar {
  readonly key: string;
  readonly automaton: Automaton;
  private readonly masks = new Map<GrammarVocabulary, { entries: Map<number, MaskEntry>; size: number }>();

  constructor(key: string, rules: readonly Expr[], rulePaths: readonly string[]) {
    this.key = key;
    this.automaton = new Automaton(buildNfa(rules, rulePaths));
  }

  maskEntry(vocab: GrammarVocabulary, config: number): MaskEntry {
    let cache = this.masks.get(vocab);
    if (cache === undefined) {
      cache = { entries: new Map(), size: 0 };
      this.masks.set(vocab, cache);
    }
    const known = cache.entries.get(config);
    if (known !== undefined) return known;
    const entry = walkVocabulary(this.automaton, vocab, config, Infinity);
    if (cache.size + 2 * entry.tokens.length > MASK_CACHE_LIMIT) {
      cache.entries.clear();
      cache.size = 0;
    }
    cache.entries.set(config, entry);
    cache.size += 2 * entry.tokens.length;
    return entry;
  }
}

/**
 * Every token whose bytes the automaton accepts from `start` and after which the value can
 * still be completed in at most `limit` bytes. One pass over the trie in preorder; a dead
 * prefix skips its subtree.
 */
export function walkVocabulary(a: Automaton, v: GrammarVocabulary, start: number, limit: number): MaskEntry {
  const { nodeByte, nodeDepth, nodeSize, nodeToken, nodeCount } = v;
  const at = new Int32Array(v.maxDepth + 1);
  at[0] = start;
  const tokens = new Int32Array(v.vocabSize);
  const dists = new Int32Array(v.vocabSize);
  let count = 0;
  let maxDist = 0;
  let trans = a.trans;
  const configDist = a.configDist;
  let i = 1;
  while (i < nodeCount) {
    const d = nodeDepth[i]!;
    const from = at[d - 1]!;
    const b = nodeByte[i]!;
    let c = trans[from * 256 + b]!;
    if (c === -2) {
      c = a.step(from, b);
      trans = a.trans;
    }
    if (c < 0) {
      i += nodeSize[i]!;
      continue;
    }
    at[d] = c;
    const tok = nodeToken[i]!;
    if (tok >= 0) {
      const dist = configDist[c]!;
      if (dist <= limit) {
        tokens[count] = tok;
        dists[count] = dist;
        count++;
        if (dist > maxDist) maxDist = dist;
      }
    }
    i++;
  }
  return { tokens: tokens.slice(0, count), distAfter: dists.slice(0, count), maxDistAfter: maxDist };
}

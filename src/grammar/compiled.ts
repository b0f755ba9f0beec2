import { Automaton } from './automaton.js';
import type { Expr } from './expr.js';
import { buildNfa } from './nfa.js';
import type { GrammarVocabulary } from './vocabulary.js';

/** An opaque compiled grammar; `key` identifies its content (equal keys, equal grammars). */
export interface Grammar {
  readonly key: string;
}

/** The tokens a walk found allowed, with the completion length after each. */
export interface WalkResult {
  readonly tokens: Int32Array;
  readonly distAfter: Int32Array;
}

/**
 * The allowed next tokens from one configuration, stored for fast filling: a byte map when
 * many tokens are allowed (filled with one copy), a list when few are. The tokens that
 * leave more than the shortest completion are listed apart, longest first, so a tight budget
 * only clears a prefix of that list.
 */
export interface MaskEntry {
  readonly dense: Uint8Array | undefined;
  readonly tokens: Int32Array | undefined;
  readonly minDistAfter: number;
  readonly maxDistAfter: number;
  readonly farTokens: Int32Array;
  readonly farDists: Int32Array;
  readonly bytes: number;
}

/** Mask entries cached per vocabulary, dropped all together when they pass this many bytes. */
const MASK_CACHE_BYTES = 256 * 1024 * 1024;

export function toMaskEntry(walk: WalkResult, vocabSize: number): MaskEntry {
  const { tokens, distAfter } = walk;
  const n = tokens.length;
  let minD = Infinity;
  let maxD = 0;
  for (let i = 0; i < n; i++) {
    const d = distAfter[i]!;
    if (d < minD) minD = d;
    if (d > maxD) maxD = d;
  }
  // Counting sort, longest completion first (distances are small integers).
  const range = n === 0 ? 0 : maxD - minD;
  const counts = new Int32Array(range + 2);
  let farCount = 0;
  for (let i = 0; i < n; i++) {
    const d = distAfter[i]!;
    if (d > minD) {
      counts[maxD - d + 1]!++;
      farCount++;
    }
  }
  for (let k = 1; k < counts.length; k++) counts[k]! += counts[k - 1]!;
  const farTokens = new Int32Array(farCount);
  const farDists = new Int32Array(farCount);
  for (let i = 0; i < n; i++) {
    const d = distAfter[i]!;
    if (d > minD) {
      const at = counts[maxD - d]!++;
      farTokens[at] = tokens[i]!;
      farDists[at] = d;
    }
  }
  let dense: Uint8Array | undefined;
  let list: Int32Array | undefined;
  if (n > vocabSize / 16) {
    dense = new Uint8Array(vocabSize);
    for (let i = 0; i < n; i++) dense[tokens[i]!] = 1;
  } else list = tokens;
  const bytes = (dense?.length ?? 0) + 4 * (list?.length ?? 0) + 8 * farCount;
  return { dense, tokens: list, minDistAfter: n === 0 ? 0 : minD, maxDistAfter: maxD, farTokens, farDists, bytes };
}

/** Write an entry into a zeroed mask, leaving out tokens that need more than `limit` bytes after. */
export function fillFromEntry(mask: Uint8Array, e: MaskEntry, limit: number): void {
  if (limit < e.minDistAfter) return;
  if (e.dense !== undefined) mask.set(e.dense);
  else if (e.tokens !== undefined) for (let i = 0; i < e.tokens.length; i++) mask[e.tokens[i]!] = 1;
  if (limit >= e.maxDistAfter) return;
  const { farTokens, farDists } = e;
  for (let i = 0; i < farTokens.length && farDists[i]! > limit; i++) mask[farTokens[i]!] = 0;
}

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
    const entry = toMaskEntry(walkVocabulary(this.automaton, vocab, config, Infinity), vocab.vocabSize);
    if (cache.size + entry.bytes > MASK_CACHE_BYTES) {
      cache.entries.clear();
      cache.size = 0;
    }
    cache.entries.set(config, entry);
    cache.size += entry.bytes;
    return entry;
  }
}

/**
 * Every token whose bytes the automaton accepts from `start` and after which the value can
 * still be completed in at most `limit` bytes. One pass over the trie in preorder; a dead
 * prefix skips its subtree.
 */
export function walkVocabulary(a: Automaton, v: GrammarVocabulary, start: number, limit: number): WalkResult {
  const { nodeByte, nodeDepth, nodeSize, nodeToken, nodeCount } = v;
  const at = new Int32Array(v.maxDepth + 1);
  at[0] = start;
  const tokens = new Int32Array(v.vocabSize);
  const dists = new Int32Array(v.vocabSize);
  let count = 0;
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
      }
    }
    i++;
  }
  return { tokens: tokens.slice(0, count), distAfter: dists.slice(0, count) };
}

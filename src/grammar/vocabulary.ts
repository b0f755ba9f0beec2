import type { Tokenizer } from '../tokenizer/index.js';

/**
 * The ordinary tokens of a vocabulary as a byte trie laid out in preorder: node i's subtree
 * is nodes i .. i + size[i] - 1, so a walk that finds a prefix dead skips its whole subtree
 * with one addition. Special tokens are left out (the caller owns them).
 */
export interface GrammarVocabulary {
  readonly vocabSize: number;
  /** Trie nodes 1..nodeCount-1 (node 0 is the root, the empty prefix). */
  readonly nodeCount: number;
  readonly nodeByte: Uint8Array;
  readonly nodeDepth: Uint16Array;
  readonly nodeSize: Int32Array;
  /** The token ending at this node, or -1. */
  readonly nodeToken: Int32Array;
  readonly maxDepth: number;
  /** Token id -> its bytes. */
  tokenBytes(id: number): Uint8Array;
  isOrdinary(id: number): boolean;
}

const cache = new WeakMap<Tokenizer, GrammarVocabulary>();

/** The grammar view of a tokenizer's vocabulary, built once per tokenizer. */
export function vocabularyOf(tokenizer: Tokenizer): GrammarVocabulary {
  let v = cache.get(tokenizer);
  if (v === undefined) {
    const tokens: Uint8Array[] = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      tokens.push(tokenizer.isSpecial(id) ? new Uint8Array(0) : tokenizer.tokenBytes(id));
    }
    v = buildVocabulary(tokens);
    cache.set(tokenizer, v);
  }
  return v;
}

/** Build from raw token bytes (index = id); empty entries are not ordinary tokens. */
export function buildVocabulary(tokens: readonly Uint8Array[]): GrammarVocabulary {
  const ids: number[] = [];
  for (let id = 0; id < tokens.length; id++) if (tokens[id]!.length > 0) ids.push(id);
  // Latin-1 strings compare code unit by code unit, which is byte order, and sort fast.
  const keys = tokens.map((t) => (t.length > 0 ? Buffer.from(t).toString('latin1') : ''));
  ids.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const byte: number[] = [0];
  const depth: number[] = [0];
  const token: number[] = [-1];
  const path: number[] = [0]; // node at each depth along the current branch
  let prev: Uint8Array = new Uint8Array(0);
  let maxDepth = 0;
  for (const id of ids) {
    const t = tokens[id]!;
    let lcp = 0;
    while (lcp < t.length && lcp < prev.length && t[lcp] === prev[lcp]) lcp++;
    path.length = lcp + 1;
    for (let d = lcp; d < t.length; d++) {
      byte.push(t[d]!);
      depth.push(d + 1);
      token.push(-1);
      path.push(byte.length - 1);
    }
    token[path[t.length]!] = id;
    prev = t;
    maxDepth = Math.max(maxDepth, t.length);
  }
  const n = byte.length;
  const size = new Int32Array(n).fill(1);
  // In preorder, a node's parent is the nearest earlier node one level up.
  const lastAt: number[] = [];
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = depth[i]!;
    if (d > 0) parent[i] = lastAt[d - 1]!;
    lastAt[d] = i;
  }
  for (let i = n - 1; i > 0; i--) size[parent[i]!]! += size[i]!;
  return {
    vocabSize: tokens.length,
    nodeCount: n,
    nodeByte: Uint8Array.from(byte),
    nodeDepth: Uint16Array.from(depth),
    nodeSize: size,
    nodeToken: Int32Array.from(token),
    maxDepth,
    tokenBytes: (id) => tokens[id]!,
    isOrdinary: (id) => id >= 0 && id < tokens.length && tokens[id]!.length > 0,
  };
}

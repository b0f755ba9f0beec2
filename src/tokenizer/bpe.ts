/**
 * Byte-level BPE over o200k ranks, merging exactly as tiktoken does: repeatedly merge the adjacent
 * pair whose concatenation has the lowest rank, the leftmost one on ties. A piece is its UTF-8
 * bytes as a latin1 string (one char per byte), so a byte range is a substring and a rank is one
 * Map lookup (an integer-keyed one for ranges of up to 3 bytes).
 *
 * Short pieces use tiktoken's linear scan (fastest when a piece is a few bytes); long ones use a
 * linked list and a binary heap keyed by (rank, position), so a 20,000-byte run costs n log n,
 * not n^2.
 */
export interface BpeRanks {
  /** Token bytes as a latin1 string -> rank. */
  readonly encoder: ReadonlyMap<string, number>;
  /**
   * Tokens of up to SHORT_TOKEN_BYTES bytes keyed by shortTokenKey: most pair lookups are this
   * short, and an integer key skips building and hashing a substring.
   */
  readonly short: ReadonlyMap<number, number>;
  /** The rank of each single byte (all 256 are tokens in o200k_base). */
  readonly byteRanks: Int32Array;
}

export const SHORT_TOKEN_BYTES = 3;

/** (length, byte0, byte1, byte2) packed into a small integer. */
export function shortTokenKey(bytes: ArrayLike<number>, start: number, end: number): number {
  let key = end - start;
  for (let i = start; i < end; i++) key = (key << 8) | bytes[i]!;
  return key;
}

/** Above this many bytes a piece goes through the heap merge. */
const LINEAR_LIMIT = 64;
const NONE = 0x7fffffff;

const bounds = new Int32Array(LINEAR_LIMIT + 1);
const pairRanks = new Int32Array(LINEAR_LIMIT);
/** partRanks[i] is the token that part i currently is (a merge's result is the pair's rank). */
const partRanks = new Int32Array(LINEAR_LIMIT);

/** Appends the ranks of `piece` (UTF-8 bytes as latin1, not itself a token) to `out`. */
export function bytePairEncode(piece: string, ranks: BpeRanks, out: number[]): void {
  if (piece.length <= LINEAR_LIMIT) linearMerge(piece, ranks, out);
  else heapMerge(piece, ranks, out);
}

function rankOf(ranks: BpeRanks, piece: string, start: number, end: number): number {
  if (end - start <= SHORT_TOKEN_BYTES) {
    let key = end - start;
    for (let i = start; i < end; i++) key = (key << 8) | piece.charCodeAt(i);
    return ranks.short.get(key) ?? NONE;
  }
  return ranks.encoder.get(piece.substring(start, end)) ?? NONE;
}

function linearMerge(piece: string, ranks: BpeRanks, out: number[]): void {
  const n = piece.length;
  for (let i = 0; i <= n; i++) bounds[i] = i;
  for (let i = 0; i < n; i++) partRanks[i] = ranks.byteRanks[piece.charCodeAt(i)]!;
  for (let i = 0; i < n - 1; i++) pairRanks[i] = rankOf(ranks, piece, i, i + 2);
  // `parts` tokens with boundaries bounds[0..parts]; pairRanks[i] ranks tokens i and i+1 merged.
  let parts = n;
  while (parts > 1) {
    let best = NONE;
    let at = -1;
    for (let i = 0; i < parts - 1; i++) {
      const r = pairRanks[i]!;
      if (r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) break;
    bounds.copyWithin(at + 1, at + 2, parts + 1);
    pairRanks.copyWithin(at, at + 1, parts - 1);
    partRanks.copyWithin(at + 1, at + 2, parts);
    partRanks[at] = best;
    parts--;
    if (at > 0) pairRanks[at - 1] = rankOf(ranks, piece, bounds[at - 1]!, bounds[at + 1]!);
    pairRanks[at] = at + 2 <= parts ? rankOf(ranks, piece, bounds[at]!, bounds[at + 2]!) : NONE;
  }
  for (let i = 0; i < parts; i++) out.push(partRanks[i]!);
}

/** Nodes are named by their start byte; next[i] is where node i ends. */
function heapMerge(piece: string, ranks: BpeRanks, out: number[]): void {
  const n = piece.length;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const pairRank = new Int32Array(n);
  const token = new Int32Array(n);
  const heap = new MinHeap(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
    token[i] = ranks.byteRanks[piece.charCodeAt(i)]!;
  }
  for (let i = 0; i < n - 1; i++) {
    const r = rankOf(ranks, piece, i, i + 2);
    pairRank[i] = r;
    if (r !== NONE) heap.push(r, i);
  }
  pairRank[n - 1] = NONE;
  while (heap.size > 0) {
    const key = heap.pop();
    const i = key % POS_SPAN;
    const r = (key - i) / POS_SPAN;
    // Stale entry: node i was absorbed (pairRank reset to NONE) or its pair changed.
    if (pairRank[i] !== r) continue;
    const j = next[i]!;
    const k = next[j]!;
    next[i] = k;
    token[i] = r;
    pairRank[j] = NONE;
    if (k < n) prev[k] = i;
    const after = k < n ? rankOf(ranks, piece, i, next[k]!) : NONE;
    pairRank[i] = after;
    if (after !== NONE) heap.push(after, i);
    const p = prev[i]!;
    if (p >= 0) {
      const before = rankOf(ranks, piece, p, k);
      pairRank[p] = before;
      if (before !== NONE) heap.push(before, p);
    }
  }
  for (let i = 0; i < n; i = next[i]!) out.push(token[i]!);
}

/** rank * POS_SPAN + position orders by rank, then leftmost; exact in a double (rank < 2^18). */
const POS_SPAN = 2 ** 32;

class MinHeap {
  private items: Float64Array;
  size = 0;
  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(16, capacity));
  }
  push(rank: number, pos: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    const key = rank * POS_SPAN + pos;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= key) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = key;
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && a[child + 1]! < a[child]!) child++;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/**
 * The tokens still in play at one sampling step: parallel arrays of ids and scores (logits until
 * `probs` is computed), `size` of them valid. Buffers are allocated once at the vocabulary size and
 * reused every step, so the decode loop does not allocate.
 */
export class Candidates {
  ids: Int32Array;
  logits: Float32Array;
  /** Softmax of `logits[0..size)` once `normalize()` ran; stale after any link changes logits. */
  probs: Float32Array;
  size = 0;
  /** The first `sortedCount` entries are in descending logit order (0: no order known). */
  sortedCount = 0;
  private taken = new Uint8Array(0);

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.probs = new Float32Array(capacity);
  }

  /** Fill from a row of logits, keeping only ids the mask allows (mask[id] !== 0) or the listed ids. */
  load(row: Float32Array, mask?: Uint8Array, allowedIds?: ArrayLike<number>): void {
    const needed = allowedIds ? allowedIds.length : row.length;
    if (this.ids.length < needed) {
      this.ids = new Int32Array(needed);
      this.logits = new Float32Array(needed);
      this.probs = new Float32Array(needed);
    }
    let n = 0;
    if (allowedIds) {
      for (let i = 0; i < allowedIds.length; i++) {
        const id = allowedIds[i]!;
        if (id < 0 || id >= row.length) continue;
        if (mask && !mask[id]) continue;
        this.ids[n] = id;
        this.logits[n++] = row[id]!;
      }
    } else if (mask) {
      for (let id = 0; id < row.length; id++) {
        if (!mask[id]) continue;
        this.ids[n] = id;
        this.logits[n++] = row[id]!;
      }
    } else {
      for (let id = 0; id < row.length; id++) this.ids[id] = id;
      this.logits.set(row);
      n = row.length;
    }
    this.size = n;
    this.sortedCount = 0;
  }

  /** probs = softmax(logits) over the candidates in play (-Infinity logits get probability 0). */
  normalize(): void {
    let max = -Infinity;
    for (let i = 0; i < this.size; i++) if (this.logits[i]! > max) max = this.logits[i]!;
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      const p = max === -Infinity ? 0 : Math.exp(this.logits[i]! - max);
      this.probs[i] = p;
      sum += p;
    }
    const inv = sum > 0 ? 1 / sum : 0;
    for (let i = 0; i < this.size; i++) this.probs[i] = this.probs[i]! * inv;
  }

  /**
   * Bring the `n` highest-logit candidates to the front in descending order (ties by lower id, so
   * results do not depend on the sort's stability). A bounded selection first, a full sort only
   * when n is large: top-k and top-p touch only a few hundred tokens of a 201k vocabulary.
   */
  sortTop(n: number): void {
    n = Math.min(n, this.size);
    if (n <= this.sortedCount) return;
    const order = topIndices(this.logits, this.ids, this.size, n);
    const topIds = new Int32Array(n);
    const topLogits = new Float32Array(n);
    if (this.taken.length < this.size) this.taken = new Uint8Array(this.ids.length);
    const taken = this.taken;
    taken.fill(0, 0, this.size);
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      topIds[i] = this.ids[j]!;
      topLogits[i] = this.logits[j]!;
      taken[j] = 1;
    }
    // Compact the rest towards the end in place (w >= j, so nothing unread is overwritten).
    let w = this.size - 1;
    for (let j = this.size - 1; j >= 0; j--) {
      if (taken[j]) continue;
      this.ids[w] = this.ids[j]!;
      this.logits[w--] = this.logits[j]!;
    }
    this.ids.set(topIds);
    this.logits.set(topLogits);
    this.sortedCount = n;
  }

  /** Keep only the first n candidates (callers sort first). */
  truncate(n: number): void {
    if (n < this.size) this.size = Math.max(n, 0);
    if (this.sortedCount > this.size) this.sortedCount = this.size;
  }
}

/** Descending by logit, ties by lower id. */
export function before(la: number, ia: number, lb: number, ib: number): boolean {
  return la > lb || (la === lb && ia < ib);
}

/** Indices (into the arrays) of the n best entries, best first: a size-n min-heap over one pass. */
export function topIndices(logits: Float32Array, ids: Int32Array, size: number, n: number): Int32Array {
  if (n >= size / 4) return sortedIndices(logits, ids, size).subarray(0, n);
  const heap = new Int32Array(n);
  let len = 0;
  // heap[0] is the worst of the kept entries.
  const worse = (a: number, b: number): boolean => before(logits[b]!, ids[b]!, logits[a]!, ids[a]!);
  const siftDown = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < len && worse(heap[l]!, heap[m]!)) m = l;
      if (r < len && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let j = 0; j < size; j++) {
    if (len < n) {
      let i = len++;
      heap[i] = j;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[p]!)) break;
        const t = heap[i]!;
        heap[i] = heap[p]!;
        heap[p] = t;
        i = p;
      }
    } else if (worse(heap[0]!, j)) {
      heap[0] = j;
      siftDown(0);
    }
  }
  const out = new Int32Array(len);
  for (let k = len - 1; k >= 0; k--) {
    out[k] = heap[0]!;
    heap[0] = heap[--len]!;
    siftDown(0);
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * All indices in descending logit order, ties by lower id: one native numeric sort of float64
 * keys (order-preserving float bits above the id), several times faster than a comparator sort.
 */
function sortedIndices(logits: Float32Array, ids: Int32Array, size: number): Int32Array {
  const keys = new Float64Array(size);
  const position = new Int32Array(262144);
  for (let i = 0; i < size; i++) {
    f32[0] = logits[i]!;
    const bits = u32[0]!;
    // Larger floats -> smaller keys, so an ascending sort gives descending logits.
    const flipped = bits & 0x80000000 ? (bits & 0x7fffffff) + 0x80000000 : 0x7fffffff - bits;
    keys[i] = flipped * 262144 + ids[i]!;
    position[ids[i]!] = i;
  }
  keys.sort();
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = position[keys[i]! % 262144]!;
  return out;
}

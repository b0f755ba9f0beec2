/** Ids up to this bound pack with a float32's 32 order bits into one float64 sort key (2^32 * 2^21 = 2^53). */
export const MAX_RANK_IDS = 2 ** 21;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Sorts ids[0..n) into the chain's candidate order: descending value (float32 `valueOf(id)`), ties
 * by lower id, -0 equal to +0 (as `<`/`===` compare). One native numeric sort of packed keys.
 */
export function sortByRank(ids: Int32Array, n: number, valueOf: (id: number) => number, keys: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    f32[0] = valueOf(id) + 0; // + 0 turns -0 into +0
    const bits = u32[0]!;
    // Larger floats -> smaller keys, so an ascending sort gives descending values.
    const flipped = bits & 0x80000000 ? (bits & 0x7fffffff) + 0x80000000 : 0x7fffffff - bits;
    keys[i] = flipped * MAX_RANK_IDS + id;
  }
  const view = keys.subarray(0, n);
  view.sort();
  for (let i = 0; i < n; i++) ids[i] = view[i]! % MAX_RANK_IDS;
}

/**
 * How backend outputs are compared with the reference, shared by the Node harness and the WebGPU
 * page (which is bundled for the browser, so this file imports nothing).
 */

/** Normalised mean squared error: sum (got - want)^2 / sum want^2 (0 for two all-zero outputs). */
export function nmse(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let err = 0;
  let ref = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i]! - want[i]!;
    err += d * d;
    ref += want[i]! * want[i]!;
  }
  return ref === 0 ? (err === 0 ? 0 : Infinity) : err / ref;
}

import { NonFiniteLogitsError } from '../core/errors.js';

/**
 * Throws NonFiniteLogitsError when a logits row holds NaN or an infinity. One pass without branches
 * (v * 0 is NaN exactly for NaN and +-Infinity) over four independent sums, so the adds overlap:
 * ~0.4 ms for the 201,088-entry vocabulary against a ~117 ms 20b decode step
 * (bench/finite-logits.ts), checked on every row the engine samples from.
 */
export function assertFiniteLogits(row: Float32Array, position: number): void {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const whole = row.length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    a0 += row[i]! * 0;
    a1 += row[i + 1]! * 0;
    a2 += row[i + 2]! * 0;
    a3 += row[i + 3]! * 0;
  }
  for (; i < row.length; i++) a0 += row[i]! * 0;
  if (a0 + a1 + a2 + a3 !== 0) throw new NonFiniteLogitsError(position);
}

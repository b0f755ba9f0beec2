import { NonFiniteLogitsError } from '../core/errors.js';

/**
 * Throws NonFiniteLogitsError when a logits row holds NaN or an infinity. One pass without branches
 * (v * 0 is NaN exactly for NaN and +-Infinity), about 0.1 ms for a 201k vocabulary, checked on every
 * row the engine samples from.
 */
export function assertFiniteLogits(row: Float32Array, position: number): void {
  let acc = 0;
  for (let i = 0; i < row.length; i++) acc += row[i]! * 0;
  if (acc !== 0) throw new NonFiniteLogitsError(position);
}

import { InvalidArgumentError } from '../../core/errors.js';
import type { RefTensor } from './ref-tensor.js';

/** Fails loudly when an op is handed tensors of the wrong shape (a bug in the caller, never silent garbage). */
export function expectShape(op: string, what: string, t: RefTensor, rows: number, cols: number): void {
  if (t.rows !== rows || t.cols !== cols) {
    throw new InvalidArgumentError(`ref.${op}: ${what} is [${t.rows}, ${t.cols}], expected [${rows}, ${cols}]`);
  }
}

export function expectLength(op: string, what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new InvalidArgumentError(`ref.${op}: ${what} has ${actual} entries, expected ${expected}`);
}

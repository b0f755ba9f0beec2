import { getTokenizer } from '../tokenizer/index.js';
import type { Tokenizer } from '../tokenizer/types.js';

/** The o200k_harmony tokenizer used when a caller passes none. */
export function defaultTokenizer(): Tokenizer {
  return getTokenizer();
}

import { O200kHarmonyTokenizer } from './o200k-harmony.js';
import { loadRankTable } from './ranks-file.js';
import type { Tokenizer } from './types.js';

export type { StreamDecoder, Tokenizer } from './types.js';
export { NAMED_SPECIALS, VOCAB_SIZE } from './specials.js';

let shared: Tokenizer | undefined;

/**
 * The o200k_harmony tokenizer, loaded on first use (the ranks come from the installed
 * gpt-tokenizer package, checked against the sha256 harmony pins) and shared afterwards.
 */
export function getTokenizer(): Tokenizer {
  shared ??= new O200kHarmonyTokenizer(loadRankTable());
  return shared;
}

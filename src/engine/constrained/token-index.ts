import type { Tokenizer } from '../../tokenizer/types.js';

/**
 * Every ordinary token of a tokenizer by its bytes (as a latin1 string), for matching tokens
 * against short literal texts such as harmony header words. Built once per tokenizer (~0.5 s for
 * o200k_harmony's 200k tokens), on first use.
 */
export class TokenIndex {
  readonly byBytes: ReadonlyMap<string, number>;
  /** Longest token, in bytes. */
  readonly maxLength: number;
  /** First special token id: ids from here on are special. */
  readonly firstSpecial: number;

  private constructor(tokenizer: Tokenizer) {
    const map = new Map<string, number>();
    let maxLength = 0;
    let first = tokenizer.vocabSize;
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (tokenizer.isSpecial(id)) {
        first = Math.min(first, id);
        continue;
      }
      const key = latin1(tokenizer.tokenBytes(id));
      if (key.length > maxLength) maxLength = key.length;
      // Duplicate byte strings (none in o200k) keep the lowest id.
      if (!map.has(key)) map.set(key, id);
    }
    this.byBytes = map;
    this.maxLength = maxLength;
    this.firstSpecial = first;
  }

  private static readonly cache = new WeakMap<Tokenizer, TokenIndex>();

  static of(tokenizer: Tokenizer): TokenIndex {
    let index = TokenIndex.cache.get(tokenizer);
    if (index === undefined) {
      index = new TokenIndex(tokenizer);
      TokenIndex.cache.set(tokenizer, index);
    }
    return index;
  }
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

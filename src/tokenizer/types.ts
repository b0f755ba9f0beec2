/**
 * The o200k_harmony tokenizer as the rest of the project sees it. Ordinary text is always
 * encoded as text: a user's "<|start|>" never becomes a control token. Special tokens are
 * asked for by name, only where the harmony renderer puts them.
 */
export interface Tokenizer {
  readonly vocabSize: number;
  /** Encode ordinary text (no special tokens are recognised). */
  encode(text: string): number[];
  /** The id of a special token such as '<|start|>'; throws for an unknown name. */
  specialId(name: string): number;
  isSpecial(id: number): boolean;
  /** The raw bytes of a token (a special token's bytes are its name). */
  tokenBytes(id: number): Uint8Array;
  /** Decode to text; invalid UTF-8 becomes U+FFFD. Special tokens are spelled by name. */
  decode(ids: readonly number[]): string;
  decodeBytes(ids: readonly number[]): Uint8Array;
  /** A decoder fed one token at a time that never emits half a UTF-8 character. */
  createStreamDecoder(): StreamDecoder;
}

export interface StreamDecoder {
  /** Append a token; returns the text completed by it (possibly ''). */
  push(id: number): string;
  /** Whatever bytes are pending, decoded with U+FFFD for an incomplete character. */
  flush(): string;
}

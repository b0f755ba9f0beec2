/**
 * A tiktoken-style vocabulary (token byte strings by rank, plus named special tokens) as the GGUF
 * "gpt2" tokenizer llama.cpp reads: tokens in GPT-2's byte-to-unicode spelling, token types, and
 * merges. The merges are derived from the ranks as llama.cpp's converter does for tiktoken
 * vocabularies (convert_hf_to_gguf.py QwenModel.bpe): each multi-byte token is re-encoded with
 * only lower ranks allowed, and the two parts it ends with form its merge. The caller passes the
 * ranks in (format/ does not depend on tokenizer/).
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { GgufKv } from './gguf-types.js';

/** llama_token_type (gguf-py TokenType). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface TiktokenVocab {
  /** Mergeable token r is bytes[offsets[r] .. offsets[r+1]); ranks are ids. */
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
  /** Special tokens by id (ids at and above the last rank + 1). */
  readonly specials: ReadonlyMap<number, string>;
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly padId?: number;
}

/** GPT-2's reversible byte -> unicode character map (bytes_to_unicode). */
export function byteToUnicodeTable(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : next++);
  return table;
}

function spell(table: readonly string[], bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += table[bytes[i]!]!;
  return s;
}

/**
 * One merge per multi-byte token, in rank order: the token's bytes are merged greedily by lowest
 * rank, allowing only ranks below its own, and the two parts left are its merge. A token that does
 * not end in exactly two parts gets none (o200k has none such; the count is returned).
 */
export function deriveMerges(vocab: Pick<TiktokenVocab, 'bytes' | 'offsets'>): { merges: string[]; skipped: number } {
  const { bytes, offsets } = vocab;
  const n = offsets.length - 1;
  const rankOf = new Map<string, number>();
  const key = (from: number, to: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  for (let r = 0; r < n; r++) rankOf.set(key(offsets[r]!, offsets[r + 1]!), r);
  const table = byteToUnicodeTable();
  const merges: string[] = [];
  let skipped = 0;
  const bounds: number[] = [];
  for (let r = 0; r < n; r++) {
    const start = offsets[r]!;
    const end = offsets[r + 1]!;
    if (end - start < 2) continue;
    // Part k is bytes[bounds[k] .. bounds[k+1]).
    bounds.length = 0;
    for (let i = start; i <= end; i++) bounds.push(i);
    for (;;) {
      let best = -1;
      let bestRank = r;
      for (let k = 0; k + 2 < bounds.length; k++) {
        const pr = rankOf.get(key(bounds[k]!, bounds[k + 2]!));
        if (pr !== undefined && pr < bestRank) {
          bestRank = pr;
          best = k;
        }
      }
      if (best < 0) break;
      bounds.splice(best + 1, 1);
    }
    if (bounds.length !== 3) {
      skipped++;
      continue;
    }
    merges.push(`${spell(table, bytes, bounds[0]!, bounds[1]!)} ${spell(table, bytes, bounds[1]!, bounds[2]!)}`);
  }
  return { merges, skipped };
}

/** The tokenizer.ggml.* metadata for a tiktoken vocabulary, as convert_hf_to_gguf.py _set_vocab_gpt2 writes it. */
export function tokenizerMetadata(vocab: TiktokenVocab, pre: string): GgufKv[] {
  const ranks = vocab.offsets.length - 1;
  if (vocab.vocabSize < ranks) {
    throw new InvalidArgumentError(`tokenizer: vocabulary size ${vocab.vocabSize} is smaller than its ${ranks} mergeable tokens`);
  }
  const table = byteToUnicodeTable();
  const tokens: string[] = new Array<string>(vocab.vocabSize);
  const types = new Int32Array(vocab.vocabSize);
  for (let r = 0; r < ranks; r++) {
    tokens[r] = spell(table, vocab.bytes, vocab.offsets[r]!, vocab.offsets[r + 1]!);
    types[r] = TOKEN_TYPE.normal;
  }
  for (let id = ranks; id < vocab.vocabSize; id++) {
    const name = vocab.specials.get(id);
    // As the converter does for ids the tokenizer does not define.
    tokens[id] = name ?? `[PAD${id}]`;
    types[id] = name === undefined ? TOKEN_TYPE.unused : TOKEN_TYPE.control;
  }
  const { merges } = deriveMerges(vocab);
  const kv: GgufKv[] = [
    { key: 'tokenizer.ggml.model', type: 'string', value: 'gpt2' },
    { key: 'tokenizer.ggml.pre', type: 'string', value: pre },
    { key: 'tokenizer.ggml.tokens', type: 'array', itemType: 'string', value: tokens },
    { key: 'tokenizer.ggml.token_type', type: 'array', itemType: 'i32', value: types },
    { key: 'tokenizer.ggml.merges', type: 'array', itemType: 'string', value: merges },
  ];
  if (vocab.bosId !== undefined) kv.push({ key: 'tokenizer.ggml.bos_token_id', type: 'u32', value: vocab.bosId });
  if (vocab.eosId !== undefined) kv.push({ key: 'tokenizer.ggml.eos_token_id', type: 'u32', value: vocab.eosId });
  if (vocab.padId !== undefined) kv.push({ key: 'tokenizer.ggml.padding_token_id', type: 'u32', value: vocab.padId });
  return kv;
}

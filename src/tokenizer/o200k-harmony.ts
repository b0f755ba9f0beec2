import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { bytePairEncode } from './bpe.js';
import { pretokenizeRegex } from './pretokenize.js';
import type { RankTable } from './ranks-parse.js';
import { buildSpecialTable, FIRST_SPECIAL_ID, VOCAB_SIZE, type SpecialTable } from './specials.js';
import type { StreamDecoder, Tokenizer } from './types.js';

/**
 * Pieces up to this many UTF-16 units have their tokens memoised; the cache is emptied when
 * its keys pass CACHE_CHARS in all, which bounds its memory at a few MB.
 */
const CACHE_PIECE_LENGTH = 1024;
const CACHE_CHARS = 1 << 22;

/** o200k_harmony: o200k_base ranks and pre-tokenization plus harmony's special tokens. */
export class O200kHarmonyTokenizer implements Tokenizer {
  readonly vocabSize = VOCAB_SIZE;
  private readonly ranks: RankTable;
  private readonly specials: SpecialTable;
  private readonly specialBytes: Uint8Array[];
  private readonly regex = pretokenizeRegex();
  private readonly cache = new Map<string, number | number[]>();
  private cacheChars = 0;

  constructor(ranks: RankTable) {
    this.ranks = ranks;
    this.specials = buildSpecialTable();
    const utf8 = new TextEncoder();
    this.specialBytes = this.specials.names.map((name) => utf8.encode(name));
  }

  encode(text: string): number[] {
    const out: number[] = [];
    const re = this.regex;
    const cache = this.cache;
    const encoder = this.ranks.encoder;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const piece = m[0];
      const hit = cache.get(piece);
      if (hit !== undefined) {
        if (typeof hit === 'number') out.push(hit);
        else for (const id of hit) out.push(id);
        continue;
      }
      const bytes = utf8Latin1(piece);
      const whole = encoder.get(bytes);
      if (whole !== undefined) {
        out.push(whole);
        if (piece.length <= CACHE_PIECE_LENGTH) this.remember(piece, whole);
        continue;
      }
      const start = out.length;
      bytePairEncode(bytes, this.ranks, out);
      if (piece.length <= CACHE_PIECE_LENGTH) this.remember(piece, out.slice(start));
    }
    return out;
  }

  private remember(piece: string, ids: number | number[]): void {
    this.cacheChars += piece.length;
    if (this.cacheChars > CACHE_CHARS) {
      this.cache.clear();
      this.cacheChars = piece.length;
    }
    this.cache.set(piece, ids);
  }

  specialId(name: string): number {
    const id = this.specials.nameToId.get(name);
    if (id === undefined) throw new InvalidArgumentError(`unknown special token '${name}' (o200k_harmony has e.g. <|start|>, <|message|>, <|end|>, <|reserved_200018|>)`);
    return id;
  }

  isSpecial(id: number): boolean {
    return Number.isInteger(id) && id >= FIRST_SPECIAL_ID && id < VOCAB_SIZE;
  }

  tokenBytes(id: number): Uint8Array {
    checkId(id, 0);
    return this.view(id).slice();
  }

  decodeBytes(ids: readonly number[]): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      checkId(id, i);
      total += this.view(id).length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const id of ids) {
      const bytes = this.view(id);
      out.set(bytes, at);
      at += bytes.length;
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    return newUtf8Decoder().decode(this.decodeBytes(ids));
  }

  createStreamDecoder(): StreamDecoder {
    const decoder = newUtf8Decoder();
    let position = 0;
    return {
      push: (id: number): string => {
        checkId(id, position++);
        return decoder.decode(this.view(id), { stream: true });
      },
      flush: (): string => decoder.decode(),
    };
  }

  /** The bytes of a valid id, shared (callers must not write to it). */
  private view(id: number): Uint8Array {
    if (id >= FIRST_SPECIAL_ID) return this.specialBytes[id - FIRST_SPECIAL_ID]!;
    const { bytes, offsets } = this.ranks;
    return bytes.subarray(offsets[id]!, offsets[id + 1]!);
  }
}

function checkId(id: number, position: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
    throw new OutOfRangeError(`token id ${String(id)} at position ${position} is outside the o200k_harmony vocabulary (0..${VOCAB_SIZE - 1})`);
  }
}

/** Lossy (U+FFFD) like Rust's from_utf8_lossy, and a leading BOM is text, not a marker. */
function newUtf8Decoder(): InstanceType<typeof TextDecoder> {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
}

const UTF8 = new TextEncoder();

/** The UTF-8 bytes of `s` as a latin1 string; ASCII comes back unchanged. */
function utf8Latin1(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) < 0x80) i++;
  if (i === n) return s;
  const bytes = UTF8.encode(s);
  let out = '';
  for (let j = 0; j < bytes.length; j++) out += String.fromCharCode(bytes[j]!);
  return out;
}

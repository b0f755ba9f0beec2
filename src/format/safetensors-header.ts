/**
 * The safetensors container: 8-byte little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}}` plus an optional `__metadata__`), then the
 * raw data, offsets relative to the end of the header. Written for 13 GB and 65 GB files: only the
 * header is read up front; tensor bytes are read (or mapped) one tensor at a time, on demand.
 */
import { DTYPE_BYTES, SAFETENSORS_DTYPES, type DType } from '../core/dtypes.js';
import { FileFormatError } from '../core/errors.js';
import { shapeToString } from '../core/tensor.js';

/** One tensor's place in a file; `begin`/`end` are absolute byte offsets in the file. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly fileSize: number;
  /** Offset of the first data byte (8 + header length). */
  readonly dataStart: number;
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The reference implementation refuses headers above 100 MB; a gpt-oss-120b header is ~100 KB. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates a header's JSON against the file size: dtype names, shapes, offsets inside the data
 * region, sizes equal to shape x dtype, no two tensors sharing bytes.
 */
export function parseSafetensorsHeader(file: string, headerJson: Uint8Array, fileSize: number): SafetensorsHeader {
  const dataStart = 8 + headerJson.length;
  const dataSize = fileSize - dataStart;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerJson));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new FileFormatError(file, `safetensors header is not valid JSON (${why})`);
  }
  if (!isRecord(parsed)) throw new FileFormatError(file, 'safetensors header must be a JSON object of tensors');

  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isRecord(value)) throw new FileFormatError(file, '__metadata__ must be an object of strings');
      metadata = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isRecord(value)) throw new FileFormatError(file, `${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
    const { dtype: rawDtype, shape, data_offsets: offsets } = value;
    if (typeof rawDtype !== 'string') throw new FileFormatError(file, `${where}: dtype must be a string, got ${JSON.stringify(rawDtype)}`);
    const dtype = SAFETENSORS_DTYPES[rawDtype];
    if (dtype === undefined) {
      throw new FileFormatError(
        file,
        `${where}: unsupported dtype '${rawDtype}' (expected one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`,
        'unsupported',
      );
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) {
      throw new FileFormatError(file, `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      throw new FileFormatError(file, `${where}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw new FileFormatError(file, `${where}: data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataSize) {
      throw new FileFormatError(
        file,
        `${where}: data_offsets [${begin}, ${end}] run past the end of the file (data region holds ${dataSize} bytes; the file may be truncated)`,
      );
    }
    let expected = DTYPE_BYTES[dtype];
    for (const d of shape as number[]) expected *= d;
    if (expected !== end - begin) {
      throw new FileFormatError(
        file,
        `${where}: shape ${shapeToString(shape as number[])} x ${rawDtype} is ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.set(name, { name, dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end });
  }

  const sorted = [...entries.values()].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.begin < prev.end) {
      throw new FileFormatError(file, `tensors '${prev.name}' and '${cur.name}' overlap (their data_offsets share bytes)`);
    }
  }
  return { file, fileSize, dataStart, entries, metadata };
}


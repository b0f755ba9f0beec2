/**
 * Streaming safetensors writer: the header is computed from the tensors' shapes up front, then each
 * tensor's bytes are pulled from its producer chunk by chunk and appended, so memory stays at one
 * chunk however large the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { DTYPE_BYTES, SAFETENSORS_DTYPES, type DType } from '../core/dtypes.js';
import { GptOssError } from '../core/errors.js';
import { numel } from '../core/tensor.js';

export interface TensorToWrite {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Yields the tensor's bytes in order; together they must be exactly numel x dtype bytes. */
  chunks(): Iterable<Uint8Array>;
}

const DTYPE_NAMES: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k]),
) as Record<DType, string>;

export function tensorBytes(t: { dtype: DType; shape: readonly number[] }): number {
  return numel(t.shape) * DTYPE_BYTES[t.dtype];
}

/** The header bytes: JSON padded with spaces to a multiple of 8 so that the data starts aligned. */
export function encodeSafetensorsHeader(tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = tensorBytes(t);
    header[t.name] = { dtype: DTYPE_NAMES[t.dtype], shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Writes one safetensors file; returns the number of tensor data bytes written. */
export function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): number {
  if (endianness() !== 'LE') throw new GptOssError('unsupported', 'writing checkpoints needs a little-endian machine');
  const fd = openSync(file, 'w');
  let total = 0;
  try {
    writeAll(fd, encodeSafetensorsHeader(tensors, metadata));
    for (const t of tensors) {
      const expected = tensorBytes(t);
      let written = 0;
      for (const chunk of t.chunks()) {
        writeAll(fd, chunk);
        written += chunk.length;
      }
      if (written !== expected) {
        throw new GptOssError('internal', `${file}: tensor '${t.name}' produced ${written} bytes, expected ${expected}`);
      }
      total += written;
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

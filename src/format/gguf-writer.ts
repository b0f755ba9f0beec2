/**
 * Streaming GGUF (version 3) writer: header, metadata and tensor table are computed up front from
 * the tensors' types and shapes; then each tensor's bytes are pulled from its producer chunk by
 * chunk, each tensor starting on the alignment boundary, so memory stays at one chunk (plus the
 * header, which holds the vocabulary) however large the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { GptOssError, InvalidArgumentError } from '../core/errors.js';
import {
  GGML_TYPE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE,
  GGUF_VERSION,
  ggmlTensorBytes,
  type GgmlType,
  type GgufKv,
  type GgufScalarType,
} from './gguf-types.js';

export interface GgufTensorToWrite {
  readonly name: string;
  readonly type: GgmlType;
  /** Outermost dimension first (numpy order); written reversed, as GGUF's ne[0] is the innermost. */
  readonly shape: readonly number[];
  /** Yields the tensor's bytes in order; together exactly ggmlTensorBytes(type, shape). */
  chunks(): Iterable<Uint8Array>;
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  scalar(type: GgufScalarType, v: number | bigint): void {
    const sizes: Record<GgufScalarType, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8 };
    this.reserve(sizes[type]);
    const o = this.length;
    const d = this.view;
    switch (type) {
      case 'u8': d.setUint8(o, Number(v)); break;
      case 'i8': d.setInt8(o, Number(v)); break;
      case 'u16': d.setUint16(o, Number(v), true); break;
      case 'i16': d.setInt16(o, Number(v), true); break;
      case 'u32': d.setUint32(o, Number(v), true); break;
      case 'i32': d.setInt32(o, Number(v), true); break;
      case 'f32': d.setFloat32(o, Number(v), true); break;
      case 'u64': d.setBigUint64(o, BigInt(v), true); break;
      case 'i64': d.setBigInt64(o, BigInt(v), true); break;
      case 'f64': d.setFloat64(o, Number(v), true); break;
    }
    this.length += sizes[type];
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.bytes(bytes);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function writeKv(sink: ByteSink, kv: GgufKv): void {
  sink.string(kv.key);
  sink.u32(GGUF_VALUE_TYPE[kv.type]);
  switch (kv.type) {
    case 'bool':
      sink.scalar('u8', kv.value ? 1 : 0);
      return;
    case 'string':
      sink.string(kv.value);
      return;
    case 'array':
      sink.u32(GGUF_VALUE_TYPE[kv.itemType]);
      sink.u64(kv.value.length);
      if (kv.itemType === 'string') {
        for (const s of kv.value as readonly string[]) sink.string(s);
      } else {
        const values = kv.value as ArrayLike<number>;
        for (let i = 0; i < values.length; i++) sink.scalar(kv.itemType, values[i]!);
      }
      return;
    default:
      sink.scalar(kv.type, kv.value);
  }
}

export interface GgufLayout {
  /** The header, metadata and tensor table, padded so that the data section starts aligned. */
  readonly header: Uint8Array;
  /** Each tensor's offset from the start of the data section, and its size in bytes. */
  readonly tensors: readonly { readonly name: string; readonly offset: number; readonly bytes: number }[];
  readonly alignment: number;
  /** Bytes of the data section, the last tensor padded to the alignment. */
  readonly dataBytes: number;
}

function alignmentOf(metadata: readonly GgufKv[]): number {
  const kv = metadata.find((m) => m.key === 'general.alignment');
  if (!kv) return GGUF_DEFAULT_ALIGNMENT;
  const a = kv.type === 'u32' ? Number(kv.value) : NaN;
  if (!Number.isInteger(a) || a <= 0 || a % 8 !== 0) {
    throw new InvalidArgumentError(`GGUF metadata general.alignment must be a u32 multiple of 8, got ${JSON.stringify(kv)}`);
  }
  return a;
}

/** Lays out a GGUF file: encodes everything before the tensor data and places each tensor. */
export function layoutGguf(metadata: readonly GgufKv[], tensors: readonly GgufTensorToWrite[]): GgufLayout {
  const alignment = alignmentOf(metadata);
  const seen = new Set<string>();
  for (const kv of metadata) {
    if (seen.has(kv.key)) throw new InvalidArgumentError(`GGUF metadata key '${kv.key}' is given twice`);
    seen.add(kv.key);
  }
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(metadata.length);
  for (const kv of metadata) writeKv(sink, kv);
  const placed: { name: string; offset: number; bytes: number }[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new InvalidArgumentError(`GGUF tensor '${t.name}' is given twice`);
    names.add(t.name);
    const bytes = ggmlTensorBytes(t.type, t.shape, t.name);
    sink.string(t.name);
    sink.u32(t.shape.length);
    for (let i = t.shape.length - 1; i >= 0; i--) sink.u64(t.shape[i]!);
    sink.u32(GGML_TYPE[t.type]);
    sink.u64(offset);
    placed.push({ name: t.name, offset, bytes });
    offset += bytes + ((alignment - (bytes % alignment)) % alignment);
  }
  sink.padTo(alignment);
  return { header: sink.result(), tensors: placed, alignment, dataBytes: offset };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Writes a GGUF file; returns its total size in bytes. */
export function writeGguf(file: string, metadata: readonly GgufKv[], tensors: readonly GgufTensorToWrite[]): number {
  if (endianness() !== 'LE') throw new GptOssError('unsupported', 'writing GGUF files needs a little-endian machine');
  const layout = layoutGguf(metadata, tensors);
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, layout.header);
    const zeros = new Uint8Array(layout.alignment);
    tensors.forEach((t, i) => {
      const expected = layout.tensors[i]!.bytes;
      let written = 0;
      for (const chunk of t.chunks()) {
        writeAll(fd, chunk);
        written += chunk.length;
      }
      if (written !== expected) {
        throw new GptOssError('internal', `${file}: tensor '${t.name}' produced ${written} bytes, expected ${expected} (${t.type} [${t.shape.join(', ')}])`);
      }
      writeAll(fd, zeros.subarray(0, (layout.alignment - (written % layout.alignment)) % layout.alignment));
    });
  } finally {
    closeSync(fd);
  }
  return layout.header.length + layout.dataBytes;
}

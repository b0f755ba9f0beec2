/**
 * The safetensors container: 8-byte little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}}` plus an optional `__metadata__`), then the
 * raw data, offsets relative to the end of the header. Written for 13 GB and 65 GB files: only the
 * header is read up front; tensor bytes are read (or mapped) one tensor at a time, on demand.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileFormatError, TensorError } from '../core/errors.js';
import type { FileMapper, FileMapping } from '../core/mapping.js';
import type { TensorData } from '../core/tensor.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';

export * from './safetensors-header.js';

/** Reads exactly `length` bytes at `position`, looping because one read(2) returns at most ~2 GB. */
function readFully(fd: number, file: string, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const chunk = Math.min(target.length - done, 1 << 30);
    const n = readSync(fd, target, done, chunk, position + done);
    if (n === 0) throw new FileFormatError(file, `unexpected end of file at byte ${position + done} (the file is truncated)`);
    done += n;
  }
}

/** An open safetensors file: header parsed, tensor bytes read lazily. */
export class SafetensorsFile {
  readonly header: SafetensorsHeader;
  private fd: number | null;
  private mapping: FileMapping | null;

  private constructor(header: SafetensorsHeader, fd: number, mapping: FileMapping | null) {
    this.header = header;
    this.fd = fd;
    this.mapping = mapping;
  }

  /** `mapper`: where given and able, tensors are views of a mapping of the file instead of reads. */
  static open(file: string, mapper?: FileMapper): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new FileFormatError(file, 'file not found', 'file_not_found');
      throw new FileFormatError(file, `cannot open (${code ?? String(e)})`);
    }
    try {
      const header = readHeader(fd, file);
      const mapping = mapper ? mapper(file) : null;
      return new SafetensorsFile(header, fd, mapping);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get file(): string {
    return this.header.file;
  }

  has(name: string): boolean {
    return this.header.entries.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.header.entries.get(name);
    if (!e) throw new TensorError('missing_tensor', `${this.file}: tensor '${name}' not found`);
    return e;
  }

  /**
   * The tensor's bytes: a view of the mapping when one exists, else a fresh buffer filled by a
   * positional read. Each call reads again, so callers read each tensor once and keep the result.
   */
  read(name: string): TensorData {
    const e = this.entry(name);
    const length = e.end - e.begin;
    let data: Uint8Array;
    if (this.mapping) {
      // view() reaches past 4 GiB, where one typed array over the whole file cannot exist (core/mapping.ts).
      data = this.mapping.view ? this.mapping.view(e.begin, e.end) : this.mapping.bytes.subarray(e.begin, e.end);
    } else {
      if (this.fd === null) throw new FileFormatError(this.file, `read of '${name}' after close`);
      // uninitialised (no zero-fill pass over a GB-sized tensor) and backed by its own ArrayBuffer
      data = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
      readFully(this.fd, this.file, data, e.begin);
    }
    return { name, dtype: e.dtype, shape: e.shape, data };
  }

  close(): void {
    if (this.mapping) this.mapping.close();
    this.mapping = null;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function readHeader(fd: number, file: string): SafetensorsHeader {
  const fileSize = fstatSync(fd).size;
  if (fileSize < 8) {
    throw new FileFormatError(file, `file is ${fileSize} bytes, too short for a safetensors header (8-byte length + JSON); truncated?`);
  }
  const lenBytes = new Uint8Array(8);
  readFully(fd, file, lenBytes, 0);
  const headerLen = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (headerLen === 0n || headerLen > BigInt(Math.min(MAX_HEADER_BYTES, fileSize - 8))) {
    throw new FileFormatError(
      file,
      `safetensors header length ${headerLen} is out of bounds (file is ${fileSize} bytes, limit ${MAX_HEADER_BYTES}); not a safetensors file or truncated`,
    );
  }
  const json = new Uint8Array(Number(headerLen));
  readFully(fd, file, json, 8);
  return parseSafetensorsHeader(file, json, fileSize);
}

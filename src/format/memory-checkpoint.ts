/**
 * Checkpoints whose bytes are already in memory (fetched by a browser, read from a File): a
 * safetensors header parsed from a prefix of the file, tensors handed out as views of whatever
 * holds their bytes. No Node modules here, so the browser bundle can use it.
 */
import { FileFormatError, TensorError } from '../core/errors.js';
import type { TensorData } from '../core/tensor.js';
import { assembleCheckpoint, validateTensors } from './checkpoint-build.js';
import type { Checkpoint, CheckpointLayout } from './checkpoint-types.js';
import { isHfConfigJson, parseHfConfig, parseOriginalConfig } from './config-parse.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';
import type { TensorSource } from './tensor-source-types.js';

/** Bytes of the header a safetensors file starts with: 8 (length) + the JSON, or null when `prefix` is shorter than 8 bytes. */
export function safetensorsHeaderLength(label: string, prefix: Uint8Array, fileSize: number): number | null {
  if (prefix.length < 8) return null;
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n === 0n || n > BigInt(Math.min(MAX_HEADER_BYTES, fileSize - 8))) {
    throw new FileFormatError(label, `safetensors header length ${n} is out of bounds (file is ${fileSize} bytes); not a safetensors file or truncated`);
  }
  return 8 + Number(n);
}

/** Parses the header from a prefix of the file holding at least safetensorsHeaderLength() bytes. */
export function parseHeaderPrefix(label: string, prefix: Uint8Array, fileSize: number): SafetensorsHeader {
  const length = safetensorsHeaderLength(label, prefix, fileSize);
  if (length === null || prefix.length < length) throw new FileFormatError(label, `need the first ${length ?? 8} bytes to read the safetensors header`);
  return parseSafetensorsHeader(label, prefix.subarray(8, length), fileSize);
}

/** A TensorSource over one safetensors file whose tensors' bytes `bytesOf` returns (views, not copies). */
export function memorySource(label: string, header: SafetensorsHeader, bytesOf: (entry: SafetensorsEntry) => Uint8Array): TensorSource {
  return {
    files: [label],
    label,
    entry: (name) => header.entries.get(name),
    fileOf: () => label,
    names: () => [...header.entries.keys()],
    read(name): TensorData {
      const e = header.entries.get(name);
      if (!e) throw new TensorError('missing_tensor', `${label}: tensor '${name}' not found`);
      const data = bytesOf(e);
      if (data.length !== e.end - e.begin) throw new FileFormatError(label, `tensor '${name}' has ${data.length} bytes loaded, expected ${e.end - e.begin}`);
      return { name, dtype: e.dtype, shape: e.shape, data };
    },
    close: () => undefined,
  };
}

/** A validated Checkpoint from config.json's parsed JSON and a tensor source (either layout). */
export function checkpointFromSource(configLabel: string, configJson: unknown, source: TensorSource, dir = ''): Checkpoint {
  const layout: CheckpointLayout = isHfConfigJson(configJson) ? 'hf' : 'original';
  const config = layout === 'hf' ? parseHfConfig(configLabel, configJson) : parseOriginalConfig(configLabel, configJson);
  const totalBytes = validateTensors(source, config, layout, configLabel);
  return assembleCheckpoint(source, dir, layout, config, totalBytes);
}

/** A checkpoint from config.json's JSON and the whole safetensors file in memory. */
export function checkpointFromBytes(label: string, configJson: unknown, file: Uint8Array): Checkpoint {
  const header = parseHeaderPrefix(label, file, file.length);
  return checkpointFromSource(`${label} config.json`, configJson, memorySource(label, header, (e) => file.subarray(e.begin, e.end)));
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../../src/format/config-types.js';
import { alternatingSliding } from '../../src/format/config-types.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const TINY_A = join(FIXTURES, 'tiny-ref-a');
export const TINY_B = join(FIXTURES, 'tiny-ref-b');

/** A temp directory removed when the test file finishes. */
export function tempDir(prefix = 'gpt-oss-format-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A hand-built safetensors file: `header` is serialised as given (a string is written verbatim),
 * followed by `dataBytes` bytes (0, 1, 2, ... mod 256). `declaredLength` overrides the u64 prefix.
 */
export function writeRawSafetensors(
  file: string,
  header: unknown,
  dataBytes: number,
  declaredLength?: bigint,
): void {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(declaredLength ?? BigInt(json.length), 0);
  json.copy(out, 8);
  for (let i = 0; i < dataBytes; i++) out[8 + json.length + i] = i & 0xff;
  writeFileSync(file, out);
}

/** A small config that differs from the released models everywhere it may: 3 layers, 3 experts top-1, one KV head, plain RoPE. */
export function oddConfig(): ModelConfig {
  return {
    numHiddenLayers: 3,
    numExperts: 3,
    expertsPerToken: 1,
    vocabSize: 77,
    hiddenSize: 64,
    intermediateSize: 32,
    swigluLimit: 7,
    headDim: 16,
    numAttentionHeads: 2,
    numKeyValueHeads: 1,
    slidingWindow: 5,
    initialContextLength: 256,
    ropeTheta: 10000,
    ropeScalingFactor: 1,
    ropeNtkAlpha: 1,
    ropeNtkBeta: 32,
    maxContextLength: 256,
    rmsNormEps: 1e-5,
    layerSliding: alternatingSliding(3),
  };
}

/** The tensor's data bytes read straight from the file by an independent minimal parser. */
export function rawTensorBytes(fileBytes: Buffer, name: string): { dtype: string; shape: number[]; bytes: Buffer } {
  const n = Number(fileBytes.readBigUInt64LE(0));
  const header = JSON.parse(fileBytes.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const e = header[name];
  if (!e) throw new Error(`no ${name}`);
  return { dtype: e.dtype, shape: e.shape, bytes: fileBytes.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) };
}

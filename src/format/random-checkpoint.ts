/**
 * Random-weight checkpoints with the real names, dtypes and layout, deterministic from a seed.
 * Scales follow the reference fixtures' generator (test/fixtures/tiny-ref-a/meta.json): N(0, 1)
 * embeddings, weights ~ c/sqrt(fan-in), norm scales ~ 1 +- 0.15, MXFP4 codes distributed like
 * quantized Gaussians with scale exponents spread over 5 values. Exponents shift with fan-in so a
 * 2880-wide expert has the same output scale as the fixtures' 96..160-wide ones. That keeps logits at
 * a std of a few units, router margins apart and attention unsaturated at every size.
 *
 * Each piece draws from its own stream, named by its original-layout name, so the same seed gives
 * the same weights in both layouts and whatever the chunking.
 */
import type { CheckpointLayout } from './checkpoint-types.js';
import type { ModelConfig } from './config-types.js';
import type { TensorRole, TensorSpec } from './names.js';
import { fillFromTable, fillUniformInts, mxfp4ByteTable, normalBf16Table, Xorshift128 } from './random.js';
import { writeCheckpoint, type Piece, type WriteOptions, type WrittenCheckpoint } from './write-checkpoint.js';

/** Bytes generated per write; small enough for a flat RSS, large enough for few syscalls. */
const CHUNK_BYTES = 4 << 20;

function gaussian(role: TensorRole, spec: TensorSpec): { mean: number; std: number } {
  const fanIn = spec.fanIn ?? 1;
  switch (role) {
    case 'embedding':
    case 'sinks':
      return { mean: 0, std: 1 };
    case 'unembedding':
    case 'gateWeight':
      return { mean: 0, std: 2 / Math.sqrt(fanIn) };
    case 'attnWeight':
      return { mean: 0, std: 1 / Math.sqrt(fanIn) };
    case 'outWeight':
      return { mean: 0, std: 1.5 / Math.sqrt(fanIn) };
    case 'norm':
      return { mean: 1, std: 0.15 };
    case 'attnBias':
    case 'mlp2Bias':
      return { mean: 0, std: 0.1 };
    case 'outBias':
      return { mean: 0, std: 0.05 };
    case 'gateBias':
      return { mean: 0, std: 0.3 };
    case 'mlp1Bias':
      return { mean: 0, std: 0.5 };
    default:
      throw new Error(`no Gaussian for role ${role}`);
  }
}

/** The fixtures' exponent ranges (121..125 for mlp1 at K=160, 118..122 for mlp2 at K=96), shifted by fan-in. */
function scaleRange(role: 'mlp1Scales' | 'mlp2Scales', fanIn: number): [number, number] {
  const [center, refK] = role === 'mlp1Scales' ? [123, 160] : [120, 96];
  const c = Math.round(center - 0.5 * Math.log2(fanIn / refK));
  return [c - 2, c + 2];
}

function* generate(spec: TensorSpec, seed: number, stream: string): Iterable<Uint8Array> {
  let total = spec.shape.reduce((a, b) => a * b, 1) * (spec.kind === 'u8' ? 1 : 2);
  const rng = new Xorshift128(seed, stream);
  const buffer = new Uint8Array(Math.min(CHUNK_BYTES, total));
  const role = spec.role;
  if (role === 'mxfp4Blocks') {
    const table = mxfp4ByteTable();
    for (; total > 0; total -= buffer.length) {
      const out = buffer.subarray(0, Math.min(buffer.length, total));
      fillFromTable(out, table, rng);
      yield out;
    }
  } else if (role === 'mlp1Scales' || role === 'mlp2Scales') {
    const [lo, hi] = scaleRange(role, spec.fanIn ?? 32);
    for (; total > 0; total -= buffer.length) {
      const out = buffer.subarray(0, Math.min(buffer.length, total));
      fillUniformInts(out, lo, hi, rng);
      yield out;
    }
  } else {
    const { mean, std } = gaussian(role, spec);
    const table = normalBf16Table(mean, std);
    const words = new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 1);
    for (; total > 0; total -= buffer.length) {
      const n = Math.min(buffer.length, total);
      fillFromTable(words.subarray(0, n >>> 1), table, rng);
      yield buffer.subarray(0, n);
    }
  }
}

export interface RandomCheckpointOptions extends WriteOptions {
  readonly config: ModelConfig;
  readonly seed: number;
  readonly layout: CheckpointLayout;
  readonly out: string;
}

/** Writes a random checkpoint, streaming tensor by tensor; memory stays at one chunk. */
export function writeRandomCheckpoint(options: RandomCheckpointOptions): WrittenCheckpoint {
  const { config, seed, layout, out } = options;
  const source = (logical: string, spec: TensorSpec): Piece => ({
    dtype: spec.kind === 'u8' ? 'u8' : 'bf16',
    chunks: () => generate(spec, seed, logical),
  });
  return writeCheckpoint(out, config, layout, source, options);
}

/**
 * Writing a checkpoint in either layout from "pieces": tensors under their original names, with
 * the attention's q, k and v apart (`block.N.attn.q.weight` ...). The original layout concatenates
 * q|k|v rows into `attn.qkv`; the transformers layout writes them as q_proj/k_proj/v_proj. So one
 * source of pieces (random values, or another checkpoint) gives identical weights in both layouts.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DType } from '../core/dtypes.js';
import { FileFormatError } from '../core/errors.js';
import type { CheckpointLayout } from './checkpoint-types.js';
import type { ModelConfig } from './config-types.js';
import { toHfConfigJson, toOriginalConfigJson } from './config.js';
import { checkpointSpecs, hfNameOf, type TensorSpec } from './names.js';
import { writeSafetensors, tensorBytes, type TensorToWrite } from './safetensors-writer.js';

/** One logical piece of a checkpoint tensor. */
export interface Piece {
  readonly dtype: DType;
  chunks(): Iterable<Uint8Array>;
}

/** Produces a piece: `logical` is the original-layout name (q/k/v split), `spec` says its shape and role. */
export type PieceSource = (logical: string, spec: TensorSpec) => Piece;

const QKV = /^(block\.\d+)\.attn\.qkv\.(weight|bias)$/;

function split(spec: TensorSpec, c: ModelConfig): TensorSpec[] {
  const m = QKV.exec(spec.name);
  if (!m) return [spec];
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const rest = spec.shape.slice(1);
  return [
    { ...spec, name: `${m[1]}.attn.q.${m[2]}`, shape: [q, ...rest] },
    { ...spec, name: `${m[1]}.attn.k.${m[2]}`, shape: [kv, ...rest] },
    { ...spec, name: `${m[1]}.attn.v.${m[2]}`, shape: [kv, ...rest] },
  ];
}

const HF_QKV: Record<string, string> = { q: 'q_proj', k: 'k_proj', v: 'v_proj' };

/** The transformers name of a logical piece. */
export function hfNameOfPiece(logical: string): string {
  const m = /^block\.(\d+)\.attn\.([qkv])\.(weight|bias)$/.exec(logical);
  if (m) return `model.layers.${m[1]}.self_attn.${HF_QKV[m[2]!]}.${m[3]}`;
  return hfNameOf(logical);
}

/** The tensors of a checkpoint in `layout`, in file order, each with its pieces' bytes. */
export function planTensors(c: ModelConfig, layout: CheckpointLayout, source: PieceSource): TensorToWrite[] {
  const out: TensorToWrite[] = [];
  for (const spec of checkpointSpecs(c, 'original')) {
    const parts = split(spec, c).map((s) => ({ spec: s, piece: source(s.name, s) }));
    if (layout === 'original') {
      const dtype = parts[0]!.piece.dtype;
      if (parts.some((p) => p.piece.dtype !== dtype)) {
        throw new FileFormatError(spec.name, 'q, k and v pieces have different dtypes; cannot concatenate into attn.qkv');
      }
      out.push({
        name: spec.name,
        dtype,
        shape: spec.shape,
        *chunks() {
          for (const p of parts) yield* p.piece.chunks();
        },
      });
    } else {
      for (const p of parts) {
        out.push({ name: hfNameOfPiece(p.spec.name), dtype: p.piece.dtype, shape: p.spec.shape, chunks: () => p.piece.chunks() });
      }
    }
  }
  return out;
}

const CHECKPOINT_FILE = /^(config\.json|dtypes\.json|model\.safetensors\.index\.json|.*\.safetensors|original)$/;

/**
 * Empties `dir` for a new checkpoint. An existing directory is replaced only when it holds nothing
 * but checkpoint files, so a mistyped --out never deletes someone's other work.
 */
export function prepareOutputDir(dir: string): void {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    const foreign = readdirSync(abs).filter((f) => !CHECKPOINT_FILE.test(f));
    if (foreign.length > 0) {
      throw new FileFormatError(
        abs,
        `refusing to replace: the directory holds files that are not part of a checkpoint (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''})`,
      );
    }
    rmSync(abs, { recursive: true, force: true });
  }
  mkdirSync(abs, { recursive: true });
}

export interface WriteOptions {
  /** Transformers layout: start a new shard before one would exceed this many bytes (default 5 GB). */
  readonly shardBytes?: number;
}

export interface WrittenCheckpoint {
  readonly dir: string;
  readonly files: readonly string[];
  readonly totalBytes: number;
}

/** Writes config.json and the weights (one file, or shards plus index) into a fresh `dir`. */
export function writeCheckpoint(
  dir: string,
  config: ModelConfig,
  layout: CheckpointLayout,
  source: PieceSource,
  options: WriteOptions = {},
): WrittenCheckpoint {
  const abs = resolve(dir);
  prepareOutputDir(abs);
  const tensors = planTensors(config, layout, source);
  const configJson = layout === 'original' ? toOriginalConfigJson(config) : toHfConfigJson(config);
  writeFileSync(join(abs, 'config.json'), `${JSON.stringify(configJson, null, 2)}\n`);
  if (layout === 'original') {
    const file = join(abs, 'model.safetensors');
    const totalBytes = writeSafetensors(file, tensors, { format: 'pt' });
    return { dir: abs, files: [file], totalBytes };
  }

  const limit = options.shardBytes ?? 5e9;
  const shards: TensorToWrite[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    if (size > 0 && size + bytes > limit) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1]!.push(t);
    size += bytes;
  }
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  let totalBytes = 0;
  shards.forEach((shard, i) => {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    for (const t of shard) weightMap[t.name] = name;
    totalBytes += writeSafetensors(join(abs, name), shard, { format: 'pt' });
    files.push(join(abs, name));
  });
  const index = { metadata: { total_size: totalBytes }, weight_map: weightMap };
  writeFileSync(join(abs, 'model.safetensors.index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return { dir: abs, files, totalBytes };
}

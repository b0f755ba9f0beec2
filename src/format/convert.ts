/** Rewrites a checkpoint in the other (or the same) layout, byte for byte. */
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import type { TensorData } from '../core/tensor.js';
import type { CheckpointLayout } from './checkpoint-types.js';
import { openCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import { hfNameOfPiece, writeCheckpoint, type PieceSource, type WriteOptions, type WrittenCheckpoint } from './write-checkpoint.js';

const CHUNK = 64 << 20;

function* chunksOf(bytes: Uint8Array): Iterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, Math.min(bytes.length, i + CHUNK));
}

const QKV_PIECE = /^(block\.\d+)\.attn\.([qkv])\.(weight|bias)$/;

/** The tensor of `src` that holds a logical piece (original name, q/k/v apart). */
function holderName(src: OpenedCheckpoint, logical: string): string {
  if (src.layout === 'hf') return hfNameOfPiece(logical);
  const m = QKV_PIECE.exec(logical);
  return m ? `${m[1]}.attn.qkv.${m[3]}` : logical;
}

function readPiece(src: OpenedCheckpoint, logical: string): TensorData {
  const m = QKV_PIECE.exec(logical);
  if (src.layout === 'hf' || !m) return src.readTensor(holderName(src, logical));
  const c = src.config;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const qkv = src.readTensor(holderName(src, logical));
  const [from, to] = m[2] === 'q' ? [0, q] : m[2] === 'k' ? [q, q + kv] : [q + kv, q + 2 * kv];
  const rowBytes = qkv.data.length / qkv.shape[0]!;
  return { ...qkv, name: logical, data: qkv.data.subarray(from * rowBytes, to * rowBytes) };
}

/** Converts the checkpoint at `src` into `dstDir` (replaced) in `layout`; dtypes are kept. */
export function convertCheckpoint(src: string, dstDir: string, layout: CheckpointLayout, options?: WriteOptions): WrittenCheckpoint {
  const ck = openCheckpoint(src);
  try {
    if (resolve(dstDir) === ck.dir || resolve(dstDir) === resolve(src)) {
      throw new InvalidArgumentError(`convert: the destination ${resolve(dstDir)} is the source checkpoint's directory`);
    }
    const source: PieceSource = (logical) => ({
      // validated at open, so the holder exists
      dtype: ck.tensorInfo(holderName(ck, logical))!.dtype,
      chunks: () => chunksOf(readPiece(ck, logical).data),
    });
    return writeCheckpoint(dstDir, ck.config, layout, source, options);
  } finally {
    ck.close();
  }
}

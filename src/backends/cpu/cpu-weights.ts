import { DTYPE_BYTES, InvalidArgumentError, bf16ToF32, f16ToF32 } from '../../core/index.js';
import { numel, shapeToString, type Mxfp4Data, type TensorData, type WeightData } from '../../core/tensor.js';
import type { Weight, WeightUse } from '../backend.js';
import { WEIGHT_DTYPE, type WeightDtypeCode } from './binding.js';

/** A dense matrix the kernels read in place: bf16 or f32 bytes (often a view of the mapped checkpoint). */
export interface DenseMatrix {
  readonly kind: 'dense';
  readonly bytes: Uint8Array;
  readonly dtype: WeightDtypeCode;
  readonly rows: number;
  readonly cols: number;
  /**
   * fast precision: the same matrix in the addon's 8-bit layout (binding.ts q8Bytes), which the
   * matmuls read instead; `bytes` stays for the ops that want the original (the MoE router).
   */
  readonly q8?: Uint8Array;
}

/** Makes the 8-bit copy of a dense matrix (the backend's pool does the work). */
export type Q8Converter = (m: DenseMatrix) => Uint8Array;

export interface Mxfp4Matrices {
  readonly kind: 'mxfp4';
  readonly blocks: Uint8Array;
  readonly scales: Uint8Array;
  /** Rows as in the file, or `tiled16` (a copy rearranged for the fast AVX-512 kernels: native moe_tile16). */
  readonly layout: 'packed' | 'tiled16';
}

/**
 * Moves an expert weight's bytes at load (experts 'copy'). `tileK`: they are blocks of rows of that K, to be
 * left tiled16; `tiled` says whether they were (not where the copy fell back to reading in place).
 */
export type ExpertsCopier = (bytes: Uint8Array, tileK?: number) => { bytes: Uint8Array; tiled: boolean };

export interface F32Values {
  readonly kind: 'f32';
  readonly values: Float32Array;
}

/** A weight as the cpu backend holds it: dense matrices and MXFP4 experts untouched, small vectors as f32. */
export class CpuWeight implements Weight {
  readonly use: WeightUse;
  readonly shape: readonly number[];
  private current: DenseMatrix | Mxfp4Matrices | F32Values;

  /** `toQ8`: convert 'linear' weights to 8 bits (fast precision). */
  /** `copyExperts`: where 'experts' bytes are moved at load (experts 'copy'); absent, they are read in place. */
  /** `tileExperts`: ask copyExperts for the tiled16 layout of the blocks. */
  constructor(data: WeightData, use: WeightUse, toQ8?: Q8Converter, copyExperts?: ExpertsCopier, tileExperts = false) {
    this.use = use;
    this.shape = [...data.shape];
    const rank: Record<WeightUse, number> = { embedding: 2, linear: 2, vector: 1, experts: 3, expertsBias: 2 };
    if (data.shape.length !== rank[use]) {
      throw new InvalidArgumentError(`cpu: weight ${data.name} has shape ${shapeToString(data.shape)}; a '${use}' weight has ${rank[use]} dimensions`);
    }
    if (use === 'experts') {
      if (data.dtype !== 'mxfp4') throw new InvalidArgumentError(`cpu: expert weight ${data.name} must be MXFP4, got ${data.dtype}`);
      const m = mxfp4(data);
      const k = data.shape[data.shape.length - 1]!;
      if (copyExperts) {
        const blocks = copyExperts(m.blocks, tileExperts ? k : undefined);
        this.current = { ...m, blocks: blocks.bytes, scales: copyExperts(m.scales).bytes, layout: blocks.tiled ? 'tiled16' : 'packed' };
      } else {
        this.current = m;
      }
    } else if (data.dtype === 'mxfp4') {
      throw new InvalidArgumentError(`cpu: weight ${data.name} is MXFP4 but used as '${use}'`);
    } else if (use === 'vector' || use === 'expertsBias') {
      this.current = { kind: 'f32', values: toF32(data) };
    } else {
      const m = dense(data);
      this.current = use === 'linear' && toQ8 && m.dtype !== WEIGHT_DTYPE.q8 ? { ...m, q8: toQ8(m) } : m;
    }
  }

  get store(): DenseMatrix | Mxfp4Matrices | F32Values {
    return this.current;
  }

  /**
   * Experts copied after the load (the backend's background copy): the same values in other memory,
   * maybe another layout. Ops read `store` at each call, so the next call reads the copy.
   */
  moveExperts(next: Mxfp4Matrices): void {
    const s = this.current;
    if (s.kind !== 'mxfp4' || next.blocks.length !== s.blocks.length || next.scales.length !== s.scales.length) {
      throw new InvalidArgumentError(`cpu: moveExperts needs an expert weight and blocks/scales of the same sizes`);
    }
    this.current = next;
  }
}

function checkBytes(data: TensorData): void {
  if (data.dtype !== 'bf16' && data.dtype !== 'f16' && data.dtype !== 'f32') {
    throw new InvalidArgumentError(`cpu: weight ${data.name} has dtype ${data.dtype}; expected bf16, f16 or f32`);
  }
  if (data.data.length !== numel(data.shape) * DTYPE_BYTES[data.dtype]) {
    throw new InvalidArgumentError(`cpu: weight ${data.name} ${shapeToString(data.shape)} ${data.dtype} has ${data.data.length} bytes`);
  }
}

function dense(data: TensorData): DenseMatrix {
  checkBytes(data);
  const [rows, cols] = [data.shape[0]!, data.shape[1]!];
  // The kernels read bf16/f32 straight from the (mapped) bytes; f16 is rare enough to widen once.
  if (data.dtype === 'f16') {
    const values = toF32(data);
    return { kind: 'dense', bytes: new Uint8Array(values.buffer), dtype: WEIGHT_DTYPE.f32, rows, cols };
  }
  return { kind: 'dense', bytes: data.data, dtype: data.dtype === 'bf16' ? WEIGHT_DTYPE.bf16 : WEIGHT_DTYPE.f32, rows, cols };
}

function toF32(data: TensorData): Float32Array {
  checkBytes(data);
  const count = numel(data.shape);
  const out = new Float32Array(count);
  const view = new DataView(data.data.buffer, data.data.byteOffset, data.data.byteLength);
  if (data.dtype === 'f32') for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  else if (data.dtype === 'bf16') for (let i = 0; i < count; i++) out[i] = bf16ToF32(view.getUint16(2 * i, true));
  else for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
  return out;
}

function mxfp4(data: Mxfp4Data): Mxfp4Matrices {
  const k = data.shape[data.shape.length - 1]!;
  const rows = numel(data.shape) / k;
  if (k % 32 !== 0 || data.blocks.length !== rows * (k / 32) * 16 || data.scales.length !== rows * (k / 32)) {
    throw new InvalidArgumentError(`cpu: MXFP4 weight ${data.name} ${shapeToString(data.shape)} has blocks/scales of the wrong size`);
  }
  return { kind: 'mxfp4', blocks: data.blocks, scales: data.scales, layout: 'packed' };
}

import { DTYPE_BYTES, f16ToF32, InvalidArgumentError } from '../../core/index.js';
import type { Mxfp4Data, TensorData, WeightData } from '../../core/tensor.js';
import { numel, shapeToString } from '../../core/tensor.js';
import type { Weight, WeightUse } from '../backend.js';

/** FP4 E2M1 code to value (the reference's FP4_VALUES); the high bit is the sign. */
const FP4_VALUES = new Float32Array([+0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6]);
/** E8M0 scale byte to 2^(byte - 127), as an f32 (ldexp in the reference). */
const E8M0_VALUES = Float32Array.from({ length: 256 }, (_, s) => 2 ** (s - 127));

/**
 * A weight as ref keeps it: the checkpoint's bytes untouched (bf16/f16/f32 or MXFP4), decoded to f32 one
 * row at a time as it is used. Small vectors (norm scales, biases, sinks) are decoded once at load.
 */
export class RefWeight implements Weight {
  readonly use: WeightUse;
  readonly shape: readonly number[];
  /** Elements per row (the last dimension). */
  readonly rowLength: number;
  /** Number of rows (the product of all but the last dimension). */
  readonly rowCount: number;
  private readonly dense: TensorData | null;
  private readonly mxfp4: Mxfp4Data | null;
  /** The whole weight as f32, for `vector` and `expertsBias` uses. */
  readonly values: Float32Array | null;

  constructor(data: WeightData, use: WeightUse) {
    this.use = use;
    this.shape = [...data.shape];
    this.rowLength = data.shape[data.shape.length - 1] ?? 1;
    this.rowCount = this.rowLength === 0 ? 0 : numel(data.shape) / this.rowLength;
    checkShape(data, use);
    if (data.dtype === 'mxfp4') {
      if (use !== 'experts') throw new InvalidArgumentError(`ref: weight ${data.name} is MXFP4 but used as '${use}'`);
      this.mxfp4 = data;
      this.dense = null;
    } else {
      if (use === 'experts') throw new InvalidArgumentError(`ref: expert weight ${data.name} must be MXFP4, got ${data.dtype}`);
      if (data.dtype !== 'bf16' && data.dtype !== 'f16' && data.dtype !== 'f32') {
        throw new InvalidArgumentError(`ref: weight ${data.name} has dtype ${data.dtype}; expected bf16, f16 or f32`);
      }
      this.dense = data;
      this.mxfp4 = null;
    }
    if (use === 'vector' || use === 'expertsBias') {
      this.values = new Float32Array(numel(data.shape));
      for (let r = 0; r < this.rowCount; r++) this.decodeRow(r, this.values.subarray(r * this.rowLength, (r + 1) * this.rowLength));
    } else {
      this.values = null;
    }
  }

  /** Decodes row `r` (of the weight seen as [rowCount, rowLength]) into `out` as f32. */
  decodeRow(r: number, out: Float32Array): void {
    const k = this.rowLength;
    if (this.mxfp4) {
      const groups = k / 32;
      const blocks = this.mxfp4.blocks;
      const scales = this.mxfp4.scales;
      for (let g = 0; g < groups; g++) {
        const scale = E8M0_VALUES[scales[r * groups + g]!]!;
        const base = (r * groups + g) * 16;
        for (let j = 0; j < 16; j++) {
          const byte = blocks[base + j]!;
          // Low nibble first: byte j holds elements 2j (low) and 2j+1 (high) of the group.
          out[g * 32 + 2 * j] = FP4_VALUES[byte & 0x0f]! * scale;
          out[g * 32 + 2 * j + 1] = FP4_VALUES[byte >> 4]! * scale;
        }
      }
      return;
    }
    const t = this.dense!;
    const bytes = t.data;
    if (t.dtype === 'bf16') {
      // bf16 is the upper half of an f32: shift the bits up.
      const bits = new Uint32Array(out.buffer, out.byteOffset, k);
      const base = r * k * 2;
      for (let i = 0; i < k; i++) bits[i] = (bytes[base + 2 * i]! | (bytes[base + 2 * i + 1]! << 8)) << 16;
    } else if (t.dtype === 'f16') {
      const base = r * k * 2;
      for (let i = 0; i < k; i++) out[i] = f16ToF32(bytes[base + 2 * i]! | (bytes[base + 2 * i + 1]! << 8));
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset + r * k * 4, k * 4);
      for (let i = 0; i < k; i++) out[i] = view.getFloat32(i * 4, true);
    }
  }
}

function checkShape(data: WeightData, use: WeightUse): void {
  const rank: Record<WeightUse, number> = { embedding: 2, linear: 2, vector: 1, experts: 3, expertsBias: 2 };
  if (data.shape.length !== rank[use]) {
    throw new InvalidArgumentError(
      `ref: weight ${data.name} has shape ${shapeToString(data.shape)}; a '${use}' weight has ${rank[use]} dimensions`,
    );
  }
  if (data.dtype === 'mxfp4') {
    const k = data.shape[data.shape.length - 1]!;
    const rows = numel(data.shape) / k;
    if (k % 32 !== 0 || data.blocks.length !== rows * (k / 32) * 16 || data.scales.length !== rows * (k / 32)) {
      throw new InvalidArgumentError(`ref: MXFP4 weight ${data.name} ${shapeToString(data.shape)} has blocks/scales of the wrong size`);
    }
  } else {
    if (data.data.length !== numel(data.shape) * DTYPE_BYTES[data.dtype]) {
      throw new InvalidArgumentError(`ref: weight ${data.name} ${shapeToString(data.shape)} ${data.dtype} has ${data.data.length} bytes`);
    }
  }
}

/**
 * Weights on the GPU, uploaded once as the checkpoint stores them: bf16 matrices stay bf16 (two to a
 * 32-bit word), f32 stays f32, MXFP4 blocks and scales keep their bytes; only f16 matrices and the
 * small vectors (norm scales, biases, sinks) are widened to f32. A tensor larger than one binding
 * (maxStorageBufferBindingSize / maxBufferSize) is split into parts by whole rows (dense) or whole
 * experts (MXFP4), and the kernels run once per part.
 */
import { f16ToF32, GptOssError, InvalidArgumentError } from '../../core/index.js';
import type { Mxfp4Data, TensorData, WeightData } from '../../core/tensor.js';
import { numel, shapeToString } from '../../core/tensor.js';
import type { Weight, WeightUse } from '../backend.js';
import { align4 } from './recorder.js';

export interface DensePart {
  readonly buffer: GPUBuffer;
  readonly rowStart: number;
  readonly rowCount: number;
}

export interface ExpertPart {
  readonly blocks: GPUBuffer;
  readonly scales: GPUBuffer;
  readonly eStart: number;
  readonly eCount: number;
}

/** dtype codes the kernels understand. */
export const DTYPE_BF16 = 0;
export const DTYPE_F32 = 1;

export class WgWeight implements Weight {
  readonly rowLength: number;
  readonly rowCount: number;
  /** Dense matrices ('embedding', 'linear'). */
  parts: DensePart[] = [];
  dtype = DTYPE_F32;
  /** f32 values ('vector', 'expertsBias'). */
  vector: GPUBuffer | null = null;
  /** MXFP4 ('experts'). */
  experts: ExpertPart[] = [];
  bytes = 0;

  constructor(
    readonly use: WeightUse,
    readonly shape: readonly number[],
  ) {
    this.rowLength = shape[shape.length - 1] ?? 1;
    this.rowCount = this.rowLength === 0 ? 0 : numel(shape) / this.rowLength;
  }

  destroy(): void {
    for (const p of this.parts) p.buffer.destroy();
    for (const p of this.experts) [p.blocks.destroy(), p.scales.destroy()];
    this.vector?.destroy();
  }
}

export interface Uploader {
  readonly device: GPUDevice;
  /** Largest bytes one buffer may hold and be bound whole. */
  readonly partBytes: number;
  /** Allocates a storage buffer, counting it against the memory budget. */
  allocate(bytes: number, label: string): GPUBuffer;
}

export function uploadWeight(up: Uploader, data: WeightData, use: WeightUse): WgWeight {
  checkShape(data, use);
  const w = new WgWeight(use, data.shape);
  if (data.dtype === 'mxfp4') {
    if (use !== 'experts') throw new InvalidArgumentError(`webgpu: weight ${data.name} is MXFP4 but used as '${use}'`);
    uploadExperts(up, w, data);
  } else if (use === 'experts') {
    throw new InvalidArgumentError(`webgpu: expert weight ${data.name} must be MXFP4, got ${data.dtype}`);
  } else if (use === 'vector' || use === 'expertsBias') {
    const values = toF32(data);
    w.vector = up.allocate(Math.max(4, values.byteLength), data.name);
    up.device.queue.writeBuffer(w.vector, 0, values as Float32Array<ArrayBuffer>);
    w.bytes = values.byteLength;
  } else {
    uploadDense(up, w, data);
  }
  return w;
}

function uploadDense(up: Uploader, w: WgWeight, data: TensorData): void {
  // bf16 stays packed; f16 is widened (rare in gpt-oss checkpoints), f32 stays.
  const bf16 = data.dtype === 'bf16';
  const bytes = bf16 || data.dtype === 'f32' ? data.data : new Uint8Array(toF32(data).buffer);
  const elemBytes = bf16 ? 2 : 4;
  w.dtype = bf16 ? DTYPE_BF16 : DTYPE_F32;
  const rowBytes = w.rowLength * elemBytes;
  const rowsPerPart = Math.max(1, Math.floor((up.partBytes - 4) / Math.max(1, rowBytes)));
  if (rowBytes + 4 > up.partBytes) {
    throw new GptOssError('unsupported', `webgpu: one row of ${data.name} (${rowBytes} bytes) exceeds the adapter's ${up.partBytes}-byte buffer limit`);
  }
  for (let start = 0; start < w.rowCount || (start === 0 && w.rowCount === 0); start += rowsPerPart) {
    const count = Math.min(rowsPerPart, w.rowCount - start);
    const src = bytes.subarray(start * rowBytes, (start + count) * rowBytes);
    const buffer = up.allocate(Math.max(4, align4(src.byteLength)), `${data.name}[${start}:]`);
    writePadded(up.device, buffer, src);
    w.parts.push({ buffer, rowStart: start, rowCount: count });
    w.bytes += src.byteLength;
    if (w.rowCount === 0) break;
  }
}

function uploadExperts(up: Uploader, w: WgWeight, data: Mxfp4Data): void {
  const E = data.shape[0]!;
  const rowsPerExpert = w.rowCount / E;
  const groups = w.rowLength / 32;
  const blockBytes = rowsPerExpert * groups * 16;
  const scaleBytes = rowsPerExpert * groups;
  const perPart = Math.floor((up.partBytes - 4) / blockBytes);
  if (perPart < 1) {
    throw new GptOssError('unsupported', `webgpu: one expert of ${data.name} (${blockBytes} bytes) exceeds the adapter's ${up.partBytes}-byte buffer limit`);
  }
  for (let e = 0; e < E; e += perPart) {
    const count = Math.min(perPart, E - e);
    const b = data.blocks.subarray(e * blockBytes, (e + count) * blockBytes);
    const s = data.scales.subarray(e * scaleBytes, (e + count) * scaleBytes);
    const blocks = up.allocate(align4(b.byteLength), `${data.name}.blocks[${e}:]`);
    const scales = up.allocate(Math.max(4, align4(s.byteLength)), `${data.name}.scales[${e}:]`);
    writePadded(up.device, blocks, b);
    writePadded(up.device, scales, s);
    w.experts.push({ blocks, scales, eStart: e, eCount: count });
    w.bytes += b.byteLength + s.byteLength;
  }
}

/** writeBuffer needs a multiple of 4 bytes: pad the tail (copying only when the length is odd-sized). */
function writePadded(device: GPUDevice, buffer: GPUBuffer, src: Uint8Array): void {
  const whole = src.byteLength & ~3;
  if (whole > 0) device.queue.writeBuffer(buffer, 0, src as Uint8Array<ArrayBuffer>, 0, whole);
  if (whole < src.byteLength) {
    const tail = new Uint8Array(4);
    tail.set(src.subarray(whole));
    device.queue.writeBuffer(buffer, whole, tail);
  }
}

function toF32(data: TensorData): Float32Array {
  const n = numel(data.shape);
  const out = new Float32Array(n);
  const b = data.data;
  if (data.dtype === 'bf16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = (b[2 * i]! | (b[2 * i + 1]! << 8)) << 16;
  } else if (data.dtype === 'f16') {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(b[2 * i]! | (b[2 * i + 1]! << 8));
  } else if (data.dtype === 'f32') {
    const view = new DataView(b.buffer, b.byteOffset, n * 4);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else {
    throw new InvalidArgumentError(`webgpu: weight ${data.name} has dtype ${data.dtype}; expected bf16, f16 or f32`);
  }
  return out;
}

function checkShape(data: WeightData, use: WeightUse): void {
  const rank: Record<WeightUse, number> = { embedding: 2, linear: 2, vector: 1, experts: 3, expertsBias: 2 };
  if (data.shape.length !== rank[use]) {
    throw new InvalidArgumentError(`webgpu: weight ${data.name} has shape ${shapeToString(data.shape)}; a '${use}' weight has ${rank[use]} dimensions`);
  }
  if (data.dtype === 'mxfp4') {
    const k = data.shape[data.shape.length - 1]!;
    const rows = numel(data.shape) / k;
    if (k % 32 !== 0 || data.blocks.length !== rows * (k / 32) * 16 || data.scales.length !== rows * (k / 32)) {
      throw new InvalidArgumentError(`webgpu: MXFP4 weight ${data.name} ${shapeToString(data.shape)} has blocks/scales of the wrong size`);
    }
  } else {
    const size = data.dtype === 'f32' ? 4 : data.dtype === 'bf16' || data.dtype === 'f16' ? 2 : 0;
    if (size === 0) throw new InvalidArgumentError(`webgpu: weight ${data.name} has dtype ${data.dtype}; expected bf16, f16 or f32`);
    if (data.data.length !== numel(data.shape) * size) {
      throw new InvalidArgumentError(`webgpu: weight ${data.name} ${shapeToString(data.shape)} ${data.dtype} has ${data.data.length} bytes`);
    }
  }
}

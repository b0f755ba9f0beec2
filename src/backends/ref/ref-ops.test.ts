import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Mxfp4Data, TensorData } from '../../core/tensor.js';
import { f32ToBf16 } from '../../core/dtypes.js';
import { swiglu, topKIndices } from './moe.js';
import { RefWeight } from './ref-weights.js';

describe('ref MoE pieces', () => {
  it('top-k is sorted, largest first, ties going to the lower index', () => {
    assert.deepEqual(topKIndices(Float32Array.of(1, 3, 2, 3, 0, 3), 4), [1, 3, 5, 2]);
  });

  it('swiglu clamps glu above at the limit and linear on both sides, and adds 1 to linear', () => {
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    assert.ok(Math.abs(swiglu(10, 10, 1.702, 7) - 7 * sig(1.702 * 7) * 8) < 1e-5);
    assert.ok(Math.abs(swiglu(-10, -10, 1.702, 7) - -10 * sig(-17.02) * -6) < 1e-9);
    assert.ok(Math.abs(swiglu(0.5, -0.25, 1.702, 7) - 0.5 * sig(0.851) * 0.75) < 1e-6);
  });
});

describe('ref weights decode', () => {
  it('MXFP4: low nibble first, FP4 E2M1 values, scale 2^(e - 127)', () => {
    const blocks = new Uint8Array(16);
    blocks[0] = 0x72; // element 0: code 2 (+1), element 1: code 7 (+6)
    blocks[1] = 0x9f; // element 2: code 15 (-6), element 3: code 9 (-0.5)
    const data: Mxfp4Data = { name: 'w', dtype: 'mxfp4', shape: [1, 1, 32], blocks, scales: Uint8Array.of(129) };
    const row = new Float32Array(32);
    new RefWeight(data, 'experts').decodeRow(0, row);
    assert.deepEqual(Array.from(row.subarray(0, 5)), [4, 24, -24, -2, 0]);
  });

  it('bf16 rows are widened exactly', () => {
    const values = [1.5, -2.25, 3.0e-3, 65280];
    const bytes = new Uint8Array(8);
    values.forEach((v, i) => {
      const bits = f32ToBf16(v);
      bytes[2 * i] = bits & 0xff;
      bytes[2 * i + 1] = bits >> 8;
    });
    const data: TensorData = { name: 'e', dtype: 'bf16', shape: [2, 2], data: bytes };
    const w = new RefWeight(data, 'embedding');
    const row = new Float32Array(2);
    w.decodeRow(1, row);
    const bf = (v: number): number => new Float32Array(new Uint32Array([f32ToBf16(v) << 16]).buffer)[0]!;
    assert.deepEqual(Array.from(row), [bf(3.0e-3), 65280]);
  });
});

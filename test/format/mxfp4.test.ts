import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bf16BytesToF32, f16BytesToF32, tensorToF32 } from '../../src/format/decode.js';
import { decodeMxfp4, FP4_VALUES } from '../../src/format/mxfp4.js';

describe('decodeMxfp4', () => {
  it('decodes a hand-computed block: low nibble first, value x 2^(scale-127)', () => {
    // Row 0: scale 128 (x2). Byte 0 = 0x21: low nibble 1 (+0.5) then high nibble 2 (+1.0).
    // Byte 1 = 0xF8: low 8 (-0), high 15 (-6). Byte 2 = 0x7A: low 10 (-1), high 7 (+6). Rest 0x00.
    // Row 1: scale 125 (x1/4). Every byte 0x9C: low 12 (-2), high 9 (-0.5).
    const blocks = new Uint8Array(32);
    blocks.set([0x21, 0xf8, 0x7a], 0);
    blocks.fill(0x9c, 16);
    const scales = new Uint8Array([128, 125]);
    const w = decodeMxfp4(blocks, scales, 2, 32);
    assert.equal(w.length, 64);
    assert.deepEqual([...w.subarray(0, 6)], [1, 2, -0, -12, -2, 12]);
    assert.ok(Object.is(w[2], -0), 'nibble 8 is negative zero');
    assert.deepEqual([...w.subarray(6, 32)], new Array(26).fill(0));
    for (let i = 32; i < 64; i += 2) {
      assert.equal(w[i], -0.5);
      assert.equal(w[i + 1], -0.125);
    }
  });

  it('covers the whole E2M1 table and extreme exponents', () => {
    const blocks = new Uint8Array(16);
    for (let j = 0; j < 8; j++) blocks[j] = (2 * j) | ((2 * j + 1) << 4);
    const [w1, w2] = [decodeMxfp4(blocks, new Uint8Array([127]), 1, 32), decodeMxfp4(blocks, new Uint8Array([0]), 1, 32)];
    for (let i = 0; i < 16; i++) {
      assert.ok(Object.is(w1[i], FP4_VALUES[i]));
      assert.equal(w2[i], FP4_VALUES[i]! * 2 ** -127);
    }
  });

  it('rejects inconsistent sizes', () => {
    assert.throws(() => decodeMxfp4(new Uint8Array(16), new Uint8Array(2), 1, 32), /need 16 block bytes and 1 scales/);
    assert.throws(() => decodeMxfp4(new Uint8Array(16), new Uint8Array(1), 1, 30), /multiple of 32/);
  });
});

describe('float widening', () => {
  it('bf16 bytes are the upper half of float32', () => {
    // 0x3F80 = 1.0, 0xC0A0 = -5.0, 0x7F80 = +inf, 0x0001 = smallest bf16 subnormal
    const v = bf16BytesToF32(new Uint8Array([0x80, 0x3f, 0xa0, 0xc0, 0x80, 0x7f, 0x01, 0x00]));
    assert.deepEqual([...v], [1, -5, Infinity, 2 ** -133]);
  });
  it('f16 and f32 tensors widen exactly', () => {
    assert.deepEqual([...f16BytesToF32(new Uint8Array([0x00, 0x3c, 0x00, 0xc4]))], [1, -4]);
    const f = new Float32Array([0.1, -3]);
    const t = { name: 't', dtype: 'f32' as const, shape: [2], data: new Uint8Array(f.buffer) };
    assert.deepEqual([...tensorToF32(t)], [...f]);
  });
});

// The addon's memory mapping as format/ uses it: views equal to the file's bytes, files over the
// 4 GiB a typed array can span, and close() detaching the views instead of leaving them dangling.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { nativeFileMapper } from '../../src/backends/cpu/file-mapper.js';
import { BackendUnavailableError } from '../../src/core/errors.js';

function addon() {
  const a = loadCpuAddon();
  if (a instanceof BackendUnavailableError) throw a;
  return a;
}

function mapper() {
  return nativeFileMapper(addon());
}

describe('native file mapper', () => {
  it('maps a checkpoint read-only with the same bytes as a plain read', () => {
    const file = fileURLToPath(new URL('../fixtures/tiny-ref-b/model.safetensors', import.meta.url));
    const expected = readFileSync(file);
    const m = mapper()(file);
    assert.ok(m);
    assert.equal(m.bytes.length, expected.length);
    assert.ok(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length).equals(expected));
    const v = m.view!(1000, 1100);
    assert.deepEqual([...v], [...expected.subarray(1000, 1100)]);
    assert.throws(() => m.view!(0, expected.length + 1), /outside the file/);
    m.close();
    assert.equal(v.length, 0, 'views read as empty after close, never as freed memory');
  });

  it('reaches every offset of a file over 4 GiB through view()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpt-oss-map-'));
    const file = join(dir, 'big.bin');
    try {
      // A sparse file: 5 GiB long, a few bytes written around the window boundaries.
      const fd = openSync(file, 'w');
      const marks = [0, 2 ** 31 - 3, 2 ** 32 - 2, 4.5 * 2 ** 30, 5 * 2 ** 30 - 4];
      for (const [i, at] of marks.entries()) writeSync(fd, Uint8Array.of(i + 1, i + 11, i + 21, i + 31), 0, 4, at);
      closeSync(fd);
      const m = mapper()(file);
      assert.ok(m);
      assert.throws(() => m.bytes, /use mapping.view/);
      for (const [i, at] of marks.entries()) assert.deepEqual([...m.view!(at, at + 4)], [i + 1, i + 11, i + 21, i + 31], `at ${at}`);
      // a 1 GiB range across the 4 GiB line, as a large tensor would be
      const big = m.view!(2 ** 32 - 2 ** 29, 2 ** 32 + 2 ** 29);
      assert.equal(big[2 ** 29 - 2], 3);
      m.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copyWeights reads a view of a mapping from its file on every thread, byte for byte, at any offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpt-oss-copy-'));
    const file = join(dir, 'experts.bin');
    const a = addon();
    const pool = a.createPool(2);
    try {
      // 21 MiB + 7 bytes: several 8 MiB chunks and a ragged end, from an odd offset into the file
      const bytes = randomBytes((21 << 20) + 4103);
      writeFileSync(file, bytes);
      const m = mapper()(file);
      assert.ok(m);
      const [start, end] = [4096 + 3, bytes.length];
      const src = m.view!(start, end);
      const buffer = a.allocWeights?.(src.length);
      assert.ok(buffer, 'huge-page weight memory');
      const dst = new Uint8Array(buffer);
      assert.equal(a.copyWeights?.({ pool, dst, src }), 'read');
      assert.ok(Buffer.from(dst.buffer, dst.byteOffset, dst.length).equals(bytes.subarray(start, end)), 'read bytes differ from the file');
      // memory that is no mapping of ours is copied
      const plain = Uint8Array.from(bytes.subarray(0, 100_003));
      const out = new Uint8Array(plain.length);
      assert.equal(a.copyWeights?.({ pool, dst: out, src: plain }), 'copy');
      assert.deepEqual(out, plain);
      assert.throws(() => a.copyWeights?.({ pool, dst: new Uint8Array(10), src: plain }), /copyWeights: dst/);
      m.close();
    } finally {
      a.destroy(pool);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copyWeights with tileK leaves MXFP4 rows tiled16, read from the file or copied, and rejects rows that do not fit', (t) => {
    const a = addon();
    const level = a.kernels['moe-q8'];
    if (level !== 'avx512-vnni' && level !== 'avx512-vbmi') {
      const pool = a.createPool(1);
      try {
        const src = new Uint8Array(1440), dst = new Uint8Array(1440);
        assert.throws(() => a.copyWeights?.({ pool, dst, src, tileK: 2880 }), /copyWeights: tileK needs the AVX-512 MoE kernels/);
      } finally {
        a.destroy(pool);
      }
      t.diagnostic(`the MoE runs the ${level} kernels here: only the refusal of tileK is checked`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'gpt-oss-tile-'));
    const file = join(dir, 'blocks.bin');
    const pool = a.createPool(2);
    try {
      // K = 2880: 90 blocks a row, five groups of 16 and one of 10; 6,000 rows span two 8 MiB chunks
      const K = 2880, rowBytes = K / 2, rows = 6000;
      const bytes = randomBytes(rows * rowBytes + 4096);
      writeFileSync(file, bytes);
      const want = tiled16(bytes.subarray(4096), K);
      const m = mapper()(file);
      assert.ok(m);
      const src = m.view!(4096, bytes.length);
      const dst = new Uint8Array(a.allocWeights!(src.length)!);
      assert.equal(a.copyWeights?.({ pool, dst, src, tileK: K }), 'read');
      assert.ok(Buffer.from(dst.buffer, dst.byteOffset, dst.length).equals(want), 'tiled bytes read from the file differ from the layout');
      const plain = Uint8Array.from(bytes.subarray(4096));
      const out = new Uint8Array(plain.length);
      assert.equal(a.copyWeights?.({ pool, dst: out, src: plain, tileK: K }), 'copy');
      assert.ok(Buffer.from(out).equals(want), 'tiled bytes copied differ from the layout');
      assert.throws(() => a.copyWeights?.({ pool, dst: out, src: plain, tileK: 48 }), /copyWeights: tileK must be a multiple of 32/);
      assert.throws(() => a.copyWeights?.({ pool, dst: out.subarray(1), src: plain.subarray(1), tileK: K }), /copyWeights: tileK .*divide src/);
      m.close();
    } finally {
      a.destroy(pool);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The tiled16 layout written out plainly: per row and group of m <= 16 blocks, dword j of run d is bytes 4d..4d+3 of block j. */
function tiled16(packed: Uint8Array, K: number): Buffer {
  const rowBytes = K / 2, nb = K / 32, out = Buffer.alloc(packed.length);
  for (let row = 0; row < packed.length / rowBytes; row++) {
    for (let g = 0; g < nb; g += 16) {
      const m = Math.min(16, nb - g), base = row * rowBytes + g * 16;
      for (let j = 0; j < m; j++)
        for (let d = 0; d < 4; d++)
          for (let b = 0; b < 4; b++) out[base + 4 * (d * m + j) + b] = packed[base + 16 * j + 4 * d + b]!;
    }
  }
  return out;
}

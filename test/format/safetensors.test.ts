import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileFormatError, GptOssError } from '../../src/core/errors.js';
import { SafetensorsFile } from '../../src/format/safetensors.js';
import { encodeSafetensorsHeader, writeSafetensors } from '../../src/format/safetensors-writer.js';
import { tempDir, writeRawSafetensors } from './helpers.js';

const dir = tempDir();
let n = 0;
function raw(header: unknown, dataBytes: number, declaredLength?: bigint): string {
  const file = join(dir, `case-${n++}.safetensors`);
  writeRawSafetensors(file, header, dataBytes, declaredLength);
  return file;
}

function rejects(file: string, pattern: RegExp, code = 'invalid_file'): void {
  assert.throws(
    () => SafetensorsFile.open(file),
    (e: unknown) => {
      assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.ok(e.message.startsWith(file), `message names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('safetensors reader', () => {
  it('reads dtypes, shapes and bytes at their offsets', () => {
    const file = raw(
      {
        __metadata__: { format: 'pt' },
        a: { dtype: 'BF16', shape: [2, 3], data_offsets: [0, 12] },
        b: { dtype: 'U8', shape: [4], data_offsets: [12, 16] },
        c: { dtype: 'F32', shape: [1], data_offsets: [16, 20] },
        d: { dtype: 'I32', shape: [0], data_offsets: [20, 20] },
      },
      20,
    );
    const st = SafetensorsFile.open(file);
    assert.deepEqual(st.header.metadata, { format: 'pt' });
    const a = st.read('a');
    assert.equal(a.dtype, 'bf16');
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual([...st.read('b').data], [12, 13, 14, 15]);
    assert.equal(st.read('c').dtype, 'f32');
    assert.equal(st.read('d').data.length, 0);
    st.close();
  });

  it('hands out views of the mapping when given a file mapper', () => {
    const file = raw({ a: { dtype: 'U8', shape: [3], data_offsets: [1, 4] } }, 5);
    const whole = new Uint8Array(readFileSync(file));
    let closed = 0;
    const st = SafetensorsFile.open(file, (p) => (p === file ? { bytes: whole, close: () => void closed++ } : null));
    const a = st.read('a');
    assert.equal(a.data.buffer, whole.buffer, 'a view, not a copy');
    assert.deepEqual([...a.data], [1, 2, 3]);
    st.close();
    assert.equal(closed, 1);
  });

  it('rejects a missing file', () => rejects(join(dir, 'nope.safetensors'), /file not found/, 'file_not_found'));
  it('rejects a file shorter than the length prefix', () => {
    const file = join(dir, 'short.safetensors');
    writeFileSync(file, Buffer.from([1, 2, 3]));
    rejects(file, /too short/);
  });
  it('rejects a header length beyond the file', () => rejects(raw({}, 0, 1000n), /header length 1000 is out of bounds/));
  it('rejects a header length of zero', () => rejects(raw('', 4, 0n), /out of bounds/));
  it('rejects a huge header length (u64)', () => rejects(raw({}, 0, 2n ** 63n), /out of bounds/));
  it('rejects a header that is not JSON', () => rejects(raw('{"a": [1, 2', 0), /not valid JSON/));
  it('rejects a header that is not an object', () => rejects(raw('[1,2]', 0), /must be a JSON object/));
  it('rejects an unknown dtype', () =>
    rejects(raw({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2), /tensor 'a': unsupported dtype 'F8_E4M3'/, 'unsupported'));
  it('rejects a bad shape', () => rejects(raw({ a: { dtype: 'U8', shape: [2, -1], data_offsets: [0, 2] } }, 2), /shape must be an array/));
  it('rejects a size that disagrees with shape x dtype', () =>
    rejects(raw({ a: { dtype: 'BF16', shape: [3], data_offsets: [0, 4] } }, 4), /shape \[3\] x BF16 is 6 bytes but data_offsets \[0, 4\] span 4/));
  it('rejects offsets beyond the end of the file (truncated data)', () =>
    rejects(raw({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 10), /run past the end of the file/));
  it('rejects reversed offsets', () => rejects(raw({ a: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, 4), /end before begin/));
  it('rejects overlapping tensors', () =>
    rejects(
      raw(
        {
          a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] },
          b: { dtype: 'U8', shape: [4], data_offsets: [2, 6] },
        },
        6,
      ),
      /tensors 'a' and 'b' overlap/,
    ));
  it('names a missing tensor', () => {
    const st = SafetensorsFile.open(raw({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, 1));
    assert.throws(() => st.read('zzz'), (e: unknown) => e instanceof GptOssError && e.code === 'missing_tensor' && /'zzz' not found/.test(e.message));
    st.close();
  });
});

describe('safetensors writer', () => {
  it('pads the header to 8 bytes and round-trips through the reader', () => {
    const tensors = [
      { name: 'x', dtype: 'bf16' as const, shape: [3], chunks: () => [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6])] },
      { name: 'y', dtype: 'u8' as const, shape: [2, 2], chunks: () => [new Uint8Array([9, 8, 7, 6])] },
    ];
    assert.equal(encodeSafetensorsHeader(tensors).length % 8, 0);
    const file = join(dir, 'written.safetensors');
    assert.equal(writeSafetensors(file, tensors), 10);
    const st = SafetensorsFile.open(file);
    assert.equal(st.header.dataStart % 8, 0);
    assert.deepEqual([...st.read('x').data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...st.read('y').data], [9, 8, 7, 6]);
    assert.deepEqual(st.read('y').shape, [2, 2]);
    st.close();
  });

  it('refuses a producer that yields the wrong number of bytes', () => {
    const file = join(dir, 'bad-producer.safetensors');
    assert.throws(
      () => writeSafetensors(file, [{ name: 'x', dtype: 'f32', shape: [2], chunks: () => [new Uint8Array(4)] }]),
      /'x' produced 4 bytes, expected 8/,
    );
  });
});

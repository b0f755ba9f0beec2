import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { f16ToF32 } from '../../src/core/dtypes.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { tensorToF32 } from '../../src/format/decode.js';
import { convertToGguf } from '../../src/format/gguf-convert.js';
import { f32ToF16, quantizeQ8_0, repackMxfp4 } from '../../src/format/gguf-quant.js';
import { GGML_TYPE, type GgufKv } from '../../src/format/gguf-types.js';
import { byteToUnicodeTable, deriveMerges, type TiktokenVocab } from '../../src/format/gguf-vocab.js';
import { writeGguf } from '../../src/format/gguf-writer.js';
import { decodeMxfp4 } from '../../src/format/mxfp4.js';
import { readGguf } from './gguf-reader.js';
import { TINY_A, tempDir } from './helpers.js';

const tmp = tempDir('gpt-oss-gguf-');
const root = fileURLToPath(new URL('../../', import.meta.url));

/** A vocabulary from byte strings given in rank order. */
function vocabOf(tokens: (string | number[])[], size = tokens.length, specials: [number, string][] = []): TiktokenVocab {
  const parts = tokens.map((t) => (typeof t === 'string' ? Buffer.from(t, 'latin1') : Buffer.from(t)));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  return { bytes: new Uint8Array(Buffer.concat(parts)), offsets, specials: new Map(specials), vocabSize: size };
}

describe('gguf writer', () => {
  const file = join(tmp, 'small.gguf');
  const metadata: GgufKv[] = [
    { key: 'general.architecture', type: 'string', value: 'gpt-oss' },
    { key: 'a.u32', type: 'u32', value: 4294967295 },
    { key: 'a.i32', type: 'i32', value: -7 },
    { key: 'a.f32', type: 'f32', value: 1e-5 },
    { key: 'a.u64', type: 'u64', value: 2n ** 40n + 3n },
    { key: 'a.bool', type: 'bool', value: true },
    { key: 'a.u8', type: 'u8', value: 200 },
    { key: 'a.strings', type: 'array', itemType: 'string', value: ['Ġhello', '', '<|start|>', 'é'] },
    { key: 'a.ints', type: 'array', itemType: 'i32', value: new Int32Array([1, -2, 3]) },
  ];
  // Sizes that are not multiples of 32 so that padding is needed between tensors.
  const t1 = new Float32Array([1, 2, 3]);
  const t2 = new Uint8Array(34).map((_, i) => i + 1);
  const t3 = new Uint8Array(2 * 17 * 3).map((_, i) => 255 - i);
  const size = writeGguf(file, metadata, [
    { name: 'vec', type: 'f32', shape: [3], chunks: () => [new Uint8Array(t1.buffer)] },
    { name: 'q8', type: 'q8_0', shape: [1, 32], chunks: () => [t2.subarray(0, 10), t2.subarray(10)] },
    { name: 'mx', type: 'mxfp4', shape: [2, 3, 32], chunks: () => [t3] },
  ]);
  const bytes = readFileSync(file);
  const g = readGguf(bytes);

  it('starts with the GGUF magic and version 3', () => {
    assert.equal(g.magic, 'GGUF');
    assert.equal(bytes.readUInt32LE(0), 0x46554747);
    assert.equal(g.version, 3);
    assert.equal(size, bytes.length);
  });

  it('round-trips every metadata value with its type tag', () => {
    assert.equal(g.kv.size, metadata.length);
    assert.deepEqual(g.kv.get('general.architecture'), { type: 8, value: 'gpt-oss' });
    assert.deepEqual(g.kv.get('a.u32'), { type: 4, value: 4294967295 });
    assert.deepEqual(g.kv.get('a.i32'), { type: 5, value: -7 });
    assert.equal(g.kv.get('a.f32')!.type, 6);
    assert.equal(g.kv.get('a.f32')!.value, Math.fround(1e-5));
    assert.deepEqual(g.kv.get('a.u64'), { type: 10, value: 2n ** 40n + 3n });
    assert.deepEqual(g.kv.get('a.bool'), { type: 7, value: true });
    assert.deepEqual(g.kv.get('a.u8'), { type: 0, value: 200 });
    assert.deepEqual(g.kv.get('a.strings'), { type: 9, itemType: 8, value: ['Ġhello', '', '<|start|>', 'é'] });
    assert.deepEqual(g.kv.get('a.ints'), { type: 9, itemType: 5, value: [1, -2, 3] });
  });

  it('writes dims innermost first, ggml type ids, and 32-aligned offsets holding the bytes given', () => {
    assert.deepEqual(
      g.tensors.map((t) => [t.name, t.ne, t.type]),
      [
        ['vec', [3], GGML_TYPE.f32],
        ['q8', [32, 1], GGML_TYPE.q8_0],
        ['mx', [32, 3, 2], GGML_TYPE.mxfp4],
      ],
    );
    assert.equal(g.dataStart % 32, 0);
    for (const t of g.tensors) assert.equal(t.offset % 32, 0, `${t.name} offset ${t.offset}`);
    assert.deepEqual(g.tensors.map((t) => t.offset), [0, 32, 96]);
    const at = (i: number, n: number) => bytes.subarray(g.dataStart + g.tensors[i]!.offset, g.dataStart + g.tensors[i]!.offset + n);
    assert.deepEqual(new Float32Array(new Uint8Array(at(0, 12)).buffer), t1);
    assert.deepEqual(new Uint8Array(at(1, 34)), t2);
    assert.deepEqual(new Uint8Array(at(2, t3.length)), t3);
    assert.equal(bytes.length, g.dataStart + 96 + 128);
  });

  it('refuses a tensor whose bytes do not match its type and shape, and a row that is not whole blocks', () => {
    assert.throws(() => writeGguf(join(tmp, 'bad.gguf'), [], [{ name: 'x', type: 'f32', shape: [4], chunks: () => [new Uint8Array(12)] }]), /'x' produced 12 bytes, expected 16/);
    assert.throws(() => writeGguf(join(tmp, 'bad2.gguf'), [], [{ name: 'y', type: 'q8_0', shape: [2, 40], chunks: () => [] }]), /y: .*multiple of 32/);
  });
});

describe('gguf quantization', () => {
  it('f32 -> f16 rounds to nearest even, with subnormals and overflow', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next, even is infinity
      [1 + 2 ** -11, 0x3c00], // tie, down to even
      [1 + 3 * 2 ** -11, 0x3c02], // tie, up to even
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie, to even zero
      [1.5 * 2 ** -25, 0x0001],
      [6.103515625e-5, 0x0400],
      [0, 0],
    ];
    for (const [x, bits] of cases) assert.equal(f32ToF16(x), bits, `f32ToF16(${x})`);
  });

  it('Q8_0 of known blocks: f16 scale max/127, round half away from zero, zero block', () => {
    const x = new Float32Array(96);
    for (let i = 0; i < 32; i++) x[i] = i - 16; // max |x| 16
    x.set([2.5, -2.5, 0.5, -0.5, 127, -1.49], 32); // max |x| 127: d = 1, so x * id = x exactly
    const q = quantizeQ8_0(x);
    assert.equal(q.length, 3 * 34);
    // d = fround(16 / 127) = 0.12598425 -> f16 0x3008 (0.125976...), q = round(x * 7.9375)
    assert.equal(q[0]! | (q[1]! << 8), 0x3008);
    const q0 = new Int8Array(q.buffer, q.byteOffset + 2, 32);
    assert.deepEqual([...q0.subarray(0, 3)], [-127, -119, -111]);
    assert.equal(q0[17], 8); // 1 * 7.9375
    assert.equal(q[34]! | (q[35]! << 8), 0x3c00);
    assert.deepEqual([...new Int8Array(q.buffer, q.byteOffset + 36, 6)], [3, -3, 1, -1, 127, -1]);
    assert.deepEqual([...q.subarray(68)], new Array<number>(34).fill(0));
    // Dequantized values are within half a step of the input.
    for (let b = 0; b < 2; b++) {
      const d = f16ToF32(q[34 * b]! | (q[34 * b + 1]! << 8));
      const qs = new Int8Array(q.buffer, q.byteOffset + 34 * b + 2, 32);
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(qs[i]! * d - x[32 * b + i]!) <= d / 2 + 1e-6 + Math.abs(x[32 * b + i]!) * 1e-3);
    }
  });

  it('MXFP4 repack moves element j to the low nibble and j+16 to the high nibble, the scale first', () => {
    const codes = Array.from({ length: 64 }, (_, i) => (i * 7 + 3) % 16);
    const blocks = new Uint8Array(32);
    for (let j = 0; j < 32; j++) blocks[j] = codes[2 * j]! | (codes[2 * j + 1]! << 4);
    const scales = new Uint8Array([127, 120]);
    const out = repackMxfp4(blocks, scales);
    assert.equal(out.length, 34);
    assert.equal(out[0], 127);
    assert.equal(out[17], 120);
    for (let g = 0; g < 2; g++) {
      for (let j = 0; j < 16; j++) assert.equal(out[17 * g + 1 + j], codes[32 * g + j]! | (codes[32 * g + j + 16]! << 4));
    }
    // ggml's dequantization of block_mxfp4 (doubled kvalues, halved scale) gives the reference's values.
    const kvalues = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];
    const ref = decodeMxfp4(blocks, scales, 1, 64);
    for (let g = 0; g < 2; g++) {
      const half = 2 ** (out[17 * g]! - 127) / 2;
      for (let j = 0; j < 16; j++) {
        const byte = out[17 * g + 1 + j]!;
        // (=== so that ggml's +0 for code 8 matches the reference's -0)
        assert.ok(kvalues[byte & 15]! * half === ref[32 * g + j], `group ${g} element ${j}`);
        assert.ok(kvalues[byte >> 4]! * half === ref[32 * g + j + 16], `group ${g} element ${j + 16}`);
      }
    }
  });
});

describe('gguf vocabulary', () => {
  it("spells bytes as GPT-2's byte-level unicode", () => {
    const t = byteToUnicodeTable();
    assert.equal(t[0x20], 'Ġ');
    assert.equal(t[0x0a], 'Ċ');
    assert.equal(t[0x41], 'A');
    assert.equal(t[0xff], 'ÿ');
    assert.equal(new Set(t).size, 256);
  });

  it('derives one merge per multi-byte token from the ranks, with only lower ranks allowed', () => {
    // "abc" (rank 5) is reached as "ab" + "c" because "ab" (3) ranks below "bc" (4).
    const v = vocabOf(['a', 'b', 'c', 'ab', 'bc', 'abc', 'a b', ' ', 'a ', 'a b'.slice(1)]);
    const { merges, skipped } = deriveMerges(v);
    assert.deepEqual(merges.slice(0, 3), ['a b', 'b c', 'ab c']);
    // "a b" needs "a " (rank 8) which ranks above it: no two-part encoding with lower ranks.
    assert.equal(skipped, 1);
    assert.deepEqual(merges.slice(3), ['a Ġ', 'Ġ b']);
  });
});

describe('convertToGguf (tiny fixture)', () => {
  const ckpt = openCheckpoint(TINY_A);
  const c = ckpt.config;
  const ranks = Array.from({ length: c.vocabSize }, (_, i) => (i < 256 ? [i] : [97 + (i % 26), 97 + ((i * 7) % 26), i % 256]));
  const vocab = { ...vocabOf(ranks, c.vocabSize + 4, [[c.vocabSize + 1, '<|start|>']]), bosId: c.vocabSize + 1, eosId: 3 };
  const out = join(tmp, 'tiny-a.gguf');
  convertToGguf(TINY_A, out, { denseType: 'q8_0', vocab });
  const bytes = readFileSync(out);
  const g = readGguf(bytes);
  const tensor = (name: string) => {
    const t = g.tensors.find((x) => x.name === name);
    assert.ok(t, `tensor ${name}`);
    return t;
  };
  const data = (name: string, n: number) => bytes.subarray(g.dataStart + tensor(name).offset, g.dataStart + tensor(name).offset + n);

  it('writes the gpt-oss metadata llama.cpp reads, with the vocabulary cut to the model', () => {
    const v = (k: string) => g.kv.get(k)?.value;
    assert.equal(v('general.architecture'), 'gpt-oss');
    assert.equal(v('gpt-oss.block_count'), 4);
    assert.equal(v('gpt-oss.context_length'), 131072);
    assert.equal(v('gpt-oss.embedding_length'), 160);
    assert.equal(v('gpt-oss.feed_forward_length'), 96);
    assert.equal(v('gpt-oss.expert_feed_forward_length'), 96);
    assert.equal(v('gpt-oss.attention.head_count'), 8);
    assert.equal(v('gpt-oss.attention.head_count_kv'), 2);
    assert.equal(v('gpt-oss.attention.key_length'), 64);
    assert.equal(v('gpt-oss.attention.sliding_window'), 8);
    assert.equal(v('gpt-oss.expert_count'), 8);
    assert.equal(v('gpt-oss.expert_used_count'), 4);
    assert.equal(v('gpt-oss.rope.freq_base'), 150000);
    assert.equal(v('gpt-oss.rope.scaling.type'), 'yarn');
    assert.equal(v('gpt-oss.rope.scaling.factor'), 32);
    assert.equal(v('gpt-oss.rope.scaling.original_context_length'), 4096);
    assert.equal(v('gpt-oss.attention.layer_norm_rms_epsilon'), Math.fround(1e-5));
    assert.equal(v('tokenizer.ggml.model'), 'gpt2');
    assert.equal(v('tokenizer.ggml.pre'), 'gpt-4o');
    const tokens = v('tokenizer.ggml.tokens') as string[];
    assert.equal(tokens.length, c.vocabSize);
    assert.equal(tokens[32], 'Ġ');
    assert.equal((v('tokenizer.ggml.token_type') as number[]).length, c.vocabSize);
    assert.equal(v('tokenizer.ggml.eos_token_id'), 3);
    assert.equal(g.kv.has('tokenizer.ggml.bos_token_id'), false, 'a special id beyond the vocabulary is dropped');
  });

  it('names, types and shapes every tensor as llama.cpp load_tensors expects', () => {
    assert.equal(g.tensors.length, 3 + 19 * 4);
    const check = (name: string, type: number, ne: number[]) => assert.deepEqual([tensor(name).type, tensor(name).ne], [type, ne], name);
    check('token_embd.weight', GGML_TYPE.q8_0, [160, 1536]);
    check('output.weight', GGML_TYPE.q8_0, [160, 1536]);
    check('output_norm.weight', GGML_TYPE.f32, [160]);
    check('blk.1.attn_q.weight', GGML_TYPE.q8_0, [160, 512]);
    check('blk.1.attn_k.weight', GGML_TYPE.q8_0, [160, 128]);
    check('blk.1.attn_v.bias', GGML_TYPE.f32, [128]);
    check('blk.1.attn_output.weight', GGML_TYPE.q8_0, [512, 160]);
    check('blk.1.attn_sinks.weight', GGML_TYPE.f32, [8]);
    check('blk.1.post_attention_norm.weight', GGML_TYPE.f32, [160]);
    check('blk.1.ffn_gate_inp.weight', GGML_TYPE.f32, [160, 8]);
    check('blk.1.ffn_gate_exps.weight', GGML_TYPE.mxfp4, [160, 96, 8]);
    check('blk.1.ffn_up_exps.weight', GGML_TYPE.mxfp4, [160, 96, 8]);
    check('blk.1.ffn_down_exps.weight', GGML_TYPE.mxfp4, [96, 160, 8]);
    check('blk.1.ffn_gate_exps.bias', GGML_TYPE.f32, [96, 8]);
    check('blk.1.ffn_down_exps.bias', GGML_TYPE.f32, [160, 8]);
  });

  it('splits mlp1 into gate (even rows) and up (odd rows), weights and biases, and keeps the values', () => {
    const l = ckpt.layer(2);
    const [E, rows2, K] = l.mlp1.shape as [number, number, number];
    const ref = decodeMxfp4(l.mlp1.blocks, l.mlp1.scales, E * rows2, K);
    const kvalues = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];
    const I = rows2 / 2;
    for (const [name, parity] of [['blk.2.ffn_gate_exps.weight', 0], ['blk.2.ffn_up_exps.weight', 1]] as const) {
      const raw = data(name, E * I * (K / 32) * 17);
      for (const [e, r] of [[0, 0], [3, 17], [7, I - 1]] as const) {
        const srcRow = (e * rows2 + 2 * r + parity) * K;
        for (let gI = 0; gI < K / 32; gI++) {
          const blk = ((e * I + r) * (K / 32) + gI) * 17;
          const half = 2 ** (raw[blk]! - 127) / 2;
          for (let j = 0; j < 16; j++) {
            assert.ok(kvalues[raw[blk + 1 + j]! & 15]! * half === ref[srcRow + 32 * gI + j], `${name} e${e} r${r} g${gI} j${j}`);
            assert.ok(kvalues[raw[blk + 1 + j]! >> 4]! * half === ref[srcRow + 32 * gI + j + 16], `${name} e${e} r${r} g${gI} j${j + 16}`);
          }
        }
      }
    }
    const bias = tensorToF32(l.mlp1Bias);
    const up = new Float32Array(new Uint8Array(data('blk.2.ffn_up_exps.bias', E * I * 4)).buffer);
    const gate = new Float32Array(new Uint8Array(data('blk.2.ffn_gate_exps.bias', E * I * 4)).buffer);
    for (let i = 0; i < E * I; i++) {
      assert.equal(gate[i], bias[2 * i]);
      assert.equal(up[i], bias[2 * i + 1]);
    }
  });

  it('re-quantizes the embedding to Q8_0 within half a step (plus the f16 rounding of the scale), and keeps the router exact in F32', () => {
    const emb = tensorToF32(ckpt.embedding());
    const raw = data('token_embd.weight', (emb.length / 32) * 34);
    for (let b = 0; b < emb.length / 32; b += 97) {
      const d = f16ToF32(raw[34 * b]! | (raw[34 * b + 1]! << 8));
      for (let i = 0; i < 32; i++) {
        const q = (raw[34 * b + 2 + i]! << 24) >> 24;
        // q was rounded against the f32 scale; the stored f16 scale moves 127 steps by up to 127 * 2^-11.
        assert.ok(Math.abs(q * d - emb[32 * b + i]!) <= d * (0.5 + 127 * 2 ** -11) + 1e-7, `block ${b} value ${i}`);
      }
    }
    const router = tensorToF32(ckpt.layer(0).gateWeight);
    assert.deepEqual(new Float32Array(new Uint8Array(data('blk.0.ffn_gate_inp.weight', router.length * 4)).buffer), router);
  });

  it('make-model --from DIR --format gguf --dense bf16 writes DIR/model.gguf with BF16 dense weights', () => {
    const dir = join(tmp, 'cli');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'make-model', '--from', TINY_A, '--format', 'gguf', '--dense', 'bf16', '--out', dir], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /model\.gguf \(gguf, dense bf16, 79 tensors/);
    const cg = readGguf(readFileSync(join(dir, 'model.gguf')));
    assert.equal(cg.tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.type, GGML_TYPE.bf16);
    assert.equal(cg.kv.get('general.file_type')?.value, 32);
    assert.equal((cg.kv.get('tokenizer.ggml.tokens')?.value as string[]).length, 1536);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'make-model', '--from', TINY_A, '--out', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--from converts to GGUF only: add --format gguf/);
    const bad2 = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'make-model', '--preset', 'tiny', '--seed', '1', '--dense', 'bf16', '--out', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(bad2.status, 1);
    assert.match(bad2.stderr, /--dense applies to --format gguf only/);
  });
});

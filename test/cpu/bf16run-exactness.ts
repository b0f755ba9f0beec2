/**
 * Issue 13 item 8: on every fixture that holds the reference's own bfloat16 run beside its float32
 * golden (test/fixtures/<name>/golden.bf16run.f32.bin), fast precision is no less exact than that run:
 * mean |logit - golden| no larger, argmax agreement with the golden no lower, fed as one prefill and as
 * one-token decode steps. Fixtures are found by listing the folder, so any added later are checked too.
 * One kernel level per process (GPT_OSS_SIMD is read once when the addon loads).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KERNEL_LEVELS, loadCpuAddon, type KernelLevel } from '../../src/backends/cpu/binding.js';
import { loadModel, type LoadedModel } from '../../src/engine/load-model.js';
import { argmax, compareLogits } from '../model/compare.js';

const ROOT = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Bf16RunFixture {
  name: string;
  dir: string;
  tokens: Int32Array;
  vocab: number;
  golden: Float32Array;
  bf16run: Float32Array;
}

function f32File(path: string): Float32Array {
  const bytes = readFileSync(path);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function bf16RunFixtures(): Bf16RunFixture[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${ROOT}${d.name}/golden.bf16run.f32.bin`))
    .map((d) => {
      const dir = `${ROOT}${d.name}/`;
      const meta = JSON.parse(readFileSync(`${dir}meta.json`, 'utf8')) as { tokens: number[]; V: number };
      const f = { name: d.name, dir, tokens: Int32Array.from(meta.tokens), vocab: meta.V, golden: f32File(`${dir}golden.f32.bin`), bf16run: f32File(`${dir}golden.bf16run.f32.bin`) };
      assert.equal(f.golden.length, f.tokens.length * f.vocab, `${dir}golden.f32.bin: expected [${f.tokens.length}, ${f.vocab}] float32`);
      assert.equal(f.bf16run.length, f.golden.length, `${dir}golden.bf16run.f32.bin: expected the shape of golden.f32.bin`);
      return f;
    });
}

async function logitsInSteps(model: LoadedModel, f: Bf16RunFixture, step: number): Promise<Float32Array> {
  const T = f.tokens.length;
  const cache = model.transformer.createKvCache({ slots: 1, capacity: T });
  const out = new Float32Array(T * f.vocab);
  for (let s = 0; s < T; s += step) {
    const n = Math.min(step, T - s);
    const batch = { n, tokens: f.tokens.subarray(s, s + n), positions: Int32Array.from({ length: n }, (_, i) => s + i), slots: new Int32Array(n) };
    out.set(await model.transformer.forward(batch, cache, Int32Array.from({ length: n }, (_, i) => i)), s * f.vocab);
  }
  return out;
}

function agreeing(golden: Float32Array, got: Float32Array, V: number): number {
  let same = 0;
  for (let t = 0; t < golden.length / V; t++) if (argmax(golden.subarray(t * V, (t + 1) * V)) === argmax(got.subarray(t * V, (t + 1) * V))) same++;
  return same;
}

export function runBf16RunExactness(level?: KernelLevel): void {
  if (level) process.env.GPT_OSS_SIMD = level;
  const addon = loadCpuAddon();
  if (addon instanceof Error) throw addon;
  const skip = level && KERNEL_LEVELS.indexOf(addon.cpu.best) < KERNEL_LEVELS.indexOf(level) ? `this CPU lacks the ${level} kernels` : false;
  const fixtures = bf16RunFixtures();
  it('finds the fixtures that hold a bf16 run', () => assert.ok(fixtures.length >= 2, `only ${fixtures.length} under ${ROOT}`));
  for (const f of fixtures) {
    describe(`${f.name}: cpu fast (${level ?? addon.simd}) against the reference's bf16 run`, { skip }, () => {
      const T = f.tokens.length;
      const ref = compareLogits(f.golden, f.bf16run, f.vocab);
      const refAgree = agreeing(f.golden, f.bf16run, f.vocab);
      for (const [mode, step] of [['prefill', T], ['decode', 1]] as const) {
        it(`${mode}: mean |dlogit| and argmax agreement no worse than the bf16 run`, async (t) => {
          const model = await loadModel(f.dir, { backend: 'cpu', precision: 'fast', threads: 2, maxBatch: T });
          try {
            const got = await logitsInSteps(model, f, step);
            const r = compareLogits(f.golden, got, f.vocab);
            const agree = agreeing(f.golden, got, f.vocab);
            t.diagnostic(`fast mean abs ${r.meanAbs.toExponential(3)} (${(r.meanAbs / ref.meanAbs).toFixed(2)}x the bf16 run's ${ref.meanAbs.toExponential(3)}), argmax ${agree}/${T} (bf16 run ${refAgree}/${T})`);
            assert.ok(r.meanAbs <= ref.meanAbs, `${f.name} ${mode}: fast mean |dlogit| ${r.meanAbs} > the bf16 run's ${ref.meanAbs}`);
            assert.ok(agree >= refAgree, `${f.name} ${mode}: fast argmax agreement ${agree}/${T} < the bf16 run's ${refAgree}/${T}`);
          } finally {
            model.dispose();
          }
        });
      }
    });
  }
}

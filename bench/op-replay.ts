// What a decode step's ops cost in their sequence, where each follows tens of MB of weight streaming
// (which leaves the caches holding weights, not the next op's code, objects and activations), against
// the same op called again at once (warm caches). One decode step's backend calls are recorded with
// their arguments, then each is replayed: first the whole step in order, timed op by op (as op-profile
// does), then each op alone, repeated, the median of --repeat calls. The difference for the small ops
// (norms, adds, rope, attention at short context) is what running them cold costs per step; for the
// big ones the warm figure reads weights that now sit in the cache, so it is their compute bound only
// where they fit (the 512-row matmuls do, the MoE does not). Whole forward steps (logits into a recycled
// array, as bench and the engine take them), each alternated with its calls replayed back to back, show
// what the transformer's JavaScript between the ops costs; the copy of the logits into fresh memory is
// timed on its own. Replaying an add or an attention call changes the activations and rewrites a KV row: the
// timings hold, the values are not used.
// Usage: npx tsx bench/op-replay.ts --model DIR [--threads N] [--prompt 64] [--repeat 20] [--json]
import { parseArgs } from 'node:util';
import { loadModel } from '../src/engine/load-model.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string' },
    prompt: { type: 'string', default: '64' },
    repeat: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
if (!values.model) throw new Error('--model DIR is required');
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 3) throw new Error(`--repeat must be an integer >= 3, got '${values.repeat}'`);
const model = await loadModel(values.model, { backend: 'cpu', precision: 'fast', ...(values.threads ? { threads: Number(values.threads) } : {}) });
await model.backend.expertsReady?.();
const prompt = Number(values.prompt);

const OPS = ['embed', 'rmsNorm', 'matmul', 'rope', 'attention', 'moe', 'add', 'gatherRows'] as const;
type Op = (typeof OPS)[number];
interface Call {
  op: Op;
  key: string;
  run: () => void;
}
const backend = model.backend as unknown as Record<Op, (...a: unknown[]) => unknown>;
const calls: Call[] = [];
let recording = false;
for (const op of OPS) {
  const f = backend[op].bind(model.backend);
  backend[op] = (...a: unknown[]): unknown => {
    if (recording) {
      const shape = op === 'matmul' ? (a[2] as { shape: number[] }).shape : null;
      calls.push({ op, key: shape ? `matmul ${shape.join('x')}` : op, run: () => void f(...a) });
    }
    return f(...a);
  };
}

const cache = model.transformer.createKvCache({ slots: 1, capacity: prompt + 8 });
const at = (pos: number) => ({ n: 1, tokens: Int32Array.of(100 + pos), positions: Int32Array.of(pos), slots: Int32Array.of(0) });
await model.transformer.forward(
  { n: prompt, tokens: Int32Array.from({ length: prompt }, (_, i) => (i * 7919) % 1000), positions: Int32Array.from({ length: prompt }, (_, i) => i), slots: new Int32Array(prompt) },
  cache,
  Int32Array.of(prompt - 1),
);
await model.transformer.forward(at(prompt), cache, Int32Array.of(0));
recording = true;
await model.transformer.forward(at(prompt + 1), cache, Int32Array.of(0));
recording = false;
// whole forward steps, no timer between the ops (the same position: the cache row is rewritten), their
// logits into one recycled array as bench and the engine do; each beside the step's calls replayed back
// to back, alternated, so both see the same minutes of a host whose bandwidth drifts
const stepMs: number[] = [];
const bareMs: number[] = [];
const into = new Float32Array(model.config.vocabSize);
for (let i = 0; i < 9; i++) {
  const t0 = performance.now();
  await model.transformer.forward(at(prompt + 1), cache, Int32Array.of(0), undefined, into);
  const t1 = performance.now();
  for (const c of calls) c.run();
  const t2 = performance.now();
  stepMs.push(t1 - t0);
  bareMs.push(t2 - t1);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
// the copy each step makes of its logits (Backend.read), timed right after a step as in decode: a fresh
// array of 804 KB on the 20b, whose pages may have to be faulted in
const logitsTensor = model.backend.createTensor(1, model.config.vocabSize);
const readMs: number[] = [];
for (let i = 0; i < 10; i++) {
  await model.transformer.forward(at(prompt + 1), cache, Int32Array.of(0));
  const t0 = performance.now();
  await model.backend.read(logitsTensor);
  readMs.push(performance.now() - t0);
}
// in sequence: the step's calls in order, 5 times, each op's median over the passes
const inSeq = calls.map(() => [] as number[]);
for (let pass = 0; pass < 5; pass++) {
  calls.forEach((c, i) => {
    const t0 = performance.now();
    c.run();
    inSeq[i]!.push(performance.now() - t0);
  });
}
// warm: each call repeated at once; the first of its repeats is the cold one and is dropped
const warm = calls.map((c) => {
  const ts: number[] = [];
  for (let r = 0; r <= repeat; r++) {
    const t0 = performance.now();
    c.run();
    if (r > 0) ts.push(performance.now() - t0);
  }
  return median(ts);
});

const rows = new Map<string, { calls: number; seqMs: number; warmMs: number }>();
calls.forEach((c, i) => {
  const row = rows.get(c.key) ?? { calls: 0, seqMs: 0, warmMs: 0 };
  row.calls++;
  row.seqMs += median(inSeq[i]!);
  row.warmMs += warm[i]!;
  rows.set(c.key, row);
});
const threads = 'threads' in model.backend ? (model.backend as { threads: number }).threads : 0;
const sorted = [...rows].sort((a, b) => b[1].seqMs - a[1].seqMs);
const seqSum = sorted.reduce((a, [, r]) => a + r.seqMs, 0);
if (values.json) console.log(JSON.stringify({ threads, read_ms: median(readMs), step_ms: median(stepMs), bare_ms: median(bareMs), timed_sum_ms: seqSum, rows: sorted.map(([op, r]) => ({ op, ...r })) }));
else {
  console.log(`threads ${threads}, one decode step's ${calls.length} backend calls after a ${prompt}-token prompt, replayed`);
  console.log(`${'op'.padEnd(20)} ${'calls'.padStart(5)} ${'in sequence ms'.padStart(15)} ${'warm ms'.padStart(8)} ${'us/call seq'.padStart(12)} ${'us/call warm'.padStart(13)}`);
  for (const [op, r] of sorted)
    console.log(
      `${op.padEnd(20)} ${String(r.calls).padStart(5)} ${r.seqMs.toFixed(2).padStart(15)} ${r.warmMs.toFixed(2).padStart(8)} ${((r.seqMs * 1000) / r.calls).toFixed(1).padStart(12)} ${((r.warmMs * 1000) / r.calls).toFixed(1).padStart(13)}`,
    );
  console.log(`the logits' copy (Backend.read) after a step: median of 10 ${median(readMs).toFixed(2)} ms, fastest ${Math.min(...readMs).toFixed(2)}, slowest ${Math.max(...readMs).toFixed(2)}`);
  console.log(`step (forward into a recycled array, medians of 9) ${median(stepMs).toFixed(2)} ms; its calls replayed back to back, alternated with it, ${median(bareMs).toFixed(2)} ms; timed one by one, the sum ${seqSum.toFixed(2)} ms`);
}
model.dispose();

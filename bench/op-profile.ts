// Where a decode step's time goes: every backend op of a cpu-backend forward pass timed from the
// JavaScript side (the ops are synchronous native calls), summed per op over --gen decode steps,
// beside the bytes each op must read (weights; the KV cache for attention) and the GB/s that makes,
// against the read bandwidth the machine gives (the probe of `gpt-oss bench`, best pass). The time
// outside the ops is the JavaScript between them (the transformer's glue). `read` is the logits' copy out,
// into one array for every step as the engine's scheduler recycles them (--fresh-logits: into a fresh
// array each step, as before the scheduler did). `stalled` is the time a step spends in an op's calls
// beyond twice that op's median call (a thread stopped by the host, or memory stalled); after the steps
// the host-preemption probe of `gpt-oss bench` runs for a second.
// --phase prefill times the ops of the prompt's one forward pass instead (there the kernels are
// compute-bound: the table's GB/s are of the weights read once, not a limit).
// Usage: npx tsx bench/op-profile.ts --model DIR [--precision fast|exact] [--threads N]
//          [--experts map|copy|auto] [--prompt 64] [--gen 16] [--phase decode|prefill] [--parallel N] [--fresh-logits] [--json]
// --parallel N decodes N sequences together (a batch of N tokens a step, as `gpt-oss bench --parallel N`);
// the MoE's bytes are those of the distinct experts its tokens chose.
import { parseArgs } from 'node:util';
import type { AttentionParams, Batch, MoeParams } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { CpuWeight } from '../src/backends/cpu/cpu-weights.js';
import type { ExpertsChoice } from '../src/engine/experts-placement.js';
import { loadModel } from '../src/engine/load-model.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'fast' },
    threads: { type: 'string' },
    experts: { type: 'string', default: 'auto' },
    prompt: { type: 'string', default: '64' },
    gen: { type: 'string', default: '16' },
    phase: { type: 'string', default: 'decode' },
    json: { type: 'boolean', default: false },
    'fresh-logits': { type: 'boolean', default: false },
    parallel: { type: 'string', default: '1' },
  },
});
if (!values.model) throw new Error('--model DIR is required');
if (values.phase !== 'decode' && values.phase !== 'prefill') throw new Error(`--phase must be decode or prefill, got '${values.phase}'`);
const prefillPhase = values.phase === 'prefill';
const model = await loadModel(values.model, {
  backend: 'cpu',
  precision: values.precision as 'fast' | 'exact',
  experts: values.experts as ExpertsChoice,
  ...(values.threads ? { threads: Number(values.threads) } : {}),
});
// under auto the experts are copied after the load: profile the model as it runs once that is done
await model.backend.expertsReady?.();
const prompt = Number(values.prompt);
const parallel = Number(values.parallel);
if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a positive integer, got '${values.parallel}'`);
const gen = Number(values.gen);
const cfg = model.config;

interface Row {
  ms: number;
  bytes: number;
  calls: number;
  each: number[];
}
const totals = new Map<string, Row>();
const backend = model.backend as unknown as Record<string, unknown>;
const kvBytes = values.precision === 'fast' ? 2 : 4;

/** Bytes a dense weight's matmul streams: the 8-bit copy where there is one, else the matrix itself. */
function denseBytes(w: unknown): number {
  if (!(w instanceof CpuWeight) || w.store.kind !== 'dense') return 0;
  return w.store.q8 ? w.store.q8.length : w.store.bytes.length;
}

/** A decode step's MoE reads the router and, per distinct expert its tokens chose (the backend's count), that expert's mlp1 and mlp2 rows (blocks and scales). */
function moeBytes(args: unknown[], experts: number): number {
  const w = args[2] as { gate: CpuWeight; mlp1: CpuWeight; mlp2: CpuWeight };
  const p = args[3] as MoeParams;
  const per = (x: CpuWeight): number => (x.store.kind === 'mxfp4' ? (x.store.blocks.length + x.store.scales.length) / p.numExperts : 0);
  const gate = w.gate.store.kind === 'dense' ? w.gate.store.bytes.length : 0;
  return gate + experts * (per(w.mlp1) + per(w.mlp2));
}

/** Keys and values read: every cached position up to the token's (the window's on sliding layers). */
function attentionBytes(args: unknown[]): number {
  const batch = args[6] as Batch;
  const p = args[7] as AttentionParams;
  let positions = 0;
  for (let i = 0; i < batch.n; i++) {
    const seen = batch.positions[i]! + 1;
    positions += p.window > 0 ? Math.min(p.window, seen) : seen;
  }
  return positions * p.numKvHeads * p.headDim * 2 * kvBytes;
}

let timing = false;
for (const op of ['embed', 'rmsNorm', 'matmul', 'rope', 'attention', 'moe', 'add', 'gatherRows', 'read']) {
  const f = backend[op] as (...a: unknown[]) => unknown;
  backend[op] = (...a: unknown[]): unknown => {
    if (!timing) return f.apply(model.backend, a);
    const counts0 = op === 'moe' ? (model.backend as CpuBackend).moeCounts() : null;
    const t0 = performance.now();
    const r = f.apply(model.backend, a);
    const ms = performance.now() - t0;
    const counts1 = op === 'moe' ? (model.backend as CpuBackend).moeCounts() : null;
    let key: string = op;
    let bytes = 0;
    if (op === 'matmul') {
      const shape = (a[2] as { shape: number[] }).shape;
      key = shape[0] === cfg.vocabSize ? `matmul ${shape.join('x')} (unembedding)` : `matmul ${shape.join('x')}`;
      bytes = denseBytes(a[2]);
    } else if (op === 'moe') bytes = moeBytes(a, counts0 && counts1 ? counts1.experts - counts0.experts : 0);
    else if (op === 'attention') bytes = attentionBytes(a);
    const row = totals.get(key) ?? { ms: 0, bytes: 0, calls: 0, each: [] };
    row.each.push(ms);
    row.ms += ms;
    row.bytes += bytes;
    row.calls++;
    totals.set(key, row);
    return r;
  };
}
const cache = model.transformer.createKvCache({ slots: parallel, capacity: prompt + gen + 1 });
const ids = Int32Array.from({ length: prompt }, (_, i) => (i * 7919) % 1000);
const stepMs: number[] = [];
/** The prompt into every slot (the measured prefill is slot 0's). */
const prefill = async (slot: number): Promise<void> => {
  await model.transformer.forward({ n: prompt, tokens: ids, positions: Int32Array.from({ length: prompt }, (_, i) => i), slots: new Int32Array(prompt).fill(slot) }, cache, Int32Array.of(prompt - 1));
};
if (prefillPhase) {
  // one unmeasured prefill first (first touches of its buffers); the measured one rewrites the same cache rows
  await prefill(0);
  timing = true;
}
const t0 = performance.now();
await prefill(0);
if (prefillPhase) stepMs.push(performance.now() - t0);
else {
  for (let s = 1; s < parallel; s++) await prefill(s);
  // one unmeasured decode step: first touches of the decode paths' buffers
  await decodeStep(prompt, 99);
  timing = true;
}
/** One decode step of every sequence together: a batch of `parallel` tokens, one per slot, each slot's logits. */
async function decodeStep(pos: number, token: number, into?: Float32Array): Promise<void> {
  const seq = Int32Array.from({ length: parallel }, (_, s) => s);
  const tokens = Int32Array.from({ length: parallel }, (_, s) => token + 7 * s);
  await model.transformer.forward({ n: parallel, tokens, positions: new Int32Array(parallel).fill(pos), slots: seq }, cache, seq, undefined, into);
}
// one logits array for every step, as the engine's scheduler recycles them
const logitsRows = new Float32Array(parallel * cfg.vocabSize);
const d0 = performance.now();
for (let i = 0; !prefillPhase && i < gen; i++) {
  const s0 = performance.now();
  await decodeStep(prompt + 1 + i, 100 + i, values['fresh-logits'] ? undefined : logitsRows);
  stepMs.push(performance.now() - s0);
}
const steps = prefillPhase ? 1 : gen;
timing = false;
const total = prefillPhase ? stepMs[0]! : (performance.now() - d0) / steps;

const probe = model.backend instanceof CpuBackend ? model.backend.measureReadBandwidth() : null;
const readGBs = probe ? Math.max(...probe.decodeLike) : 0;
const preempted = model.backend instanceof CpuBackend ? model.backend.measurePreemption(1000) : null;

/** Time in calls that took over twice the op's median call, beyond that: where a thread was stopped (or the host's memory stalled). */
function stalledMs(each: number[]): number {
  const sorted = [...each].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  return each.reduce((sum, ms) => sum + Math.max(0, ms - 2 * median), 0);
}

let ops = 0;
let opBytes = 0;
let stalls = 0;
const rows: { op: string; calls: number; ms: number; mb: number; gbs: number | null; ofRead: number | null; stalledMs: number }[] = [];
for (const [k, v] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  const ms = v.ms / steps;
  const bytes = v.bytes / steps;
  ops += ms;
  opBytes += bytes;
  const gbs = bytes > 0 ? bytes / 1e6 / ms : null;
  const stalled = stalledMs(v.each) / steps;
  stalls += stalled;
  rows.push({ op: k, calls: v.calls / steps, ms, mb: bytes / 1e6, gbs, ofRead: gbs !== null && readGBs > 0 ? gbs / readGBs : null, stalledMs: stalled });
}
const threads = model.backend instanceof CpuBackend ? model.backend.threads : 0;
const experts = model.backend instanceof CpuBackend ? model.backend.experts : '';
if (values.json) {
  console.log(JSON.stringify({ threads, experts, steps, step_ms: total, ops_ms: ops, outside_ms: total - ops, stalled_ms: stalls, bytes: opBytes, read_gbs: readGBs, preempted, step_times_ms: stepMs, rows }));
} else {
  const f = (x: number | null, d: number): string => (x === null ? '-' : x.toFixed(d));
  console.log(
    prefillPhase
      ? `threads ${threads}, experts ${experts}, one prefill of ${prompt} tokens (ms per prefill); read probe ${readGBs.toFixed(1)} GB/s (best of 8)`
      : `threads ${threads}, experts ${experts}, ${steps} decode steps${parallel > 1 ? ` of ${parallel} sequences together` : ''} after a ${prompt}-token prompt; read probe ${readGBs.toFixed(1)} GB/s (best of 8)`,
  );
  console.log(`${'op'.padEnd(34)} ${'calls'.padStart(5)} ${'ms/step'.padStart(8)} ${'MB/step'.padStart(8)} ${'GB/s'.padStart(6)} ${'of read'.padStart(7)} ${'stalled'.padStart(7)}`);
  for (const r of rows) {
    console.log(`${r.op.padEnd(34)} ${r.calls.toFixed(0).padStart(5)} ${r.ms.toFixed(2).padStart(8)} ${f(r.mb, 1).padStart(8)} ${f(r.gbs, 1).padStart(6)} ${f(r.ofRead, 2).padStart(7)} ${r.stalledMs.toFixed(2).padStart(7)}`);
  }
  console.log(`${'ops'.padEnd(34)} ${''.padStart(5)} ${ops.toFixed(2).padStart(8)} ${(opBytes / 1e6).toFixed(1).padStart(8)} ${(opBytes / 1e6 / ops).toFixed(1).padStart(6)} ${''.padStart(7)} ${stalls.toFixed(2).padStart(7)}`);
  console.log(`${'outside the ops (JS glue)'.padEnd(34)} ${''.padStart(5)} ${(total - ops).toFixed(2).padStart(8)}`);
  const sorted = [...stepMs].sort((a, b) => a - b);
  if (prefillPhase) console.log(`${'prefill'.padEnd(34)} ${''.padStart(5)} ${total.toFixed(2).padStart(8)} ms (${((prompt * 1000) / total).toFixed(2)} tok/s)`);
  else {
    console.log(`steps (ms): first ${stepMs[0]!.toFixed(1)}, fastest ${sorted[0]!.toFixed(1)}, median ${sorted[sorted.length >> 1]!.toFixed(1)}, slowest ${sorted[sorted.length - 1]!.toFixed(1)}`);
    console.log(`${'step'.padEnd(34)} ${''.padStart(5)} ${total.toFixed(2).padStart(8)} ms (${((1000 * parallel) / total).toFixed(2)} tok/s${parallel > 1 ? ' over the sequences' : ''}; the read limit ${((readGBs * 1000 * parallel) / (opBytes / 1e6)).toFixed(2)} tok/s)`);
  }
  console.log('stalled: ms a step in calls slower than twice their op\'s median call, beyond twice that median');
  if (preempted) {
    console.log(
      `host preemption: ${(preempted.fraction * 100).toFixed(2)} % of the threads' time while all ${preempted.perThread.length} spun for 1 s after the steps (longest stop ${preempted.largestGapMs.toFixed(1)} ms)`,
    );
  }
}
model.dispose();

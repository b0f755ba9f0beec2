import { InvalidArgumentError } from '../../core/errors.js';
import { BACKEND_NAMES, nativeKernels, nativePrefetchTuning, type PrefetchTuning } from '../../engine/index.js';
import { loadModel, type LoadedModel } from '../../engine/load-model.js';
import { EXPERTS_CHOICES, type ExpertsChoice } from '../../engine/index.js';
import { choiceOption, intOption, parseCommandArgs } from '../args.js';
import { measureContextDecode, parseContexts, withLimits, type ContextRun } from './bench-context.js';
import type { Command } from '../command.js';
import { createMemoryCgroup, parseMemorySize } from '../memory-cgroup.js';

const USAGE = `Usage: gpt-oss bench --model DIR [options]

Measures load time, prefill and decode speed (medians of --repeat runs on random token ids) and the
process's peak resident memory (mapped checkpoint pages included). Also measures this machine's
memory bandwidth: a STREAM triad and, on the cpu backend, the read bandwidth as a decode step reads
(2 MiB pages, every thread, best of 8 passes, with the spread) beside a STREAM-like read of the same
pages in interleaved passes (and of plain 4 KiB-page memory), and prints the decode limit: read
bandwidth / bytes one decode step reads.
The table goes to stderr; --json prints one line of JSON on stdout.

Options:
  --model DIR                 checkpoint directory
  --backend ${BACKEND_NAMES.join('|')}    compute backend (default: the best available)
  --precision exact|fast      default fast
  --dense-weights q8|in-place cpu backend: q8 (default under fast) converts the dense matrices to
                              8-bit blocks at load; in-place reads the checkpoint's bf16 where it is
                              mapped (the only choice under exact). Sets the bytes the decode limit counts.
  --experts auto|copy|map     cpu backend: copy the MXFP4 experts into memory at load, read them in place, or auto (default: read in place at load, then copied while the model runs when the available memory, cgroup limits included, holds them with room for the KV cache)
  --threads N                 worker threads (cpu backend; default: physical cores; the load uses them all)
  --prompt N                  prompt tokens processed in prefill (default 512)
  --gen N                     tokens generated one at a time (default 128)
  --repeat N                  runs; medians are reported (default 3)
  --parallel N                decode N sequences together (one batched step per token, each sequence its own
                              prompt and cache slot); prints per-sequence and aggregate tokens/s, and (cpu) the
                              experts a step read per layer, its bytes and the aggregate limit (default 1)
  --batch N                   largest forward batch during prefill (default min(prompt, 512))
  --context N[,N...]          also decode at the end of a KV cache of N positions (e.g. 32768,131072), the
                              cache filled with synthetic keys and values; prints the bytes a step reads
                              (weights plus the cache rows its attention visits) and the fraction of the limit
  --context-steps N           decode steps at each --context size (default 8)
  --memory-limit SIZE         run the measurement in a memory cgroup of SIZE (e.g. 8G) that bench makes
                              and removes (cgroup v2 memory.max or v1 memory.limit_in_bytes; needs root):
                              a model larger than the limit loads with its experts read in place
  --json                      print the results as one compact JSON object on stdout`;

export interface BenchResult {
  model: string;
  backend: string;
  /** The cpu addon's kernel level per family (null for ref, which runs plain TypeScript). */
  kernels: Record<string, string> | null;
  /** cpu, prefetch auto: what each kind of one-token call timed for each prefetch mode, and the mode it runs now */
  prefetch_tuning: PrefetchTuning[] | null;
  precision: string;
  /** where the experts were read from: `copy` (anonymous memory) or `map` (the mapped checkpoint) */
  experts: string;
  dense_weights: string;
  threads: number | null;
  prompt: number;
  gen: number;
  repeat: number;
  load_s: number;
  /** where load_s went: seconds per step (`open_s`, `backend_s`, `weights_s`) and the backend's counts (cpu: `copy_s`, `copy_bytes`, `q8_s`, ...) */
  load_phases: Record<string, number>;
  /**
   * experts copied after the load (`--experts auto`): `s` from the load's end until the copy was done,
   * `copy_s` of it copying, `bytes`; the runs start after it. null where the load copied them itself or not at all.
   */
  experts_after_load: { s: number; copy_s: number; bytes: number } | null;
  prefill_tok_s: number;
  decode_tok_s: number;
  peak_rss_bytes: number;
  bandwidth_gb_s: number;
  /** read probe (cpu backend): best, median and slowest pass in GB/s; null elsewhere */
  read_bandwidth_gb_s: number | null;
  read_bandwidth_median_gb_s: number | null;
  read_bandwidth_min_gb_s: number | null;
  /** Share of the threads' time the host took while all of them spun for a second (gaps over 50 us), and the longest gap. */
  preempted_fraction: number | null;
  preempted_max_gap_ms: number | null;
  /** the STREAM-like read test's best pass on the probe's pages (passes interleaved with the probe's), and |read - stream| / read */
  stream_read_gb_s: number | null;
  probes_differ: number | null;
  /** the same STREAM-like loop over plain memory (4 KiB pages): what the page size costs on this host */
  stream_read_plain_pages_gb_s: number | null;
  decode_bytes_per_token: number;
  /** the decode steps' bytes and limit from the experts they read (--parallel N: N sequences a step), on a backend that counts them */
  batched_step: BatchedStep | null;
  decode_limit_tok_s: number;
  /** sequences decoded together; decode_tok_s is per sequence, decode_aggregate_tok_s over all of them */
  parallel: number;
  decode_aggregate_tok_s: number;
  decode_fraction_of_limit: number;
  /**
   * The read probe's best pass (4 passes, 2 MiB pages) taken right after each run, the limit of each run
   * from the best of the probes beside it (after the run before it, and after it), each run's decode over
   * its limit and their median: the limit of the minutes the run ran in, on a host whose bandwidth drifts.
   * With --parallel N, the limit and the fraction are of the N sequences together, over the bytes of that
   * run's steps (the experts they read), as batched_step's. null on backends without the probe.
   */
  read_bandwidth_per_run_gb_s: number[] | null;
  decode_limit_per_run_tok_s: number[] | null;
  decode_fraction_per_run: number[] | null;
  decode_fraction_beside_runs: number | null;
  /** every run's figure, in order (the medians above are of these) */
  prefill_runs_tok_s: number[];
  decode_runs_tok_s: number[];
  /** --context: decode at the end of caches of those sizes (empty without the option) */
  long_context: ContextRun[];
  /** --memory-limit: the cgroup's limit, the most it held and how often the limit was met (absent without it) */
  memory_limit_bytes?: number;
  cgroup_peak_bytes?: number | null;
  cgroup_limit_hits?: number | null;
  cgroup_oom_kills?: number | null;
}

/**
 * The bytes one decode step must read: every dense matrix, the top-k experts of each layer, the
 * unembedding. `denseBytes`: bytes per weight of the attention and unembedding matrices (2 for
 * bf16 read in place, 34 / 32 for the cpu backend's 8-bit blocks); the router and the embedding
 * row are read as bf16 either way.
 */
/** e.g. `open 0.02 s, weights 9.10 s, copy 10.15 GB in 7.20 s (1.41 GB/s)`: the phases that took time or moved bytes, with their rates. */
export function loadPhasesText(p: Readonly<Record<string, number>>): string {
  const size = (b: number): string => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (!k.endsWith('_s') || k === 'readahead_s') continue;
    const name = k.slice(0, -2);
    const bytes = p[`${name}_bytes`] ?? p[`${name}_in_bytes`] ?? 0;
    if (bytes > 0) parts.push(`${name} ${size(bytes)} in ${v.toFixed(2)} s${v > 0 ? ` (${(bytes / 1e9 / v).toFixed(2)} GB/s)` : ''}`);
    else if (v >= 0.005) parts.push(`${name} ${v.toFixed(2)} s`);
  }
  // advice: the kernel reads in the background, so the calls' time is no rate
  if ((p.readahead_bytes ?? 0) > 0) parts.push(`read ahead ${size(p.readahead_bytes!)} (${(p.readahead_s ?? 0).toFixed(2)} s)`);
  const lt = p.load_threads ?? 0;
  if (lt > 0) parts.push(`${lt} load thread${lt === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function decodeBytesPerToken(c: LoadedModel['config'], denseBytes = 2): number {
  const H = c.hiddenSize;
  const attn = (c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headDim * H + H * c.numAttentionHeads * c.headDim;
  const gate = c.numExperts * H;
  // MXFP4: 16 bytes of nibbles + 1 scale byte per 32 values
  const experts = c.expertsPerToken * (2 * c.intermediateSize * H + H * c.intermediateSize) * (17 / 32);
  const perLayer = attn * denseBytes + gate * 2 + experts;
  return c.numHiddenLayers * perLayer + c.vocabSize * H * denseBytes + H * 2;
}

export interface BatchedStep {
  /** experts the step's MoE read per layer (median over the runs), against expertsPerToken for one sequence */
  experts_per_layer: number;
  bytes_per_step: number;
  /** sequences x bandwidth / bytes per step, and the aggregate decode over it */
  limit_aggregate_tok_s: number;
  fraction_of_limit: number;
  /** the aggregate at the limit over one sequence's tokens/s at its limit: sequences x one step's bytes / this step's */
  max_gain: number;
}

/**
 * A step of `parallel` sequences reads the dense weights once and every expert any of them routes to:
 * one sequence's bytes with its expertsPerToken experts a layer replaced by the measured count.
 */
function batchedBytes(c: LoadedModel['config'], bytesPerToken: number, expertsPerLayer: number): number {
  const H = c.hiddenSize;
  const expertBytes = (2 * c.intermediateSize * H + H * c.intermediateSize) * (17 / 32);
  return bytesPerToken + c.numHiddenLayers * (expertsPerLayer - c.expertsPerToken) * expertBytes;
}

export function batchedStep(c: LoadedModel['config'], bytesPerToken: number, expertsPerLayer: number, parallel: number, bandwidthGbs: number, decodeTokS: number): BatchedStep {
  const bytes = batchedBytes(c, bytesPerToken, expertsPerLayer);
  const limit = (parallel * bandwidthGbs * 1e9) / bytes;
  return {
    experts_per_layer: Math.round(expertsPerLayer * 1000) / 1000,
    bytes_per_step: Math.round(bytes),
    limit_aggregate_tok_s: Math.round(limit * 1000) / 1000,
    fraction_of_limit: Math.round(((parallel * decodeTokS) / limit) * 1000) / 1000,
    max_gain: Math.round(((parallel * bytesPerToken) / bytes) * 1000) / 1000,
  };
}

/** Bytes per dense weight a decode step reads under each storage (see decodeBytesPerToken). */
export const DENSE_BYTES = { q8: 34 / 32, 'in-place': 2 } as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A STREAM triad in JavaScript, for backends without a native probe (one thread). */
function jsTriadGbs(bytes: number): number {
  const n = Math.floor(bytes / 12);
  const [a, b, c] = [new Float32Array(n), new Float32Array(n).fill(1), new Float32Array(n).fill(2)];
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) a[i] = b[i]! + 3 * c[i]!;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, (n * 12) / s / 1e9);
  }
  return best;
}

function argmaxRow(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Measure load time, prefill and decode speed, peak memory',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('bench', argv, {
      model: { type: 'string' },
      backend: { type: 'string' },
      precision: { type: 'string' },
      'dense-weights': { type: 'string' },
      threads: { type: 'string' },
      experts: { type: 'string' },
      prompt: { type: 'string' },
      gen: { type: 'string' },
      repeat: { type: 'string' },
      parallel: { type: 'string' },
      batch: { type: 'string' },
      context: { type: 'string' },
      'context-steps': { type: 'string' },
      json: { type: 'boolean' },
      'memory-limit': { type: 'string' },
    });
    if (positionals.length > 0) throw new InvalidArgumentError(`gpt-oss bench: unexpected argument '${positionals[0]}'`);
    if (values.model === undefined) throw new InvalidArgumentError("gpt-oss bench: --model DIR is required (see 'gpt-oss bench --help')");
    const backend = values.backend === undefined ? undefined : choiceOption('bench', 'backend', values.backend, BACKEND_NAMES, 'cpu');
    const precision = choiceOption('bench', 'precision', values.precision, ['exact', 'fast'], 'fast');
    const denseWeights =
      values['dense-weights'] === undefined ? undefined : choiceOption('bench', 'dense-weights', values['dense-weights'], ['q8', 'in-place'], 'q8');
    if (denseWeights === 'q8' && precision === 'exact') {
      throw new InvalidArgumentError('gpt-oss bench: --dense-weights q8 needs --precision fast (exact reads the dense weights in place)');
    }
    const threads = values.threads === undefined ? undefined : intOption('bench', 'threads', values.threads, 0, 1);
    const experts = choiceOption<ExpertsChoice>('bench', 'experts', values.experts, EXPERTS_CHOICES, 'auto');
    const prompt = intOption('bench', 'prompt', values.prompt, 512, 1);
    const gen = intOption('bench', 'gen', values.gen, 128, 1);
    const repeat = intOption('bench', 'repeat', values.repeat, 3, 1);
    const parallel = intOption('bench', 'parallel', values.parallel, 1, 1);
    const batch = intOption('bench', 'batch', values.batch, Math.min(prompt, 512), 1);
    const contextSteps = intOption('bench', 'context-steps', values['context-steps'], 8, 1);
    const log = (s: string): void => void process.stderr.write(`${s}\n`);
    if (values['memory-limit'] !== undefined && process.env[IN_CGROUP] === undefined) {
      return runUnderMemoryLimit(argv, parseMemorySize(values['memory-limit'], 'gpt-oss bench: --memory-limit'), values.json === true);
    }

    const t0 = performance.now();
    const model = await loadModel(values.model, {
      ...(backend ? { backend } : {}),
      precision,
      ...(threads !== undefined ? { threads } : {}),
      ...(denseWeights !== undefined ? { denseWeights } : {}),
      experts,
      maxBatch: batch,
      onWarning: (m) => void process.stderr.write(`gpt-oss: ${m}\n`),
    });
    const loadS = (performance.now() - t0) / 1000;
    try {
      // the runs measure the model as it will be: after a copy of the experts that the load left running
      await model.backend.expertsReady?.();
      const copyError = (model.backend as { copyError?: string | null }).copyError;
      if (copyError) log(`gpt-oss bench: the copy of the experts after the load stopped (${copyError}); the runs read the rest in place`);
      const stats = model.backend.loadStats?.() ?? {};
      const afterLoad =
        (stats.copied_after_load_s ?? 0) > 0
          ? { s: round(stats.copied_after_load_s!, 3), copy_s: round((stats.copy_s ?? 0) - (model.loadPhases.copy_s ?? 0), 3), bytes: (stats.copy_bytes ?? 0) - (model.loadPhases.copy_bytes ?? 0) }
          : null;
      const config = model.config;
      if (prompt + gen > config.maxContextLength) {
        throw new InvalidArgumentError(`gpt-oss bench: --prompt + --gen (${prompt + gen}) exceeds the model's context of ${config.maxContextLength}`);
      }
      const contexts = parseContexts(values.context, config.maxContextLength, contextSteps);
      log(`bench: ${values.model} on ${model.backend.name} (${model.backend.precision}), loaded in ${loadS.toFixed(2)} s`);
      // GPU backends: which adapter, its limits and features, before any figure.
      const adapter = (model.backend as { adapter?: { vendor: string; architecture: string; device: string; description: string; features: readonly string[]; limits: Readonly<Record<string, number>> } }).adapter;
      if (adapter) {
        log(`  adapter: ${[adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' / ') || '(no description)'}`);
        log(`  limits: ${Object.entries(adapter.limits).map(([k, v]) => `${k}=${v}`).join(', ')}`);
        log(`  features: ${adapter.features.join(', ') || '(none)'}`);
      }

      // Random prompt ids (seeded), then greedy decoding: the work per token does not depend on the text.
      let seed = 12345;
      const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % config.vocabSize);
      // --parallel N: N sequences, each its own prompt and cache slot, decoded together in one batched step per token
      const prompts = Array.from({ length: parallel }, () => Int32Array.from({ length: prompt }, next));
      const cache = model.transformer.createKvCache({ slots: parallel, capacity: prompt + gen });
      const prefills: number[] = [];
      const decodes: number[] = [];
      const V = config.vocabSize;
      const seqRows = Int32Array.from({ length: parallel }, (_, s) => s);
      // experts the decode steps read per layer (the cpu backend counts them): with several sequences a
      // step reads every expert any of them routes to, which sets its bytes and so its bandwidth limit
      const moeCounts = (model.backend as { moeCounts?: () => { calls: number; experts: number } | null }).moeCounts;
      const expertsPerLayer: number[] = [];
      // under --memory-limit the probes' buffers take at most an eighth of the limit each (still far beyond any cache)
      const limited = Number(process.env[IN_CGROUP] ?? Infinity);
      const triadBytes = Math.min(1 << 30, Math.floor(limited / 8));
      const readBytes = Math.min(512 << 20, Math.floor(limited / 8));
      const readProbe = (model.backend as { measureReadBandwidth?: (bytes?: number, passes?: number, plainPages?: boolean) => ReadProbe | null }).measureReadBandwidth;
      // The host's bandwidth drifts from minute to minute, so each run also gets a read probe of its own
      // right after it (4 passes): its limit is the best pass beside it, before (the last run's) and after.
      const runReads: number[] = [];
      // the peak RSS of the runs, read before the first of those probes adds its buffer
      let peakBeforeProbes = 0;
      for (let r = 0; r < repeat; r++) {
        const p0 = performance.now();
        const tokens = new Int32Array(parallel);
        for (let s = 0; s < parallel; s++) {
          const logits = await model.transformer.forward(
            { n: prompt, tokens: prompts[s]!, positions: Int32Array.from({ length: prompt }, (_, i) => i), slots: new Int32Array(prompt).fill(s) },
            cache,
            Int32Array.of(prompt - 1),
          );
          tokens[s] = argmaxRow(logits);
        }
        const p1 = performance.now();
        const counts0 = moeCounts?.call(model.backend);
        // each step's logits go into the last step's array, read by then, as the engine's scheduler recycles them
        let logits: Float32Array | undefined;
        for (let i = 0; i < gen; i++) {
          const out = await model.transformer.forward({ n: parallel, tokens, positions: new Int32Array(parallel).fill(prompt + i), slots: seqRows }, cache, seqRows, undefined, logits);
          for (let s = 0; s < parallel; s++) tokens[s] = argmaxRow(out.subarray(s * V, (s + 1) * V));
          logits = out;
        }
        const p2 = performance.now();
        const counts1 = moeCounts?.call(model.backend);
        if (counts0 && counts1 && counts1.calls > counts0.calls) expertsPerLayer.push((counts1.experts - counts0.experts) / (counts1.calls - counts0.calls));
        prefills.push((parallel * prompt) / ((p1 - p0) / 1000));
        decodes.push(gen / ((p2 - p1) / 1000));
        const aggregate = parallel > 1 ? ` per sequence, ${(parallel * decodes[r]!).toFixed(2)} tok/s over ${parallel} sequences` : '';
        if (r === 0) peakBeforeProbes = process.resourceUsage().maxRSS * 1024;
        // not under --memory-limit, where the probe's buffer would push the experts' pages out of the page cache between runs
        const passes = Number.isFinite(limited) ? [] : (readProbe?.call(model.backend, readBytes, 4, false)?.decodeLike ?? []);
        if (passes.length > 0) runReads.push(Math.max(...passes));
        const beside = runReads.length === r + 1 ? ` (read probe after it: ${runReads[r]!.toFixed(1)} GB/s)` : '';
        log(`  run ${r + 1}/${repeat}: prefill ${prefills[r]!.toFixed(2)} tok/s, decode ${decodes[r]!.toFixed(2)} tok/s${aggregate}${beside}`);
      }
      // Peak RSS is read before the bandwidth probes, whose arrays would otherwise count (the runs after
      // the first hold no more memory than it did; what they hold now is the guard).
      const peakRss = runReads.length > 0 ? Math.max(peakBeforeProbes, process.memoryUsage().rss) : process.resourceUsage().maxRSS * 1024;
      // backends without the choice (ref) read the checkpoint's dense weights as they are
      const dense = (model.backend as { denseWeights?: keyof typeof DENSE_BYTES }).denseWeights ?? 'in-place';
      const bytesPerToken = decodeBytesPerToken(config, DENSE_BYTES[dense]);
      // long contexts after the peak RSS above (their caches are not the short runs' memory), before the probe
      const longRuns = contexts.length > 0 ? await measureContextDecode(model, contexts, contextSteps, bytesPerToken, log) : [];
      const probe = (model.backend as { measureBandwidth?: (bytes?: number, reps?: number) => number | Promise<number> }).measureBandwidth;
      const triad = probe ? await probe.call(model.backend, triadBytes, 5) : jsTriadGbs(triadBytes);
      const reads = readProbe?.call(model.backend, readBytes, 8) ?? null;
      const read = reads ? summarize(reads.decodeLike) : null;
      const stream = reads ? summarize(reads.streamLike) : null;
      const plainPages = reads ? summarize(reads.streamPlainPages) : null;
      // what the host took from our threads in the same minutes (a parallel-for waits for a preempted thread)
      const preempted = (model.backend as { measurePreemption?: (ms?: number) => PreemptionProbe | null }).measurePreemption?.call(model.backend, 1000) ?? null;
      // the decode limit counts the read bandwidth where it was measured (a decode step only reads)
      const bandwidth = read ? read.best : triad;
      // backends without the choice read the experts where the checkpoint left them
      const placement = (model.backend as { experts?: 'map' | 'copy' }).experts ?? 'map';
      const limit = (bandwidth * 1e9) / bytesPerToken;
      // each run's step bytes: with several sequences, the experts that run's steps read (one sequence's bytes otherwise)
      const runBytes = decodes.map((_, r) => (parallel > 1 && expertsPerLayer.length === decodes.length ? batchedBytes(config, bytesPerToken, expertsPerLayer[r]!) : bytesPerToken));
      const perRun = runReads.length === decodes.length ? runLimits(runReads, decodes, runBytes, parallel) : null;
      const batched = expertsPerLayer.length > 0 ? batchedStep(config, bytesPerToken, median(expertsPerLayer), parallel, bandwidth, median(decodes)) : null;
      const native = model.backend.name === 'cpu' ? nativeKernels() : undefined;
      const kernels = native && 'kernels' in native ? { ...native.kernels } : null;
      const tuning = model.backend.name === 'cpu' ? nativePrefetchTuning() : null;
      const result: BenchResult = {
        model: values.model,
        backend: model.backend.name,
        kernels,
        prefetch_tuning: tuning?.tuning ?? null,
        precision: model.backend.precision,
        dense_weights: dense,
        experts: placement,
        threads: (model.backend as { threads?: number }).threads ?? null,
        prompt,
        gen,
        repeat,
        load_s: round(loadS, 3),
        load_phases: Object.fromEntries(Object.entries(model.loadPhases).map(([k, v]) => [k, k.endsWith('_s') ? round(v, 3) : v])),
        experts_after_load: afterLoad,
        prefill_tok_s: round(median(prefills), 3),
        decode_tok_s: round(median(decodes), 3),
        parallel,
        decode_aggregate_tok_s: round(parallel * median(decodes), 3),
        batched_step: batched,
        peak_rss_bytes: peakRss,
        bandwidth_gb_s: round(triad, 2),
        read_bandwidth_gb_s: read ? round(read.best, 2) : null,
        read_bandwidth_median_gb_s: read ? round(read.median, 2) : null,
        read_bandwidth_min_gb_s: read ? round(read.min, 2) : null,
        stream_read_gb_s: stream ? round(stream.best, 2) : null,
        probes_differ: read && stream ? round(Math.abs(read.best - stream.best) / read.best, 3) : null,
        stream_read_plain_pages_gb_s: plainPages ? round(plainPages.best, 2) : null,
        preempted_fraction: preempted ? round(preempted.fraction, 4) : null,
        preempted_max_gap_ms: preempted ? round(preempted.largestGapMs, 2) : null,
        decode_bytes_per_token: Math.round(bytesPerToken),
        decode_limit_tok_s: round(limit, 3),
        decode_fraction_of_limit: round(median(decodes) / limit, 3),
        read_bandwidth_per_run_gb_s: perRun ? runReads.map((x) => round(x, 2)) : null,
        decode_limit_per_run_tok_s: perRun ? perRun.limits.map((x) => round(x, 3)) : null,
        decode_fraction_per_run: perRun ? perRun.fractions.map((x) => round(x, 3)) : null,
        decode_fraction_beside_runs: perRun ? round(median(perRun.fractions), 3) : null,
        prefill_runs_tok_s: prefills.map((x) => round(x, 3)),
        decode_runs_tok_s: decodes.map((x) => round(x, 3)),
        long_context: withLimits(longRuns, bandwidth),
      };
      const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
      const rows: [string, string][] = [
        ['backend', `${result.backend} (${result.precision}, ${result.threads ?? '-'} threads, dense weights ${dense}, experts ${placement}${experts === 'auto' ? ' (auto)' : ''})`],
        ['kernels', native && 'summary' in native ? native.summary : 'plain TypeScript'],
        ...(tuning?.summary ? ([['prefetch (auto)', tuning.summary]] as [string, string][]) : []),
        ['load', `${result.load_s.toFixed(2)} s (${loadPhasesText(result.load_phases)})`],
        ...(afterLoad
          ? ([
              [
                'experts copy',
                `after the load: ${(afterLoad.bytes / 1e9).toFixed(2)} GB in ${afterLoad.copy_s.toFixed(2)} s (${(afterLoad.bytes / 1e9 / Math.max(afterLoad.copy_s, 1e-9)).toFixed(2)} GB/s), done ${afterLoad.s.toFixed(2)} s after the load; the runs began then`,
              ],
            ] as [string, string][])
          : []),
        [`prefill pp${prompt}`, `${result.prefill_tok_s.toFixed(2)} tok/s`],
        [`decode tg${gen}`, `${result.decode_tok_s.toFixed(2)} tok/s${parallel > 1 ? ` per sequence, ${result.decode_aggregate_tok_s.toFixed(2)} tok/s over ${parallel} sequences` : ''}`],
        ['peak RSS', gib(result.peak_rss_bytes)],
        ['memory bandwidth', `${result.bandwidth_gb_s.toFixed(1)} GB/s (triad)`],
        ...(read && stream && plainPages
          ? ([
              ['read bandwidth', `${read.best.toFixed(1)} GB/s (2 MiB pages, all threads, best of ${read.count}; median ${read.median.toFixed(1)}, min ${read.min.toFixed(1)})`],
              ['STREAM-like read', `${stream.best.toFixed(1)} GB/s (plain C loop on the same pages, passes interleaved with the probe's, best of ${stream.count}): ${((result.probes_differ ?? 0) * 100).toFixed(1)} % from the read probe${(result.probes_differ ?? 0) > 0.1 ? ' (over 10 %: the probe is not steady on this host now)' : ''}`],
              ['on 4 KiB pages', `${plainPages.best.toFixed(1)} GB/s (the same loop over plain memory, best of ${plainPages.count}; the copied weights lie on 2 MiB pages)`],
            ] as [string, string][])
          : []),
        ...(preempted
          ? ([
              [
                'host preemption',
                `${(preempted.fraction * 100).toFixed(2)} % of the threads' time taken while all ${preempted.perThread.length} spun for ${preempted.seconds} s ` +
                  `(per thread ${preempted.perThread.map((f) => `${(f * 100).toFixed(2)} %`).join(', ')}; longest stop ${preempted.largestGapMs.toFixed(1)} ms): a parallel-for waits for a stopped thread`,
              ],
            ] as [string, string][])
          : []),
        ['bytes per decode step', `${(bytesPerToken / 1e9).toFixed(2)} GB`],
        ...(batched && parallel > 1
          ? ([
              [
                `batched step (${parallel})`,
                `${(batched.bytes_per_step / 1e9).toFixed(2)} GB/step (${batched.experts_per_layer.toFixed(2)} experts read per layer, ${config.expertsPerToken} for one sequence); ` +
                  `aggregate limit ${batched.limit_aggregate_tok_s.toFixed(2)} tok/s (achieved ${(batched.fraction_of_limit * 100).toFixed(0)} %); ` +
                  `at the limit ${parallel} sequences give at most ${batched.max_gain.toFixed(2)}x the tokens/s of one`,
              ],
            ] as [string, string][])
          : []),
        ['decode limit', `${result.decode_limit_tok_s.toFixed(2)} tok/s = ${read ? 'read' : 'triad'} bandwidth / bytes per step (achieved ${(result.decode_fraction_of_limit * 100).toFixed(0)} %)`],
        ...(perRun
          ? ([
              [
                'beside each run',
                `limit ${perRun.limits.map((x) => x.toFixed(2)).join(' / ')} tok/s${parallel > 1 ? ` over the ${parallel} sequences` : ''} from the best read pass just before or after the run; ` +
                  `achieved ${perRun.fractions.map((x) => `${(x * 100).toFixed(0)} %`).join(' / ')} (median ${((result.decode_fraction_beside_runs ?? 0) * 100).toFixed(0)} %)`,
              ],
            ] as [string, string][])
          : []),
      ];
      for (const r of result.long_context) {
        rows.push([
          `decode at ${r.positions}`,
          `${r.decode_tok_s.toFixed(2)} tok/s (${r.ms_per_step.toFixed(0)} ms/step, median of ${r.steps}${r.filled ? '' : ', cache NOT filled'}); ` +
            `${(r.bytes_per_step / 1e9).toFixed(2)} GB/step = ${(r.weight_bytes_per_step / 1e9).toFixed(2)} weights + ${(r.kv_bytes_per_step / 1e9).toFixed(3)} KV; ` +
            `limit ${r.limit_tok_s!.toFixed(2)} tok/s (achieved ${(r.fraction_of_limit! * 100).toFixed(0)} %)`,
        ]);
      }
      log(`\n${rows.map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join('\n')}\n  (medians of ${repeat} runs)`);
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};

/** Set in the child bench runs in under --memory-limit (the limit in bytes), so it does not make another cgroup. */
const IN_CGROUP = 'GPT_OSS_BENCH_MEMORY_LIMIT';

/**
 * --memory-limit: the same bench, in a child process placed in a memory cgroup of `limit` bytes made
 * here and removed when it exits; the cgroup's own figures are added to the child's JSON.
 */
async function runUnderMemoryLimit(argv: readonly string[], limit: number, json: boolean): Promise<number> {
  const childArgv = argv.filter((a, i) => a !== '--memory-limit' && argv[i - 1] !== '--memory-limit' && !a.startsWith('--memory-limit='));
  const cgroup = createMemoryCgroup(limit, { why: 'gpt-oss bench: --memory-limit' });
  const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
  process.stderr.write(`bench: in the memory cgroup ${cgroup.dir} (cgroup ${cgroup.kind}, limit ${gib(limit)})\n`);
  let stdout = '';
  try {
    const child = cgroup.spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'bench', ...childArgv], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, [IN_CGROUP]: String(limit) },
    });
    child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
    // Ctrl-C reaches the child too (same process group); wait for it, then remove the cgroup
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (c, sig) => done({ code: c, signal: sig })));
    process.off('SIGINT', ignore);
    const peak = cgroup.peakBytes() ?? null;
    const hits = cgroup.limitHits() ?? null;
    const kills = cgroup.oomKills() ?? null;
    process.stderr.write(`bench: the cgroup held at most ${peak === null ? 'n/a' : gib(peak)} of its ${gib(limit)}; the limit was met ${hits ?? 'n/a'} times, ${kills ?? 'n/a'} processes killed for memory\n`);
    if (code !== 0) {
      throw new InvalidArgumentError(
        `gpt-oss bench: the measured process ${signal ? `was killed (${signal})` : `exited with ${code}`} in the memory cgroup of ${gib(limit)}${signal === 'SIGKILL' ? ' (the kernel kills a cgroup that cannot reclaim enough)' : ''}`,
      );
    }
    const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (json && line) {
      const result: BenchResult = { ...(JSON.parse(line) as BenchResult), memory_limit_bytes: limit, cgroup_peak_bytes: peak, cgroup_limit_hits: hits, cgroup_oom_kills: kills };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else if (stdout) process.stdout.write(stdout);
    return 0;
  } finally {
    cgroup.remove();
  }
}

/** The cpu backend's measurePreemption: share of the threads' time lost to the host, per thread, longest stop. */
interface PreemptionProbe {
  fraction: number;
  perThread: number[];
  largestGapMs: number;
  seconds: number;
}

interface ReadProbe {
  decodeLike: number[];
  streamLike: number[];
  streamPlainPages: number[];
}

/**
 * Each run's limit (tok/s over its `parallel` sequences) from the best read pass beside it, the probe after
 * the run before it or after itself (GB/s, one per run, in order) over that run's bytes a step, and each
 * run's decode (per sequence) over it.
 */
function runLimits(readsAfter: readonly number[], decodes: readonly number[], bytesPerStep: readonly number[], parallel = 1): { limits: number[]; fractions: number[] } {
  const limits = decodes.map((_, r) => (parallel * Math.max(readsAfter[r]!, r > 0 ? readsAfter[r - 1]! : 0) * 1e9) / bytesPerStep[r]!);
  return { limits, fractions: decodes.map((d, r) => (parallel * d) / limits[r]!) };
}

function summarize(passes: number[]): { best: number; median: number; min: number; count: number } {
  return { best: Math.max(...passes), median: median(passes), min: Math.min(...passes), count: passes.length };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

#!/usr/bin/env node
// Our runtime and llama.cpp on the same machine, the same weights and the same shapes, one after the
// other in one run, each in its own process: `gpt-oss bench --json` on a checkpoint and
// bench/llama-cpp.mjs on the GGUF converted from it; then both side by side with the ratios
// ours / llama.cpp (above 1 means we are faster, or for RSS and load, that we use more).
//
// Usage: node bench/compare.mjs --model DIR --gguf FILE.gguf [--llama-dir DIR] [--threads 2]
//          [--prompt 512] [--gen 128] [--repeat 3] [--precision fast] [--backend cpu]
//          [--order ours,llama] [--cli dist/cli/main.js|src/cli/main.ts] [--json]
//   --gguf defaults to DIR/model.gguf (what `make-model --preset ... --format gguf --out DIR` writes,
//   with the checkpoint in DIR/original); make one from any checkpoint with
//   gpt-oss make-model --from DIR --format gguf --out GGUF_DIR [--dense q8_0|bf16]
//   --llama-dir (or env LLAMA_BENCH_DIR): where node-llama-cpp is installed (see bench/llama-cpp.mjs).
//
// Against a natively built llama-bench (bench/build-llama-bench.sh) instead of node-llama-cpp:
//   node bench/compare.mjs --model DIR [--gguf FILE.gguf] --llama-bench PATH [--threads 1,2]
//          [--prompt 512] [--gen 128] [--repeat 3] [--rounds 2] [--order ours,llama] [--json]
//   --context 32768,131072: ours also decodes at the end of KV caches of those sizes (gpt-oss bench
//   --context) in its run at the first thread count, and the table shows the fraction of the limit there.
//   Each round runs both engines, every thread count, each after reading its own weight files
//   through; the first engine alternates from round to round. Medians are over every run of every
//   round (llama-bench's own warm-up run is not counted). llama-bench measures tg from an empty
//   cache and pp alone, as llama.cpp reports them; ours decodes after the prompt.
//   --memory-limit SIZE (e.g. 8G): each engine runs in a memory cgroup of that size (gpt-oss bench
//   makes its own with its --memory-limit; llama.cpp's runner is placed in one made the same way);
//   needs root and `npm run build` (the cgroup code is dist/cli/memory-cgroup.js).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const USAGE =
  'Usage: node bench/compare.mjs --model DIR [--gguf FILE.gguf] [--llama-dir DIR | --llama-bench PATH [--rounds 2]] [--threads 2 (1,2 with --llama-bench)] [--prompt 512] [--gen 128] [--repeat 3] [--precision fast] [--backend cpu] [--order ours,llama] [--cli dist/cli/main.js] [--no-warm] [--memory-limit 8G] [--json]';

function fail(message) {
  process.stderr.write(`compare: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      model: { type: 'string' },
      gguf: { type: 'string' },
      'llama-dir': { type: 'string' },
      'llama-bench': { type: 'string' },
      rounds: { type: 'string', default: '2' },
      context: { type: 'string' },
      threads: { type: 'string' },
      prompt: { type: 'string', default: '512' },
      gen: { type: 'string', default: '128' },
      repeat: { type: 'string', default: '3' },
      precision: { type: 'string', default: 'fast' },
      backend: { type: 'string' },
      order: { type: 'string', default: 'ours,llama' },
      cli: { type: 'string', default: join(root, 'dist/cli/main.js') },
      'flash-attention': { type: 'boolean' },
      'no-warm': { type: 'boolean' },
      'memory-limit': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
} catch (e) {
  fail(e.message);
}
const o = parsed.values;
if (o.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!o.model) fail('--model DIR (our checkpoint) is required');
const model = resolve(o.model);
const gguf = resolve(o.gguf ?? join(model, 'model.gguf'));
if (!existsSync(gguf)) fail(`${gguf} not found: give --gguf FILE, or convert with: gpt-oss make-model --from ${o.model} --format gguf --out DIR`);
if (o['llama-bench'] !== undefined) {
  compareNative();
  process.exit(0);
}
o.threads ??= '2';
const llamaDir = o['llama-dir'] ?? process.env.LLAMA_BENCH_DIR;
if (!llamaDir) fail('give --llama-dir DIR or set LLAMA_BENCH_DIR to the folder where node-llama-cpp is installed');
if (!existsSync(o.cli)) fail(`${o.cli} not found: build first (npm run build), or pass --cli`);
const order = o.order.split(',');
if (order.length !== 2 || !order.includes('ours') || !order.includes('llama')) fail(`--order must be ours,llama or llama,ours, got '${o.order}'`);

const shape = ['--threads', o.threads, '--prompt', o.prompt, '--gen', o.gen, '--repeat', o.repeat];
const runs = {
  ours: {
    label: `gpt-oss (${o.backend ?? 'default backend'}, ${o.precision})`,
    // A .ts entry (src/cli/main.ts) runs through tsx, for a tree that is not built.
    args: [
      ...(o.cli.endsWith('.ts') ? ['--import', 'tsx'] : []),
      o.cli,
      'bench',
      '--model',
      model,
      '--precision',
      o.precision,
      ...(o.backend ? ['--backend', o.backend] : []),
      ...shape,
      ...(o['memory-limit'] ? ['--memory-limit', o['memory-limit']] : []),
      '--json',
    ],
  },
  llama: {
    label: 'llama.cpp',
    args: [join(root, 'bench/llama-cpp.mjs'), '--model', gguf, '--llama-dir', llamaDir, ...shape, ...(o['flash-attention'] ? ['--flash-attention'] : []), '--json'],
  },
};

/**
 * Reads an engine's weight files through twice before its run. The two engines' files (13.8 + 12.1 GB
 * for the 20b) do not both fit in this machine's page cache, so without this the second engine would
 * start with its file half evicted by the first and "warm page cache" load figures would not hold.
 * Twice, because Linux keeps a page read once on its inactive list, which it empties first: the other
 * engine's pages, used over and over during its run, sat on the active list, so the memory a load
 * took came out of this engine's own unread pages, and 6-7 GB of them were read back from disk.
 */
function warm(which) {
  warmFiles(which === 'ours' ? checkpointFiles(model) : [gguf]);
}

/** The checkpoint's .safetensors files, in DIR or in DIR/original (the layout make-model writes). */
function checkpointFiles(dir) {
  for (const d of [dir, join(dir, 'original')]) {
    const files = existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.safetensors')).map((f) => join(d, f)) : [];
    if (files.length > 0) return files;
  }
  return [];
}

function warmFiles(files) {
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(1 << 23);
  let bytes = 0;
  for (const file of files) {
    for (let pass = 0; pass < 2; pass++) {
      const fd = openSync(file, 'r');
      try {
        for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += pass === 0 ? n : 0;
      } finally {
        closeSync(fd);
      }
    }
  }
  process.stderr.write(`warmed the page cache: read ${(bytes / 1e9).toFixed(2)} GB of ${files.length} file(s) twice in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

/**
 * --memory-limit for llama.cpp's runner (gpt-oss bench makes its own cgroup): the command line that
 * runs it in a memory cgroup made by the same code, and what that cgroup held once it exited.
 */
async function underMemoryLimit(args) {
  if (!o['memory-limit']) return { command: process.execPath, args, done: () => ({}) };
  const module = join(root, 'dist/cli/memory-cgroup.js');
  if (!existsSync(module)) fail(`--memory-limit needs ${module}: build first (npm run build)`);
  const { createMemoryCgroup, parseMemorySize } = await import(pathToFileURL(module).href);
  let cgroup;
  try {
    cgroup = createMemoryCgroup(parseMemorySize(o['memory-limit'], 'compare: --memory-limit'), { why: 'compare: --memory-limit' });
  } catch (e) {
    fail(e.message);
  }
  process.stderr.write(`compare: llama.cpp in the memory cgroup ${cgroup.dir} (cgroup ${cgroup.kind}, limit ${o['memory-limit']})\n`);
  const [command, wrapped] = cgroup.wrap(process.execPath, args);
  return {
    command,
    args: wrapped,
    done: () => {
      const figures = { memory_limit_bytes: cgroup.limitBytes, cgroup_peak_bytes: cgroup.peakBytes() ?? null, cgroup_limit_hits: cgroup.limitHits() ?? null, cgroup_oom_kills: cgroup.oomKills() ?? null };
      cgroup.remove();
      return figures;
    },
  };
}

/** Runs one benchmark in its own process; its progress and table pass through on stderr. */
async function run(which) {
  const { label, args } = runs[which];
  if (!o['no-warm']) warm(which);
  process.stderr.write(`\n== ${label}: node ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
  const limited = which === 'llama' ? await underMemoryLimit(args) : { command: process.execPath, args, done: () => ({}) };
  const r = spawnSync(limited.command, limited.args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const cgroup = limited.done();
  // under --memory-limit, an engine the kernel killed for memory is a result, not a failure of the comparison
  if (r.status !== 0 && cgroup.cgroup_oom_kills > 0) {
    process.stderr.write(`compare: ${label} was killed for memory in its cgroup of ${o['memory-limit']} (${cgroup.cgroup_oom_kills} kill)\n`);
    return { killed_for_memory: true, ...cgroup };
  }
  if (r.status !== 0) fail(`${label} exited with ${r.status ?? r.signal}${cgroup.cgroup_oom_kills ? ` (killed for memory in its cgroup: ${cgroup.cgroup_oom_kills})` : ''}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) fail(`${label} printed no JSON line on stdout`);
  return { ...JSON.parse(line), ...cgroup };
}

const started = new Date().toISOString();
const results = {};
for (const which of order) results[which] = await run(which);
const { ours, llama } = results;

const ratio = (a, b) => (b > 0 ? a / b : NaN);
const ratios = {
  decode: ratio(ours.decode_tok_s, llama.decode_tok_s),
  prefill: ratio(ours.prefill_tok_s, llama.prefill_tok_s),
  peak_rss: ratio(ours.peak_rss_bytes, llama.peak_rss_bytes),
  load: ratio(ours.load_s, llama.load_s),
};
const killed = (r) => (r.killed_for_memory ? 'killed for memory' : undefined);
const gib = (b) => (Number.isFinite(b) ? `${(b / 2 ** 30).toFixed(2)} GiB` : 'n/a');
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const machine = `${cpus().length} logical CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${gib(totalmem())}`;
const lines = [
  '',
  `Same weights, ${o.threads} threads, pp${o.prompt} / tg${o.gen}, medians of ${o.repeat}; ${machine}; ${started}`,
  `  ours:      ${model} (${ours.backend}, ${ours.precision})`,
  `  llama.cpp: ${gguf} (${llama.llama_cpp_release ?? "release n/a"}, node-llama-cpp ${llama.node_llama_cpp ?? "n/a"})`,
  '',
  '| | gpt-oss | llama.cpp | ours / llama.cpp |',
  '|---|---|---|---|',
  `| decode tg${o.gen} (tok/s) | ${killed(ours) ?? f(ours.decode_tok_s)} | ${killed(llama) ?? f(llama.decode_tok_s)} | ${f(ratios.decode)}x |`,
  `| prefill pp${o.prompt} (tok/s) | ${f(ours.prefill_tok_s)} | ${f(llama.prefill_tok_s)} | ${f(ratios.prefill)}x |`,
  `| peak RSS | ${gib(ours.peak_rss_bytes)} | ${gib(llama.peak_rss_bytes)} | ${f(ratios.peak_rss)}x |`,
  `| load | ${f(ours.load_s)} s | ${f(llama.load_s)} s | ${f(ratios.load)}x |`,
  ...(o['memory-limit']
    ? [
        `| memory cgroup (${o['memory-limit']}): most held | ${gib(ours.cgroup_peak_bytes ?? NaN)} | ${gib(llama.cgroup_peak_bytes ?? NaN)} | |`,
        `| memory cgroup: limit met (times) | ${ours.cgroup_limit_hits ?? 'n/a'} | ${llama.cgroup_limit_hits ?? 'n/a'} | |`,
        `| experts | ${ours.experts} | (mapped) | |`,
      ]
    : []),
];
if (ours.decode_limit_tok_s) lines.push('', `decode limit (our bench's bandwidth probe, ${f(ours.bandwidth_gb_s, 1)} GB/s): ${f(ours.decode_limit_tok_s)} tok/s`);
process.stderr.write(`${lines.join('\n')}\n`);
if (o.json) process.stdout.write(`${JSON.stringify({ started, machine, threads: Number(o.threads), prompt: Number(o.prompt), gen: Number(o.gen), repeat: Number(o.repeat), ours, llama, ratios })}\n`);

// ---- against a natively built llama-bench (--llama-bench PATH) ----

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function positiveInt(name, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be an integer >= 1, got '${value}'`);
  return n;
}

/**
 * Runs `cmd args` under GNU time when it is there, for the child's peak RSS (Node reports only its
 * own); stdout is captured, stderr passes through. Returns { stdout, peakRss (bytes or null), wallS }.
 */
function spawnMeasured(label, cmd, args) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const rssFile = join(tmpdir(), `gpt-oss-compare-${process.pid}.rss`);
  const [file, argv] = timeBin ? [timeBin, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  process.stderr.write(`\n== ${label}: ${[cmd, ...args].map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
  const t0 = performance.now();
  const r = spawnSync(file, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.error) fail(`${label}: ${r.error.message}`);
  if (r.status !== 0) fail(`${label} exited with ${r.status ?? r.signal}`);
  let peakRss = null;
  if (timeBin && existsSync(rssFile)) {
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile, { force: true });
    if (Number.isFinite(kb) && kb > 0) peakRss = kb * 1024;
  }
  return { stdout: r.stdout, peakRss, wallS };
}

/** One `gpt-oss bench` per thread count (the thread pool is fixed at load); per-run figures kept. */
function runOursNative(shape) {
  const out = {};
  for (const [i, t] of shape.threads.entries()) {
    const context = i === 0 && o.context ? ['--context', o.context, '--context-steps', '4'] : [];
    const args = [
      ...(o.cli.endsWith('.ts') ? ['--import', 'tsx'] : []),
      o.cli, 'bench', '--model', model, '--precision', o.precision, ...(o.backend ? ['--backend', o.backend] : []),
      '--threads', String(t), '--prompt', String(shape.prompt), '--gen', String(shape.gen), '--repeat', String(shape.repeat), ...context, '--json',
    ];
    const r = spawnMeasured(`gpt-oss, ${t} thread(s)`, process.execPath, args);
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) fail('gpt-oss bench printed no JSON line on stdout');
    const j = JSON.parse(line);
    out[t] = {
      decode: j.decode_runs_tok_s ?? [j.decode_tok_s],
      prefill: j.prefill_runs_tok_s ?? [j.prefill_tok_s],
      peakRss: j.peak_rss_bytes,
      loadS: j.load_s,
      // --experts auto copies them after the load; bench's runs start once that is done
      afterLoadS: j.experts_after_load?.s,
      readGbs: j.read_bandwidth_gb_s,
      streamGbs: j.stream_read_gb_s,
      // the host's share of our threads' time right after the runs (null from a bench without the probe)
      preempted: j.preempted_fraction ?? null,
      // each run over the limit of its own minutes (a read probe after every run; null from an older bench)
      fractionsBesideRuns: j.decode_fraction_per_run ?? null,
      bytesPerToken: j.decode_bytes_per_token,
      limit: j.decode_limit_tok_s,
      experts: j.experts,
      kernels: j.kernels,
      longContext: j.long_context ?? [],
    };
  }
  return out;
}

/** One llama-bench for every thread count (it loads the model once): pp and tg tests, JSON out. */
function runLlamaBench(shape) {
  const args = ['-m', gguf, '-p', String(shape.prompt), '-n', String(shape.gen), '-t', shape.threads.join(','), '-r', String(shape.repeat), '-o', 'json', '-oe', 'md'];
  if (o['flash-attention']) args.push('-fa', '1');
  const r = spawnMeasured('llama-bench (native)', o['llama-bench'], args);
  let records;
  try {
    records = JSON.parse(r.stdout);
  } catch (e) {
    fail(`llama-bench printed no JSON on stdout (${e.message})`);
  }
  const out = {};
  for (const t of shape.threads) out[t] = { decode: [], prefill: [], peakRss: r.peakRss, wallS: r.wallS };
  let build = '';
  for (const rec of records) {
    const t = rec.n_threads;
    if (!out[t]) continue;
    build = `${rec.build_commit} (build ${rec.build_number}), ${rec.backends}, ${rec.cpu_info}`;
    if (rec.n_prompt > 0 && rec.n_gen === 0) out[t].prefill.push(...rec.samples_ts);
    else if (rec.n_gen > 0 && rec.n_prompt === 0) out[t].decode.push(...rec.samples_ts);
  }
  return { perThread: out, build };
}

function compareNative() {
  if (o['memory-limit']) fail('--memory-limit is not supported with --llama-bench yet (it runs node-llama-cpp under the limit: use --llama-dir)');
  if (!existsSync(o['llama-bench'])) fail(`${o['llama-bench']} not found: build it with bench/build-llama-bench.sh`);
  if (!existsSync(o.cli)) fail(`${o.cli} not found: build first (npm run build), or pass --cli`);
  const threads = (o.threads ?? '1,2').split(',').map((t) => positiveInt('threads', t.trim()));
  const shape = { threads, prompt: positiveInt('prompt', o.prompt), gen: positiveInt('gen', o.gen), repeat: positiveInt('repeat', o.repeat) };
  const rounds = positiveInt('rounds', o.rounds);
  const first = o.order.split(',')[0];
  if (!['ours', 'llama'].includes(first) || !/^(ours,llama|llama,ours)$/.test(o.order)) fail(`--order must be ours,llama or llama,ours, got '${o.order}'`);
  const started = new Date().toISOString();
  const samples = { ours: {}, llama: {} };
  const info = { ours: {}, llama: {} };
  const orders = [];
  for (let round = 0; round < rounds; round++) {
    const order = (round % 2 === 0) === (first === 'ours') ? ['ours', 'llama'] : ['llama', 'ours'];
    orders.push(order.join(','));
    process.stderr.write(`\n==== round ${round + 1}/${rounds}: ${order.join(' then ')}\n`);
    for (const which of order) {
      if (!o['no-warm']) warmFiles(which === 'ours' ? checkpointFiles(model) : [gguf]);
      const perThread = which === 'ours' ? runOursNative(shape) : runLlamaBench(shape);
      const byThread = which === 'ours' ? perThread : perThread.perThread;
      if (which === 'llama') info.llama.build = perThread.build;
      for (const t of threads) {
        const s = (samples[which][t] ??= { decode: [], prefill: [], peakRss: [], loadS: [] });
        const r = byThread[t];
        s.decode.push(...r.decode);
        s.prefill.push(...r.prefill);
        if (r.peakRss) s.peakRss.push(r.peakRss);
        if (r.loadS !== undefined) s.loadS.push(r.loadS);
        if (r.afterLoadS !== undefined) (s.afterLoadS ??= []).push(r.afterLoadS);
        if (which === 'ours') (info.ours[t] ??= []).push(r);
      }
    }
  }
  const rows = threads.map((t) => {
    const [a, b] = [samples.ours[t], samples.llama[t]];
    const probes = info.ours[t];
    const read = median(probes.map((p) => p.readGbs));
    const stream = median(probes.map((p) => p.streamGbs));
    const limit = median(probes.map((p) => p.limit));
    return {
      threads: t,
      ours_decode_tok_s: median(a.decode),
      llama_decode_tok_s: median(b.decode),
      decode_ratio: median(a.decode) / median(b.decode),
      ours_prefill_tok_s: median(a.prefill),
      llama_prefill_tok_s: median(b.prefill),
      prefill_ratio: median(a.prefill) / median(b.prefill),
      ours_decode_runs: a.decode,
      llama_decode_runs: b.decode,
      ours_prefill_runs: a.prefill,
      llama_prefill_runs: b.prefill,
      ours_peak_rss_bytes: Math.max(...a.peakRss),
      llama_peak_rss_bytes: b.peakRss.length ? Math.max(...b.peakRss) : null,
      ours_load_s: median(a.loadS),
      ours_experts_copied_after_load_s: a.afterLoadS ? median(a.afterLoadS) : null,
      read_bandwidth_gb_s: read,
      stream_read_gb_s: stream,
      decode_bytes_per_token: probes[0].bytesPerToken,
      decode_limit_tok_s: limit,
      ours_fraction_of_limit: median(a.decode) / limit,
      llama_fraction_of_limit: median(b.decode) / limit,
      host_preempted_fractions: probes.map((p) => p.preempted),
      ours_fractions_beside_runs: probes.every((p) => p.fractionsBesideRuns) ? probes.flatMap((p) => p.fractionsBesideRuns) : null,
    };
  });
  printNativeTable(rows, { started, shape, rounds, orders, build: info.llama.build, experts: info.ours[threads[0]][0].experts });
  const longContext = info.ours[threads[0]].flatMap((r) => r.longContext);
  printLongContext(longContext, threads[0]);
  if (o.json) process.stdout.write(`${JSON.stringify({ started, machine: machineLine(), llama_bench: o['llama-bench'], llama_build: info.llama.build, model, gguf, ...shape, rounds, orders, rows, long_context: longContext })}\n`);
}

function machineLine() {
  return `${cpus().length} logical CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(2)} GiB`;
}

function printNativeTable(rows, m) {
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const gib = (b) => (b ? `${(b / 2 ** 30).toFixed(2)} GiB` : 'n/a');
  const runs = (xs) => xs.map((x) => f(x)).join(' / ');
  const lines = [
    '',
    `Same weights, pp${m.shape.prompt} / tg${m.shape.gen}, ${m.rounds} round(s) (${m.orders.join('; ')}) of ${m.shape.repeat} runs, medians of all runs; ${machineLine()}; ${m.started}`,
    `  ours:        ${model} (${o.backend ?? 'default backend'}, ${o.precision}, experts ${m.experts}; load ${rows.map((r) => `${f(r.ours_load_s)} s`).join(' / ')}${rows.some((r) => r.ours_experts_copied_after_load_s !== null) ? `, experts copied after it in ${rows.map((r) => `${f(r.ours_experts_copied_after_load_s)} s`).join(' / ')}` : ''}, per thread count)`,
    `  llama-bench: ${gguf} (${o['llama-bench']}; ${m.build})`,
    '',
    '| threads | decode: gpt-oss | llama-bench | ours / llama | prefill: gpt-oss | llama-bench | ours / llama | peak RSS gpt-oss / llama | read probe | decode limit | fraction of limit: ours / llama |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.threads} | ${f(r.ours_decode_tok_s)} | ${f(r.llama_decode_tok_s)} | ${f(r.decode_ratio)}x | ${f(r.ours_prefill_tok_s)} | ${f(r.llama_prefill_tok_s)} | ${f(r.prefill_ratio)}x | ${gib(r.ours_peak_rss_bytes)} / ${gib(r.llama_peak_rss_bytes)} | ${f(r.read_bandwidth_gb_s, 1)} GB/s (STREAM-like ${f(r.stream_read_gb_s, 1)}) | ${f(r.decode_limit_tok_s)} tok/s (${f(r.decode_bytes_per_token / 1e9)} GB/step) | ${f(r.ours_fraction_of_limit * 100, 0)} %${r.ours_fractions_beside_runs ? ` (beside each run ${f(median(r.ours_fractions_beside_runs) * 100, 0)} %)` : ''} / ${f(r.llama_fraction_of_limit * 100, 0)} % |`,
    ),
    '',
    'Every run (tok/s):',
    ...rows.map((r) => `  ${r.threads} thread(s): decode ours ${runs(r.ours_decode_runs)}; llama ${runs(r.llama_decode_runs)}; prefill ours ${runs(r.ours_prefill_runs)}; llama ${runs(r.llama_prefill_runs)}`),
    '',
    'Host preemption after each of our rounds (share of the threads\' time the host took while they all spun for 1 s; a parallel-for waits for a stopped thread):',
    ...rows.map((r) => `  ${r.threads} thread(s): ${r.host_preempted_fractions.map((x) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`)).join(' / ')}`),
    ...(rows.every((r) => r.ours_fractions_beside_runs)
      ? [
          '',
          'Each of our runs over the limit of its own minutes (a read probe after every run, the best pass beside the run):',
          ...rows.map((r) => `  ${r.threads} thread(s): ${r.ours_fractions_beside_runs.map((x) => `${(x * 100).toFixed(0)} %`).join(' / ')} (median ${(median(r.ours_fractions_beside_runs) * 100).toFixed(0)} %)`),
        ]
      : []),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

function printLongContext(runs, threads) {
  if (runs.length === 0) return;
  const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
  const lines = [
    '',
    `gpt-oss decode at the end of a long KV cache (${threads} thread(s), synthetic keys and values):`,
    '',
    '| cached positions | decode | bytes per step (weights + KV) | limit | fraction of limit |',
    '|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.positions} | ${f(r.decode_tok_s)} tok/s (${f(r.ms_per_step, 0)} ms, median of ${r.steps}${r.filled ? '' : ', NOT filled'}) | ${f(r.bytes_per_step / 1e9)} GB (${f(r.weight_bytes_per_step / 1e9)} + ${f(r.kv_bytes_per_step / 1e9, 3)}) | ${f(r.limit_tok_s)} tok/s | ${f(r.fraction_of_limit * 100, 0)} % |`,
    ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

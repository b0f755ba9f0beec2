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
//   --memory-limit SIZE (e.g. 8G): each engine runs in a memory cgroup of that size (gpt-oss bench
//   makes its own with its --memory-limit; llama.cpp's runner is placed in one made the same way);
//   needs root and `npm run build` (the cgroup code is dist/cli/memory-cgroup.js).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const USAGE =
  'Usage: node bench/compare.mjs --model DIR [--gguf FILE.gguf] [--llama-dir DIR] [--threads 2] [--prompt 512] [--gen 128] [--repeat 3] [--precision fast] [--backend cpu] [--order ours,llama] [--cli dist/cli/main.js] [--no-warm] [--memory-limit 8G] [--json]';

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
      threads: { type: 'string', default: '2' },
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
 * Reads an engine's weight files through once before its run. The two engines' files (13.8 + 12.1 GB
 * for the 20b) do not both fit in this machine's page cache, so without this the second engine would
 * start with its file half evicted by the first and "warm page cache" load figures would not hold.
 */
function warm(which) {
  const files = which === 'ours' ? readdirSync(model).filter((f) => f.endsWith('.safetensors')).map((f) => join(model, f)) : [gguf];
  const t0 = performance.now();
  const buf = Buffer.allocUnsafe(1 << 23);
  let bytes = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  process.stderr.write(`warmed the page cache: read ${(bytes / 1e9).toFixed(2)} GB of ${files.length} file(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
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

#!/usr/bin/env node
// Loads of one checkpoint in a row in one process, decode threads fixed, the load's threads alternating
// (the expert copy and the 8-bit conversion run on `loadThreads`), each model disposed before the next:
// what a second core does for the load, and that dispose() gives the memory back (a load after a
// dispose would otherwise hold two models' copies).
//   node bench/load-threads.mjs --model DIR [--threads 1] [--order 1,2,1,2,1,2] [--experts copy]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '1' },
    order: { type: 'string', default: '1,2,1,2,1,2' },
    experts: { type: 'string', default: 'copy' },
  },
});
if (!values.model) {
  process.stderr.write('Usage: node bench/load-threads.mjs --model DIR [--threads 1] [--order 1,2,1,2,1,2] [--experts copy]\n');
  process.exit(2);
}
const { loadModel } = await import(fileURLToPath(new URL('../dist/engine/load-model.js', import.meta.url)));
const gib = (b) => (b / 2 ** 30).toFixed(2);
const times = new Map();
for (const loadThreads of values.order.split(',').map(Number)) {
  const t0 = performance.now();
  const model = await loadModel(values.model, { backend: 'cpu', threads: Number(values.threads), loadThreads, experts: values.experts });
  const s = (performance.now() - t0) / 1000;
  const p = model.loadPhases;
  const held = process.memoryUsage().rss;
  model.dispose();
  const after = process.memoryUsage().rss;
  console.log(
    `loadThreads ${loadThreads}: load ${s.toFixed(2)} s (copy ${(p.copy_s ?? 0).toFixed(2)} s, q8 ${(p.q8_s ?? 0).toFixed(2)} s, ` +
      `${p.load_threads} load threads); RSS ${gib(held)} GiB loaded, ${gib(after)} GiB right after dispose()`,
  );
  times.set(loadThreads, [...(times.get(loadThreads) ?? []), s]);
}
for (const [n, t] of times) {
  const sorted = [...t].sort((a, b) => a - b);
  console.log(`loadThreads ${n}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} s of ${t.length} (${t.map((x) => x.toFixed(2)).join(' / ')})`);
}

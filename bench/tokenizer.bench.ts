/**
 * Tokenizer speed: encoding ~1 MB of varied text (and a 20,000-character run of one letter)
 * with our o200k_harmony BPE, side by side with the npm o200k encoders that are installed:
 * gpt-tokenizer's own encoder, js-tiktoken (only if present) and tiktoken (wasm).
 * Prints load time, the first (cold-cache) run and the median of repeated runs, then our time on
 * 200,000-byte runs of one character (where a quadratic BPE merge takes minutes; target: well under 5 s).
 *
 *   npx tsx bench/tokenizer.bench.ts [--mb 1] [--runs 7]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchmarkText } from '../test/tokenizer/corpus.js';
import { O200kHarmonyTokenizer } from '../src/tokenizer/o200k-harmony.js';
import { loadRankTable } from '../src/tokenizer/ranks-file.js';

interface Candidate {
  name: string;
  load: () => Promise<(text: string) => ArrayLike<number>>;
}

const { values } = parseArgs({ options: { mb: { type: 'string', default: '1' }, runs: { type: 'string', default: '7' } } });
const bytes = Math.round(Number(values.mb) * 1024 * 1024);
const runs = Number(values.runs);

const candidates: Candidate[] = [
  {
    name: 'gpt-oss-ts (ours)',
    load: async () => {
      const t = new O200kHarmonyTokenizer(loadRankTable());
      return (s) => t.encode(s);
    },
  },
  {
    name: 'gpt-tokenizer o200k_base',
    load: async () => {
      const m = (await import('gpt-tokenizer/encoding/o200k_base')) as { encode: (s: string) => number[] };
      return (s) => m.encode(s);
    },
  },
  {
    name: 'js-tiktoken o200k_base',
    load: async () => {
      const name = 'js-tiktoken';
      const m = (await import(name)) as { getEncoding: (e: string) => { encode: (s: string) => number[] } };
      const e = m.getEncoding('o200k_base');
      return (s) => e.encode(s);
    },
  },
  {
    name: 'tiktoken (wasm) o200k_base',
    load: async () => {
      const m = await import('tiktoken');
      const e = m.get_encoding('o200k_base');
      return (s) => e.encode_ordinary(s);
    },
  },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const text = benchmarkText(1, bytes);
const run = 'a'.repeat(20_000);
const reference = (await import('tiktoken')).get_encoding('o200k_base').encode_ordinary(text).length;
const textBytes = Buffer.byteLength(text);
console.log(`node ${process.version}, ${cpus().length} cpus, ${cpus()[0]?.model ?? '?'}`);
console.log(`text: ${(textBytes / 1048576).toFixed(2)} MiB varied (seed 1), ${runs} runs; run: 'a' x 20000\n`);
console.log(`tiktoken o200k_base reference: ${reference} tokens\n`);
console.log('encoder                       load ms   cold ms  median ms    MB/s   tokens   20k-run ms');
for (const c of candidates) {
  let encode: (text: string) => ArrayLike<number>;
  const t0 = performance.now();
  try {
    encode = await c.load();
  } catch {
    console.log(`${c.name.padEnd(28)}  (not installed, skipped)`);
    continue;
  }
  const loadMs = performance.now() - t0;
  let t = performance.now();
  const tokens = encode(text).length;
  const coldMs = performance.now() - t;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    encode(text);
    times.push(performance.now() - t);
  }
  // First call only: an encoder that memoises pieces would otherwise answer from its cache.
  t = performance.now();
  encode(run);
  const runMs = performance.now() - t;
  const med = median(times);
  console.log(
    `${c.name.padEnd(28)} ${loadMs.toFixed(0).padStart(8)} ${coldMs.toFixed(0).padStart(9)} ${med.toFixed(1).padStart(10)} ${(textBytes / 1e6 / (med / 1000)).toFixed(1).padStart(7)} ${String(tokens).padStart(8)} ${runMs.toFixed(1).padStart(12)}`,
  );
}

const ours = new O200kHarmonyTokenizer(loadRankTable());
for (const c of ['a', '한', '😀']) {
  const t = performance.now();
  ours.encode(c.repeat(200_000 / Buffer.byteLength(c)));
  console.log(`ours, a 200,000-byte run of ${JSON.stringify(c)}: ${(performance.now() - t).toFixed(0)} ms`);
}

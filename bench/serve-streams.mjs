#!/usr/bin/env node
// Requests per second, time to first token and aggregate decode tokens/s of `gpt-oss serve` at 1, 2
// and 4 concurrent streaming Chat Completions requests (figures in BENCHMARKS.md).
// Usage: node bench/serve-streams.mjs --model DIR [--streams 1,2,4] [--rounds 3] [--tokens 64] [--prompt-words 200]
//        [--threads N] [--precision fast|exact] [--backend cpu|ref]
// Starts the server (`node dist/cli/main.js serve`, --parallel = the largest stream count) on a free port,
// so run `npm run build` first. Each round sends N requests at once with distinct prompts (no cache reuse)
// and waits for all; figures are medians over rounds.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    streams: { type: 'string', default: '1,2,4' },
    rounds: { type: 'string', default: '3' },
    tokens: { type: 'string', default: '64' },
    'prompt-words': { type: 'string', default: '200' },
    threads: { type: 'string' },
    precision: { type: 'string' },
    backend: { type: 'string' },
  },
});
if (!values.model) {
  console.error('usage: node bench/serve-streams.mjs --model DIR [--streams 1,2,4] [--rounds 3] [--tokens 64]');
  process.exit(2);
}
const streams = values.streams.split(',').map(Number);
const rounds = Number(values.rounds);
const maxTokens = Number(values.tokens);
const root = fileURLToPath(new URL('..', import.meta.url));
const args = ['dist/cli/main.js', 'serve', values.model, '--port', '0', '--parallel', String(Math.max(...streams)), '--context', '4096'];
for (const k of ['threads', 'precision', 'backend']) if (values[k]) args.push(`--${k}`, values[k]);
const server = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /ready, serving '[^']+' at (\S+)\/v1/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${err}`)));
});

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let salt = 0;

/** One streaming request: seconds to the first chunk (sent at the first sampled token), tokens, seconds in all. */
async function one() {
  const words = Array.from({ length: Number(values['prompt-words']) }, (_, i) => `w${(i * 7919 + salt) % 1000}`).join(' ');
  const body = {
    messages: [{ role: 'user', content: `${++salt}: ${words}` }],
    max_tokens: maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 1,
    seed: salt,
  };
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
  const reader = res.body.getReader();
  let first;
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    first ??= performance.now();
    text += new TextDecoder().decode(value);
  }
  const usage = JSON.parse(text.split('\n\n').filter((b) => b.includes('"usage":{')).pop().slice(6)).usage;
  return { ttft: (first - t0) / 1000, tokens: usage.completion_tokens, total: (performance.now() - t0) / 1000 };
}

await one(); // warm-up
console.log(`model ${values.model}, ${maxTokens} tokens per request, ~${values['prompt-words']}-word prompts, medians of ${rounds} rounds`);
console.log('| streams | requests/s | time to first token (median) | aggregate decode tok/s |');
console.log('|---|---|---|---|');
for (const n of streams) {
  const rps = [];
  const ttft = [];
  const tps = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: n }, one));
    const wall = (performance.now() - t0) / 1000;
    rps.push(n / wall);
    ttft.push(median(results.map((x) => x.ttft)));
    // Decode: tokens after each request's first, over the time from the last first token to the end.
    const decodeStart = Math.max(...results.map((x) => x.ttft));
    const decodeTokens = results.reduce((s, x) => s + x.tokens - 1, 0);
    tps.push(decodeTokens / Math.max(1e-9, wall - decodeStart));
  }
  console.log(`| ${n} | ${median(rps).toFixed(2)} | ${(median(ttft) * 1000).toFixed(0)} ms | ${median(tps).toFixed(1)} |`);
}
server.kill('SIGTERM');

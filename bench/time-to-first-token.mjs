#!/usr/bin/env node
// Time to first token of a one-shot `gpt-oss run` as a user sees it: from spawning the process to the
// first byte it writes on stdout (--raw prints every generated token, so this works on random weights
// too), i.e. Node start + load + tokenize/render + prefill + the first sampled token. Median of --repeat.
//   node bench/time-to-first-token.mjs --model DIR [--prompt TEXT] [--repeat 3] [-- extra run options]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    model: { type: 'string' },
    prompt: { type: 'string', default: 'What is the capital of France? Answer in one word.' },
    repeat: { type: 'string', default: '3' },
  },
  allowPositionals: true,
});
if (!values.model) {
  process.stderr.write('Usage: node bench/time-to-first-token.mjs --model DIR [--prompt TEXT] [--repeat 3] [-- run options]\n');
  process.exit(2);
}
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function once() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'run', values.model, values.prompt, '--raw', '--max-tokens', '2', '--seed', '1', ...positionals], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GPT_OSS_STATS: '1' },
    });
    let first = null;
    let err = '';
    child.stdout.on('data', () => { first ??= performance.now() - t0; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || first === null) reject(new Error(`run exited with ${code}: ${err.trim()}`));
      else resolve({ ttft: first / 1000, footer: err.trim().split('\n').at(-1) });
    });
  });
}

const times = [];
for (let r = 0; r < Number(values.repeat); r++) {
  const { ttft, footer } = await once();
  times.push(ttft);
  process.stderr.write(`run ${r + 1}: first token ${ttft.toFixed(2)} s after spawn (${footer})\n`);
}
times.sort((a, b) => a - b);
console.log(`time to first token (spawn to first byte, one-shot run): median ${times[times.length >> 1].toFixed(2)} s of ${times.length}`);

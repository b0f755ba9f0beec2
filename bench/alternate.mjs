// Runs two or more commands in alternation, the order reversed every other round, and prints the
// min / median / max of the first number each printed that matches a pattern: an A/B on a host whose
// speed moves from minute to minute, where only variants measured side by side compare.
// Usage: node bench/alternate.mjs ROUNDS PATTERN NAME 'COMMAND' NAME 'COMMAND' ...
//   node bench/alternate.mjs 5 '([0-9.]+) cycles' old '/tmp/moedot-old 17 1 20000 3.5' new '/tmp/moedot-new 17 1 20000 3.5'
// PATTERN is a regular expression whose first group is the number; a run that prints none counts as NaN.
import { spawnSync } from 'node:child_process';

const [roundsArg, pattern, ...rest] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || !pattern || rest.length < 4 || rest.length % 2) {
  console.error("usage: node bench/alternate.mjs ROUNDS PATTERN NAME 'COMMAND' NAME 'COMMAND' ...");
  process.exit(2);
}
const re = new RegExp(pattern);
const variants = [];
for (let i = 0; i < rest.length; i += 2) variants.push({ name: rest[i], command: rest[i + 1], values: [] });
for (let round = 0; round < rounds; round++) {
  for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
    // stdout and stderr both: gpt-oss bench writes its report to stderr
    const r = spawnSync(v.command, { shell: true, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    const m = re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    v.values.push(m ? Number(m[1]) : NaN);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const v of variants) {
  const ok = v.values.filter((x) => !Number.isNaN(x));
  const f = (x) => (ok.length ? x.toFixed(2) : 'n/a');
  console.log(`${v.name.padEnd(12)} min ${f(Math.min(...ok))}  median ${f(median(ok))}  max ${f(Math.max(...ok))}  (${ok.length} of ${v.values.length} runs: ${v.values.join(' / ')})`);
}

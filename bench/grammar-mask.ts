/**
 * Grammar costs beside nothing else: vocabulary build, schema compile (typical tool schema,
 * complex nested schema), and fillMask time per step along seeded random walks, cold (first
 * walk through a fresh grammar) and warm (the same walks again). The lead compares these
 * with the decode step.
 *   npx tsx bench/grammar-mask.ts [--walks 8] [--steps 200]
 */
import { parseArgs } from 'node:util';
import { GrammarMatcher, compileJsonSchema, jsonObjectGrammar, literalsGrammar, vocabularyOf, type Grammar } from '../src/grammar/index.js';
import { getTokenizer } from '../src/tokenizer/index.js';
import { rng } from '../test/grammar/helpers.js';
import { HEADER_LITERALS, NESTED_SCHEMA, TOOL_SCHEMA } from './grammar-schemas.js';

const { values } = parseArgs({ options: { walks: { type: 'string', default: '8' }, steps: { type: 'string', default: '200' } } });
const walks = Number(values.walks);
const steps = Number(values.steps);

const ms = (t0: number): number => performance.now() - t0;
const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};
const f = (x: number): string => x.toFixed(x < 10 ? 2 : 1);

const tokenizer = getTokenizer();
// The machine may be shared: CPU time is reported beside wall time.
const cpu = (c0: NodeJS.CpuUsage): number => process.cpuUsage(c0).user / 1000;
let t0 = performance.now();
let c0 = process.cpuUsage();
const vocab = vocabularyOf(tokenizer);
console.log(`vocabulary trie: ${f(ms(t0))} ms wall, ${f(cpu(c0))} ms CPU (${vocab.nodeCount} nodes)`);

for (const [name, schema] of [['typical tool schema', TOOL_SCHEMA], ['complex nested schema', NESTED_SCHEMA]] as const) {
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 5; i++) {
    // A different description each time defeats the content cache: a real compile.
    const variant = { ...schema, description: `run ${i}` };
    t0 = performance.now();
    c0 = process.cpuUsage();
    compileJsonSchema(variant);
    times.push(ms(t0));
    cpus.push(cpu(c0));
  }
  t0 = performance.now();
  compileJsonSchema({ ...schema, description: 'run 0' });
  console.log(`compile ${name}: median ${f(q(times, 0.5))} ms wall, ${f(q(cpus, 0.5))} ms CPU, of 5 (first ${f(times[0]!)} ms wall; cache hit afterwards: ${f(ms(t0))} ms)`);
}

function walkTimes(grammar: Grammar, seed: number): number[] {
  const m = new GrammarMatcher(grammar, vocab);
  const mask = new Uint8Array(tokenizer.vocabSize);
  const random = rng(seed);
  const out: number[] = [];
  const budget = m.minTokensToComplete() + steps;
  for (let step = 0; step < budget; step++) {
    if (m.isComplete() && (!m.canContinue() || random() < 0.05)) break;
    const t = performance.now();
    m.fillMask(mask, budget - step);
    out.push(ms(t));
    const allowed: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] === 1) allowed.push(i);
    if (allowed.length === 0) throw new Error(`dead end at step ${step}`);
    // Prefer short tokens half the time, as a model writing JSON mostly does.
    let pick = allowed[Math.floor(random() * allowed.length)]!;
    if (random() < 0.5) {
      const short = allowed.filter((t) => vocab.tokenBytes(t).length <= 3);
      if (short.length > 0) pick = short[Math.floor(random() * short.length)]!;
    }
    m.accept(pick);
  }
  return out;
}

const grammars: [string, () => Grammar][] = [
  ['complex nested schema', () => compileJsonSchema({ ...NESTED_SCHEMA, description: 'mask bench' })],
  ['harmony header literals', () => literalsGrammar(HEADER_LITERALS)],
  ['json_object', () => jsonObjectGrammar()],
];
console.log(`\nfillMask per step (ms), ${walks} seeded random walks of up to (shortest value + ${steps}) tokens, budget-aware:`);
console.log('| grammar | pass | steps | median | p90 | max |');
console.log('|---|---|---|---|---|---|');
for (const [name, make] of grammars) {
  const g = make();
  for (const pass of ['cold', 'warm']) {
    const all: number[] = [];
    for (let w = 0; w < walks; w++) all.push(...walkTimes(g, 1000 + w));
    console.log(`| ${name} | ${pass} | ${all.length} | ${f(q(all, 0.5))} | ${f(q(all, 0.9))} | ${f(Math.max(...all))} |`);
  }
}
const mem = process.memoryUsage();
console.log(`\nprocess memory after the runs: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, external+arrays ${((mem.external + mem.arrayBuffers) / 2 ** 20).toFixed(0)} MiB`);

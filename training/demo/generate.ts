/**
 * Writes the demo model's training set: `--count` examples from `--seed`, as three raw little-endian
 * files the trainer maps: OUT.tokens (int32), OUT.mask (uint8, 1 = trained token) and OUT.offsets
 * (int64, count + 1 sequence boundaries), plus OUT.json (counts per family, tokens, seed).
 *   npx tsx training/demo/generate.ts --seed 1 --count 60000 --out training/demo/data/train
 * `--family NAME` writes only that family (the first training stage uses `repeat`); `--mix v1|v2` picks
 * the families' weights (tasks.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { encodeExample } from './encode.js';
import { Rng } from './rng.js';
import { dataOptions, makeExample, MIX_NAMES, type Family, type MixName } from './tasks.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '60000' },
    out: { type: 'string', default: 'training/demo/data/train' },
    'max-tokens': { type: 'string', default: '1024' },
    family: { type: 'string' },
    'compact-json': { type: 'string', default: '0' },
    mix: { type: 'string', default: 'v1' },
  },
});
const seed = Number(values.seed);
const count = Number(values.count);
const maxTokens = Number(values['max-tokens']);
dataOptions.compactJson = Number(values['compact-json']);
if (!MIX_NAMES.includes(values.mix as MixName)) throw new Error(`--mix ${values.mix}: expected one of ${MIX_NAMES.join(', ')}`);
dataOptions.mix = values.mix as MixName;
const tokenizer = getTokenizer();
const rng = new Rng(seed);
const tokens: number[] = [];
const mask: number[] = [];
const offsets: number[] = [0];
const families: Record<string, number> = {};
let skipped = 0;
for (let i = 0; i < count; i++) {
  const ex = makeExample(rng, 'train', values.family as Family | undefined);
  const seq = encodeExample(ex, tokenizer, i < 500);
  if (seq.tokens.length > maxTokens) {
    skipped++;
    continue;
  }
  tokens.push(...seq.tokens);
  mask.push(...seq.mask);
  offsets.push(tokens.length);
  families[ex.family] = (families[ex.family] ?? 0) + 1;
}
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(`${values.out}.tokens`, Buffer.from(Int32Array.from(tokens).buffer));
writeFileSync(`${values.out}.mask`, Buffer.from(Uint8Array.from(mask).buffer));
writeFileSync(`${values.out}.offsets`, Buffer.from(BigInt64Array.from(offsets.map(BigInt)).buffer));
const trained = mask.reduce((s, m) => s + m, 0);
const summary = { seed, sequences: offsets.length - 1, skipped, tokens: tokens.length, trainedTokens: trained, families };
writeFileSync(`${values.out}.json`, JSON.stringify(summary, null, 2) + '\n');
console.log(JSON.stringify(summary));

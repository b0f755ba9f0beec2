/**
 * Our grammar engine beside @mlc-ai/web-xgrammar (XGrammar in WebAssembly) on the same
 * schemas: does each compile, do random walks through its masks validate (ajv +
 * ajv-formats), mask time per step, memory. web-xgrammar is not a dependency: install it
 * anywhere and point XGRAMMAR at its lib/index.js.
 *   XGRAMMAR=/tmp/xg/node_modules/@mlc-ai/web-xgrammar/lib/index.js npx tsx bench/grammar-xgrammar.ts
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { GrammarMatcher, compileJsonSchema, vocabularyOf } from '../src/grammar/index.js';
import { getTokenizer } from '../src/tokenizer/index.js';
import { rng } from '../test/grammar/helpers.js';
import { SCHEMAS } from '../test/grammar/schemas.js';
import { NESTED_SCHEMA, TOOL_SCHEMA } from './grammar-schemas.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const WALKS = Number(process.env.WALKS ?? 4);
const MAX_STEPS = 300;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const mib = (): number => process.memoryUsage().rss / 2 ** 20;

/** GPT-2's byte-to-unicode table: how byte-level vocabularies spell raw bytes as text. */
function byteLevelTable(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  return table;
}

const tokenizer = getTokenizer();
const vocab = vocabularyOf(tokenizer);
const onlyXg = process.env.ONLY_XG === "1";
const schemas: [string, unknown][] = [...Object.entries(SCHEMAS), ['bench tool', TOOL_SCHEMA], ['bench nested', NESTED_SCHEMA]];

function validator(schema: unknown): (v: unknown) => boolean {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const f = ajv.compile(schema as object);
  return (v) => f(v) === true;
}

function tally(label: string, rows: string[]): void {
  console.log(`\n${label}`);
  console.log('| schema | compiles | valid walks | incomplete | median mask ms |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

// --- ours
if (!onlyXg) {
  const before = mib();
  const rows: string[] = [];
  const mask = new Uint8Array(tokenizer.vocabSize);
  for (const [name, schema] of schemas) {
    const check = validator(schema);
    const g = compileJsonSchema(schema);
    const times: number[] = [];
    let valid = 0;
    for (let w = 0; w < WALKS; w++) {
      const random = rng(w + 1);
      const m = new GrammarMatcher(g, vocab);
      const ids: number[] = [];
      const budget = m.minTokensToComplete() + MAX_STEPS;
      for (let step = 0; step < budget; step++) {
        if (m.isComplete() && (!m.canContinue() || random() < 0.15)) break;
        const t = performance.now();
        m.fillMask(mask, budget - step);
        times.push(performance.now() - t);
        const allowed: number[] = [];
        for (let i = 0; i < mask.length; i++) if (mask[i] === 1) allowed.push(i);
        const id = allowed[Math.floor(random() * allowed.length)]!;
        m.accept(id);
        ids.push(id);
      }
      try {
        if (check(JSON.parse(tokenizer.decode(ids)))) valid++;
      } catch {
        /* counted as invalid */
      }
    }
    rows.push(`| ${name} | yes | ${valid}/${WALKS} | 0 | ${median(times).toFixed(2)} |`);
  }
  tally(`ours (rss +${(mib() - before).toFixed(0)} MiB over the runs)`, rows);
}

// --- web-xgrammar
const path = process.env.XGRAMMAR;
if (path === undefined) {
  console.log('\nXGRAMMAR not set: skipping @mlc-ai/web-xgrammar');
} else {
  type Xg = {
    TokenizerInfo: { createTokenizerInfo(v: string[], type: string, prepend: boolean, size: number, stop: number[]): Promise<unknown> };
    GrammarCompiler: { createGrammarCompiler(info: unknown): Promise<{ compileJSONSchema(s: string, anyWs?: boolean): Promise<unknown> }> };
    GrammarMatcher: {
      createGrammarMatcher(cg: unknown): Promise<{
        getNextTokenBitmask(): Promise<Int32Array>;
        acceptToken(id: number): boolean;
        isTerminated(): boolean;
        dispose(): void;
      }>;
    };
  };
  // The package is an Emscripten build that expects CommonJS globals even though it is an
  // ES module: it does not load in Node without these shims.
  const { createRequire } = await import('node:module');
  const g = globalThis as Record<string, unknown>;
  g.require = createRequire(path);
  g.__filename = path;
  g.__dirname = path.replace(/\/[^/]*$/, '');
  // A UMD bundle: loaded as an ES module it puts its exports on globalThis.xgrammar.
  await import(path);
  const xg = g.xgrammar as Xg;
  const before = mib();
  const table = byteLevelTable();
  const encoded: string[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    encoded.push(tokenizer.isSpecial(id) ? `<|special_${id}|>` : Array.from(tokenizer.tokenBytes(id), (b) => table[b]!).join(''));
  }
  const stop = tokenizer.specialId('<|end|>');
  let t0 = performance.now();
  const info = await xg.TokenizerInfo.createTokenizerInfo(encoded, 'BYTE_LEVEL', false, tokenizer.vocabSize, [stop]);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info);
  console.log(`\nweb-xgrammar tokenizer info + compiler: ${(performance.now() - t0).toFixed(0)} ms`);
  const rows: string[] = [];
  for (const [name, schema] of schemas) {
    const check = validator(schema);
    let cg: unknown;
    t0 = performance.now();
    try {
      cg = await compiler.compileJSONSchema(JSON.stringify(schema), false);
    } catch (e) {
      rows.push(`| ${name} | no: ${String((e as Error).message ?? e).split('\n')[0]!.slice(0, 80)} | - | - | - |`);
      continue;
    }
    const compileMs = performance.now() - t0;
    const times: number[] = [];
    let valid = 0;
    let incomplete = 0;
    for (let w = 0; w < WALKS; w++) {
      const random = rng(w + 1);
      const m = await xg.GrammarMatcher.createGrammarMatcher(cg);
      const ids: number[] = [];
      let done = false;
      for (let step = 0; step < MAX_STEPS && !done; step++) {
        const t = performance.now();
        const bits = await m.getNextTokenBitmask();
        times.push(performance.now() - t);
        const allowed: number[] = [];
        for (let i = 0; i < tokenizer.vocabSize; i++) if ((bits[i >> 5]! >>> (i & 31)) & 1) allowed.push(i);
        const stopAllowed = allowed.includes(stop);
        if (stopAllowed && (allowed.length === 1 || random() < 0.15)) {
          done = true;
          break;
        }
        const ordinary = allowed.filter((i) => i !== stop);
        const id = ordinary[Math.floor(random() * ordinary.length)]!;
        m.acceptToken(id);
        ids.push(id);
      }
      m.dispose();
      if (!done) {
        incomplete++;
        continue;
      }
      try {
        if (check(JSON.parse(tokenizer.decode(ids)))) valid++;
        else console.log(`  xgrammar ${name} invalid: ${tokenizer.decode(ids).slice(0, 200)}`);
      } catch {
        console.log(`  xgrammar ${name} not JSON: ${tokenizer.decode(ids).slice(0, 200)}`);
      }
    }
    rows.push(`| ${name} | yes (${compileMs.toFixed(0)} ms) | ${valid}/${WALKS} | ${incomplete} | ${median(times).toFixed(2)} |`);
  }
  tally(`@mlc-ai/web-xgrammar (rss +${(mib() - before).toFixed(0)} MiB over the runs)`, rows);
}

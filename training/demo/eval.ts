/**
 * Evaluates a demo checkpoint through our engine on held-out prompts (phrasings and argument values
 * that the training set does not contain), greedy and sampled, and prints a markdown table.
 *   npx tsx training/demo/eval.ts [--model gpt-oss-demo|DIR] [--count 200] [--seeds 5] [--sampled-count 200] [--compact-json 0.5] [--json FILE] [--split train]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEMO_SAMPLING, Engine, type ChatEvent, type FunctionTool } from '../../src/engine/index.js';
import type { JsonValue, ReasoningEffort } from '../../src/harmony/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { Rng } from './rng.js';
import { dataOptions, makeExample, type Example, type Family, type Split, type ToolSpec } from './tasks.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'gpt-oss-demo' },
    count: { type: 'string', default: '200' },
    seeds: { type: 'string', default: '5' },
    'sampled-count': { type: 'string', default: '200' },
    'harmony-structure': { type: 'boolean', default: false },
    json: { type: 'string' },
    seed: { type: 'string', default: '1001' },
    paris: { type: 'string', default: '20' },
    // A share of the tool outputs in JSON.stringify's compact form, as real handlers send them. Above 0
    // the draw of held-out prompts changes too (the choice takes a number from the same generator).
    'compact-json': { type: 'string', default: '0' },
    // `train` draws prompts the way the training data does (its phrasings and values): a diagnostic that
    // separates what the model cannot do at all from what it does not carry over to new phrasings.
    split: { type: 'string', default: 'heldout' },
  },
});
dataOptions.compactJson = Number(values['compact-json']);

/** How the 200 held-out prompts are spread over the families (scaled for other counts). */
const PLAN: readonly (readonly [Family, number])[] = [
  ['capital', 30], ['capital_reverse', 15], ['arithmetic', 40], ['calculator', 15], ['weather', 25], ['time', 15],
  ['currency', 15], ['search', 15], ['greeting', 8], ['thanks', 7], ['follow_up', 10], ['no_tool_available', 5],
];

export function heldOut(count: number, seed: number, split: Split = 'heldout'): Example[] {
  const rng = new Rng(seed);
  const out: Example[] = [];
  const total = PLAN.reduce((s, [, n]) => s + n, 0);
  for (const [family, n] of PLAN) {
    const k = Math.max(1, Math.round((n * count) / total));
    for (let i = 0; i < k; i++) out.push(makeExample(rng, split, family));
  }
  return out.slice(0, count);
}

interface Outcome {
  family: Family;
  place: Example['place'];
  effort: ReasoningEffort;
  valid: boolean;
  needsTool: boolean;
  called: string | undefined;
  rightTool: boolean;
  schemaValid: boolean;
  rightValues: boolean;
  spurious: boolean;
  rightAnswer: boolean;
  analysisTokens: number;
  final: string;
  /** The user's message and the model's reasoning (for reading failures in --json). */
  user: string;
  reasoning: string;
  /** What the first call's arguments were, and what was expected (for reading failures in --json). */
  args?: string;
  expected?: string;
}

function schemaValid(args: unknown, spec: ToolSpec | undefined): boolean {
  if (!spec || typeof args !== 'object' || args === null || Array.isArray(args)) return false;
  const schema = spec.parameters as { properties: Record<string, { type: string; enum?: string[] }>; required: string[] };
  const a = args as Record<string, unknown>;
  if (!schema.required.every((k) => k in a)) return false;
  return Object.entries(a).every(([k, v]) => {
    const p = schema.properties[k];
    if (!p) return false;
    if (p.type === 'string' && typeof v !== 'string') return false;
    if (p.type === 'number' && typeof v !== 'number') return false;
    return !p.enum || p.enum.includes(v as string);
  });
}

function sameValues(args: unknown, expected: Record<string, JsonValue> | undefined): boolean {
  if (!expected || typeof args !== 'object' || args === null) return false;
  const a = args as Record<string, unknown>;
  const norm = (v: unknown): string => (typeof v === 'string' ? v.trim().toLowerCase() : JSON.stringify(v));
  return Object.keys(a).length === Object.keys(expected).length && Object.entries(expected).every(([k, v]) => norm(a[k]) === norm(v));
}

function rightAnswer(ex: Example, final: string): boolean {
  if (ex.family === 'arithmetic' || ex.family === 'calculator') {
    const numbers = final.match(/-?\d+(?:\.\d+)?/g);
    return numbers !== null && numbers[numbers.length - 1] === ex.expect.answer[0];
  }
  const f = final.toLowerCase();
  return ex.expect.answer.every((a) => f.includes(a.toLowerCase()));
}

async function runOne(engine: Engine, ex: Example, sampling: { temperature: number; seed?: number }): Promise<Outcome> {
  const tools: FunctionTool[] = ex.tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: t.parameters,
    handler: () => (t.name === ex.expect.tool ? ex.expect.toolOutput! : JSON.stringify({ error: 'no result' })),
  }));
  const events: ChatEvent[] = [];
  for await (const e of engine.chat([...ex.history, { role: 'user', content: ex.user }], {
    ...sampling,
    reasoningEffort: ex.effort,
    conversationStartDate: ex.date,
    ...(ex.instructions !== undefined ? { instructions: ex.instructions } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    maxTokens: 250,
    maxToolRounds: 3,
  })) {
    events.push(e);
  }
  const done = events.find((e) => e.type === 'done');
  const calls = events.flatMap((e) => (e.type === 'tool_call' ? [e] : []));
  const final = events.map((e) => (e.type === 'text' && e.channel === 'final' ? e.delta : '')).join('');
  const reasoning = events.map((e) => (e.type === 'reasoning' ? e.delta : '')).join('');
  const produced = done?.type === 'done' ? done.messages : [];
  const last = produced[produced.length - 1];
  const argsParse = calls.map((c) => {
    try {
      return JSON.parse(c.arguments) as unknown;
    } catch {
      return undefined;
    }
  });
  const valid =
    done?.type === 'done' &&
    done.reason === 'stop' &&
    last !== undefined &&
    last.author.role === 'assistant' &&
    last.channel === 'final' &&
    produced.every((m) => m.author.role !== 'assistant' || ['analysis', 'commentary', 'final'].includes(m.channel ?? '')) &&
    argsParse.every((a) => a !== undefined);
  const needsTool = ex.expect.tool !== undefined;
  const first = calls[0];
  const called = first?.recipient;
  const rightTool = needsTool && called === `functions.${ex.expect.tool}`;
  const spec = ex.tools.find((t) => `functions.${t.name}` === called);
  const sv = rightTool && schemaValid(argsParse[0], spec);
  return {
    family: ex.family,
    place: ex.place,
    effort: ex.effort,
    valid,
    needsTool,
    called,
    rightTool,
    schemaValid: sv,
    rightValues: sv && sameValues(argsParse[0], ex.expect.args),
    spurious: !needsTool && calls.length > 0,
    rightAnswer: rightAnswer(ex, final),
    analysisTokens: getTokenizer().encode(reasoning).length,
    final,
    user: ex.user,
    reasoning,
    ...(first ? { args: first.arguments } : {}),
    ...(ex.expect.args ? { expected: JSON.stringify(ex.expect.args) } : {}),
  };
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
}

export function summarize(o: Outcome[]): Record<string, string> {
  const tool = o.filter((x) => x.needsTool);
  const noTool = o.filter((x) => !x.needsTool);
  const row: Record<string, string> = {
    'valid harmony': pct(o.filter((x) => x.valid).length, o.length),
    'right tool': pct(tool.filter((x) => x.rightTool).length, tool.length),
    'right tool, schema-valid args': pct(tool.filter((x) => x.schemaValid).length, tool.length),
    'right argument values': pct(tool.filter((x) => x.rightValues).length, tool.length),
    'right argument values, made-up place names': pct(tool.filter((x) => x.place === 'made_up' && x.rightValues).length, tool.filter((x) => x.place === 'made_up').length),
    'right argument values, real held-out cities': pct(tool.filter((x) => x.place === 'real' && x.rightValues).length, tool.filter((x) => x.place === 'real').length),
    'spurious calls (no tool needed)': pct(noTool.filter((x) => x.spurious).length, noTool.length),
  };
  for (const f of ['weather', 'time', 'currency', 'search', 'calculator', 'follow_up'] as const) {
    const xs = tool.filter((x) => x.family === f);
    if (xs.length > 0) row[`right argument values: ${f}`] = pct(xs.filter((x) => x.rightValues).length, xs.length);
  }
  const fams: Family[] = ['capital', 'capital_reverse', 'arithmetic', 'calculator', 'weather', 'time', 'currency', 'search', 'greeting', 'thanks', 'follow_up', 'no_tool_available'];
  for (const f of fams) {
    const xs = o.filter((x) => x.family === f);
    if (xs.length > 0) row[`right answer: ${f}`] = pct(xs.filter((x) => x.rightAnswer).length, xs.length);
  }
  for (const e of ['low', 'medium', 'high'] as const) {
    const xs = o.filter((x) => x.effort === e);
    row[`mean analysis tokens, ${e}`] = xs.length ? (xs.reduce((s, x) => s + x.analysisTokens, 0) / xs.length).toFixed(1) : '-';
  }
  return row;
}

async function main(): Promise<void> {
  const count = Number(values.count);
  const examples = heldOut(count, Number(values.seed), values.split === 'train' ? 'train' : 'heldout');
  const engine = await Engine.load(values.model);
  try {
    const columns: Record<string, Record<string, string>> = {};
    const greedy: Outcome[] = [];
    for (const ex of examples) greedy.push(await runOne(engine, ex, { temperature: 0 }));
    columns['greedy'] = summarize(greedy);
    const sampled: Outcome[] = [];
    const sampledCount = Math.min(count, Number(values['sampled-count']));
    for (let s = 1; s <= Number(values.seeds); s++) {
      for (const ex of examples.slice(0, sampledCount)) sampled.push(await runOne(engine, ex, { temperature: 1, seed: s }));
    }
    if (sampled.length > 0) columns[`T=1.0, ${values.seeds} seeds`] = summarize(sampled);
    const names = Object.keys(columns);
    const lines = [`| metric | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`];
    for (const k of Object.keys(columns['greedy']!)) lines.push(`| ${k} | ${names.map((n) => columns[n]![k] ?? '-').join(' | ')} |`);
    console.log(lines.join('\n'));
    // What `gpt-oss run "What is the capital of France?"` does with its defaults (effort medium, the
    // demo's temperature), with seeds 1..N instead of a random one.
    let paris = 0;
    const runs = Number(values.paris);
    for (let s = 1; s <= runs; s++) {
      let final = '';
      for await (const e of engine.chat([{ role: 'user', content: 'What is the capital of France?' }], { ...DEMO_SAMPLING, seed: s, reasoningEffort: 'medium' })) {
        if (e.type === 'text' && e.channel === 'final') final += e.delta;
      }
      if (/Paris/.test(final)) paris++;
    }
    if (runs > 0) console.log(`\n"What is the capital of France?" at the demo's default sampling (temperature ${DEMO_SAMPLING.temperature}): Paris in ${paris}/${runs} runs`);
    if (values.json) writeFileSync(values.json, JSON.stringify({ columns, paris: { named: paris, runs }, greedy }, null, 2));
  } finally {
    engine.dispose();
  }
}

await main();

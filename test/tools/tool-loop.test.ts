// Built-in tools through the engine's tool loop: a scripted model (test/engine/helpers.ts) makes
// the calls gpt-oss makes (browser.search, browser.open, functions.apply_patch), the tools answer
// inside the same turn, and the final answer's citation resolves to the page that was opened.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/engine/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { createApplyPatchTool } from '../../src/tools/apply-patch/tool.js';
import { SearxngBackend } from '../../src/tools/browser/backends/searxng.js';
import { BrowserTool } from '../../src/tools/browser/browser-tool.js';
import { normalizeCitations } from '../../src/tools/browser/citations.js';
import { toolChatOptions, type Tool } from '../../src/tools/tool.js';
import { ScriptedModel, collect } from '../engine/helpers.js';
import { startTestSite, type TestSite } from './test-server.js';

const tok = getTokenizer();
function ids(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(/(<\|[a-z]+\|>)/)) {
    if (part === '') continue;
    if (/^<\|[a-z]+\|>$/.test(part)) out.push(tok.specialId(part));
    else out.push(...tok.encode(part));
  }
  return out;
}

let site: TestSite;
let ws: string;
before(async () => {
  site = await startTestSite();
  ws = mkdtempSync(join(tmpdir(), 'gpt-oss-loop-'));
});
after(async () => {
  await site.close();
  rmSync(ws, { recursive: true, force: true });
});

describe('built-in tools in the engine tool loop', () => {
  it('search -> open -> apply_patch -> cited answer, all in one turn; the tools are declared in the prompt', async () => {
    const script = [
      ids('<|channel|>analysis<|message|>Look it up.<|end|><|start|>assistant<|channel|>analysis to=browser.search code<|message|>{"query":"blue whale food"}<|call|>'),
      ids('<|channel|>analysis to=browser.open code<|message|>{"id":0}<|call|>'),
      ids('<|channel|>commentary to=functions.apply_patch code<|message|>*** Begin Patch\n*** Add File: notes/whales.md\n+Blue whales eat krill.\n*** End Patch<|call|>'),
      ids('<|channel|>final<|message|>Blue whales eat krill【1†L2-L4】.<|return|>'),
    ];
    const model = new ScriptedModel(script);
    const engine = new Engine(model, tok);
    const browser = new BrowserTool(new SearxngBackend(site.base, { allowHosts: ['127.0.0.1'] }));
    const tools = [browser, createApplyPatchTool(ws)];
    const { events, done } = await collect(
      // The script is the model's exact output, so the harmony-structure constraint (tested in
      // test/engine/constrained.test.ts) is off: this test is about the tool loop.
      engine.chat([{ role: 'user', content: 'What do blue whales eat? Note it down.' }], { ...toolChatOptions(tools), seed: 1, harmonyStructure: false }),
    );

    const calls = events.flatMap((e) => (e.type === 'tool_call' ? [e.recipient] : []));
    assert.deepEqual(calls, ['browser.search', 'browser.open', 'functions.apply_patch']);
    const results = events.flatMap((e) => (e.type === 'tool_result' ? [e.output] : []));
    assert.match(results[0]!, /^\[0\] blue whale food\n/);
    assert.match(results[0]!, /【0†Blue whales†127\.0\.0\.1:\d+】/);
    assert.match(results[1]!, /^\[1\] Blue whales \(http:\/\/127\.0\.0\.1:\d+\/whales\)/);
    assert.match(results[1]!, /krill/);
    assert.equal(results[2], 'Done!\nA notes/whales.md');
    assert.equal(readFileSync(join(ws, 'notes/whales.md'), 'utf8'), 'Blue whales eat krill.');
    assert.equal(done.reason, 'stop');
    assert.deepEqual(
      done.messages.map((m) => m.author.name ?? m.author.role),
      ['assistant', 'assistant', 'browser.search', 'assistant', 'browser.open', 'assistant', 'functions.apply_patch', 'assistant'],
    );

    const answer = events.map((e) => (e.type === 'text' && e.channel === 'final' ? e.delta : '')).join('');
    const cited = normalizeCitations(answer, browser.pageStack);
    assert.equal(cited.annotations.length, 1);
    assert.equal(cited.annotations[0]!.url, `${site.base}/whales`);
    assert.equal(cited.annotations[0]!.title, 'Blue whales');

    // What the model was shown: the browser namespace in the system message, apply_patch in the developer message.
    const prompt = tok.decode(model.history.get(0)!);
    assert.match(prompt, /# Tools\n\n## browser\n\n\/\/ Tool for browsing\.[^]*sources=web\n[^]*namespace browser \{/);
    assert.match(prompt, /<\|start\|>developer<\|message\|># Instructions\n\nWhen requested to perform coding-related tasks[^]*namespace functions \{\n\n\/\/ Patch a file\ntype apply_patch = \(_: string\) => any;/);
    assert.match(prompt, /<\|start\|>browser\.search to=assistant<\|channel\|>commentary<\|message\|>\[0\] blue whale food/);
  });

  it('custom tools, a namespace one and a function one, are registered the same way as the built-ins', async () => {
    const seen: string[] = [];
    const calendar: Tool = {
      name: 'calendar',
      namespace: { name: 'calendar', description: 'The user calendar.', tools: [{ name: 'today', description: 'Events today.' }] },
      call: async (recipient, args) => {
        seen.push(`${recipient} ${args}`);
        return 'dentist at 3pm';
      },
    };
    const shout: Tool = {
      name: 'shout',
      functionTool: { name: 'shout', description: 'Upper-cases text', parameters: { type: 'object', properties: { text: { type: 'string' } } } },
      call: async (recipient, args) => {
        seen.push(`${recipient} ${args}`);
        return (JSON.parse(args) as { text: string }).text.toUpperCase();
      },
    };
    const model = new ScriptedModel([
      ids('<|channel|>analysis to=calendar.today code<|message|>{}<|call|>'),
      ids('<|channel|>commentary to=functions.shout <|constrain|>json<|message|>{"text":"dentist"}<|call|>'),
      ids('<|channel|>final<|message|>DENTIST at 3pm.<|return|>'),
    ]);
    const { events, done } = await collect(new Engine(model, tok).chat([{ role: 'user', content: 'Today?' }], toolChatOptions([calendar, shout])));
    assert.deepEqual(seen, ['calendar.today {}', 'functions.shout {"text":"dentist"}']);
    assert.deepEqual(events.flatMap((e) => (e.type === 'tool_result' ? [e.output] : [])), ['dentist at 3pm', 'DENTIST']);
    assert.equal(done.reason, 'stop');
    const prompt = tok.decode(model.history.get(0)!);
    assert.match(prompt, /## calendar\n\n\/\/ The user calendar\.\nnamespace calendar \{/);
    assert.match(prompt, /type shout = \(_: \{\ntext\?: string,\n\}\) => any;/);
  });

  it('a call to a built-in tool that is not enabled ends the turn with reason tool_call', async () => {
    const model = new ScriptedModel([ids('<|channel|>analysis to=python code<|message|>print(1)<|call|>')]);
    const engine = new Engine(model, tok);
    const { done } = await collect(engine.chat([{ role: 'user', content: 'Hi' }], { ...toolChatOptions([createApplyPatchTool(ws)]), harmonyStructure: false }));
    assert.equal(done.reason, 'tool_call');
  });
});

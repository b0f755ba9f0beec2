import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChatMessage, DoneEvent } from '../../src/index.js';
import { makeTinyModel } from '../engine/helpers.js';
import { assertBuilt, root } from './built-cli.js';

// The package as installed: its built entry point (package.json "main"), typed from the sources.
assertBuilt();
const { loadModel } = (await import(pathToFileURL(join(root, 'dist', 'index.js')).href)) as typeof import('../../src/index.js');

let model: { dir: string; remove: () => void };
before(() => {
  model = makeTinyModel(2);
});
after(() => model.remove());

// The README's example, verbatim apart from the import path and the model directory.
async function readmeExample(dir: string, out: { write(s: string): void }): Promise<DoneEvent | undefined> {
  const model = await loadModel(dir, { onProgress: (p) => out.write(`loaded ${p.loaded}/${p.layers} layers\n`) });
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a terse assistant.' },
    { role: 'user', content: 'What is the capital of France?' },
  ];
  let done: DoneEvent | undefined;
  for await (const event of model.chat(messages, { reasoningEffort: 'low', temperature: 0.7, seed: 42, maxTokens: 8 })) {
    if (event.type === 'reasoning') out.write(event.delta);
    if (event.type === 'text') out.write(event.delta);
    if (event.type === 'tool_call') out.write(`\n[call ${event.recipient} ${event.arguments}]\n`);
    if (event.type === 'done') {
      out.write(`\n${event.usage.completionTokens} tokens, ${event.timings.tokensPerSecond.toFixed(1)} tok/s (${event.reason})\n`);
      done = event;
    }
  }
  model.dispose();
  return done;
}

it('the README library example runs on a tiny model', async () => {
  let text = '';
  const done = await readmeExample(model.dir, { write: (s) => (text += s) });
  assert.ok(done);
  assert.equal(done.reason, 'length');
  assert.equal(done.usage.completionTokens, 8);
  assert.ok(done.timings.tokensPerSecond > 0);
  assert.match(text, /loaded 4\/4 layers/);
  assert.match(text, /8 tokens, \d+\.\d tok\/s \(length\)/);
});

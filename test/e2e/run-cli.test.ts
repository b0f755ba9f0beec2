import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/engine/index.js';
import { collect, makeAnsweringModel } from '../engine/helpers.js';
import { runBuiltCli } from './built-cli.js';

// The shipped CLI (dist/cli/main.js) against a model that answers "Hello there!": an empty stdout,
// or one that differs from the library's answer, fails.
const run = (args: string[], input?: string) => runBuiltCli(args, input === undefined ? {} : { input });

let model: { dir: string; remove: () => void; answer: string };
before(() => {
  model = makeAnsweringModel('Hello there!', 3);
});
after(() => model.remove());

describe('gpt-oss run, one-shot', () => {
  it('PROMPT argument: exit 0, stdout holds exactly the final answer the library gives', async () => {
    const r = run(['run', model.dir, 'Say hi', '--seed', '4', '--max-tokens', '20', '--date', '2025-01-02', '--backend', 'ref']);
    assert.equal(r.code, 0, r.stderr);
    const engine = await Engine.load(model.dir, { backend: 'ref' });
    try {
      const lib = await collect(engine.chat([{ role: 'user', content: 'Say hi' }], { seed: 4, maxTokens: 20, conversationStartDate: '2025-01-02' }));
      const answer = lib.events.map((e) => (e.type === 'text' && e.channel === 'final' ? e.delta : '')).join('');
      assert.equal(answer, model.answer);
      assert.equal(r.stdout, `${model.answer}\n`);
    } finally {
      engine.dispose();
    }
  });

  it('--raw prints every generated token, reproducibly with --seed, the same for piped stdin', async () => {
    const args = ['run', model.dir, '--raw', '--seed', '9', '--max-tokens', '20', '--date', '2025-01-02', '--backend', 'ref'];
    const a = run([...args.slice(0, 2), 'Count to three', ...args.slice(2)]);
    const b = run([...args.slice(0, 2), 'Count to three', ...args.slice(2)]);
    const piped = run(args, 'Count to three\n');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(a.stdout, `<|channel|>final<|message|>${model.answer}<|return|>\n`);
    assert.equal(b.stdout, a.stdout);
    assert.equal(piped.stdout, a.stdout);
    const engine = await Engine.load(model.dir, { backend: 'ref' });
    try {
      const lib = await collect(engine.chat([{ role: 'user', content: 'Count to three' }], { seed: 9, maxTokens: 20, rawTokens: true, conversationStartDate: '2025-01-02' }));
      assert.equal(a.stdout, `${lib.events.map((e) => (e.type === 'token' ? e.text : '')).join('')}\n`);
    } finally {
      engine.dispose();
    }
  });

  it('MODEL that is not a model directory: one clear line naming the fix, exit 1', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gpt-oss-empty-'));
    try {
      for (const dir of [join(empty, 'missing'), empty]) {
        const r = run(['run', dir, 'hi']);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^error: .*gpt-oss make-model --preset tiny --seed 1 --format original --out DIR \(or leave MODEL out to chat with gpt-oss-demo\)\n$/);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('bad options are one-line errors', () => {
    const r = run(['run', model.dir, 'hi', '--reasoning-effort', 'extreme']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--reasoning-effort must be one of low, medium, high, got 'extreme'/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { collect, makeTinyModel } from '../engine/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cli, ...args], {
    cwd: root,
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let model: { dir: string; remove: () => void };
before(() => {
  model = makeTinyModel(3);
});
after(() => model.remove());

describe('gpt-oss run, one-shot', () => {
  it('PROMPT argument: exit 0, stdout holds exactly the final answer the library gives', async () => {
    const r = run(['run', model.dir, 'Say hi', '--seed', '4', '--max-tokens', '5', '--date', '2025-01-02', '--backend', 'ref']);
    assert.equal(r.code, 0, r.stderr);
    const engine = await Engine.load(model.dir, { backend: 'ref' });
    try {
      const lib = await collect(engine.chat([{ role: 'user', content: 'Say hi' }], { seed: 4, maxTokens: 5, conversationStartDate: '2025-01-02' }));
      const answer = lib.events.map((e) => (e.type === 'text' && e.channel === 'final' ? e.delta : '')).join('');
      assert.equal(r.stdout, answer === '' ? '' : `${answer}\n`);
    } finally {
      engine.dispose();
    }
  });

  it('--raw prints every generated token, reproducibly with --seed, the same for piped stdin', async () => {
    const args = ['run', model.dir, '--raw', '--seed', '9', '--max-tokens', '6', '--date', '2025-01-02', '--backend', 'ref'];
    const a = run([...args.slice(0, 2), 'Count to three', ...args.slice(2)]);
    const b = run([...args.slice(0, 2), 'Count to three', ...args.slice(2)]);
    const piped = run(args, 'Count to three\n');
    assert.equal(a.code, 0, a.stderr);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(a.stdout.trim().length > 0);
    assert.equal(b.stdout, a.stdout);
    assert.equal(piped.stdout, a.stdout);
    const engine = await Engine.load(model.dir, { backend: 'ref' });
    try {
      const lib = await collect(engine.chat([{ role: 'user', content: 'Count to three' }], { seed: 9, maxTokens: 6, rawTokens: true, conversationStartDate: '2025-01-02' }));
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

// `gpt-oss run` with the built-in tool options, driven as a user drives it. A random tiny model
// never calls a tool on its own (the engine tests force calls with a scripted model); here the CLI
// must check the options, declare the tools to the model exactly as the library does, and exit
// cleanly with a python interpreter started.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { PythonTool, createTools, toolChatOptions } from '../../src/tools/index.js';
import { collect, makeTinyModel } from '../engine/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--import', 'tsx', join(root, 'src/cli/main.ts')];

function run(args: string[], env: Record<string, string | undefined> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...cli, ...args], {
    cwd: root,
    input: '',
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let model: { dir: string; remove: () => void };
let tmp: string;
before(() => {
  model = makeTinyModel(3);
  tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-run-tools-'));
  mkdirSync(join(tmp, 'docs'));
  mkdirSync(join(tmp, 'ws'));
  writeFileSync(join(tmp, 'docs', 'a.md'), '# A\n\nSome text.\n');
});
after(() => {
  model.remove();
  rmSync(tmp, { recursive: true, force: true });
});

describe('gpt-oss run with tools', () => {
  it('--help lists the tool options', () => {
    const r = run(['run', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--browser ', '--browser-backend local|fetch|searxng|brave', '--docs DIR', '--python ', '--python-backend pyodide|docker', '--python-image IMAGE', '--apply-patch', '--workspace DIR']) assert.ok(r.stdout.includes(flag), flag);
  });

  it('bad tool options are clear errors before any model is loaded', () => {
    const cases: [string[], RegExp, Record<string, string | undefined>?][] = [
      [['--browser-backend', 'local'], /--browser-backend local needs --docs DIR/],
      [['--docs', join(tmp, 'nope')], /--docs .*nope: no such directory/],
      [['--browser-backend', 'searxng'], /needs SEARXNG_URL/, { SEARXNG_URL: undefined }],
      [['--workspace', tmp], /--workspace is for --apply-patch/],
      [['--python', '--python-backend', 'podman'], /--python-backend must be one of pyodide, docker, got 'podman'/],
      [['--python', '--python-image', 'python:3.13'], /--python-image is for --python-backend docker/],
      [['--python-backend', 'docker'], /--python-backend and --python-image are for --python/],
    ];
    for (const [args, why, env] of cases) {
      const r = run(['run', model.dir, 'hi', ...args], env);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('with --docs, --python and --apply-patch the model sees the tools as the library declares them, and the run exits', async () => {
    const args = ['--seed', '5', '--max-tokens', '6', '--date', '2025-01-02', '--backend', 'ref', '--raw'];
    const r = run(['run', model.dir, 'Find the notes', ...args, '--docs', join(tmp, 'docs'), '--python', '--apply-patch', '--workspace', join(tmp, 'ws')]);
    assert.equal(r.code, 0, r.stderr);
    const engine = await Engine.load(model.dir, { backend: 'ref' });
    const tools = createTools({ browser: { backend: 'local', docs: join(tmp, 'docs') }, applyPatch: { workspace: join(tmp, 'ws') } });
    try {
      const raw = async (withTools: boolean): Promise<string> => {
        const opts = { seed: 5, maxTokens: 6, rawTokens: true, conversationStartDate: '2025-01-02', ...(withTools ? toolChatOptions([...tools, new PythonTool()]) : {}) };
        const lib = await collect(engine.chat([{ role: 'user', content: 'Find the notes' }], opts));
        return `${lib.events.map((e) => (e.type === 'token' ? e.text : '')).join('')}\n`;
      };
      assert.equal(r.stdout, await raw(true));
      assert.notEqual(r.stdout, await raw(false), 'the tools change what the model sees');
    } finally {
      engine.dispose();
      for (const t of tools) await t.dispose?.();
    }
  });
});

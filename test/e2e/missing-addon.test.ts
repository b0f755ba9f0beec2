// What a user sees when the native cpu backend cannot load (not built, or built for another Node):
// without --backend the CLI says so, names the fix and carries on with `ref`; with --backend cpu it
// fails with that message instead of falling back silently. GPT_OSS_CPU_ADDON points the loader at a
// file that does not exist (or at one that is not an addon), as a missing or broken build would.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTinyModel } from '../engine/helpers.js';
import { runBuiltCli } from './built-cli.js';

const run = (addon: string, args: string[]) => runBuiltCli(args, { env: { GPT_OSS_CPU_ADDON: addon } });

let model: { dir: string; remove: () => void };
before(() => {
  model = makeTinyModel(5);
});
after(() => model.remove());

describe('a missing or broken cpu addon', () => {
  it('no --backend: a warning naming the file and the fix, then the answer from ref (exit 0)', () => {
    const missing = join(model.dir, 'no-such-addon.node');
    const r = run(missing, ['run', model.dir, 'Hello', '--raw', '--seed', '1', '--max-tokens', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /native cpu backend is not built/);
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.match(r.stderr, /npm run build/);
    assert.match(r.stderr, /using the 'ref' backend/);
    assert.ok(r.stdout.trim().length > 0, 'ref still generated tokens');
  });

  it('--backend cpu: fails with the reason and the fix, no fallback, no stack trace', () => {
    const broken = join(model.dir, 'broken.node');
    writeFileSync(broken, 'not a shared object');
    const r = run(broken, ['run', model.dir, 'Hello', '--raw', '--max-tokens', '3', '--backend', 'cpu']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /failed to load/);
    assert.match(r.stderr, /npm run build/);
    assert.doesNotMatch(r.stderr, /using the 'ref' backend/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});

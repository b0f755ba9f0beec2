// `gpt-oss run` with no model: the packaged gpt-oss-demo answers, as on a fresh clone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cache = mkdtempSync(join(tmpdir(), 'gpt-oss-demo-cli-'));
after(() => rmSync(cache, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1', GPT_OSS_CACHE: cache },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gpt-oss run with the demo model', () => {
  it('a prompt as the only argument goes to gpt-oss-demo, which names Paris', () => {
    const r = run(['run', 'What is the capital of France?', '--seed', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Paris/);
  });

  it('`run gpt-oss-demo PROMPT` names the model explicitly; --show-reasoning puts the analysis on stderr', () => {
    const r = run(['run', 'gpt-oss-demo', 'What is the capital of Japan?', '--temperature', '0', '--show-reasoning']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Tokyo/);
    assert.match(r.stderr, /Japan/);
  });
});

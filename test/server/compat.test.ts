// OpenAI's gpt-oss compatibility cases (test/compat/, from openai/gpt-oss compatibility-test/)
// through the Agents SDK against the built CLI serving gpt-oss-demo: a few cases here, every case in
// `npm run compat` (figures in BENCHMARKS.md).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO_SAMPLING } from '../../src/engine/index.js';
import { CASES, runCompatCase, type ApiType } from '../compat/compat.js';
import { assertBuilt, BUILT_CLI, root } from '../e2e/built-cli.js';

const cache = mkdtempSync(join(tmpdir(), 'gpt-oss-compat-'));

describe('OpenAI gpt-oss compatibility cases (Agents SDK) against gpt-oss serve', () => {
  let child: ReturnType<typeof spawn>;
  let url = '';
  before(async () => {
    assertBuilt();
    child = spawn(process.execPath, [BUILT_CLI, 'serve', '--port', '0'], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: '1', GPT_OSS_CACHE: cache },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /ready, serving '[^']+' at (\S+)\/v1/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`gpt-oss serve exited with ${code}:\n${err}`)));
    });
  });
  after(() => {
    child.kill('SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  });

  // A case whose tool has a required parameter (the full set runs in `npm run compat`).
  const picked = [CASES.findIndex((c) => c.tool_name === 'get_weather')];
  for (const api of ['chat', 'responses'] as ApiType[]) {
    for (const streaming of [false, true]) {
      it(`${api}${streaming ? ', streamed' : ''}: the forced tool is called with valid arguments; response and event shapes pass`, async () => {
        for (const i of picked) {
          const r = await runCompatCase(i, CASES[i]!, api, streaming, { baseURL: `${url}/v1`, model: 'gpt-oss-demo', temperature: DEMO_SAMPLING.temperature });
          assert.ok(r.pass, JSON.stringify(r));
        }
      });
    }
  }
});

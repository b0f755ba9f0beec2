// `gpt-oss serve --docs DIR` as a user starts it, on a tiny random checkpoint: the flags reach the
// server, a forced web_search is a browser.search call the random model writes (it never would on
// its own), a built-in that is off is a 400 naming its flag, and bad tool flags fail before loading.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { makeTinyModel } from '../engine/helpers.js';
import { spawnServe, type CliServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('gpt-oss serve with built-in tool flags', () => {
  let model: { dir: string; remove: () => void };
  let docs: string;
  let srv: CliServer;
  let client: OpenAI;
  before(async () => {
    model = makeTinyModel(7);
    docs = mkdtempSync(join(tmpdir(), 'gpt-oss-serve-docs-'));
    writeFileSync(join(docs, 'a.md'), '# A\n\nSome text.\n');
    srv = await spawnServe([model.dir, '--docs', docs]);
    client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => {
    if (srv && srv.child.exitCode === null) srv.child.kill('SIGKILL');
    model.remove();
    rmSync(docs, { recursive: true, force: true });
  });

  it('a forced web_search makes the random model call browser.search; code_interpreter without --python is a 400 naming it', async () => {
    const r = await client.responses.create({
      model: 'tiny',
      input: 'Find the notes',
      tools: [{ type: 'web_search' }],
      tool_choice: { type: 'web_search_preview' },
      reasoning: { max_tokens: 0 } as OpenAI.Reasoning,
      max_output_tokens: 24,
    });
    assert.equal(r.output[0]?.type, 'web_search_call', JSON.stringify(r.output));
    // The forced call takes the whole budget, so the search cannot run: the response says it was cut.
    assert.equal(r.status, 'incomplete');
    await assert.rejects(
      client.responses.create({ model: 'tiny', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }),
      (e: InstanceType<typeof OpenAI.APIError>) => e.status === 400 && /--python/.test(e.message) && e.param === 'tools[0].type',
    );
  });

  it('--help lists the tool flags; a --docs folder that does not exist is a clear error', () => {
    const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
      const p = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 60_000 });
      return { code: p.status, stdout: p.stdout, stderr: p.stderr };
    };
    const help = run(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--browser ', '--browser-backend local|fetch|searxng|brave', '--docs DIR', '--browser-allow-private', '--python ', '--python-timeout S']) assert.ok(help.stdout.includes(flag), flag);
    const bad = run([model.dir, '--docs', join(docs, 'nope'), '--port', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--docs .*nope: no such directory/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  });
});

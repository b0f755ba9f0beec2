// `gpt-oss serve` with no model: the packaged gpt-oss-demo is served, as `gpt-oss run` chats with it.
// The shipped CLI (dist/) is spawned as a user starts it, and driven over real HTTP with the openai client.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { assertBuilt, BUILT_CLI, root } from './built-cli.js';

const cache = mkdtempSync(join(tmpdir(), 'gpt-oss-serve-demo-'));

describe('gpt-oss serve with no MODEL serves gpt-oss-demo', () => {
  let child: ReturnType<typeof spawn>;
  let stderr = '';
  let url = '';
  let exited: Promise<number | null>;
  before(async () => {
    assertBuilt();
    child = spawn(process.execPath, [BUILT_CLI, 'serve', '--port', '0'], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: '1', GPT_OSS_CACHE: cache },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gpt-oss serve did not get ready:\n${stderr}`)), 60_000);
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /ready, serving '([^']+)' at (http:\/\/\S+)\/v1/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[2]!);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gpt-oss serve exited with ${code} before it was ready:\n${stderr}`));
      });
    });
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(cache, { recursive: true, force: true });
  });

  it('lists gpt-oss-demo, answers both APIs with it, and stops on SIGTERM', async () => {
    assert.match(stderr, /ready, serving 'gpt-oss-demo' at http:\/\/127\.0\.0\.1:\d+\/v1/);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['gpt-oss-demo'],
    );
    const chat = await client.chat.completions.create({
      model: 'gpt-oss-demo',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      temperature: 0,
      max_tokens: 200,
    });
    assert.match(chat.choices[0]!.message.content ?? '', /Paris/);
    assert.equal(chat.choices[0]!.finish_reason, 'stop');
    const resp = await client.responses.create({ model: 'gpt-oss-demo', input: 'What is the capital of France?', temperature: 0, max_output_tokens: 200 });
    assert.equal(resp.status, 'completed');
    assert.match(resp.output_text, /Paris/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stderr, /stopped/);
  });
});

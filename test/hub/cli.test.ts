import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ollama } from 'ollama';
import { PRESETS } from '../../src/format/config-types.js';
import { kvCacheBytes, repoFolder } from '../../src/hub/index.js';
import { formatBytes } from '../../src/cli/download-progress.js';
import { FakeHub } from './fake-hub.js';
import { tempCache, tinyRepoFiles } from './helpers.js';

// The hub commands driven as a user drives them: a process with HF_ENDPOINT and HF_HOME set, the fake
// hub answering over HTTP in this process (so the CLI is spawned asynchronously).
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const spawnCli = (args: string[], env: Record<string, string | undefined>): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_NO_WARNINGS: '1', HF_TOKEN: '', HF_HUB_CACHE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;

function cli(args: string[], env: Record<string, string | undefined>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let hub: FakeHub;
let cache: ReturnType<typeof tempCache>;
let env: Record<string, string>;
let firstCommit: string;
let small: Map<string, Buffer>;
let chat: Map<string, Buffer>;

before(async () => {
  hub = new FakeHub();
  small = tinyRepoFiles({ vocab: 512 });
  firstCommit = hub.addRepo('acme/tiny-gpt-oss', small);
  hub.addRepo('acme/gated-gpt-oss', small, { gated: true });
  // A model that can chat (the full vocabulary), in the original layout only; the same files stand in
  // for openai/gpt-oss-20b, so that the alias gpt-oss-20b can be pulled.
  chat = tinyRepoFiles({ seed: 3, layouts: ['original'] });
  hub.addRepo('acme/chat-gpt-oss', chat);
  hub.addRepo('openai/gpt-oss-20b', chat);
  await hub.start();
  cache = tempCache(hub.endpoint);
  env = { HF_ENDPOINT: hub.endpoint, HF_HOME: cache.root };
});
after(async () => {
  await hub.stop();
  cache.remove();
});

describe('gpt-oss pull / list / show / rm', () => {
  it('pull prints what it fetches and the checkpoint directory; a second pull downloads nothing', async () => {
    const r = await cli(['pull', 'acme/tiny-gpt-oss'], env);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(repoFolder(join(cache.root, 'hub'), 'acme/tiny-gpt-oss'), 'snapshots', firstCommit, 'original');
    assert.equal(r.stdout, `${dir}\n`);
    assert.match(r.stderr, new RegExp(`^pulling acme/tiny-gpt-oss@${firstCommit.slice(0, 12)} \\(original layout, 4 files, 1\\.0 MB\\)\\n`));
    assert.match(r.stderr, /\n {2}original\/model\.safetensors 1\.0 MB verified\n/);
    assert.match(r.stderr, /downloaded 4 files, 1\.0 MB\n$/);
    const again = await cli(['pull', 'acme/tiny-gpt-oss'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already up to date\n$/);
    assert.equal(again.stdout, r.stdout);
  });

  it('pull of a gated repository without HF_TOKEN: one line naming the fix, exit 1; with HF_TOKEN it works', async () => {
    const r = await cli(['pull', 'acme/gated-gpt-oss'], env);
    assert.equal(r.code, 1);
    // The listing is public (as on the hub); the files are not.
    assert.match(r.stderr, /^pulling acme\/gated-gpt-oss@[0-9a-f]{12} \(original layout, 4 files, 1\.0 MB\)\nerror: acme\/gated-gpt-oss is a gated repository: accept its terms at http:\/\/127\.0\.0\.1:\d+\/acme\/gated-gpt-oss while logged in, then set HF_TOKEN to an access token of that account \(the hub said: Access to model acme\/gated-gpt-oss is restricted\..*\)\n$/);
    // What an interrupted pull left is resumed, and the first line says so.
    const shard = small.get('model-00001-of-00001.safetensors')!;
    const blobs = join(repoFolder(join(cache.root, 'hub'), 'acme/gated-gpt-oss'), 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${createHash('sha256').update(shard).digest('hex')}.incomplete`), shard.subarray(0, 400_000));
    const ok = await cli(['pull', 'acme/gated-gpt-oss', '--layout', 'hf'], { ...env, HF_TOKEN: hub.token });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /^pulling acme\/gated-gpt-oss@[0-9a-f]{12} \(hf layout, 5 files, 1\.0 MB, 63\d kB to download, resuming from 400 kB already here\)\n/);
  });

  it('list shows name, layout, size, quantization and context of every cached gpt-oss checkpoint', async () => {
    const r = await cli(['list'], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+LAYOUT\s+SIZE\s+QUANTIZATION\s+CONTEXT$/);
    // The tiny model's embedding outweighs its experts, so bf16 comes first here (the released models: mxfp4 experts).
    assert.ok(lines.some((l) => /^acme\/gated-gpt-oss\s+hf\s+1\.0 MB\s+bf16, mxfp4 experts\s+131072$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^acme\/tiny-gpt-oss\s+original\s+1\.0 MB\s+bf16, mxfp4 experts\s+131072$/.test(l)), r.stdout);
    // The packaged demo model is always listed, beside the two cached checkpoints.
    assert.ok(lines.some((l) => /^gpt-oss-demo\s+original\s+[\d.]+ [KMG]?B\s+bf16, mxfp4 experts\s+\d+$/.test(l)), r.stdout);
    assert.equal(lines.length, 4, r.stdout);
  });

  it('show prints the config, tensor groups and the memory each backend needs for --context', async () => {
    const r = await cli(['show', 'acme/tiny-gpt-oss', '--context', '4096'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^model {6}acme\/tiny-gpt-oss\n/);
    assert.match(r.stdout, /layers 2 \(attention per layer: SF;/);
    assert.match(r.stdout, /\n {2}experts\s+mxfp4\s+\d+ tensors/);
    const config = { ...PRESETS.tiny, numHiddenLayers: 2, layerSliding: [true, false] };
    const kv16 = formatBytes(kvCacheBytes(config, 4096, 2));
    const kv32 = formatBytes(kvCacheBytes(config, 4096, 4));
    assert.match(r.stdout, new RegExp(`memory for a 4096-token context \\(estimate\\)\\n {2}cpu \\(fast\\) .*KV cache ${kv16.replace('.', '\\.')}`));
    assert.match(r.stdout, new RegExp(`\\n {2}ref .*KV cache ${kv32.replace('.', '\\.')}`));
    assert.match(r.stdout, new RegExp(`\\n {2}webgpu .*KV cache ${kv32.replace('.', '\\.')} +\\(GPU memory`));
    // a tiny model's experts fit in any machine's memory: auto copies them, and the cpu rows say so
    assert.match(r.stdout, /\n {2}experts \(cpu backend, --experts auto\): copy here: [\d.]+ [kMG]?B of experts \+ [\d.]+ [kMG]?B kept for the KV cache and the rest fit in the [\d.]+ GB available \((MemAvailable|cgroup \/sys\/fs\/cgroup\/[^)]*)\)\n/);
    assert.match(r.stdout, /\n {2}cpu \(fast\) .*experts copied into the process's memory at load/);
    const missing = await cli(['show', 'gpt-oss-120b'], env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: gpt-oss-120b is not downloaded ('gpt-oss list' shows the local models; 'gpt-oss pull gpt-oss-120b' downloads it)\n");
  });

  it('rm asks for --yes without a terminal, removes one snapshot and only the blobs no other snapshot uses', async () => {
    // A new commit on main that changes the README only: its snapshot shares the weights' blob.
    const files = new Map(small);
    files.set('README.md', Buffer.from('# tiny, second revision\n'));
    const second = hub.addRepo('acme/tiny-gpt-oss', files);
    const pulled = await cli(['pull', 'acme/tiny-gpt-oss'], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /downloaded 1 files, 24 B\n$/);
    const repoDir = repoFolder(join(cache.root, 'hub'), 'acme/tiny-gpt-oss');
    const blobsBefore = readdirSync(join(repoDir, 'blobs')).length;

    const refused = await cli(['rm', 'acme/tiny-gpt-oss', '--revision', firstCommit], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: gpt-oss rm: would remove acme\/tiny-gpt-oss@[0-9a-f]{12}: 4 files, \d+ B freed; pass --yes to confirm/);
    assert.ok(existsSync(join(repoDir, 'snapshots', firstCommit)));

    const r = await cli(['rm', 'acme/tiny-gpt-oss', '--revision', firstCommit, '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    const oldReadme = small.get('README.md')!.length;
    assert.equal(r.stdout, `removed acme/tiny-gpt-oss@${firstCommit.slice(0, 12)}: 4 files, ${oldReadme} B freed\n`);
    assert.ok(!existsSync(join(repoDir, 'snapshots', firstCommit)));
    assert.equal(readdirSync(join(repoDir, 'blobs')).length, blobsBefore - 1, 'only the old README blob went');
    assert.ok(existsSync(join(repoDir, 'snapshots', second, 'original', 'model.safetensors')), 'the newer snapshot still has its weights');

    const all = await cli(['rm', 'acme/tiny-gpt-oss', '--yes'], env);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(!existsSync(repoDir), 'the last snapshot took the repository folder with it');
    assert.ok(existsSync(repoFolder(join(cache.root, 'hub'), 'acme/gated-gpt-oss')), 'other repositories are untouched');
  });
});

describe('gpt-oss run with a hub name', () => {
  it('without --yes (and no terminal to ask on) says how to get the model; with --yes pulls it and answers', async () => {
    const args = ['run', 'acme/chat-gpt-oss', 'Say hi', '--seed', '1', '--max-tokens', '3', '--backend', 'ref', '--raw'];
    const refused = await cli(args, env);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, "error: acme/chat-gpt-oss is neither a directory nor a downloaded hub model: 'gpt-oss pull acme/chat-gpt-oss' downloads it from the hub, or pass --yes to pull it now\n");
    const r = await cli([...args, '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^pulling acme\/chat-gpt-oss \(original layout, 10\d MB\)\n/);
    assert.ok(r.stdout.trim().length > 0, 'the raw tokens it generated');
    // Now cached: the same command runs without --yes and without the network.
    await hub.stop();
    try {
      const offline = await cli(args, env);
      assert.equal(offline.code, 0, offline.stderr);
      assert.equal(offline.stdout, r.stdout);
    } finally {
      await hub.start();
      env['HF_ENDPOINT'] = hub.endpoint;
    }
  });
});

describe('gpt-oss pull --revision, then run and serve', () => {
  const args = (model: string): string[] => ['run', model, 'Say hi', '--seed', '1', '--max-tokens', '3', '--backend', 'ref', '--raw'];

  /** The directory `serve` says it loads (the line comes before the model is loaded; the server is stopped there). */
  async function servedDir(model: string): Promise<string> {
    const child = spawnCli(['serve', model, '--port', '0', '--context', '256'], env);
    let stderr = '';
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      return await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /listening on \S+ \(loading (.+)\)\n/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`serve exited:\n${stderr}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }

  it('a model pulled only at a tag or commit is found by NAME (the newest pulled revision when main is not), NAME@TAG and NAME@COMMIT', async () => {
    const v1 = hub.addRepo('acme/rev-gpt-oss', chat);
    hub.tag('acme/rev-gpt-oss', 'v1', v1);
    const newer = new Map(chat);
    newer.set('README.md', Buffer.from('# tiny, second revision\n'));
    const main = hub.addRepo('acme/rev-gpt-oss', newer);
    const snapshots = join(repoFolder(join(cache.root, 'hub'), 'acme/rev-gpt-oss'), 'snapshots');

    const pulled = await cli(['pull', '--revision', 'v1', 'acme/rev-gpt-oss'], env);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout, `${join(snapshots, v1, 'original')}\n`);
    const r = await cli(args('acme/rev-gpt-oss'), env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'the raw tokens it generated');
    assert.equal(await servedDir(`acme/rev-gpt-oss@${v1.slice(0, 12)}`), join(snapshots, v1, 'original'));

    // A revision not pulled is not stood in for by another: the error names the pull that gets it.
    const missing = await cli(args('acme/rev-gpt-oss@main'), env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: acme/rev-gpt-oss@main is neither a directory nor a downloaded hub model: 'gpt-oss pull acme/rev-gpt-oss@main' downloads it from the hub, or pass --yes to pull it now\n");
    // pull takes NAME@REV too; once main is pulled, NAME is main.
    const pulledMain = await cli(['pull', 'acme/rev-gpt-oss@main'], env);
    assert.equal(pulledMain.code, 0, pulledMain.stderr);
    assert.equal(pulledMain.stdout, `${join(snapshots, main, 'original')}\n`);
    assert.equal(await servedDir('acme/rev-gpt-oss'), join(snapshots, main, 'original'));
    assert.equal(await servedDir('acme/rev-gpt-oss@v1'), join(snapshots, v1, 'original'));
  });
});

describe('gpt-oss serve with a hub alias', () => {
  it('without --yes (and no terminal to ask on) says how to get the model; with --yes pulls it, then serves it over HTTP', async () => {
    const refused = await cli(['serve', 'gpt-oss-20b', '--port', '0'], env);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, "error: gpt-oss-20b (openai/gpt-oss-20b) is not downloaded: 'gpt-oss pull gpt-oss-20b' downloads it from the hub, or pass --yes to pull it now\n");
    assert.equal(refused.stdout, '');

    const child = spawnCli(['serve', 'gpt-oss-20b', '--yes', '--port', '0', '--context', '1024'], env);
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not get ready:\n${stderr}`)), 120_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /ready, serving '[^']+' at (http:\/\/[^\s]+)\/v1/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`serve exited with ${code}:\n${stderr}`));
        });
      });
      assert.match(stderr, /^pulling openai\/gpt-oss-20b \(original layout, 10\d(\.\d)? MB\)\n/);
      const dir = join(repoFolder(join(cache.root, 'hub'), 'openai/gpt-oss-20b'), 'snapshots');
      assert.match(stderr, new RegExp(`listening on http://127\\.0\\.0\\.1:\\d+ \\(loading ${dir.replace(/[.]/g, '\\.')}/[0-9a-f]{40}/original\\)`));
      // Named as the user named it on /v1, and as Ollama names it on /api.
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(models.data.map((m) => m.id), ['gpt-oss-20b']);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-oss-20b', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, seed: 1 }),
      });
      assert.equal(res.status, 200);
      const completion = (await res.json()) as { usage: { completion_tokens: number }; choices: { finish_reason: string }[] };
      assert.equal(completion.usage.completion_tokens, 3);
      assert.equal(completion.choices[0]!.finish_reason, 'length');
      const ollama = new Ollama({ host: url });
      assert.equal((await ollama.list()).models[0]!.name, 'gpt-oss:20b');
      const r = await ollama.chat({ model: 'gpt-oss:20b', messages: [{ role: 'user', content: 'Hi' }], stream: false, options: { num_predict: 3, seed: 1 } });
      assert.equal(r.eval_count, 3);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    assert.match(stderr, /SIGTERM, stopping\ngpt-oss serve: stopped\n$/);
  });
});

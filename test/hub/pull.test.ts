import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { openCheckpoint } from '../../src/format/index.js';
import { findCachedModel, HubError, hubSettings, listCachedModels, planPull, pullModel, repoFolder } from '../../src/hub/index.js';
import { FakeHub, startConnectProxy } from './fake-hub.js';
import { tempCache, tinyRepoFiles } from './helpers.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let hub: FakeHub;
let files: Map<string, Buffer>;
let commit: string;
let revisions: string[];
let cache: ReturnType<typeof tempCache>;
const fast = { retryDelayMs: 5 };

before(async () => {
  files = tinyRepoFiles({ vocab: 512 });
  hub = new FakeHub();
  commit = hub.addRepo('acme/tiny-gpt-oss', files);
  hub.addRepo('acme/gated-gpt-oss', files, { gated: true });
  // Two commits that differ in the README only.
  revisions = [hub.addRepo('acme/revs-gpt-oss', files), hub.addRepo('acme/revs-gpt-oss', new Map([...files, ['README.md', Buffer.from('# second\n')]]))];
  hub.addRepo('acme/not-gpt-oss', new Map([
    ['config.json', Buffer.from(JSON.stringify({ model_type: 'llama', hidden_size: 64 }))],
    ['model.safetensors', Buffer.alloc(5000, 1)],
  ]));
  await hub.start();
});
after(() => hub.stop());
beforeEach(() => {
  cache = tempCache(hub.endpoint);
  hub.log.length = 0;
  for (const f of Object.values(hub.faults)) f.clear();
});
afterEach(() => cache.remove());

const modelPath = 'original/model.safetensors';
const blobOf = (path: string): string => join(repoFolder(cache.settings.cacheDir, 'acme/tiny-gpt-oss'), 'blobs', sha256(files.get(path)!));

describe('pull into the Hugging Face cache layout', () => {
  it('downloads only the original layout, stores blobs by sha256 with relative snapshot links and refs/main', async () => {
    const r = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    const repoDir = repoFolder(cache.settings.cacheDir, 'acme/tiny-gpt-oss');
    assert.equal(r.commit, commit);
    assert.equal(r.dir, join(repoDir, 'snapshots', commit, 'original'));
    assert.deepEqual(r.downloaded.map((f) => f.path).sort(), ['LICENSE', 'README.md', 'original/config.json', 'original/model.safetensors']);
    assert.equal(readFileSync(join(repoDir, 'refs', 'main'), 'utf8'), commit);
    const link = join(repoDir, 'snapshots', commit, 'original', 'model.safetensors');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), join('..', '..', '..', 'blobs', sha256(files.get(modelPath)!)));
    assert.deepEqual(readFileSync(link), files.get(modelPath));
    // The small files are named by their git object id, as huggingface_hub names them.
    const license = files.get('LICENSE')!;
    const gitOid = createHash('sha1').update(`blob ${license.length}\0`).update(license).digest('hex');
    assert.ok(existsSync(join(repoDir, 'blobs', gitOid)));
    // Nothing of the other layout or of metal/.
    assert.ok(!existsSync(join(repoDir, 'snapshots', commit, 'config.json')));
    assert.ok(!hub.log.some((l) => l.url.includes('metal') || l.url.endsWith('/model-00001-of-00001.safetensors')));
    // The LFS file came from the storage host, after a redirect, without the hub token.
    assert.ok(hub.log.some((l) => l.host === 'hub' && l.status === 302 && l.url.endsWith(modelPath)));
    assert.ok(hub.log.some((l) => l.host === 'storage' && l.status === 200));
    const ck = openCheckpoint(r.dir);
    assert.equal(ck.layout, 'original');
    ck.close();
    assert.equal(findCachedModel(cache.settings.cacheDir, 'acme/tiny-gpt-oss'), r.dir);
  });

  it('--layout hf fetches the root files; a second pull downloads nothing', async () => {
    const first = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, layout: 'hf', ...fast });
    assert.deepEqual(first.downloaded.map((f) => f.path).sort(), ['LICENSE', 'README.md', 'config.json', 'model-00001-of-00001.safetensors', 'model.safetensors.index.json']);
    assert.equal(openCheckpoint(first.dir).layout, 'hf');
    hub.log.length = 0;
    const second = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, layout: 'hf', ...fast });
    assert.equal(second.downloaded.length, 0);
    assert.equal(hub.fileBytesServed(), 0);
    assert.ok(!hub.log.some((l) => l.url.includes('/resolve/')));
    // The other layout reuses the blobs the two share (LICENSE, README.md).
    hub.log.length = 0;
    const original = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(original.downloaded.map((f) => f.path).sort(), ['original/config.json', 'original/model.safetensors']);
  });

  it('the listing is paged (Link headers) and an unknown repository is a clear not-found error', async () => {
    await assert.rejects(pullModel('acme/nope', { settings: cache.settings }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.reason, 'not_found');
      assert.match(e.message, /acme\/nope: revision 'main' not found at http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\); check the name, or set HF_TOKEN/);
      return true;
    });
  });
});

describe('pull: revisions', () => {
  it('NAME@REV pulls a revision; found by it, by a commit prefix, and without one as main, else the revision pulled last', async () => {
    const [older, newer] = revisions as [string, string];
    const repoDir = repoFolder(cache.settings.cacheDir, 'acme/revs-gpt-oss');
    const first = await pullModel(`acme/revs-gpt-oss@${older}`, { settings: cache.settings, ...fast });
    const second = await pullModel('acme/revs-gpt-oss', { settings: cache.settings, revision: newer, ...fast });
    assert.equal(first.dir, join(repoDir, 'snapshots', older, 'original'));
    assert.equal(second.dir, join(repoDir, 'snapshots', newer, 'original'));
    assert.ok(!existsSync(join(repoDir, 'refs')), 'a pull by commit writes no ref');
    const find = (revision?: string): string | undefined => findCachedModel(cache.settings.cacheDir, 'acme/revs-gpt-oss', revision === undefined ? {} : { revision });
    // No main: the snapshot written last.
    const touch = (commit: string, s: number): void => utimesSync(join(repoDir, 'snapshots', commit), s, s);
    touch(older, 2_000_000_000);
    touch(newer, 1_000_000_000);
    assert.equal(find(), first.dir);
    touch(newer, 2_100_000_000);
    assert.equal(find(), second.dir);
    assert.equal(find(older.slice(0, 7)), first.dir);
    assert.equal(find(older), first.dir);
    assert.equal(find('main'), undefined);
    assert.equal(find('../../x'), undefined);
    // With main pulled, the name alone is main, whichever was written last.
    await pullModel('acme/revs-gpt-oss@main', { settings: cache.settings, ...fast });
    touch(older, 2_200_000_000);
    assert.equal(find(), second.dir);
    await assert.rejects(planPull('acme/revs-gpt-oss@v1', { settings: cache.settings, revision: 'v2' }), /'acme\/revs-gpt-oss@v1' names the revision v1, but --revision says v2: give one of them/);
  });
});

describe('pull: a cache shared with other tools', () => {
  it('a blob another tool already downloaded (huggingface_hub names blobs the same way) is linked, not fetched again', async () => {
    const repoDir = repoFolder(cache.settings.cacheDir, 'acme/tiny-gpt-oss');
    mkdirSync(join(repoDir, 'blobs'), { recursive: true });
    writeFileSync(blobOf(modelPath), files.get(modelPath)!);
    const r = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(r.downloaded.map((f) => f.path).sort(), ['LICENSE', 'README.md', 'original/config.json']);
    assert.ok(!hub.log.some((l) => l.url.endsWith(modelPath) || l.host === 'storage'), 'the weights were not requested');
    assert.deepEqual(readFileSync(join(r.dir, 'model.safetensors')), files.get(modelPath));
  });
});

describe('pull: interrupted and damaged downloads', () => {
  it('a connection cut mid-file is resumed with a Range request and the file verifies', async () => {
    const size = files.get(modelPath)!.length;
    hub.faults.cut.set(modelPath, { after: 300_000, times: 2 });
    const r = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(readFileSync(join(r.dir, 'model.safetensors')), files.get(modelPath));
    const storage = hub.log.filter((l) => l.host === 'storage');
    assert.deepEqual(storage.map((l) => l.range), [undefined, 'bytes=300000-']);
    assert.deepEqual(storage.map((l) => l.status), [200, 206]);
    assert.equal(storage.reduce((n, l) => n + l.bodyBytes, 0), size);
  });

  it('a partial file left by an earlier run is resumed from its length; 416 and an ignored Range restart cleanly', async () => {
    const data = files.get(modelPath)!;
    const blob = blobOf(modelPath);
    mkdirSync(join(blob, '..'), { recursive: true });
    writeFileSync(`${blob}.incomplete`, data.subarray(0, 100_000));
    let last = { done: -1, total: 0 };
    await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast, onProgress: (p) => (last = p) });
    assert.equal(last.done, last.total, 'the progress ends at 100%, the part already there counted');
    let storage = hub.log.filter((l) => l.host === 'storage');
    assert.deepEqual(storage.map((l) => [l.range, l.status, l.bodyBytes]), [['bytes=100000-', 206, data.length - 100_000]]);
    assert.deepEqual(readFileSync(blob), data);

    for (const fault of ['range416', 'ignoreRange'] as const) {
      const other = tempCache(hub.endpoint);
      try {
        const otherBlob = join(repoFolder(other.settings.cacheDir, 'acme/tiny-gpt-oss'), 'blobs', sha256(data));
        mkdirSync(join(otherBlob, '..'), { recursive: true });
        writeFileSync(`${otherBlob}.incomplete`, data.subarray(0, 50_000));
        hub.faults[fault].add(modelPath);
        hub.log.length = 0;
        await pullModel('acme/tiny-gpt-oss', { settings: other.settings, ...fast });
        storage = hub.log.filter((l) => l.host === 'storage');
        const expected = fault === 'range416' ? [[416, 'bytes=50000-'], [200, undefined]] : [[200, 'bytes=50000-']];
        assert.deepEqual(storage.map((l) => [l.status, l.range]), expected, fault);
        assert.deepEqual(readFileSync(otherBlob), data, fault);
      } finally {
        other.remove();
      }
    }
  });

  it('a corrupted byte fails the sha256 check: clear error, no blob, no partial file, no snapshot link', async () => {
    hub.faults.corrupt.add(modelPath);
    try {
      await assert.rejects(pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast }), (e: unknown) => {
        assert.ok(e instanceof HubError);
        assert.equal(e.reason, 'checksum');
        assert.match(e.message, new RegExp(`original/model\\.safetensors is corrupt: its sha256 is [0-9a-f]{64}, the hub says ${sha256(files.get(modelPath)!)}`));
        return true;
      });
    } finally {
      hub.faults.corrupt.clear();
    }
    const blob = blobOf(modelPath);
    assert.ok(!existsSync(blob));
    assert.ok(!existsSync(`${blob}.incomplete`));
    assert.ok(!existsSync(join(repoFolder(cache.settings.cacheDir, 'acme/tiny-gpt-oss'), 'snapshots', commit, modelPath)));
    assert.equal(findCachedModel(cache.settings.cacheDir, 'acme/tiny-gpt-oss'), undefined);
    // The next pull (the mirror fixed) completes.
    const r = await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(readFileSync(join(r.dir, 'model.safetensors')), files.get(modelPath));
  });

  it('when retries run out the file stays .incomplete, never whole-looking; the next pull resumes it', async () => {
    hub.faults.cut.set(modelPath, { after: 200_000, times: 10 });
    await assert.rejects(pullModel('acme/tiny-gpt-oss', { settings: cache.settings, retries: 0, ...fast }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.reason, 'network');
      assert.match(e.message, /original\/model\.safetensors failed 1 times .*run the same pull again to resume from 200000 bytes/);
      return true;
    });
    const blob = blobOf(modelPath);
    assert.ok(!existsSync(blob));
    assert.equal(readFileSync(`${blob}.incomplete`).length, 200_000);
    const snap = join(repoFolder(cache.settings.cacheDir, 'acme/tiny-gpt-oss'), 'snapshots', commit);
    assert.ok(!existsSync(join(snap, modelPath)));
    assert.ok(!readdirSync(join(snap, 'original')).includes('model.safetensors'));
    const listed = listCachedModels(cache.settings.cacheDir);
    assert.equal(listed.length, 1);
    assert.match(listed[0]!.problem ?? '', /no checkpoint found/, 'list reports the interrupted pull as incomplete');
    hub.faults.cut.clear();
    hub.log.length = 0;
    await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(hub.log.filter((l) => l.host === 'storage').map((l) => l.range), ['bytes=200000-']);
    assert.deepEqual(readFileSync(blob), files.get(modelPath));
  });
});

describe('pull: access, configs and proxies', () => {
  it('a gated repository without a token says what to do; with HF_TOKEN it pulls and the token never reaches the storage host', async () => {
    await assert.rejects(pullModel('acme/gated-gpt-oss', { settings: cache.settings, ...fast }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.reason, 'gated');
      assert.match(e.message, /acme\/gated-gpt-oss is a gated repository: accept its terms at http:\/\/127\.0\.0\.1:\d+\/acme\/gated-gpt-oss while logged in, then set HF_TOKEN/);
      return true;
    });
    assert.ok(!existsSync(join(repoFolder(cache.settings.cacheDir, 'acme/gated-gpt-oss'), 'refs')));
    hub.log.length = 0;
    const withToken = { ...cache.settings, token: hub.token };
    await pullModel('acme/gated-gpt-oss', { settings: withToken, ...fast });
    assert.ok(hub.log.filter((l) => l.host === 'hub').every((l) => l.authorization === `Bearer ${hub.token}`));
    assert.ok(hub.log.filter((l) => l.host === 'storage').every((l) => l.authorization === undefined));
  });

  it('the token `huggingface-cli login` saved ($HF_HOME/token, or $HF_TOKEN_PATH) is used when HF_TOKEN is not set; HF_TOKEN wins', () => {
    writeFileSync(join(cache.root, 'token'), `${hub.token}\n`);
    assert.equal(hubSettings({ HF_HOME: cache.root }).token, hub.token);
    assert.equal(hubSettings({ HF_HOME: cache.root, HF_TOKEN: 'hf_env' }).token, 'hf_env');
    const elsewhere = join(cache.root, 'elsewhere-token');
    writeFileSync(elsewhere, 'hf_path\n');
    assert.equal(hubSettings({ HF_HOME: cache.root, HF_TOKEN_PATH: elsewhere }).token, 'hf_path');
    assert.equal(hubSettings({ HF_HOME: join(cache.root, 'nowhere') }).token, undefined);
  });

  it('a repository without a gpt-oss config is refused before any weight is fetched', async () => {
    await assert.rejects(pullModel('acme/not-gpt-oss', { settings: cache.settings, layout: 'hf', ...fast }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.reason, 'not_gpt_oss');
      assert.match(e.message, /acme\/not-gpt-oss: not a gpt-oss model: .*config\.json/);
      return true;
    });
    assert.ok(!hub.log.some((l) => l.url.endsWith('model.safetensors')));
    await assert.rejects(pullModel('acme/not-gpt-oss', { settings: cache.settings, layout: 'original' }), /^HubError: acme\/not-gpt-oss@main holds no checkpoint in the original layout; it has the hf layout \(use --layout hf\)$/);
  });

  it('HTTP_PROXY is honoured: every request is tunnelled through the proxy', async () => {
    const proxy = await startConnectProxy();
    const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'] };
    process.env['HTTP_PROXY'] = proxy.url;
    delete process.env['NO_PROXY'];
    try {
      await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
      const hubHost = new URL(hub.endpoint).host;
      const storageHost = new URL(hub.storageOrigin).host;
      assert.ok(proxy.targets.includes(hubHost), proxy.targets.join());
      assert.ok(proxy.targets.includes(storageHost), proxy.targets.join());
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.stop();
    }
  });
});

describe('pull: one writer per file', () => {
  it('a file another live process is downloading is refused with its pid; a stale lock is taken over', async () => {
    const blob = blobOf(modelPath);
    mkdirSync(join(blob, '..'), { recursive: true });
    writeFileSync(`${blob}.lock`, String(process.ppid));
    await assert.rejects(pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast }), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.reason, 'busy');
      assert.match(e.message, new RegExp(`another process \\(pid ${process.ppid}\\) is downloading original/model\\.safetensors`));
      return true;
    });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${blob}.lock`, gone.stdout);
    await pullModel('acme/tiny-gpt-oss', { settings: cache.settings, ...fast });
    assert.deepEqual(readFileSync(blob), files.get(modelPath));
    assert.ok(!existsSync(`${blob}.lock`));
  });
});

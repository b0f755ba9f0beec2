// `experts`: the MXFP4 experts copied into anonymous memory at load (`copy`) or read in place from the
// mapped checkpoint (`map`), `auto` choosing by the memory left. Both placements compute the same bytes,
// so the logits must be identical, through the CLI as a user runs it and through the library.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { CpuBackend } from '../../src/backends/cpu/cpu-backend.js';
import type { CpuWeight } from '../../src/backends/cpu/cpu-weights.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { PRESETS } from '../../src/format/config-types.js';
import { cgroupRoom, expertBytes, parseExpertsChoice, resolveExperts, roomForCache } from '../../src/engine/experts-placement.js';
import { loadModel } from '../../src/engine/load-model.js';
import type { ModelWeights } from '../../src/model/weights.js';
import { loadFixture } from '../model/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function gptOss(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // the built CLI (npm test builds dist/ first): a user's process, without tsx's start-up per spawn
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('experts placement', () => {
  const fixture = loadFixture('tiny-ref-a');
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-experts-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const tokens = Array.from(fixture.tokens).join(',');

  for (const mode of ['prefill', 'decode'] as const) {
    it(`gpt-oss logits --experts copy and --experts map write identical logits (fast, ${mode})`, () => {
      const files = (['copy', 'map'] as const).map((experts) => {
        const out = join(tmp, `${experts}-${mode}.bin`);
        const r = gptOss(['logits', '--model', fixture.dir, '--tokens', tokens, '--out', out, '--backend', 'cpu', '--precision', 'fast', '--mode', mode, '--experts', experts]);
        assert.equal(r.status, 0, r.stderr);
        return readFileSync(out);
      });
      assert.equal(files[0]!.byteLength, fixture.tokens.length * fixture.vocab * 4);
      assert.ok(files[0]!.equals(files[1]!), 'copy and map logits differ');
    });
  }

  it('copy puts the expert bytes in memory of their own; map leaves them views of the checkpoint', async () => {
    for (const experts of ['copy', 'map'] as const) {
      const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts });
      try {
        assert.equal((model.backend as { experts?: string }).experts, experts);
        // the transformer keeps its weights private; the test looks at where one expert tensor lives
        const weights = (model.transformer as unknown as { weights: ModelWeights }).weights;
        const mlp1 = weights.layers[0]!.moe.mlp1 as CpuWeight;
        assert.equal(mlp1.store.kind, 'mxfp4');
        if (mlp1.store.kind !== 'mxfp4') return;
        const { blocks } = mlp1.store;
        // the mapping spans the whole file; a copy is a buffer of exactly the tensor
        assert.equal(blocks.byteOffset === 0 && blocks.buffer.byteLength === blocks.byteLength, experts === 'copy', `${experts}: blocks at ${blocks.byteOffset} of ${blocks.buffer.byteLength}`);
      } finally {
        model.dispose();
      }
    }
  });

  it('a copy after the load: answers at once from the mapping, the same logits between slices and after, then every expert from its own buffer', async () => {
    const n = fixture.tokens.length;
    const logitsOf = async (model: Awaited<ReturnType<typeof loadModel>>): Promise<Float32Array> => {
      const cache = model.transformer.createKvCache({ slots: 1, capacity: n });
      const batch = { n, tokens: Int32Array.from(fixture.tokens), positions: Int32Array.from({ length: n }, (_, i) => i), slots: new Int32Array(n) };
      return model.transformer.forward(batch, cache, Int32Array.from({ length: n }, (_, i) => i));
    };
    const expertWeights = (model: Awaited<ReturnType<typeof loadModel>>): CpuWeight[] =>
      (model.transformer as unknown as { weights: ModelWeights }).weights.layers.flatMap((l) => [l.moe.mlp1 as CpuWeight, l.moe.mlp2 as CpuWeight]);
    const ownBuffer = (w: CpuWeight): boolean => w.store.kind === 'mxfp4' && w.store.blocks.byteOffset === 0 && w.store.blocks.buffer.byteLength === w.store.blocks.byteLength;

    const mapped = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'map' });
    const want = await logitsOf(mapped);
    const rowBytes = mapped.config.hiddenSize / 2;
    mapped.dispose();

    const slice = CpuBackend.copySliceBytes;
    // a few rows a slice, so that weights are met half copied
    CpuBackend.copySliceBytes = 40 * rowBytes;
    const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'auto' });
    try {
      assert.equal((model.backend as CpuBackend).expertsCopy, 'after-load', 'auto copies after the load');
      const experts = expertWeights(model);
      assert.ok(experts.every((w) => !ownBuffer(w)), 'right after the load the experts are read in place');
      assert.ok(Buffer.from((await logitsOf(model)).buffer).equals(Buffer.from(want.buffer)), 'logits before the copy differ from map');
      let turns = 0;
      let mixed = 0;
      while (!experts.every(ownBuffer)) {
        await new Promise((r) => setImmediate(r));
        assert.ok(++turns < 10_000, 'the copy does not finish');
        // a layer whose mlp1 is copied (tiled16 on AVX-512) while its mlp2 is still read from the file
        const layers = (model.transformer as unknown as { weights: ModelWeights }).weights.layers;
        if (layers.some((l) => ownBuffer(l.moe.mlp1 as CpuWeight) && !ownBuffer(l.moe.mlp2 as CpuWeight))) mixed++;
        assert.ok(Buffer.from((await logitsOf(model)).buffer).equals(Buffer.from(want.buffer)), `logits after ${turns} slices differ from map`);
      }
      assert.ok(mixed > 0, 'no step ran with a layer half copied');
      assert.ok(turns > experts.length, `${turns} slices for ${experts.length} weights: the weights were not sliced`);
      await model.backend.expertsReady!();
      assert.equal((model.backend as CpuBackend).experts, 'copy');
      const tiled = (model.backend as unknown as { tileExperts: boolean }).tileExperts;
      assert.ok(experts.every((w) => w.store.kind === 'mxfp4' && w.store.layout === (tiled ? 'tiled16' : 'packed')));
      assert.ok(Buffer.from((await logitsOf(model)).buffer).equals(Buffer.from(want.buffer)), 'logits after the copy differ from map');
      assert.ok((model.backend.loadStats!().copied_after_load_s ?? 0) > 0);
    } finally {
      CpuBackend.copySliceBytes = slice;
      model.dispose();
    }
  });

  it('a copy after the load that fails stops there: the model answers as before and the backend says why', async () => {
    const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'auto' });
    // the addon is shared by every backend of the process: its own copyWeights goes back afterwards
    const addon = (model.backend as unknown as { addon: { copyWeights: unknown } }).addon;
    const copyWeights = addon.copyWeights;
    try {
      // the first slice runs on a later turn of the event loop, after this
      addon.copyWeights = () => {
        throw new Error('pread failed (test)');
      };
      await model.backend.expertsReady!();
      assert.equal((model.backend as CpuBackend).copyError, 'pread failed (test)');
      assert.equal(model.backend.loadStats!().copy_failed, 1);
      const w = (model.transformer as unknown as { weights: ModelWeights }).weights.layers[0]!.moe.mlp1 as CpuWeight;
      assert.ok(w.store.kind === 'mxfp4' && w.store.blocks.byteOffset > 0, 'the expert is still read in place');
    } finally {
      addon.copyWeights = copyWeights;
      model.dispose();
    }
  });

  it('a copy after the load keeps a finished script alive only while someone awaits expertsReady()', () => {
    // one row a slice: thousands of turns, so the copy is still under way when the script is done
    const script = (wait: boolean): string => `
      import { CpuBackend } from ${JSON.stringify(join(root, 'dist/backends/cpu/cpu-backend.js'))};
      import { loadModel } from ${JSON.stringify(join(root, 'dist/engine/load-model.js'))};
      CpuBackend.copySliceBytes = 1;
      const model = await loadModel(${JSON.stringify(fixture.dir)}, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'auto' });
      process.on('exit', () => process.stdout.write(String(model.backend.loadStats().copied_after_load_s > 0)));
      ${wait ? 'await model.backend.expertsReady();' : ''}`;
    const run = (wait: boolean): string => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(wait)], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(run(false), 'false', 'a script that does not wait exits before the copy is done');
    assert.equal(run(true), 'true', 'a script that awaits expertsReady() sees the copy finish');
  });

  it('a copy after the load goes on while something else keeps the process alive, with nobody awaiting it', () => {
    // a chat waiting at its prompt or a server waiting for requests: only a timer here. Forty rows a
    // slice: a few hundred slices, done in well under a second when each turn runs.
    const script = `
      import { CpuBackend } from ${JSON.stringify(join(root, 'dist/backends/cpu/cpu-backend.js'))};
      import { loadModel } from ${JSON.stringify(join(root, 'dist/engine/load-model.js'))};
      CpuBackend.copySliceBytes = 40 * 80;
      const model = await loadModel(${JSON.stringify(fixture.dir)}, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'auto' });
      setTimeout(() => { process.stdout.write(String(model.backend.loadStats().copied_after_load_s > 0)); model.dispose(); }, 3000);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'true', 'the copy stalled while the process idled on a timer');
  });

  it('dispose() during a copy after the load stops it; the copy at load stays for --experts copy', async () => {
    const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'auto' });
    const ready = model.backend.expertsReady!();
    model.dispose();
    await ready;
    const w = (model.transformer as unknown as { weights: ModelWeights }).weights.layers[0]!.moe.mlp1 as CpuWeight;
    assert.ok(w.store.kind === 'mxfp4');
    const copied = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'copy' });
    try {
      assert.equal((copied.backend as CpuBackend).expertsCopy, 'load');
      const stats = copied.backend.loadStats!();
      assert.ok((stats.copy_bytes ?? 0) > 0 && stats.copied_after_load_s === 0, JSON.stringify(stats));
    } finally {
      copied.dispose();
    }
  });

  it('dispose() gives the copied experts and 8-bit weights back at once, not at a later garbage collection', async () => {
    const model = await loadModel(fixture.dir, { backend: 'cpu', precision: 'fast', threads: 1, experts: 'copy' });
    const weights = (model.transformer as unknown as { weights: ModelWeights }).weights;
    const mlp1 = weights.layers[0]!.moe.mlp1 as CpuWeight;
    const q = weights.layers[0]!.q as CpuWeight;
    assert.ok(mlp1.store.kind === 'mxfp4' && q.store.kind === 'dense' && q.store.q8 !== undefined);
    const held = [mlp1.store.blocks, mlp1.store.scales, q.store.q8];
    assert.ok(held.every((v) => v.byteLength > 0));
    model.dispose();
    // detached: every view of the backend's own buffers is empty, so nothing can read freed memory
    assert.deepEqual(held.map((v) => v.byteLength), [0, 0, 0]);
  });

  it('freeWeights returns a buffer of allocWeights to the system before the garbage collector runs', () => {
    const addon = loadCpuAddon();
    if (addon instanceof Error) throw addon;
    assert.ok(addon.allocWeights && addon.freeWeights, 'the addon has allocWeights and freeWeights');
    const rss = (): number => process.memoryUsage().rss;
    const bytes = 256 << 20;
    const b = addon.allocWeights(bytes);
    assert.ok(b);
    new Uint8Array(b).fill(7);
    const filled = rss();
    const view = new Uint8Array(b, 4096, 100);
    assert.equal(addon.freeWeights(b), true);
    assert.equal(b.byteLength, 0);
    assert.equal(view.length, 0);
    assert.ok(filled - rss() > bytes * 0.9, `rss fell by ${(filled - rss()) / 2 ** 20} MiB, expected about 256`);
    assert.equal(addon.freeWeights(b), false, 'a second free does nothing');
    assert.throws(() => addon.freeWeights!(new Uint8Array(4) as unknown as ArrayBuffer), /freeWeights: buffer must be an ArrayBuffer/);
  });

  it('auto copies when the memory left holds the experts and the cache room, else reads in place', () => {
    const c = PRESETS['20b'];
    const need = expertBytes(c) + roomForCache(c);
    assert.ok(expertBytes(c) > 10e9 && expertBytes(c) < 11e9, `20b experts ${expertBytes(c)} bytes`);
    assert.equal(resolveExperts('auto', c, { bytes: need + 1, source: 'test' }), 'copy');
    assert.equal(resolveExperts('auto', c, { bytes: need - 1, source: 'test' }), 'map');
    assert.equal(resolveExperts('auto', c, { bytes: 8 * 2 ** 30, source: 'cgroup of 8 GiB' }), 'map');
    assert.equal(resolveExperts('copy', c, { bytes: 0, source: 'test' }), 'copy');
    assert.throws(() => parseExpertsChoice('mmap', 'loadModel'), (e: unknown) => e instanceof InvalidArgumentError && /experts must be one of auto, copy, map, got 'mmap'/.test(e.message));
  });

  it('rejects a bad --experts value with a clear error and no stack trace', () => {
    const r = gptOss(['logits', '--model', fixture.dir, '--tokens', '1,2', '--out', join(tmp, 'x.bin'), '--experts', 'cpy']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--experts must be one of auto, copy, map, got 'cpy'/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('gpt-oss bench checks --experts before loading anything', async () => {
    await assert.rejects(benchCommand.run(['--model', fixture.dir, '--experts', 'anon']), /--experts must be one of auto, copy, map, got 'anon'/);
  });

  it("reads the memory limit of the process's own cgroup and those above it, v1 and v2, from a cgroup root", () => {
    const fake = join(tmp, 'cgroup');
    const put = (dir: string, files: Record<string, string>): void => {
      mkdirSync(join(fake, dir), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(fake, dir, name), text);
    };
    const GiB = 2 ** 30;
    // v1 (this machine's layout): unlimited root, a job cgroup of 8 GiB with 3 GiB used of which 1 GiB inactive file pages
    put('memory', { 'memory.limit_in_bytes': '9223372036854771712\n', 'memory.usage_in_bytes': `${20 * GiB}\n`, 'memory.stat': 'cache 1\ntotal_inactive_file 0\n' });
    put('memory/jobs/bench', { 'memory.limit_in_bytes': `${8 * GiB}\n`, 'memory.usage_in_bytes': `${3 * GiB}\n`, 'memory.stat': `inactive_file ${5 * GiB}\ntotal_inactive_file ${GiB}\n` });
    const v1 = '12:pids:/\n4:memory:/jobs/bench\n0::/\n';
    assert.deepEqual(cgroupRoom(v1, fake), { bytes: 6 * GiB, source: `cgroup ${join(fake, 'memory/jobs/bench/memory.limit_in_bytes')}` });
    // a tighter parent wins
    put('memory/jobs', { 'memory.limit_in_bytes': `${4 * GiB}\n`, 'memory.usage_in_bytes': `${3.5 * GiB}\n` });
    assert.equal(cgroupRoom(v1, fake)?.bytes, 0.5 * GiB);
    assert.equal(resolveExperts('auto', PRESETS['20b'], cgroupRoom(v1, fake)!), 'map');
    // v2: "max" is no limit; memory.max at the process's own level
    put('app.slice/job', { 'memory.max': `${8 * GiB}\n`, 'memory.current': `${2 * GiB}\n`, 'memory.stat': `anon 1\ninactive_file ${GiB}\n` });
    put('app.slice', { 'memory.max': 'max\n', 'memory.current': `${9 * GiB}\n` });
    assert.deepEqual(cgroupRoom('0::/app.slice/job\n', fake), { bytes: 7 * GiB, source: `cgroup ${join(fake, 'app.slice/job/memory.max')}` });
    put('app.slice/free', { 'memory.max': 'max\n', 'memory.current': '4096\n' });
    assert.equal(cgroupRoom('0::/app.slice/free\n', fake), null);
    // absent files (no memory controller mounted, no /proc/self/cgroup, a path the namespace hides) are no limit
    assert.equal(cgroupRoom('0::/nowhere\n', join(tmp, 'no-such-root')), null);
    assert.equal(cgroupRoom('', fake), null);
    assert.equal(cgroupRoom('4:memory:/hidden/by/namespace\n', fake), null, 'falls back to the mount top, which has no limit');
  });
});

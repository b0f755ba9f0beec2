// `gpt-oss bench --memory-limit SIZE`: the measurement runs in a memory cgroup bench makes and removes,
// `auto` reads the experts in place when that cgroup's limit cannot hold their copy, and the JSON says
// what the cgroup held. The real cgroup needs root and a memory controller (skipped elsewhere, saying
// why); the size parsing and the errors for a missing hierarchy run everywhere on a fake cgroup root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMemoryCgroup, parseMemorySize } from '../../src/cli/memory-cgroup.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { loadFixture } from '../model/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
function cgroupsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) return true;
  try {
    return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('memory');
  } catch {
    return false;
  }
}

describe('gpt-oss bench --memory-limit', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-cgroup-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('parses sizes in binary units and rejects what is not one', () => {
    assert.equal(parseMemorySize('8G', 'x'), 8 * 2 ** 30);
    assert.equal(parseMemorySize('8GiB', 'x'), 8 * 2 ** 30);
    assert.equal(parseMemorySize('512m', 'x'), 512 * 2 ** 20);
    assert.equal(parseMemorySize('1.5G', 'x'), 1.5 * 2 ** 30);
    assert.equal(parseMemorySize('8589934592', 'x'), 8 * 2 ** 30);
    for (const bad of ['8X', '', '-1G', '10M', 'G'])
      assert.throws(() => parseMemorySize(bad, 'gpt-oss bench: --memory-limit'), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(`--memory-limit: expected a size of at least 64M such as 8G, 8GiB or 512M, got '${bad}'`));
  });

  it('names the path when there is no cgroup hierarchy, or it cannot write the limit', () => {
    const none = join(tmp, 'none');
    mkdirSync(none);
    assert.throws(() => createMemoryCgroup(2 ** 30, { root: none, why: 'w' }), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(`w: no memory cgroup hierarchy at ${none}`));
    // v2 without the memory controller
    const v2 = join(tmp, 'v2');
    mkdirSync(v2);
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpu io\n');
    assert.throws(() => createMemoryCgroup(2 ** 30, { root: v2, why: 'w' }), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(`the memory controller is not available in ${join(v2, 'cgroup.controllers')}`));
  });

  it('runs for real: the tiny model in a cgroup of 512 MiB, experts in place, the cgroup removed after', (t) => {
    if (!cgroupsAvailable()) {
      t.skip('needs root and a memory cgroup controller (/sys/fs/cgroup/memory or cgroup v2 with memory)');
      return;
    }
    const fixture = loadFixture('tiny-ref-a');
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--threads', '1', '--prompt', '4', '--gen', '2', '--repeat', '1', '--memory-limit', '512M', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j.memory_limit_bytes, 512 * 2 ** 20);
    // 512 MiB cannot hold the experts with the room kept for a KV cache (1 GiB and more): auto reads them in place
    assert.equal(j.experts, 'map');
    const peak = j.cgroup_peak_bytes as number;
    assert.ok(peak > 10e6 && peak <= 512 * 2 ** 20, `cgroup peak ${peak}`);
    assert.equal(typeof j.decode_tok_s, 'number');
    const dir = /in the memory cgroup (\S+) \(cgroup v[12], limit 0\.50 GiB\)/.exec(r.stderr)?.[1];
    assert.ok(dir, r.stderr);
    assert.ok(!existsSync(dir), `${dir} was left behind`);
  });
});

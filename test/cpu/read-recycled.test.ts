// Backend.read's large copies (a decode step's logits) come from recycled memory (allocRecycled in
// native/addon.c): a block goes back to the list only once its buffer is collected, and the next copy of
// that size takes it. These check that a live buffer is never handed out twice, that a collected one
// is reused, and that read still gives independent copies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ADDON_FILE, loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { createCpuBackend } from '../../src/backends/cpu/cpu-backend.js';

describe('cpu backend: recycled read buffers', () => {
  it('hands a block out again only after its buffer was collected', () => {
    // a child with --expose-gc, so that the collection happens when the test says
    const script = `
      const addon = require(${JSON.stringify(ADDON_FILE)});
      const bytes = 300000;
      (async () => {
        let a = new Uint8Array(addon.allocRecycled(bytes));
        a.fill(7);
        const b = new Uint8Array(addon.allocRecycled(bytes));
        const whileAlive = b[0] === 7 && b[bytes - 1] === 7;
        b.fill(9);
        a = null;
        for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); }
        const other = new Uint8Array(addon.allocRecycled(bytes + 8192));
        const otherSize = other[0] === 7 && other[bytes - 1] === 7;
        const c = new Uint8Array(addon.allocRecycled(bytes));
        const reused = c[0] === 7 && c[bytes - 1] === 7;
        c.fill(5);
        const d = new Uint8Array(addon.allocRecycled(bytes));
        console.log(JSON.stringify({ whileAlive, reused, twice: d[0] === 5 && d[bytes - 1] === 5, bStill: b[0] === 9 && b[bytes - 1] === 9, otherSize }));
      })();`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { whileAlive: boolean; reused: boolean; twice: boolean; bStill: boolean; otherSize: boolean };
    assert.equal(out.whileAlive, false, 'a second buffer shared the memory of a live one');
    assert.equal(out.reused, true, "the collected buffer's block was not reused");
    assert.equal(out.twice, false, 'a reused block was handed out a second time');
    assert.equal(out.bStill, true, 'reusing a block overwrote a live buffer');
    assert.equal(out.otherSize, false, 'a request of another size took a recycled block');
  });

  it('rejects a byte count that is not a positive integer, naming it', () => {
    const addon = loadCpuAddon();
    if (addon instanceof Error) throw addon;
    assert.ok(addon.allocRecycled, 'the addon has allocRecycled');
    assert.throws(() => addon.allocRecycled!(0), /allocRecycled: bytes must be a byte count in \[1, 4 GiB\)/);
    assert.throws(() => addon.allocRecycled!(1.5), /allocRecycled: bytes must be a byte count/);
  });

  it('read gives a copy of its own, as large as the logits of a decode step', async () => {
    const b = createCpuBackend({ threads: 1 });
    try {
      const cols = 201088;
      const t = b.createTensor(1, cols);
      const first = Float32Array.from({ length: cols }, (_, i) => i * 0.5);
      b.write(t, first);
      const r1 = await b.read(t);
      b.write(t, first.map((v) => -v - 1));
      const r2 = await b.read(t);
      assert.equal(r1.length, cols);
      assert.deepEqual(r1, first);
      assert.equal(r2[0], -1);
      assert.equal(r2[cols - 1], -(cols - 1) * 0.5 - 1);
      assert.notEqual(r1.buffer, r2.buffer);
    } finally {
      b.dispose();
    }
  });
});

// The same weights in the Hugging Face layout (sharded, q/k/v apart, other names) give identical logits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { convertCheckpoint } from '../../src/format/convert.js';
import { FIXTURE_NAMES, loadFixture } from './fixtures.js';
import { loadRef, logitsInSteps } from './helpers.js';

describe('HF layout', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-hf-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of FIXTURE_NAMES) {
    it(`${name} converted to the HF layout gives the same logits as the original layout`, async () => {
      const fixture = loadFixture(name);
      const dir = join(tmp, name);
      const written = convertCheckpoint(fixture.dir, dir, 'hf', { shardBytes: 1 << 20 });
      assert.ok(written.files.length > 1, 'the converted checkpoint is sharded');
      const ck = openCheckpoint(dir);
      assert.equal(ck.layout, 'hf');
      ck.close();
      const original = await logitsInSteps(loadRef(fixture.dir), fixture.tokens, fixture.tokens.length);
      const hf = await logitsInSteps(loadRef(dir), fixture.tokens, fixture.tokens.length);
      assert.deepEqual(hf, original);
    });
  }
});

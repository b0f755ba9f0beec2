// The model a benchmark runs on: the directory given, or a tiny random one written to a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS } from '../src/format/config-types.js';
import { writeRandomCheckpoint } from '../src/format/random-checkpoint.js';

export function benchModelDir(dir: string | undefined): { dir: string; remove: () => void } {
  if (dir) return { dir, remove: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-bench-'));
  const out = join(tmp, 'tiny');
  writeRandomCheckpoint({ config: PRESETS.tiny, seed: 1, layout: 'original', out });
  return { dir: out, remove: () => rmSync(tmp, { recursive: true, force: true }) };
}

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS, resizeConfig } from '../../src/format/config-types.js';
import { writeRandomCheckpoint } from '../../src/format/index.js';
import type { HubSettings } from '../../src/hub/index.js';

/**
 * The files of a hub repository shaped like openai/gpt-oss-20b (transformers files at the root,
 * original/ beside them, metal/ which no layout needs), with tiny random weights. `vocab` small for
 * the pull tests; the full vocabulary when the model must chat.
 */
export function tinyRepoFiles(options: { vocab?: number; seed?: number; layouts?: readonly ('original' | 'hf')[] } = {}): Map<string, Buffer> {
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-hub-repo-'));
  try {
    const config = options.vocab ? resizeConfig(PRESETS.tiny, { vocab: options.vocab, layers: 2 }) : PRESETS.tiny;
    const files = new Map<string, Buffer>();
    for (const layout of options.layouts ?? (['original', 'hf'] as const)) {
      const out = join(tmp, layout);
      writeRandomCheckpoint({ config, seed: options.seed ?? 1, layout, out });
      for (const f of readdirSync(out)) files.set(layout === 'original' ? `original/${f}` : f, readFileSync(join(out, f)));
    }
    files.set('LICENSE', Buffer.from('Apache License 2.0 (test copy)\n'));
    files.set('README.md', Buffer.from('# tiny\n\nA random-weight gpt-oss for tests.\n'));
    files.set('metal/model.bin', Buffer.alloc(4096, 7));
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function tempCache(endpoint: string, token?: string): { settings: HubSettings; root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'gpt-oss-hf-home-'));
  return {
    root,
    settings: { endpoint, token, cacheDir: join(root, 'hub') },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

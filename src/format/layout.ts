/**
 * Which layout a directory holds. A user may point at a hub repository's root (transformers files,
 * with `original/` beside them) or at `original/` itself; what they pointed at wins when it has
 * weights, and a root without weights falls back to its `original/`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileFormatError } from '../core/errors.js';

export interface DetectedLayout {
  readonly dir: string;
  readonly configFile: string;
  /** `index`: model.safetensors.index.json plus shards; `single`: one model.safetensors. */
  readonly weights: { readonly kind: 'index' | 'single'; readonly file: string };
}

const CONFIG = 'config.json';
const INDEX = 'model.safetensors.index.json';
const SINGLE = 'model.safetensors';

function weightsIn(dir: string): DetectedLayout['weights'] | null {
  if (existsSync(join(dir, INDEX))) return { kind: 'index', file: join(dir, INDEX) };
  if (existsSync(join(dir, SINGLE))) return { kind: 'single', file: join(dir, SINGLE) };
  return null;
}

export function detectLayout(path: string): DetectedLayout {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new FileFormatError(dir, 'model directory not found', 'file_not_found');
  if (!statSync(dir).isDirectory()) {
    throw new FileFormatError(dir, 'expected a model directory (holding config.json and model.safetensors or model.safetensors.index.json), got a file');
  }
  for (const candidate of [dir, join(dir, 'original')]) {
    const weights = existsSync(candidate) ? weightsIn(candidate) : null;
    if (!weights) continue;
    const configFile = join(candidate, CONFIG);
    if (!existsSync(configFile)) {
      throw new FileFormatError(configFile, `file not found (the weights ${weights.file} need their config.json beside them)`, 'file_not_found');
    }
    return { dir: candidate, configFile, weights };
  }
  throw new FileFormatError(
    dir,
    `no checkpoint found: expected ${CONFIG} with ${SINGLE} (original layout) or with ${INDEX} and its shards (transformers layout), here or in original/`,
    'file_not_found',
  );
}

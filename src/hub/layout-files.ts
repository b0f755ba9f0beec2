/**
 * Which of a repository's files each checkpoint layout needs. The released repositories hold both:
 * the transformers layout at the root (config.json, model.safetensors.index.json, shards) and the
 * original one under original/ (config.json, model.safetensors); metal/ is neither.
 */
import type { CheckpointLayoutChoice } from './model-names.js';
import type { RepoFile } from './hub-api.js';

/** Small files worth having beside either layout (the licence and the model card). */
const DOCS = new Set(['LICENSE', 'README.md', 'USAGE_POLICY']);

export function filesForLayout(files: readonly RepoFile[], layout: CheckpointLayoutChoice): RepoFile[] {
  if (layout === 'original') return files.filter((f) => f.path.startsWith('original/') || DOCS.has(f.path));
  return files.filter((f) => !f.path.includes('/'));
}

/** The layouts a listing holds a checkpoint for (config plus weights), best first. */
export function layoutsIn(files: readonly RepoFile[]): CheckpointLayoutChoice[] {
  const has = (p: string): boolean => files.some((f) => f.path === p);
  const out: CheckpointLayoutChoice[] = [];
  if (has('original/config.json') && (has('original/model.safetensors') || has('original/model.safetensors.index.json'))) out.push('original');
  if (has('config.json') && (has('model.safetensors') || has('model.safetensors.index.json'))) out.push('hf');
  return out;
}

/** Where the config of a layout is, relative to the snapshot. */
export const configPathOf = (layout: CheckpointLayoutChoice): string => (layout === 'original' ? 'original/config.json' : 'config.json');
/** The checkpoint directory of a layout, relative to the snapshot. */
export const checkpointSubdir = (layout: CheckpointLayoutChoice): string => (layout === 'original' ? 'original' : '');

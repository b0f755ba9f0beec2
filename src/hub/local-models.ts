/**
 * The models in the local cache: which snapshots hold a gpt-oss checkpoint, in which layouts, how big,
 * and whether they are whole. Scans the cache itself (@huggingface/hub's scanCacheDir skips snapshot
 * subfolders, so it would not see original/).
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isGptOssError } from '../core/errors.js';
import { openCheckpoint } from '../format/checkpoint.js';
import { readRef, repoFolder, repoIdOfFolder, snapshotDir } from './cache-layout.js';
import { checkpointSubdir, configPathOf } from './layout-files.js';
import type { CheckpointLayoutChoice } from './model-names.js';

export interface LocalModel {
  /** The repository id (or the built-in name). */
  readonly name: string;
  readonly layout: CheckpointLayoutChoice;
  readonly dir: string;
  /** The snapshot's commit; undefined for a model outside the hub cache. */
  readonly commit: string | undefined;
  /** Branches of the cache that point at this snapshot (refs/). */
  readonly refs: readonly string[];
  /** Bytes of the checkpoint's files (config, weights). */
  readonly bytes: number;
  /** Element types of the weights by share of bytes, e.g. "mxfp4 experts, bf16". */
  readonly quantization: string;
  /** Longest context in tokens. */
  readonly context: number;
  /** Undefined when the checkpoint opens; otherwise why not (an interrupted pull, a missing shard). */
  readonly problem: string | undefined;
}

const LAYOUTS: readonly CheckpointLayoutChoice[] = ['original', 'hf'];

/** Describes the checkpoint in `dir` (config and headers only; nothing is loaded). */
export function describeCheckpoint(
  name: string,
  dir: string,
  where: { layout?: CheckpointLayoutChoice; commit?: string; refs?: readonly string[] } = {},
): LocalModel {
  const commit = where.commit;
  const refs = where.refs ?? [];
  let layout: CheckpointLayoutChoice = where.layout ?? 'original';
  try {
    const ck = openCheckpoint(dir);
    layout = ck.layout;
    try {
      const bytes = [ck.configFile, ...ck.files].reduce((n, f) => n + statSync(f).size, 0);
      return { name, layout, dir, commit, refs, bytes, quantization: quantizationOf(ck), context: ck.config.maxContextLength, problem: undefined };
    } finally {
      ck.close();
    }
  } catch (e) {
    const problem = isGptOssError(e) ? e.message : String(e);
    return { name, layout, dir, commit, refs, bytes: sizeOfTree(dir), quantization: '?', context: 0, problem };
  }
}

function quantizationOf(ck: ReturnType<typeof openCheckpoint>): string {
  // MXFP4 experts are stored as u8 blocks and scales; everything else in its float type.
  const bytes = new Map<string, number>();
  for (const name of ck.tensorNames()) {
    const info = ck.tensorInfo(name);
    if (!info) continue;
    const kind = info.dtype === 'u8' ? 'mxfp4 experts' : info.dtype;
    bytes.set(kind, (bytes.get(kind) ?? 0) + info.bytes);
  }
  return [...bytes.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k).join(', ');
}

function sizeOfTree(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += sizeOfTree(p);
    else if (existsSync(p)) n += statSync(p).size;
  }
  return n;
}

function refsByCommit(repoDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const refsDir = join(repoDir, 'refs');
  if (!existsSync(refsDir)) return out;
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(refsDir, sub), { withFileTypes: true })) {
      const ref = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(ref);
      else {
        const commit = readRef(repoDir, ref);
        if (commit) out.set(commit, [...(out.get(commit) ?? []), ref]);
      }
    }
  };
  walk('');
  return out;
}

/** Every gpt-oss checkpoint in the hub cache, one entry per snapshot and layout. */
export function listCachedModels(cacheDir: string): LocalModel[] {
  if (!existsSync(cacheDir)) return [];
  const out: LocalModel[] = [];
  for (const folder of readdirSync(cacheDir).sort()) {
    const repoId = repoIdOfFolder(folder);
    const snapshots = join(cacheDir, folder, 'snapshots');
    if (!repoId || !existsSync(snapshots)) continue;
    const refs = refsByCommit(join(cacheDir, folder));
    for (const commit of readdirSync(snapshots).sort()) {
      const snap = join(snapshots, commit);
      if (!statSync(snap).isDirectory()) continue;
      for (const layout of LAYOUTS) {
        if (!isGptOssConfigAt(join(snap, configPathOf(layout)), layout)) continue;
        out.push(describeCheckpoint(repoId, join(snap, checkpointSubdir(layout)), { layout, commit, refs: refs.get(commit) ?? [] }));
      }
    }
  }
  return out;
}

/** A config file for this layout (the root config.json of a repo with only original/ weights is not one). */
function isGptOssConfigAt(file: string, layout: CheckpointLayoutChoice): boolean {
  if (!existsSync(file)) return false;
  if (layout === 'original') return true;
  const dir = join(file, '..');
  return existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json'));
}

/**
 * The checkpoint directory of a cached repository, when it is whole: the preferred layout if given,
 * else original, else hf. At `revision` (a branch or tag pulled, a commit, or a commit's first 7+ hex
 * digits); without one, main when it was pulled, else the revision pulled last (`pull --revision`
 * writes no refs/main, and a commit writes no ref at all).
 */
export function findCachedModel(cacheDir: string, repoId: string, options: { layout?: CheckpointLayoutChoice; revision?: string } = {}): string | undefined {
  const repoDir = repoFolder(cacheDir, repoId);
  const whole = (commit: string | undefined): string | undefined => (commit === undefined ? undefined : wholeCheckpoint(repoDir, repoId, commit, options.layout));
  if (options.revision !== undefined) return whole(commitOf(repoDir, options.revision));
  const main = whole(readRef(repoDir, 'main'));
  if (main) return main;
  const newestFirst = snapshotCommits(repoDir)
    .map((commit) => ({ commit, mtime: statSync(snapshotDir(repoDir, commit)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { commit } of newestFirst) {
    const dir = whole(commit);
    if (dir) return dir;
  }
  return undefined;
}

function wholeCheckpoint(repoDir: string, repoId: string, commit: string, layout: CheckpointLayoutChoice | undefined): string | undefined {
  const snap = snapshotDir(repoDir, commit);
  for (const l of layout ? [layout] : LAYOUTS) {
    if (!isGptOssConfigAt(join(snap, configPathOf(l)), l)) continue;
    const m = describeCheckpoint(repoId, join(snap, checkpointSubdir(l)), { layout: l, commit });
    if (m.problem === undefined) return m.dir;
  }
  return undefined;
}

function snapshotCommits(repoDir: string): string[] {
  const dir = join(repoDir, 'snapshots');
  return existsSync(dir) ? readdirSync(dir).filter((c) => /^[0-9a-f]{40}$/.test(c) && statSync(join(dir, c)).isDirectory()) : [];
}

/** The commit a revision names in the cache: a commit, a ref written by a pull, or the one snapshot a hex prefix starts. */
function commitOf(repoDir: string, revision: string): string | undefined {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  // A ref is a path under refs/: nothing that would leave it.
  if (revision.startsWith('/') || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) return undefined;
  const ref = readRef(repoDir, revision);
  if (ref) return ref;
  if (!/^[0-9a-f]{7,39}$/.test(revision)) return undefined;
  const matches = snapshotCommits(repoDir).filter((c) => c.startsWith(revision));
  return matches.length === 1 ? matches[0] : undefined;
}

/** The real path of a snapshot entry's blob, or undefined when the link is broken. */
export function blobOf(pointer: string): string | undefined {
  try {
    return realpathSync(pointer);
  } catch {
    return undefined;
  }
}

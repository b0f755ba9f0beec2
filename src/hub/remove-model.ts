/**
 * `rm`: removes one snapshot of a cached repository (or one layout's files in it) and the blobs that
 * no other snapshot still links to. The cache is shared with other tools, so nothing another
 * snapshot uses is touched, and refs are dropped only when their snapshot goes.
 */
import { existsSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readRef, repoFolder, snapshotDir } from './cache-layout.js';
import { HubError } from './errors.js';
import { blobOf } from './local-models.js';
import type { CheckpointLayoutChoice } from './model-names.js';

export interface RemovalPlan {
  readonly repoId: string;
  readonly repoDir: string;
  readonly commit: string;
  /** Snapshot entries (links) to delete. */
  readonly entries: readonly string[];
  /** Blobs no remaining entry uses, with their sizes. */
  readonly blobs: readonly { path: string; bytes: number }[];
  readonly freedBytes: number;
  /** True when the whole snapshot goes (and with it any ref naming it). */
  readonly wholeSnapshot: boolean;
}

function entriesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...entriesUnder(p));
    else out.push(p);
  }
  return out;
}

/** `layout`: only that layout's files (original/ or the root files); default: the whole snapshot. */
export function planRemoval(cacheDir: string, repoId: string, options: { revision?: string; layout?: CheckpointLayoutChoice } = {}): RemovalPlan {
  const repoDir = repoFolder(cacheDir, repoId);
  const rev = options.revision ?? 'main';
  const commit = /^[0-9a-f]{40}$/.test(rev) ? rev : readRef(repoDir, rev);
  const snap = commit ? snapshotDir(repoDir, commit) : undefined;
  if (!commit || !snap || !existsSync(snap)) {
    throw new HubError('not_cached', `${repoId}${rev === 'main' ? '' : `@${rev}`} is not in the cache ${cacheDir} ('gpt-oss list' shows what is)`);
  }
  const all = entriesUnder(snap);
  const entries = all.filter((p) => {
    if (!options.layout) return true;
    const inOriginal = relative(snap, p).startsWith(`original${sep}`);
    return options.layout === 'original' ? inOriginal : !relative(snap, p).includes(sep);
  });
  const going = new Set(entries);
  const stillUsed = new Set<string>();
  for (const p of all) if (!going.has(p)) addBlob(stillUsed, p);
  for (const other of existsSync(join(repoDir, 'snapshots')) ? readdirSync(join(repoDir, 'snapshots')) : []) {
    if (other === commit) continue;
    for (const p of entriesUnder(snapshotDir(repoDir, other))) addBlob(stillUsed, p);
  }
  const blobs: { path: string; bytes: number }[] = [];
  const seen = new Set<string>();
  for (const p of entries) {
    const blob = blobOf(p);
    // Only blobs inside this repository's blobs/ are ours to delete (a copied file is deleted as the entry).
    if (!blob || seen.has(blob) || stillUsed.has(blob) || !blob.startsWith(join(repoDir, 'blobs') + sep)) continue;
    seen.add(blob);
    blobs.push({ path: blob, bytes: statSync(blob).size });
  }
  const copies = entries.filter((p) => !lstatSync(p).isSymbolicLink()).reduce((n, p) => n + statSync(p).size, 0);
  return {
    repoId,
    repoDir,
    commit,
    entries,
    blobs,
    freedBytes: blobs.reduce((n, b) => n + b.bytes, 0) + copies,
    wholeSnapshot: entries.length === all.length,
  };
}

function addBlob(set: Set<string>, pointer: string): void {
  const b = blobOf(pointer);
  if (b) set.add(b);
}

export function executeRemoval(plan: RemovalPlan): void {
  for (const p of plan.entries) rmSync(p, { force: true });
  for (const b of plan.blobs) {
    rmSync(b.path, { force: true });
    rmSync(`${b.path}.incomplete`, { force: true });
    rmSync(`${b.path}.lock`, { force: true });
  }
  const snap = snapshotDir(plan.repoDir, plan.commit);
  removeEmptyDirs(snap);
  if (plan.wholeSnapshot || !existsSync(snap)) {
    rmSync(snap, { recursive: true, force: true });
    dropRefsTo(plan.repoDir, plan.commit);
  }
  // A repository folder with no snapshot and no blob left goes too.
  const snaps = join(plan.repoDir, 'snapshots');
  const blobs = join(plan.repoDir, 'blobs');
  if ((!existsSync(snaps) || readdirSync(snaps).length === 0) && (!existsSync(blobs) || readdirSync(blobs).length === 0)) {
    rmSync(plan.repoDir, { recursive: true, force: true });
  }
}

function removeEmptyDirs(dir: string): boolean {
  if (!existsSync(dir)) return true;
  let empty = true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && removeEmptyDirs(join(dir, e.name))) continue;
    empty = false;
  }
  if (empty) rmSync(dir, { recursive: true, force: true });
  return empty;
}

function dropRefsTo(repoDir: string, commit: string): void {
  const refsDir = join(repoDir, 'refs');
  if (!existsSync(refsDir)) return;
  for (const e of readdirSync(refsDir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const ref = relative(refsDir, join(e.parentPath, e.name)).split(sep).join('/');
    if (readRef(repoDir, ref) === commit) rmSync(join(refsDir, ref), { force: true });
  }
}

/**
 * The Hugging Face cache layout, shared with huggingface_hub, transformers and @huggingface/hub:
 *
 *   <cache>/models--org--name/blobs/<etag>                 file contents, named by sha256 (LFS) or git oid
 *   <cache>/models--org--name/snapshots/<commit>/<path>    relative symlinks into blobs/
 *   <cache>/models--org--name/refs/<branch>                the commit a branch pointed at when last pulled
 *
 * A blob exists only once whole and verified (it is written as <etag>.incomplete, then renamed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

export function repoFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.split('/').join('--')}`);
}

/** The repository id of a cache folder name, or undefined for anything else (datasets, spaces, .locks). */
export function repoIdOfFolder(folder: string): string | undefined {
  const m = /^models--(.+)$/.exec(folder);
  return m ? m[1]!.split('--').join('/') : undefined;
}

export const blobPath = (repoDir: string, etag: string): string => join(repoDir, 'blobs', etag);
export const snapshotDir = (repoDir: string, commit: string): string => join(repoDir, 'snapshots', commit);
const refPath = (repoDir: string, ref: string): string => join(repoDir, 'refs', ...ref.split('/'));

export function readRef(repoDir: string, ref: string): string | undefined {
  const file = refPath(repoDir, ref);
  if (!existsSync(file)) return undefined;
  const commit = readFileSync(file, 'utf8').trim();
  return commit === '' ? undefined : commit;
}

/** huggingface_hub writes the bare commit hash, no newline; so do we. */
export async function writeRef(repoDir: string, ref: string, commit: string): Promise<void> {
  const file = refPath(repoDir, ref);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, commit);
  await rename(tmp, file);
}

/**
 * Points <snapshot>/<path> at the blob with a relative symlink (as huggingface_hub does, so the
 * cache can be moved); where symlinks are not allowed, a copy. Replaces whatever was there.
 */
export async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const target = relative(dirname(pointer), blob);
  if (await pointsAt(pointer, blob)) return;
  const tmp = `${pointer}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  try {
    await symlink(target, tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  await rename(tmp, pointer);
}

async function pointsAt(pointer: string, blob: string): Promise<boolean> {
  try {
    const st = await lstat(pointer);
    if (!st.isSymbolicLink()) return false;
    return resolve(dirname(pointer), await readlink(pointer)) === resolve(blob) && existsSync(blob);
  } catch {
    return false;
  }
}

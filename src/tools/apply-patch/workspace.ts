import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { PatchError, applyChunks, filesNeeded, parsePatch } from './parse.js';

/**
 * Resolves a path written in a patch to a file inside `root`, refusing anything that could land
 * outside: absolute paths, `..` segments, and symlinks (of the file or any folder on the way) that
 * point out of the workspace.
 */
export function resolveInWorkspace(root: string, path: string): string {
  if (path.trim() === '' || path.includes('\0')) throw new PatchError(`path ${JSON.stringify(path)}: not a file path`);
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('\\')) {
    throw new PatchError(`path ${path}: absolute paths are refused; write paths relative to the workspace`);
  }
  if (path.split(/[\\/]/).includes('..')) throw new PatchError(`path ${path}: '..' is refused; the patch may only touch files inside the workspace`);
  const rootReal = realpathSync(root);
  const full = join(rootReal, path);
  // The deepest part of the path that exists decides where the file really lands.
  let probe = full;
  while (!existsSync(probe) && !isSymlink(probe)) probe = dirname(probe);
  const real = isSymlink(probe) && !existsSync(probe) ? undefined : realpathSync(probe);
  if (real === undefined || !within(rootReal, real)) {
    throw new PatchError(`path ${path}: leads out of the workspace through a symbolic link`);
  }
  return full;
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export interface ApplyResult {
  /** What changed, one line per file: `A path`, `M path`, `D path`, `R old -> new`. */
  summary: string[];
  fuzz: number;
}

/**
 * Applies a V4A patch inside `root`, all or nothing: every section is parsed and checked against
 * the files before anything is written, and if a write fails the files already written are put back.
 */
export function applyPatch(root: string, text: string): ApplyResult {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new PatchError(`workspace ${root}: no such directory`);
  const trimmed = text.trim();
  if (!trimmed.startsWith('*** Begin Patch')) throw new PatchError('invalid patch: it must start with "*** Begin Patch"');
  const current = new Map<string, string>();
  for (const p of filesNeeded(trimmed)) {
    const full = resolveInWorkspace(root, p);
    if (!existsSync(full) || !statSync(full).isFile()) continue; // the parser names the missing file
    current.set(p, readFileSync(full, 'utf8'));
  }
  const { actions, fuzz } = parsePatch(trimmed, current);

  const writes = new Map<string, string | null>(); // full path -> new content (null: delete)
  const summary: string[] = [];
  for (const a of actions) {
    const full = resolveInWorkspace(root, a.path);
    if (a.type === 'add') {
      if (existsSync(full)) throw new PatchError(`Add File ${a.path}: the file already exists (use Update File)`);
      writes.set(full, a.content);
      summary.push(`A ${a.path}`);
    } else if (a.type === 'delete') {
      writes.set(full, null);
      summary.push(`D ${a.path}`);
    } else {
      const next = applyChunks(current.get(a.path) ?? '', a.chunks, a.path);
      if (a.moveTo !== undefined) {
        const dest = resolveInWorkspace(root, a.moveTo);
        if (existsSync(dest) && dest !== full) throw new PatchError(`Update File ${a.path}: Move to ${a.moveTo}: that file already exists`);
        writes.set(dest, next);
        if (dest !== full) writes.set(full, null);
        summary.push(`R ${a.path} -> ${a.moveTo}`);
      } else {
        writes.set(full, next);
        summary.push(`M ${a.path}`);
      }
    }
  }

  const backups: [string, string | null][] = [];
  try {
    for (const [full, content] of writes) {
      backups.push([full, existsSync(full) ? readFileSync(full, 'utf8') : null]);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
  } catch (e) {
    for (const [full, old] of backups.reverse()) {
      try {
        if (old === null) rmSync(full, { force: true });
        else writeFileSync(full, old);
      } catch {
        // best effort: the first error is the one to report
      }
    }
    throw new PatchError(`the patch could not be written, nothing was changed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { summary, fuzz };
}

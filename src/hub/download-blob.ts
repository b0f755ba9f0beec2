/**
 * Downloads one file into a blob: resumable (HTTP Range on <blob>.incomplete), retried when the
 * connection drops, verified against the hub's hash before it is renamed into place, so a blob that
 * exists is always whole and correct.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readFile, rename, rm, truncate } from 'node:fs/promises';
import { HubError } from './errors.js';
import { authHeaders, hubFetch } from './http.js';
import { errorForStatus } from './hub-api.js';

export interface ExpectedHash {
  /** sha256: an LFS file's oid. git-sha1: a plain git file's oid (sha1 of "blob <size>\0" + contents). */
  readonly algorithm: 'sha256' | 'git-sha1';
  readonly hex: string;
}

export interface BlobDownload {
  readonly url: string;
  readonly blob: string;
  readonly size: number;
  readonly hash: ExpectedHash;
  /** What the user knows the file as (repo path), for messages. */
  readonly label: string;
  readonly repoId: string;
  readonly token: string | undefined;
}

export interface DownloadHooks {
  /** Bytes newly on disk (negative when a partial file had to be thrown away). */
  onBytes?(delta: number): void;
  signal?: AbortSignal;
  /** Attempts after a dropped connection or a 5xx answer before giving up. */
  retries?: number;
  /** Milliseconds before the first retry (doubling). */
  retryDelayMs?: number;
}

function newHash(h: ExpectedHash, size: number): Hash {
  if (h.algorithm === 'sha256') return createHash('sha256');
  return createHash('sha1').update(`blob ${size}\0`);
}

async function hashFile(file: string, h: ExpectedHash, size: number): Promise<Hash> {
  const hash = newHash(h, size);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One writer per blob: <blob>.lock holds the pid of the process downloading it. A lock whose process
 * is gone (killed mid-pull) is taken over.
 */
async function lockBlob(d: BlobDownload): Promise<() => Promise<void>> {
  const lock = `${d.blob}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(lock, { force: true });
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === 'EEXIST') || attempt > 2) throw e;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new HubError('busy', `${d.repoId}: another process (pid ${pid}) is downloading ${d.label} into the cache; wait for it to finish, or stop it and pull again`);
    }
    await rm(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
}

export async function downloadBlob(d: BlobDownload, hooks: DownloadHooks = {}): Promise<void> {
  const unlock = await lockBlob(d);
  try {
    await downloadLocked(d, hooks);
  } finally {
    await unlock();
  }
}

/** The hash of the part's first `bytes` bytes, kept up to date as chunks are written (no second read of the file). */
interface Digest {
  hash: Hash;
  bytes: number;
}

async function downloadLocked(d: BlobDownload, hooks: DownloadHooks): Promise<void> {
  const part = `${d.blob}.incomplete`;
  const retries = hooks.retries ?? 5;
  let failures = 0;
  let lastError: unknown;
  const digest: Digest = { hash: newHash(d.hash, d.size), bytes: 0 };
  // What an earlier run left counts as done for the progress total (missing bytes of the pull).
  if (existsSync(part)) hooks.onBytes?.(statSync(part).size);
  for (;;) {
    hooks.signal?.throwIfAborted();
    let offset = existsSync(part) ? statSync(part).size : 0;
    if (offset > d.size) {
      // Longer than the file can be: not ours to resume.
      hooks.onBytes?.(-offset);
      await rm(part, { force: true });
      offset = 0;
    }
    if (digest.bytes !== offset) {
      // Resuming a part this process did not write (or a write that failed half way): hash it once.
      digest.hash = offset > 0 ? await hashFile(part, d.hash, d.size) : newHash(d.hash, d.size);
      digest.bytes = offset;
    }
    if (offset < d.size || d.size === 0) {
      try {
        await fetchInto(d, part, offset, digest, hooks);
      } catch (e) {
        if (e instanceof HubError || hooks.signal?.aborted) throw e;
        lastError = e;
        if (++failures > retries) {
          throw new HubError('network', `${d.repoId}: downloading ${d.label} failed ${failures} times (${describe(e)}); run the same pull again to resume from ${existsSync(part) ? statSync(part).size : 0} bytes`, { cause: lastError });
        }
        await sleep((hooks.retryDelayMs ?? 500) * 2 ** (failures - 1));
        continue;
      }
    }
    const size = existsSync(part) ? statSync(part).size : 0;
    if (size !== d.size) {
      if (++failures > retries) {
        throw new HubError('network', `${d.repoId}: ${d.label} ended at ${size} of ${d.size} bytes ${failures} times; run the same pull again to resume`);
      }
      continue;
    }
    const got = (digest.bytes === size ? digest.hash : await hashFile(part, d.hash, d.size)).digest('hex');
    if (got !== d.hash.hex.toLowerCase()) {
      await rm(part, { force: true });
      hooks.onBytes?.(-size);
      const name = d.hash.algorithm === 'sha256' ? 'sha256' : 'git object id';
      throw new HubError('checksum', `${d.repoId}: ${d.label} is corrupt: its ${name} is ${got}, the hub says ${d.hash.hex} (downloaded from ${d.url}); the bad copy was deleted, run the pull again`);
    }
    await rename(part, d.blob);
    return;
  }
}

/** One request: appends to `part` from `offset` (or rewrites it when the server ignores the range). */
async function fetchInto(d: BlobDownload, part: string, offset: number, digest: Digest, hooks: DownloadHooks): Promise<void> {
  const headers: Record<string, string> = { ...authHeaders(d.token), 'accept-encoding': 'identity' };
  if (offset > 0) headers['range'] = `bytes=${offset}-`;
  const res = await hubFetch(d.url, { headers, redirect: 'follow', ...(hooks.signal ? { signal: hooks.signal } : {}) });
  if (res.status === 416) {
    // The part already holds at least the whole file, or the server has a different file: start over.
    await res.body?.cancel();
    hooks.onBytes?.(-offset);
    await rm(part, { force: true });
    throw new Error('the server refused the resume range (416)');
  }
  if (res.status >= 500 || res.status === 429) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status} from ${new URL(res.url || d.url).host}`);
  }
  if (!res.ok) throw await errorForStatus(res, d.repoId, d.label);
  let start = 0;
  if (res.status === 206) {
    const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
    start = m ? Number(m[1]) : -1;
    if (start !== offset) {
      await res.body?.cancel();
      hooks.onBytes?.(-offset);
      await rm(part, { force: true });
      throw new Error(`the server answered the range request from byte ${start}, not ${offset}`);
    }
  } else if (offset > 0) {
    // 200: the whole file again; drop what we had.
    hooks.onBytes?.(-offset);
    await truncate(part, 0);
  }
  if (start === 0) {
    digest.hash = newHash(d.hash, d.size);
    digest.bytes = 0;
  }
  const fh = await open(part, start === 0 ? 'w' : 'a');
  try {
    if (!res.body) return;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      digest.hash.update(value);
      digest.bytes += value.byteLength;
      hooks.onBytes?.(value.byteLength);
    }
  } finally {
    await fh.close();
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}

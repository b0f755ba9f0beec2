/**
 * `pull`: plan (resolve the revision, list the files, pick the layout's, see which blobs are
 * missing), then execute (config first, checked to be a gpt-oss config; then every missing blob,
 * resumed and verified; snapshot links; refs/<branch> last).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { InvalidArgumentError, isGptOssError } from '../core/errors.js';
import { readConfig } from '../format/config.js';
import { blobPath, linkIntoSnapshot, repoFolder, snapshotDir, writeRef } from './cache-layout.js';
import { downloadBlob } from './download-blob.js';
import { HubError } from './errors.js';
import { listRepoFiles, resolveRevision, resolveUrl, type RepoFile } from './hub-api.js';
import { checkpointSubdir, configPathOf, filesForLayout, layoutsIn } from './layout-files.js';
import { parseHubName, type CheckpointLayoutChoice } from './model-names.js';
import { hubSettings, type HubSettings } from './settings.js';

export interface PullPlan {
  readonly settings: HubSettings;
  readonly repoId: string;
  /** The branch, tag or commit asked for. */
  readonly revision: string;
  readonly commit: string;
  readonly layout: CheckpointLayoutChoice;
  readonly files: readonly RepoFile[];
  /** Files whose blob is not in the cache yet. */
  readonly missing: readonly RepoFile[];
  readonly totalBytes: number;
  readonly missingBytes: number;
  /** Of missingBytes, those already in the .incomplete files an interrupted pull left (resumed, not fetched again). */
  readonly partialBytes: number;
  /** The checkpoint directory once pulled (inside the snapshot). */
  readonly dir: string;
}

export interface PullProgress {
  readonly file: string;
  /** Bytes of the missing files on disk so far, of missingBytes. */
  readonly done: number;
  readonly total: number;
}

export interface PullOptions {
  layout?: CheckpointLayoutChoice;
  revision?: string;
  settings?: HubSettings;
}

export interface ExecuteOptions {
  onProgress?(p: PullProgress): void;
  /** Called when a file is complete (downloaded or found). */
  onFile?(file: RepoFile, downloaded: boolean): void;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
}

export interface PullResult {
  readonly dir: string;
  readonly commit: string;
  readonly downloaded: readonly RepoFile[];
  readonly downloadedBytes: number;
}

function checkRepoPath(repoId: string, path: string): void {
  // Paths come from the hub and are joined onto the cache: refuse any that would leave it.
  if (isAbsolute(path) || path.split('/').some((p) => p === '..' || p === '.' || p === '') || path.includes('\\')) {
    throw new HubError('http', `${repoId}: the hub lists a file with an unsafe path '${path}'`);
  }
}

export async function planPull(name: string, options: PullOptions = {}): Promise<PullPlan> {
  const parsed = parseHubName(name);
  if (!parsed) {
    throw new InvalidArgumentError(`'${name}' is not a hub model name: expected org/name (e.g. openai/gpt-oss-20b) or an alias (gpt-oss-20b, gpt-oss-120b), optionally with @REVISION`);
  }
  if (parsed.revision !== undefined && options.revision !== undefined && parsed.revision !== options.revision) {
    throw new InvalidArgumentError(`'${name}' names the revision ${parsed.revision}, but --revision says ${options.revision}: give one of them`);
  }
  const { repoId } = parsed;
  const settings = options.settings ?? hubSettings();
  const revision = options.revision ?? parsed.revision ?? 'main';
  const commit = await resolveRevision(settings, repoId, revision);
  const all = await listRepoFiles(settings, repoId, commit);
  all.forEach((f) => checkRepoPath(repoId, f.path));
  const present = layoutsIn(all);
  const layout = options.layout ?? present[0];
  if (layout === undefined || !present.includes(layout)) {
    const which = options.layout ? `checkpoint in the ${options.layout} layout` : 'gpt-oss checkpoint';
    const other = present.length > 0 ? `; it has the ${present.join(' and ')} layout (use --layout ${present[0]})` : ' (config.json with model.safetensors or model.safetensors.index.json, at the root or in original/)';
    throw new HubError('not_gpt_oss', `${repoId}@${revision} holds no ${which}${other}`);
  }
  const files = filesForLayout(all, layout);
  const repoDir = repoFolder(settings.cacheDir, repoId);
  const missing = files.filter((f) => !existsSync(blobPath(repoDir, f.etag)));
  const sum = (list: readonly RepoFile[]): number => list.reduce((n, f) => n + f.size, 0);
  return {
    settings,
    repoId,
    revision,
    commit,
    layout,
    files,
    missing,
    totalBytes: sum(files),
    missingBytes: sum(missing),
    partialBytes: missing.reduce((n, f) => n + partialSize(blobPath(repoDir, f.etag), f.size), 0),
    dir: join(snapshotDir(repoDir, commit), checkpointSubdir(layout)),
  };
}

/** Bytes of a blob's .incomplete file that a resume keeps (none when it is longer than the file can be). */
function partialSize(blob: string, size: number): number {
  try {
    const n = statSync(`${blob}.incomplete`).size;
    return n <= size ? n : 0;
  } catch {
    return 0;
  }
}

export async function executePull(plan: PullPlan, options: ExecuteOptions = {}): Promise<PullResult> {
  const { settings, repoId, commit } = plan;
  const repoDir = repoFolder(settings.cacheDir, repoId);
  const snapshot = snapshotDir(repoDir, commit);
  await mkdir(join(repoDir, 'blobs'), { recursive: true });
  let done = 0;
  const downloaded: RepoFile[] = [];
  const configPath = configPathOf(plan.layout);
  // The config first: a repository without a gpt-oss config is refused before any weight is fetched.
  const ordered = [...plan.files].sort((a, b) => Number(b.path === configPath) - Number(a.path === configPath));
  for (const file of ordered) {
    const blob = blobPath(repoDir, file.etag);
    const fetched = !existsSync(blob);
    if (fetched) {
      await downloadBlob(
        {
          url: resolveUrl(settings, repoId, commit, file.path),
          blob,
          size: file.size,
          hash: { algorithm: file.lfs ? 'sha256' : 'git-sha1', hex: file.etag },
          label: file.path,
          repoId,
          token: settings.token,
        },
        {
          onBytes: (delta) => {
            done += delta;
            options.onProgress?.({ file: file.path, done, total: plan.missingBytes });
          },
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.retries !== undefined ? { retries: options.retries } : {}),
          ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        },
      );
      downloaded.push(file);
    }
    await linkIntoSnapshot(blob, join(snapshot, ...file.path.split('/')));
    if (file.path === configPath) checkGptOssConfig(repoId, join(snapshot, ...configPath.split('/')));
    options.onFile?.(file, fetched);
  }
  if (!/^[0-9a-f]{40}$/.test(plan.revision)) await writeRef(repoDir, plan.revision, commit);
  return { dir: plan.dir, commit, downloaded, downloadedBytes: downloaded.reduce((n, f) => n + f.size, 0) };
}

function checkGptOssConfig(repoId: string, file: string): void {
  try {
    readConfig(file);
  } catch (e) {
    const why = isGptOssError(e) ? e.message : String(e);
    throw new HubError('not_gpt_oss', `${repoId}: not a gpt-oss model: ${why}`);
  }
}

/** Plan and execute in one call. */
export async function pullModel(name: string, options: PullOptions & ExecuteOptions = {}): Promise<PullResult & { plan: PullPlan }> {
  const plan = await planPull(name, options);
  return { ...(await executePull(plan, options)), plan };
}

/**
 * The hub's HTTP API as far as pulling needs it: which commit a revision is, and the repository's
 * files with their sizes and hashes. Listing uses @huggingface/hub's listFiles (the tree API, paged
 * through Link headers) with our proxy-aware fetch; its HubApiError is turned into a HubError that
 * says what to do.
 */
import { HubApiError, listFiles } from '@huggingface/hub';
import { HubError } from './errors.js';
import { authHeaders, hubFetch } from './http.js';
import type { HubSettings } from './settings.js';

export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** The name of its blob in the cache: the LFS sha256, or the git object id of a plain file. */
  readonly etag: string;
  readonly lfs: boolean;
}

function apiError(status: number, repoId: string, what: string, endpoint: string, body: string, errorCode: string | null): HubError {
  const detail = body.trim() ? ` (the hub said: ${body.trim().slice(0, 200)})` : '';
  if (status === 401 || status === 403) {
    if (errorCode === 'GatedRepo' || /gated|restricted/i.test(body)) {
      return new HubError(
        'gated',
        `${repoId} is a gated repository: accept its terms at ${endpoint}/${repoId} while logged in, then set HF_TOKEN to an access token of that account${detail}`,
      );
    }
    return new HubError('unauthorized', `${repoId}: the hub refused ${what} with HTTP ${status}; set HF_TOKEN to an access token that can read this repository${detail}`);
  }
  if (status === 404) {
    return new HubError('not_found', `${repoId}: ${what} not found at ${endpoint} (HTTP 404); check the name, or set HF_TOKEN if the repository is private${detail}`);
  }
  return new HubError('http', `${repoId}: ${what} failed with HTTP ${status} from ${endpoint}${detail}`);
}

/** A HubError for a non-2xx answer to a file request. */
export async function errorForStatus(res: Response, repoId: string, what: string): Promise<HubError> {
  const body = await res.text().catch(() => '');
  const endpoint = new URL(res.url || 'http://hub').origin;
  return apiError(res.status, repoId, what, endpoint, errorText(body), res.headers.get('x-error-code'));
}

function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown };
    if (typeof j.error === 'string') return j.error;
  } catch {
    /* not JSON: keep the text */
  }
  return body;
}

function networkError(e: unknown, repoId: string, endpoint: string): HubError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return new HubError('network', `${repoId}: cannot reach the hub at ${endpoint} (${cause}); check the network, HF_ENDPOINT and the proxy variables (HTTPS_PROXY, NO_PROXY)`, { cause: e });
}

/** The commit a branch, tag or commit names. */
export async function resolveRevision(s: HubSettings, repoId: string, revision: string): Promise<string> {
  const url = `${s.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  let res: Response;
  try {
    res = await hubFetch(url, { headers: { accept: 'application/json', ...authHeaders(s.token) } });
  } catch (e) {
    throw networkError(e, repoId, s.endpoint);
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    throw apiError(res.status, repoId, `revision '${revision}'`, s.endpoint, errorText(body), res.headers.get('x-error-code'));
  }
  const info = (await res.json()) as { sha?: unknown };
  if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) {
    throw new HubError('http', `${repoId}: the hub's answer for revision '${revision}' has no commit sha (${url})`);
  }
  return info.sha;
}

export async function listRepoFiles(s: HubSettings, repoId: string, commit: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  try {
    for await (const e of listFiles({
      repo: { type: 'model', name: repoId },
      recursive: true,
      revision: commit,
      hubUrl: s.endpoint,
      fetch: hubFetch,
      ...(s.token ? { accessToken: s.token } : {}),
    })) {
      if (e.type !== 'file') continue;
      const etag = e.lfs?.oid ?? e.oid;
      if (!etag) throw new HubError('http', `${repoId}: the hub lists ${e.path} without an object id`);
      files.push({ path: e.path, size: e.lfs?.size ?? e.size, etag, lfs: e.lfs !== undefined });
    }
  } catch (e) {
    if (e instanceof HubError) throw e;
    if (e instanceof HubApiError) {
      throw apiError(e.statusCode, repoId, 'the file list', s.endpoint, e.message.replace(/\. URL: .*$/, ''), null);
    }
    throw networkError(e, repoId, s.endpoint);
  }
  return files;
}

export function resolveUrl(s: HubSettings, repoId: string, commit: string, path: string): string {
  return `${s.endpoint}/${repoId}/resolve/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

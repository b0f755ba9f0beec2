import { BrowserBackendError, type BrowserBackend } from '../backend.js';
import { searchResultsPage, type PageContents } from '../page.js';
import { safeFetch } from '../safe-fetch.js';
import { fetchPage, type WebFetchOptions } from './fetch.js';

export const BRAVE_ENDPOINT = 'https://api.search.brave.com/res/v1/web/search';

/** Brave's snippets mark the matched words with <strong>; the model gets plain text. */
function plain(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? '');
}

/**
 * Web search with the Brave Search API (`BRAVE_API_KEY`; `BRAVE_SEARCH_URL` points it at another
 * endpoint with the same API, e.g. a proxy). The key goes in the X-Subscription-Token header; the
 * pages found are opened under the usual rules (no private addresses unless allowed).
 */
export class BraveBackend implements BrowserBackend {
  readonly source = 'web';
  private readonly endpoint: string;

  constructor(
    private readonly key: string | undefined,
    endpoint: string | undefined,
    private readonly options: WebFetchOptions = {},
  ) {
    if (!key) throw new BrowserBackendError('the brave browser backend needs BRAVE_API_KEY (a Brave Search API subscription token)');
    try {
      this.endpoint = new URL(endpoint ?? BRAVE_ENDPOINT).href;
    } catch {
      throw new BrowserBackendError(`BRAVE_SEARCH_URL is not a URL: ${endpoint}`);
    }
  }

  async search(query: string, topn: number, signal?: AbortSignal): Promise<PageContents> {
    const url = new URL(this.endpoint);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(Math.min(20, Math.max(1, topn))));
    const fail = (why: string): BrowserBackendError => new BrowserBackendError(`Error during search for \`${query}\`: ${why}`);
    // The endpoint is the default or one the user configured, so it may be private (a proxy).
    const res = await safeFetch(url.href, {
      ...this.options,
      allowPrivate: true,
      ...(signal ? { signal } : {}),
      headers: { accept: 'application/json', 'x-subscription-token': this.key! },
    }).catch((e: unknown) => {
      throw fail(e instanceof Error ? e.message : String(e));
    });
    if (res.status === 401 || res.status === 403) throw fail(`the search service refused the key (HTTP ${res.status}): check BRAVE_API_KEY`);
    if (res.status === 429) throw fail('the search service is rate limiting this key (HTTP 429); try again later');
    if (res.status !== 200) throw fail(`the search service answered HTTP ${res.status}`);
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw fail('the search service did not answer JSON');
    }
    const results = (data as { web?: { results?: unknown } }).web?.results ?? [];
    if (!Array.isArray(results)) throw fail('no results list in the answer');
    const hits = results
      .filter((r): r is { url: string; title?: string; description?: string } => typeof r === 'object' && r !== null && typeof (r as { url?: unknown }).url === 'string')
      .slice(0, topn)
      .map((r) => ({ url: r.url, title: plain(r.title ?? r.url), snippet: plain(r.description ?? '') }));
    return searchResultsPage(query, hits);
  }

  fetch(url: string, signal?: AbortSignal): Promise<PageContents> {
    return fetchPage(url, this.options, signal);
  }
}

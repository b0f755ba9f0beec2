import { BrowserBackendError, type BrowserBackend } from '../backend.js';
import { searchResultsPage, type PageContents } from '../page.js';
import { safeFetch } from '../safe-fetch.js';
import { fetchPage, type WebFetchOptions } from './fetch.js';

/**
 * Web search through a SearXNG instance's JSON API (`SEARXNG_URL`, e.g. http://127.0.0.1:8888;
 * the instance must enable `search.formats: [json]`). The instance is the user's own choice, so
 * it may be on a private address; the pages it finds are opened under the usual rules.
 */
export class SearxngBackend implements BrowserBackend {
  readonly source = 'web';
  private readonly base: string;

  constructor(
    baseUrl: string | undefined,
    private readonly options: WebFetchOptions = {},
  ) {
    if (!baseUrl) throw new BrowserBackendError('the searxng browser backend needs SEARXNG_URL (the address of a SearXNG instance with the JSON format enabled)');
    try {
      this.base = new URL(baseUrl).href.replace(/\/?$/, '/');
    } catch {
      throw new BrowserBackendError(`SEARXNG_URL is not a URL: ${baseUrl}`);
    }
  }

  async search(query: string, topn: number, signal?: AbortSignal): Promise<PageContents> {
    const url = new URL('search', this.base);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    const res = await safeFetch(url.href, { ...this.options, allowPrivate: true, ...(signal ? { signal } : {}), headers: { accept: 'application/json' } }).catch(
      (e: unknown) => {
        throw new BrowserBackendError(`Error during search for \`${query}\`: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
    if (res.status !== 200) throw new BrowserBackendError(`Error during search for \`${query}\`: the search service answered HTTP ${res.status}`);
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new BrowserBackendError(`Error during search for \`${query}\`: the search service did not answer JSON (is format=json enabled?)`);
    }
    const results = (data as { results?: unknown }).results;
    if (!Array.isArray(results)) throw new BrowserBackendError(`Error during search for \`${query}\`: no results list in the answer`);
    const hits = results
      .filter((r): r is { url: string; title?: string; content?: string } => typeof r === 'object' && r !== null && typeof (r as { url?: unknown }).url === 'string')
      .slice(0, topn)
      .map((r) => ({ url: r.url, title: r.title ?? r.url, snippet: r.content ?? '' }));
    return searchResultsPage(query, hits);
  }

  fetch(url: string, signal?: AbortSignal): Promise<PageContents> {
    return fetchPage(url, this.options, signal);
  }
}

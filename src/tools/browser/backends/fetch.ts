import { BrowserBackendError, VIEW_SOURCE_PREFIX, bodyToPage, type BrowserBackend } from '../backend.js';
import type { PageContents } from '../page.js';
import { FetchRefusedError, safeFetch, type SafeFetchOptions } from '../safe-fetch.js';

export type WebFetchOptions = Omit<SafeFetchOptions, 'signal' | 'headers'>;

/** Opens web pages by URL, safely (see safe-fetch.ts). Shared by every backend that fetches pages itself. */
export async function fetchPage(url: string, options: WebFetchOptions, signal?: AbortSignal): Promise<PageContents> {
  const viewSource = url.startsWith(VIEW_SOURCE_PREFIX);
  const target = viewSource ? url.slice(VIEW_SOURCE_PREFIX.length) : url;
  let res;
  try {
    res = await safeFetch(target, { ...options, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (e instanceof FetchRefusedError) throw new BrowserBackendError(`Error fetching URL \`${target}\`: ${e.message}`);
    throw new BrowserBackendError(`Error fetching URL \`${target}\`: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status >= 400) throw new BrowserBackendError(`Error fetching URL \`${target}\`: HTTP ${res.status}`);
  return bodyToPage(res.url, res.contentType, res.body, viewSource);
}

/** `--browser-backend fetch`: no search engine; the model opens URLs it knows (or the user gives). */
export class WebFetchBackend implements BrowserBackend {
  readonly source = 'web';

  constructor(private readonly options: WebFetchOptions = {}) {}

  search(query: string): Promise<PageContents> {
    return Promise.reject(
      new BrowserBackendError(`Search is not available with this browser (searching for \`${query}\`): open a URL directly with open(id="https://...").`),
    );
  }

  fetch(url: string, signal?: AbortSignal): Promise<PageContents> {
    return fetchPage(url, this.options, signal);
  }
}

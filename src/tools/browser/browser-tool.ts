import { browserToolNamespace, type JsonValue, type ToolNamespaceConfig } from '../../harmony/index.js';
import { defaultTokenizer } from '../../harmony/default-tokenizer.js';
import { parseArgs, type Tool } from '../tool.js';
import { BrowserBackendError, VIEW_SOURCE_PREFIX, type BrowserBackend } from './backend.js';
import { findInPage, joinLines, wrapLines, type PageContents } from './page.js';

export interface BrowserOptions {
  /** Tokens shown per view when `num_lines` is not given (the reference's 1024). */
  viewTokens?: number;
  /** Results a search asks the backend for (the reference's 20, whatever `topn` says). */
  maxSearchResults?: number;
  /** Counts tokens for the viewport (default: the o200k_harmony tokenizer). */
  countTokens?: (text: string) => number;
}

class ToolUsageError extends Error {}

/** Truncation of long texts in messages, as the reference's maybe_truncate. */
function truncate(text: string, n = 1024): string {
  return text.length > n ? `${text.slice(0, n - 3)}...` : text;
}

function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

/**
 * The `browser` tool with the interface gpt-oss was trained on (a port of openai/gpt-oss
 * gpt_oss/tools/simple_browser/simple_browser_tool.py): `search`, `open`, `find`, a stack of pages
 * addressed by cursor, a token-bounded window of numbered lines. One instance per conversation: it
 * holds the page stack and a cache of opened pages (open the same URL again from a link: no refetch).
 */
export class BrowserTool implements Tool {
  readonly name = 'browser';
  private pages = new Map<string, PageContents>();
  private stack: PageContents[] = [];
  private readonly viewTokens: number;
  private readonly maxSearchResults: number;
  private readonly countTokens: (text: string) => number;

  constructor(
    readonly backend: BrowserBackend,
    options: BrowserOptions = {},
  ) {
    this.viewTokens = options.viewTokens ?? 1024;
    this.maxSearchResults = options.maxSearchResults ?? 20;
    const tok = options.countTokens ? undefined : defaultTokenizer();
    this.countTokens = options.countTokens ?? ((t) => tok!.encode(t).length);
  }

  get namespace(): ToolNamespaceConfig {
    const ns = browserToolNamespace();
    ns.description = ns.description!.replace(/sources=.*$/, `sources=${this.backend.source}`);
    return ns;
  }

  /** The page at each cursor (for citations: cursor -> URL and title). */
  get pageStack(): readonly PageContents[] {
    return this.stack;
  }

  reset(): void {
    this.pages = new Map();
    this.stack = [];
  }

  dispose(): void {
    this.backend.dispose?.();
  }

  async call(recipient: string, args: string, signal?: AbortSignal): Promise<string> {
    const fn = recipient.startsWith('browser.') ? recipient.slice('browser.'.length) : '';
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') return JSON.stringify({ error: parsed });
    if (fn !== 'search' && fn !== 'open' && fn !== 'find') return JSON.stringify({ error: `Unknown function: ${fn || recipient}` });
    try {
      if (fn === 'search') return await this.search(parsed, signal);
      if (fn === 'open') return await this.open(parsed, signal);
      return this.find(parsed);
    } catch (e) {
      if (e instanceof ToolUsageError || e instanceof BrowserBackendError) return e.message;
      throw e;
    }
  }

  private async search(a: Record<string, JsonValue>, signal?: AbortSignal): Promise<string> {
    const query = a['query'];
    if (typeof query !== 'string' || query.trim() === '') throw new ToolUsageError('`query` must be a non-empty string');
    let page: PageContents;
    try {
      page = await this.backend.search(query, this.maxSearchResults, signal);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new BrowserBackendError(e instanceof BrowserBackendError ? msg : `Error during search for \`${query}\`: ${truncate(msg)}`);
    }
    this.stack.push(page);
    return this.showPageSafely(0, -1);
  }

  private async open(a: Record<string, JsonValue>, signal?: AbortSignal): Promise<string> {
    const id = a['id'] ?? -1;
    const cursor = intArg(a, 'cursor', -1);
    let loc = intArg(a, 'loc', -1);
    const numLines = intArg(a, 'num_lines', -1);
    const viewSource = a['view_source'] === true;
    let url: string;
    let lineHint: number | undefined;
    let current: PageContents | undefined;
    let stay = false;
    let direct = false;
    if (typeof id === 'string') {
      url = id;
      direct = true;
    } else {
      if (typeof id !== 'number' || !Number.isInteger(id)) throw new ToolUsageError('`id` must be a link id (a number) or a URL (a string)');
      current = this.pageAt(cursor);
      if (id >= 0) {
        const link = current.urls[String(id)];
        if (link === undefined) throw new ToolUsageError(`Invalid link id \`${id}\`.`);
        url = link;
        lineHint = current.snippets?.[String(id)]?.lineIdx;
      } else {
        url = current.url;
        if (!viewSource) stay = true;
      }
    }
    if (viewSource) {
      url = `${VIEW_SOURCE_PREFIX}${url}`;
      lineHint = undefined;
    }
    const page = stay && current ? current : await this.openUrl(url, direct, signal);
    this.stack.push(page);
    if (loc < 0) loc = lineHint !== undefined ? (lineHint > 4 ? lineHint - 4 : lineHint) : 0;
    return this.showPageSafely(loc, numLines);
  }

  private find(a: Record<string, JsonValue>): string {
    const pattern = a['pattern'];
    if (typeof pattern !== 'string' || pattern === '') throw new ToolUsageError('`pattern` must be a non-empty string');
    const page = this.pageAt(intArg(a, 'cursor', -1));
    if (page.snippets !== undefined) throw new ToolUsageError('Cannot run `find` on search results page or find results page');
    this.stack.push(findInPage(pattern, page));
    return this.showPageSafely(0, -1);
  }

  private async openUrl(url: string, direct: boolean, signal?: AbortSignal): Promise<PageContents> {
    // A URL the model names directly is a refresh; a link it follows may come from the cache.
    const cached = this.pages.get(url);
    if (!direct && cached) return cached;
    let page: PageContents;
    try {
      page = await this.backend.fetch(url, signal);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new BrowserBackendError(e instanceof BrowserBackendError ? msg : `Error fetching URL \`${truncate(url)}\`: ${truncate(msg)}`);
    }
    this.pages.set(url, page);
    if (page.url !== url) this.pages.set(page.url, page);
    return page;
  }

  private pageAt(cursor: number): PageContents {
    const top = this.stack.length - 1;
    if (top < 0) throw new ToolUsageError('No pages to access!');
    if (cursor === -1 || cursor === top) return this.stack[top]!;
    const page = this.stack[cursor];
    if (page === undefined) throw new ToolUsageError(`Cursor \`${cursor}\` is out of range. Available cursor indices: [0 - ${top}].`);
    return page;
  }

  /** Shows the page just pushed; on a bad location the push is undone. */
  private showPageSafely(loc: number, numLines: number): string {
    try {
      return this.showPage(loc, numLines);
    } catch (e) {
      this.stack.pop();
      throw e;
    }
  }

  private showPage(loc: number, numLines: number): string {
    const cursor = this.stack.length - 1;
    const page = this.stack[cursor]!;
    const lines = wrapLines(page.text);
    const total = lines.length;
    if (loc >= total) throw new ToolUsageError(`Invalid location parameter: \`${loc}\`. Cannot exceed page maximum of ${total - 1}.`);
    const end = this.endLoc(loc, numLines, lines);
    const body = joinLines(lines.slice(loc, end), true, loc);
    let header = page.title;
    const shown = truncate(safeDecode(page.url));
    if (shown) header += ` (${shown})`;
    header += `\n**viewing lines [${loc} - ${end - 1}] of ${total - 1}**\n\n`;
    return `[${cursor}] ${header}${body}`;
  }

  /** End of the view: `numLines` lines, or as many as fit in viewTokens (the line that crosses the bound included). */
  private endLoc(loc: number, numLines: number, lines: readonly string[]): number {
    const total = lines.length;
    if (numLines > 0) return Math.min(loc + numLines, total);
    const all = joinLines(lines.slice(loc), true, loc);
    if (all.length <= this.viewTokens || this.countTokens(all) <= this.viewTokens) return total;
    // The largest count of lines that fits, by bisection (token counts grow with lines).
    let lo = 0;
    let hi = total - loc;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.countTokens(joinLines(lines.slice(loc, loc + mid), true, loc)) <= this.viewTokens) lo = mid;
      else hi = mid - 1;
    }
    return Math.min(loc + lo + 1, total);
  }
}

function intArg(a: Record<string, JsonValue>, name: string, fallback: number): number {
  const v = a[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ToolUsageError(`\`${name}\` should be an integer, not \`${JSON.stringify(v)}\``);
  return v;
}

import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import MiniSearch from 'minisearch';
import { BrowserBackendError, VIEW_SOURCE_PREFIX, pdfText, type BrowserBackend } from '../backend.js';
import { htmlToPage } from '../html.js';
import { searchResultsPage, wrapLines, type PageContents } from '../page.js';

const TEXT_EXT = new Set(['.md', '.markdown', '.txt', '.text', '.rst', '.adoc', '.org', '.csv', '.json', '.yaml', '.yml']);
const HTML_EXT = new Set(['.html', '.htm', '.xhtml']);
const PDF_EXT = new Set(['.pdf']);
const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** How often (at most) a search re-checks the folder for changed files. */
const RESCAN_MS = 1000;

interface Doc {
  path: string;
  mtimeMs: number;
  size: number;
  page: PageContents;
  lines: string[];
}

/**
 * `--browser-backend local --docs DIR`: search over the user's own documents (markdown, HTML, text,
 * PDF) with BM25 ranking (MiniSearch), no network and no key. Indexed on first use; every search
 * first re-checks the files' sizes and modification times, so edits, new and deleted files are seen.
 * Pages can be opened by search-result id or as file:// URLs inside the folder, nothing outside it.
 */
export class LocalDocsBackend implements BrowserBackend {
  readonly source = 'local documents';
  private readonly root: string;
  private readonly docs = new Map<string, Doc>();
  private readonly index = new MiniSearch<{ id: string; title: string; text: string }>({
    fields: ['title', 'text'],
    storeFields: [],
    searchOptions: { boost: { title: 2 }, prefix: true, fuzzy: 0.1 },
  });
  private lastScan = 0;
  private readonly rescanMs: number;

  constructor(root: string, options: { rescanMs?: number } = {}) {
    this.rescanMs = options.rescanMs ?? RESCAN_MS;
    try {
      this.root = realpathSync(root);
      if (!statSync(this.root).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new BrowserBackendError(`--docs ${root}: no such directory`);
    }
  }

  /** Brings the index up to date with the folder (called before each search; cheap when nothing changed). */
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.lastScan < this.rescanMs) return;
    this.lastScan = Date.now();
    const seen = new Set<string>();
    for (const path of walk(this.root)) {
      seen.add(path);
      const st = statSync(path);
      const old = this.docs.get(path);
      if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) continue;
      if (old) this.index.discard(path);
      this.docs.delete(path);
      let page: PageContents;
      try {
        page = await this.load(path);
      } catch {
        continue; // an unreadable file is left out of the index, not an error for every search
      }
      this.docs.set(path, { path, mtimeMs: st.mtimeMs, size: st.size, page, lines: wrapLines(page.text) });
      this.index.add({ id: path, title: page.title, text: page.text });
    }
    for (const path of [...this.docs.keys()]) {
      if (!seen.has(path)) {
        this.index.discard(path);
        this.docs.delete(path);
      }
    }
  }

  get size(): number {
    return this.docs.size;
  }

  async search(query: string, topn: number): Promise<PageContents> {
    await this.refresh();
    const results = this.index.search(query).slice(0, Math.max(1, topn));
    const terms = query.toLowerCase().split(/\W+/).filter((t) => t.length > 1);
    const hits = results.flatMap((r) => {
      const doc = this.docs.get(String(r.id));
      if (!doc) return [];
      const { line, snippet } = bestPassage(doc.lines, terms);
      return [{ url: doc.page.url, title: doc.page.title, snippet, line }];
    });
    const page = searchResultsPage(query, hits);
    // Opening a hit starts near its best passage, as the reference does for snippets with a line.
    hits.forEach((h, i) => {
      const s = page.snippets?.[String(i)];
      if (s) s.lineIdx = h.line;
    });
    return page;
  }

  async fetch(url: string): Promise<PageContents> {
    const viewSource = url.startsWith(VIEW_SOURCE_PREFIX);
    const target = viewSource ? url.slice(VIEW_SOURCE_PREFIX.length) : url;
    let path: string;
    try {
      const u = new URL(target);
      if (u.protocol !== 'file:') throw new Error('not a file URL');
      path = realpathSync(fileURLToPath(u));
    } catch {
      throw new BrowserBackendError(`Error fetching URL \`${target}\`: this browser only opens the local documents (file:// URLs from search results)`);
    }
    const rel = relative(this.root, path);
    if (rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)) {
      throw new BrowserBackendError(`Error fetching URL \`${target}\`: outside the documents folder`);
    }
    if (viewSource) return { url, title: target, text: readFileSync(path, 'utf8'), urls: {} };
    await this.refresh();
    return this.docs.get(path)?.page ?? this.load(path);
  }

  private async load(path: string): Promise<PageContents> {
    const ext = extname(path).toLowerCase();
    const url = pathToFileURL(path).href;
    const name = relative(this.root, path);
    if (HTML_EXT.has(ext)) {
      const page = htmlToPage(readFileSync(path, 'utf8'), url);
      return page.title === name.split(sep).pop() ? { ...page, title: name } : page;
    }
    if (PDF_EXT.has(ext)) return { url, title: name, text: await pdfText(readFileSync(path)), urls: {} };
    const text = readFileSync(path, 'utf8');
    const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
    return { url, title: heading ?? name, text, urls: {} };
  }
}

function* walk(dir: string, depth = 0): Generator<string> {
  if (depth > 16) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, depth + 1);
    else if (e.isFile()) {
      const ext = extname(e.name).toLowerCase();
      if ((TEXT_EXT.has(ext) || HTML_EXT.has(ext) || PDF_EXT.has(ext)) && statSync(p).size <= MAX_FILE_BYTES) yield p;
    }
  }
}

/** The 3-line window with the most query terms (first one wins), as a search snippet. */
function bestPassage(lines: readonly string[], terms: readonly string[]): { line: number; snippet: string } {
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.toLowerCase();
    let score = 0;
    for (const t of terms) if (l.includes(t)) score++;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return { line: best, snippet: lines.slice(best, best + 3).join(' ').slice(0, 300) };
}

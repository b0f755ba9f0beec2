/**
 * A page as the browser tool shows it, and the text operations of the reference browser
 * (openai/gpt-oss gpt_oss/tools/simple_browser): lines wrapped at 80 columns, `L{n}: ` line
 * numbers, link markers `【id†text】` (`【id†text†domain】` for other sites), find-in-page.
 */

export interface Extract {
  url: string;
  text: string;
  title: string;
  /** Line of the source page the extract starts at (find results, search hits in a document). */
  lineIdx?: number;
}

export interface PageContents {
  /** Where the page came from ('' for search and find result pages, which cannot be cited). */
  url: string;
  title: string;
  text: string;
  /** Link id -> URL, for `open(id)`. */
  urls: Record<string, string>;
  /** Search and find result pages: link id -> the extract shown. */
  snippets?: Record<string, Extract>;
  /** What a citation of this page points at when not its own URL (find results: the page searched). */
  citeAs?: { url: string; title: string };
}

/** Python's textwrap.wrap(width=80, replace_whitespace=False, drop_whitespace=False) on every line. */
export function wrapLines(text: string, width = 80): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      out.push('');
      continue;
    }
    // textwrap splits into words and whitespace runs, then packs them; words longer than width break.
    const chunks = line.match(/\s+|\S+/g) ?? [];
    let cur = '';
    for (let chunk of chunks) {
      while (chunk.length > 0) {
        if (cur.length + chunk.length <= width) {
          cur += chunk;
          chunk = '';
        } else if (cur.length === 0 || chunk.length > width) {
          const room = width - cur.length;
          cur += chunk.slice(0, room);
          chunk = chunk.slice(room);
          out.push(cur);
          cur = '';
        } else {
          out.push(cur);
          cur = '';
        }
      }
    }
    if (cur !== '') out.push(cur);
  }
  return out;
}

export function joinLines(lines: readonly string[], addLineNumbers = false, offset = 0): string {
  return addLineNumbers ? lines.map((l, i) => `L${i + offset}: ${l}`).join('\n') : lines.join('\n');
}

const PARTIAL_INITIAL_LINK = /^[^【】]*】/;
const PARTIAL_FINAL_LINK = /【\d*(?:†([^†】]*)(?:†[^†】]*)?)?$/;
const LINK = /【\d+†([^†】]+)(?:†[^†】]+)?】/g;

/** Link markers replaced by their text (find matches words, not ids). */
export function stripLinks(text: string): string {
  return text
    .replace(PARTIAL_INITIAL_LINK, '')
    .replace(PARTIAL_FINAL_LINK, (_m, content: string | undefined) => content ?? '')
    .replace(LINK, (_m, content: string) => content);
}

/** The reference's `run_find_in_page`: case-insensitive matches, 4 lines each, at most 50. */
export function findInPage(pattern: string, page: PageContents, maxResults = 50, showLines = 4): PageContents {
  const needle = pattern.toLowerCase();
  const lines = stripLinks(joinLines(wrapLines(page.text))).split('\n');
  const chunks: string[] = [];
  const snippets: Record<string, Extract> = {};
  const urls: Record<string, string> = {};
  let i = 0;
  let match = 0;
  while (i < lines.length) {
    if (!lines[i]!.toLowerCase().includes(needle)) {
      i++;
      continue;
    }
    const snippet = lines.slice(i, i + showLines).join('\n');
    chunks.push(`# 【${match}†match at L${i}】\n${snippet}`);
    snippets[String(match)] = { url: page.url, text: snippet, title: `#${match}`, lineIdx: i };
    urls[String(match)] = page.url;
    if (chunks.length === maxResults) break;
    match++;
    i += showLines;
  }
  return {
    url: '',
    title: `Find results for text: \`${pattern}\` in \`${page.title}\``,
    text: chunks.length > 0 ? chunks.join('\n\n') : `No \`find\` results for pattern: \`${pattern}\``,
    urls,
    snippets,
    ...(page.url ? { citeAs: page.citeAs ?? { url: page.url, title: page.title } } : {}),
  };
}

/** The reference's search result page: one bullet per hit, `【id†title†domain】` and its summary. */
export function searchResultsPage(query: string, hits: readonly { url: string; title: string; snippet: string }[]): PageContents {
  const urls: Record<string, string> = {};
  const snippets: Record<string, Extract> = {};
  const lines = ['# Search Results', ''];
  hits.forEach((h, i) => {
    const id = String(i);
    urls[id] = h.url;
    snippets[id] = { url: h.url, text: h.snippet, title: h.title };
    lines.push(`* 【${id}†${cleanLinkText(h.title)}†${domainOf(h.url)}】 ${h.snippet.replace(/\s+/g, ' ').trim()}`);
  });
  if (hits.length === 0) lines.push(`No results for \`${query}\`.`);
  return { url: '', title: query, text: lines.join('\n'), urls, snippets };
}

export function domainOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? u.pathname.split('/').pop() ?? url : u.host;
  } catch {
    return url;
  }
}

/** Link text may not contain the marker characters. */
export function cleanLinkText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/†/g, '‡').replace(/【/g, '〖').replace(/】/g, '〗');
}

/**
 * The model cites browser pages as `【{cursor}†L{start}(-L{end})?】`. These functions turn the
 * markers into `url_citation` annotations (URL, title, character range), as the reference's
 * `normalize_citations` does: each marker whose cursor names a citable page becomes
 * ` ([domain](url)) ` and the annotation spans that text; other markers stay as written.
 */
import type { PageContents } from './page.js';

export interface UrlCitation {
  type: 'url_citation';
  url: string;
  title: string;
  /** UTF-16 offsets into the rewritten text, end exclusive. */
  start_index: number;
  end_index: number;
}

const CITATION = /【(\d+)†([^†】]+)(?:†[^†】]+)?】/g;
/** An unfinished marker at the end of streamed text. */
const PARTIAL = /【\d*(?:†[^†】]*(?:†[^†】]*)?)?$/;

type CitablePage = Pick<PageContents, 'url' | 'title' | 'citeAs'>;

function target(pages: readonly CitablePage[], cursor: number): { url: string; title: string } | undefined {
  const p = pages[cursor];
  if (!p) return undefined;
  if (p.citeAs) return p.citeAs;
  return p.url && !p.url.startsWith('view-source:') ? { url: p.url, title: p.title } : undefined;
}

function domain(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? decodeURIComponent(u.pathname.split('/').pop() ?? url) : u.host;
  } catch {
    return url;
  }
}

/** Rewrites complete text; `offset` shifts the annotation indices (text that came before). */
export function normalizeCitations(text: string, pages: readonly CitablePage[], offset = 0): { text: string; annotations: UrlCitation[] } {
  let out = '';
  let last = 0;
  const annotations: UrlCitation[] = [];
  for (const m of text.matchAll(CITATION)) {
    const at = m.index ?? 0;
    out += text.slice(last, at);
    const t = target(pages, Number(m[1]));
    if (t) {
      const replacement = ` ([${domain(t.url)}](${t.url})) `;
      const start = offset + out.length;
      annotations.push({ type: 'url_citation', url: t.url, title: t.title, start_index: start, end_index: start + replacement.length });
      out += replacement;
    } else out += m[0];
    last = at + m[0].length;
  }
  out += text.slice(last);
  return { text: out, annotations };
}

/**
 * The same while the answer streams: `push` returns the text that can be shown now and its
 * annotations; an incomplete marker at the end is held back until it completes (or `finish`).
 * The page list is read at each push, so pages opened later in the turn count.
 */
export class CitationStream {
  private held = '';
  private emitted = 0;

  constructor(private readonly pages: () => readonly CitablePage[]) {}

  push(delta: string): { text: string; annotations: UrlCitation[] } {
    const text = this.held + delta;
    const partial = PARTIAL.exec(text);
    const cut = partial ? partial.index : text.length;
    this.held = text.slice(cut);
    return this.emit(text.slice(0, cut));
  }

  /** Everything still held back (an unfinished marker is shown as written). */
  finish(): { text: string; annotations: UrlCitation[] } {
    const rest = this.held;
    this.held = '';
    return this.emit(rest);
  }

  private emit(text: string): { text: string; annotations: UrlCitation[] } {
    const r = normalizeCitations(text, this.pages(), this.emitted);
    this.emitted += r.text.length;
    return r;
  }
}

/**
 * HTML to the text the model reads: the readable part of the page (Mozilla Readability on a
 * linkedom DOM, the whole body when Readability finds no article), links turned into the
 * reference browser's `【id†text】` markers (`【id†text†domain】` off-site), images into
 * `[Image n: alt]`, then markdown by turndown with escaping off (the reference's html2text settings).
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import TurndownService from 'turndown';
import { cleanLinkText, domainOf, type PageContents } from './page.js';

interface DomNode {
  textContent: string | null;
  parentNode: DomNode | null;
  replaceWith(...nodes: (DomNode | string)[]): void;
  getAttribute(name: string): string | null;
  remove(): void;
}
interface DomDocument {
  title: string;
  body: { innerHTML: string; textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<DomNode>;
}

const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '*' });
turndown.escape = (s: string): string => s;
turndown.remove(['script', 'style', 'noscript', 'iframe', 'template'] as never);

/** The page's markers may not collide with the characters the browser uses for links. */
function replaceSpecialChars(html: string): string {
  return html.replace(/【/g, '〖').replace(/】/g, '〗').replace(/\u200b/g, '');
}

function dom(html: string): DomDocument {
  return parseHTML(html).document as unknown as DomDocument;
}

export function htmlToPage(rawHtml: string, url: string, titleHint?: string): PageContents {
  const html = replaceSpecialChars(rawHtml);
  const doc = dom(html);
  const docTitle = doc.title?.trim() ?? '';
  const bodyText = (doc.body?.textContent ?? '').replace(/\s+/g, ' ').trim();
  let article: { title?: string | null; content?: string | null; textContent?: string | null } | null = null;
  try {
    article = new Readability(dom(html) as never, { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const articleText = (article?.textContent ?? '').replace(/\s+/g, ' ').trim();
  // Readability drops navigation; keep the whole body when the article is a small part of it.
  const useArticle = article?.content && articleText.length >= 0.5 * bodyText.length;
  const content = dom(`<!doctype html><html><body>${useArticle ? article!.content! : doc.body?.innerHTML ?? html}</body></html>`);

  const urls: Record<string, string> = {};
  const ids = new Map<string, string>();
  const pageDomain = domainOf(url);
  for (const a of [...content.querySelectorAll('a[href]')]) {
    const href = a.getAttribute('href') ?? '';
    const text = cleanLinkText(a.textContent ?? '');
    if (text === '' || /^(mailto|javascript|tel):/i.test(href)) {
      a.replaceWith(text);
      continue;
    }
    let target: URL;
    try {
      target = new URL(href, url || undefined);
    } catch {
      a.replaceWith(text);
      continue;
    }
    if (href.startsWith('#') || (target.protocol !== 'http:' && target.protocol !== 'https:' && target.protocol !== 'file:')) {
      a.replaceWith(text);
      continue;
    }
    target.hash = '';
    let id = ids.get(target.href);
    if (id === undefined) {
      id = String(ids.size);
      ids.set(target.href, id);
      urls[id] = target.href;
    }
    const domain = domainOf(target.href);
    // Local documents link to each other as one site.
    const sameSite = target.protocol === 'file:' ? url.startsWith('file:') : domain === pageDomain;
    a.replaceWith(sameSite ? `【${id}†${text}】` : `【${id}†${text}†${domain}】`);
  }
  let image = 0;
  for (const img of [...content.querySelectorAll('img')]) {
    const alt = img.getAttribute('alt') ?? img.getAttribute('title');
    img.replaceWith(alt ? `[Image ${image}: ${alt}]` : `[Image ${image}]`);
    image++;
  }
  for (const node of [...content.querySelectorAll('math, svg, canvas')]) node.remove();

  let text = turndown.turndown(content.body?.innerHTML ?? '');
  text = text
    .replace(/(【@[^】]+】)(\s+)/g, '$2$1')
    .replace(/^\s+$/gm, '')
    .replace(/\n(\s*\n)+/g, '\n\n')
    .trim();
  const title = titleHint || (useArticle && article?.title ? article.title : '') || docTitle || pageDomain;
  return { url, title, text, urls };
}

import { htmlToPage } from './html.js';
import type { PageContents } from './page.js';

/**
 * Where the browser's pages come from. `source` is what the tool description tells the model
 * (`sources=...`). Backends throw BrowserBackendError with a message meant for the model.
 */
export interface BrowserBackend {
  readonly source: string;
  search(query: string, topn: number, signal?: AbortSignal): Promise<PageContents>;
  fetch(url: string, signal?: AbortSignal): Promise<PageContents>;
  dispose?(): void;
}

export class BrowserBackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserBackendError';
  }
}

export const VIEW_SOURCE_PREFIX = 'view-source:';

/** Media types shown as text as they are. */
const TEXT_TYPES = /^(text\/(plain|markdown|x-markdown|csv|x-rst)|application\/(json|xml|x-yaml|yaml|javascript)|text\/xml)\b/;

/**
 * A fetched body as a page, by media type: HTML through the readable-text pipeline, PDF through
 * its text layer, other text as is; anything else is refused with a note the model can act on.
 */
export async function bodyToPage(url: string, contentType: string, body: Buffer, viewSource: boolean): Promise<PageContents> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim().replace(/^"|"$/g, '');
  const decode = (): string => {
    try {
      return new TextDecoder(charset ?? 'utf-8').decode(body);
    } catch {
      return new TextDecoder('utf-8').decode(body);
    }
  };
  const shown = viewSource ? `${VIEW_SOURCE_PREFIX}${url}` : url;
  if (type === 'application/pdf') {
    if (viewSource) throw new BrowserBackendError(`view_source is not available for PDF documents (${url})`);
    return { url, title: url.split('/').pop() || url, text: await pdfText(body), urls: {} };
  }
  const isHtml = type === 'text/html' || type === 'application/xhtml+xml' || (type === '' && /^\s*<(!doctype html|html)/i.test(body.subarray(0, 200).toString()));
  if (isHtml) {
    if (viewSource) return { url: shown, title: url, text: decode(), urls: {} };
    return htmlToPage(decode(), url);
  }
  if (TEXT_TYPES.test(type) || type.startsWith('text/')) return { url: shown, title: url.split('/').pop() || url, text: decode(), urls: {} };
  throw new BrowserBackendError(
    `${url} is ${type || 'of an unknown type'}, which the browser cannot show as text (it shows HTML, plain text, markdown, JSON, XML and PDF).`,
  );
}

/** The text layer of a PDF, pages separated by blank lines (unpdf, a packaging of Mozilla's pdf.js). */
export async function pdfText(data: Uint8Array): Promise<string> {
  try {
    const { extractText, getDocumentProxy } = await import('unpdf');
    const pdf = await getDocumentProxy(new Uint8Array(data));
    const { text } = await extractText(pdf, { mergePages: false });
    return (Array.isArray(text) ? text : [text]).join('\n\n');
  } catch (e) {
    throw new BrowserBackendError(`could not read the PDF: ${e instanceof Error ? e.message : String(e)}`);
  }
}

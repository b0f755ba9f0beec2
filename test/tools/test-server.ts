// A small web site on 127.0.0.1 for the browser tests: linked pages, a long page, non-HTML
// content, redirects (one to a private address), a slow and a huge response, a PDF, and a stand-in
// for SearXNG's JSON search API. Counts requests per path, so caching is observable.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestSite {
  base: string;
  hits: Map<string, number>;
  close: () => Promise<void>;
}

export const LONG_LINES = 400;

/** A one-page PDF whose text layer says `text` (built by hand: header, 5 objects, xref, trailer). */
export function tinyPdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export async function startTestSite(): Promise<TestSite> {
  const hits = new Map<string, number>();
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const html = (title: string, body: string): void => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
    };
    switch (url.pathname) {
      case '/':
        return html(
          'Home of the test site',
          '<h1>Welcome</h1><p>Read about <a href="/whales">blue whales</a> or the <a href="/long">long page</a>. ' +
            'External: <a href="https://example.org/elsewhere">another site</a>. <a href="mailto:x@y.z">mail</a></p>',
        );
      case '/whales':
        return html(
          'Blue whales',
          '<article><h1>Blue whales</h1><p>The blue whale is the largest animal known to have ever existed, reaching up to 30 metres.</p>' +
            '<p>Blue whales feed almost exclusively on krill. <a href="/">Back home</a>.</p><img src="w.png" alt="a whale"></article>',
        );
      case '/long': {
        const paras = Array.from({ length: LONG_LINES }, (_, i) => `<p>Paragraph number ${i} of the long page${i === 321 ? ' mentions the zebra once' : ''}.</p>`);
        return html('Long page', paras.join(''));
      }
      case '/plain.txt':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('plain text line one\nplain text line two\n');
      case '/image.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      case '/doc.pdf':
        res.writeHead(200, { 'content-type': 'application/pdf' });
        return res.end(tinyPdf('Hello from a PDF file'));
      case '/redirect':
        res.writeHead(302, { location: '/whales' });
        return res.end();
      case '/redirect-private':
        res.writeHead(302, { location: 'http://10.0.0.1/secret' });
        return res.end();
      case '/redirect-metadata':
        res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
        return res.end();
      case '/redirect-file':
        res.writeHead(302, { location: 'file:///etc/passwd' });
        return res.end();
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><body>starting');
        setTimeout(() => res.end('</body></html>'), 5000).unref();
        return;
      case '/huge': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = (): void => {
          while (sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => (sent = Infinity));
        return pump();
      }
      case '/search': {
        // SearXNG's JSON API (GET /search?q=...&format=json).
        if (url.searchParams.get('format') !== 'json') {
          res.writeHead(403);
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            query: url.searchParams.get('q'),
            results: [
              { url: `${base}/whales`, title: 'Blue whales', content: 'The blue whale is the largest animal.' },
              { url: `${base}/long`, title: 'Long page', content: 'Many paragraphs.' },
            ],
          }),
        );
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

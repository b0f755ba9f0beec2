/**
 * A stand-in for the Hugging Face hub on 127.0.0.1, speaking the endpoints a pull uses:
 *   GET /api/models/{repo}/revision/{rev}         -> { id, sha }
 *   GET /api/models/{repo}/tree/{rev}?recursive=   -> entries, paged with Link headers like the hub
 *   GET /{repo}/resolve/{rev}/{path}               -> plain files served here; LFS files redirected (302)
 *                                                      to a second server on another port (the storage host)
 * Both honour Range (206, 416). Faults are switched on per test: cut the connection after N bytes, flip a
 * byte, answer 416 or ignore Range once, require a token (a gated repository).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface FakeRepo {
  /** Commits, newest last; `main` points at the last. Each maps a repo path to its contents. */
  readonly commits: { sha: string; files: Map<string, Buffer> }[];
  readonly gated?: boolean;
  /** Tags and branches other than main, by name -> sha. */
  readonly tags?: Map<string, string>;
}

export interface Faults {
  /** path -> bytes of body after which the connection is destroyed (applies `times` times). */
  cut?: Map<string, { after: number; times: number }>;
  /** paths whose served bytes have one byte flipped (the listing keeps the true hash). */
  corrupt?: Set<string>;
  /** paths whose next ranged request gets 416 / a 200 with the whole file. */
  range416?: Set<string>;
  ignoreRange?: Set<string>;
  /** paths sent slowly (32 kB every 40 ms), so a progress bar can be watched. */
  slow?: Set<string>;
}

export interface RequestLog {
  host: 'hub' | 'storage';
  method: string;
  url: string;
  range: string | undefined;
  authorization: string | undefined;
  status: number;
  bodyBytes: number;
}

const LFS_THRESHOLD = 1000;
const PAGE = 4;

function gitOid(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const isLfs = (path: string, data: Buffer): boolean => path.endsWith('.safetensors') || data.length > LFS_THRESHOLD;

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly faults: Required<Faults> = { cut: new Map(), corrupt: new Set(), range416: new Set(), ignoreRange: new Set(), slow: new Set() };
  readonly log: RequestLog[] = [];
  token = 'hf_secret_token';
  private hub!: Server;
  private storage!: Server;
  private readonly blobsBySha = new Map<string, { path: string; data: Buffer }>();
  private readonly sockets = new Set<Socket>();

  get endpoint(): string {
    return `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
  }
  get storageOrigin(): string {
    return `http://127.0.0.1:${(this.storage.address() as AddressInfo).port}`;
  }

  addRepo(id: string, files: Map<string, Buffer>, options: { gated?: boolean } = {}): string {
    const sha = createHash('sha1').update(`${id}:${this.repos.get(id)?.commits.length ?? 0}:${[...files.keys()].join()}`).digest('hex');
    const repo = this.repos.get(id) ?? { commits: [], tags: new Map<string, string>(), ...(options.gated ? { gated: true } : {}) };
    repo.commits.push({ sha, files });
    this.repos.set(id, repo);
    for (const [path, data] of files) if (isLfs(path, data)) this.blobsBySha.set(sha256(data), { path, data });
    return sha;
  }

  /** Points a tag (or branch) of the repository at one of its commits. */
  tag(id: string, name: string, sha: string): void {
    this.repos.get(id)!.tags!.set(name, sha);
  }

  async start(): Promise<void> {
    this.hub = createServer((req, res) => this.handleHub(req, res));
    this.storage = createServer((req, res) => this.handleStorage(req, res));
    for (const s of [this.hub, this.storage]) {
      s.on('connection', (sock) => {
        this.sockets.add(sock);
        sock.on('close', () => this.sockets.delete(sock));
      });
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([this.hub, this.storage].map((s) => new Promise((r) => s.close(r))));
  }

  /** Body bytes sent for file contents (resolve + storage), since the log was last cleared. */
  fileBytesServed(): number {
    return this.log.filter((l) => l.url.includes('/resolve/') || l.host === 'storage').reduce((n, l) => n + l.bodyBytes, 0);
  }

  private record(host: RequestLog['host'], req: IncomingMessage, status: number, bodyBytes = 0): RequestLog {
    const entry = { host, method: req.method ?? 'GET', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization, status, bodyBytes };
    this.log.push(entry);
    return entry;
  }

  private json(host: RequestLog['host'], req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    this.record(host, req, status);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }

  private commitOf(repo: FakeRepo, rev: string): FakeRepo['commits'][number] | undefined {
    if (rev === 'main') return repo.commits[repo.commits.length - 1];
    const sha = repo.tags?.get(rev) ?? rev;
    return repo.commits.find((c) => c.sha === sha);
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.endpoint);
    const path = decodeURIComponent(url.pathname);
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    if (m) {
      const repo = this.repos.get(m[1]!);
      const commit = repo && this.commitOf(repo, m[2]!);
      if (!repo || !commit) return this.json('hub', req, res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
      return this.json('hub', req, res, 200, { id: m[1], sha: commit.sha, gated: repo.gated ? 'manual' : false });
    }
    m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(path);
    if (m) {
      const repo = this.repos.get(m[1]!);
      const commit = repo && this.commitOf(repo, m[2]!);
      if (!repo || !commit) return this.json('hub', req, res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
      const entries = [...commit.files].map(([p, data]) => ({
        type: 'file',
        oid: gitOid(data),
        size: data.length,
        path: p,
        ...(isLfs(p, data) ? { lfs: { oid: sha256(data), size: data.length, pointerSize: 134 } } : {}),
      }));
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + PAGE);
      const headers: Record<string, string> = {};
      if (cursor + PAGE < entries.length) {
        const next = new URL(url);
        next.searchParams.set('cursor', String(cursor + PAGE));
        headers['link'] = `<${next.href}>; rel="next"`;
      }
      return this.json('hub', req, res, 200, page, headers);
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const repo = this.repos.get(m[1]!);
      const commit = repo && this.commitOf(repo, m[2]!);
      const data = commit?.files.get(m[3]!);
      if (!repo || !commit || !data) return this.json('hub', req, res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
      if (repo.gated && req.headers.authorization !== `Bearer ${this.token}`) {
        return this.json(
          'hub',
          req,
          res,
          401,
          { error: `Access to model ${m[1]} is restricted. You must have access to it and be authenticated to access it. Please log in.` },
          { 'x-error-code': 'GatedRepo' },
        );
      }
      if (isLfs(m[3]!, data)) {
        this.record('hub', req, 302);
        res.writeHead(302, { location: `${this.storageOrigin}/lfs/${sha256(data)}?signature=abc`, 'x-linked-etag': `"${sha256(data)}"`, 'x-repo-commit': commit.sha });
        res.end();
        return;
      }
      return this.serveBytes('hub', req, res, m[3]!, data);
    }
    this.json('hub', req, res, 404, { error: 'not found' });
  }

  private handleStorage(req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/lfs\/([0-9a-f]{64})/.exec(req.url ?? '');
    const blob = m && this.blobsBySha.get(m[1]!);
    if (!blob) {
      this.record('storage', req, 404);
      res.writeHead(404).end();
      return;
    }
    this.serveBytes('storage', req, res, blob.path, blob.data);
  }

  private serveBytes(host: RequestLog['host'], req: IncomingMessage, res: ServerResponse, path: string, original: Buffer): void {
    let data = original;
    if (this.faults.corrupt.has(path)) {
      data = Buffer.from(original);
      const i = Math.floor(data.length / 2);
      data[i] = data[i]! ^ 0x01;
    }
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && this.faults.range416.delete(path)) {
      this.record(host, req, 416);
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    if (range && !this.faults.ignoreRange.delete(path)) {
      start = Number(range[1]);
      if (start >= data.length) {
        this.record(host, req, 416);
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      status = 206;
    }
    const body = data.subarray(start);
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'accept-ranges': 'bytes', etag: `"${sha256(original)}"` };
    if (status === 206) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    const cut = this.faults.cut.get(path);
    if (cut && cut.times > 0 && cut.after - start > 0 && cut.after - start < body.length) {
      cut.times--;
      const sent = cut.after - start;
      this.record(host, req, status, sent);
      res.writeHead(status, headers);
      // Send part of the body, then drop the connection: the client sees a body shorter than content-length.
      res.write(body.subarray(0, sent), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    this.record(host, req, status, body.length);
    res.writeHead(status, headers);
    if (!this.faults.slow.has(path)) {
      res.end(body);
      return;
    }
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body.subarray(at, (at += 32_768)));
    }, 40);
  }
}

/** An HTTP proxy that only tunnels (CONNECT), as undici's proxy agent uses it; records what it was asked for. */
export async function startConnectProxy(): Promise<{ url: string; targets: string[]; stop: () => Promise<void> }> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

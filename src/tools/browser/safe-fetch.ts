/**
 * HTTP GET for a tool the model drives, so safe against server-side request forgery: http(s) only;
 * private, loopback, link-local, multicast and reserved addresses refused unless allowed, checked on
 * the address the connection really uses (after DNS resolution, inside the socket's lookup) and on
 * every redirect; a size limit while reading and a time limit over the whole exchange.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

export class FetchRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchRefusedError';
  }
}

export interface SafeFetchOptions {
  /** Allow every private/loopback/link-local address (an intranet deployment). Default false. */
  allowPrivate?: boolean;
  /** Host names or IP addresses allowed even though they are private (e.g. a local docs server). */
  allowHosts?: readonly string[];
  /** Most bytes read from a body (default 5 MiB). */
  maxBytes?: number;
  /** Time limit for the whole exchange, redirects included (default 15 s). */
  timeoutMs?: number;
  maxRedirects?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface FetchedResponse {
  /** The URL after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses a tool must not reach by default (private, loopback, link-local, ...). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address: refuse rather than guess
  const lower = address.toLowerCase();
  // IPv4-mapped and NAT64 addresses carry an IPv4 address that decides.
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const a = parseInt(hex[1]!, 16);
    const b = parseInt(hex[2]!, 16);
    return blocked.check(`${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`, 'ipv4');
  }
  return blocked.check(lower, 'ipv6');
}

function refusalFor(host: string, address: string, o: SafeFetchOptions): string | undefined {
  if (o.allowPrivate || !isPrivateAddress(address)) return undefined;
  const allow = o.allowHosts ?? [];
  if (allow.includes(host) || allow.includes(address)) return undefined;
  return `refused: ${host} resolves to ${address}, a private, loopback or link-local address (not allowed for the browser tool)`;
}

/** Checks a URL before any connection: scheme, and the host when it is an address literal. */
export function checkUrl(raw: string, o: SafeFetchOptions = {}): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefusedError(`invalid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchRefusedError(`refused: only http and https URLs can be opened, got ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw new FetchRefusedError('refused: URLs with credentials are not opened');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const why = refusalFor(host, host, o);
    if (why) throw new FetchRefusedError(why);
  }
  return url;
}

/** GET `raw`, following redirects (each one checked), within the size and time limits. */
export async function safeFetch(raw: string, o: SafeFetchOptions = {}): Promise<FetchedResponse> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let url = checkUrl(raw, o);
  for (let hop = 0; ; hop++) {
    const res = await getOnce(url, o, signal, timeoutMs);
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      if (hop >= (o.maxRedirects ?? 5)) throw new FetchRefusedError(`too many redirects (more than ${o.maxRedirects ?? 5})`);
      url = checkUrl(new URL(location, url).href, o);
      continue;
    }
    const body = await readBody(res, o.maxBytes ?? 5 * 1024 * 1024, signal, timeoutMs);
    return { url: url.href, status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body };
  }
}

function getOnce(url: URL, o: SafeFetchOptions, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const lookup = (hostname: string, options: { all?: boolean }, cb: (...args: unknown[]) => void): void => {
    dnsLookup(hostname, { all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return cb(err);
      for (const a of addresses) {
        const why = refusalFor(hostname, a.address, o);
        if (why) return cb(new FetchRefusedError(why));
      }
      const first = addresses[0];
      if (!first) return cb(new Error(`${hostname}: no address`));
      if (options.all) return cb(null, addresses);
      return cb(null, first.address, first.family);
    });
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        lookup: lookup as never,
        signal,
        headers: { 'user-agent': 'gpt-oss-ts browser', accept: '*/*', 'accept-encoding': 'identity', ...o.headers },
      },
      resolve,
    );
    req.on('error', (e) => reject(explain(e, host, signal, timeoutMs)));
    req.end();
  });
}

function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(new FetchRefusedError(`the page is ${declared} bytes, more than the limit of ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new FetchRefusedError(`the page is more than the limit of ${maxBytes} bytes`));
        res.destroy();
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (e) => reject(explain(e, '', signal, timeoutMs)));
    res.on('aborted', () => reject(explain(new Error('aborted'), '', signal, timeoutMs)));
  });
}

function explain(e: unknown, host: string, signal: AbortSignal, timeoutMs: number): Error {
  if (e instanceof FetchRefusedError) return e;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof DOMException && reason.name === 'TimeoutError') return new FetchRefusedError(`timed out after ${timeoutMs / 1000} s`);
    return new FetchRefusedError('aborted');
  }
  const err = e as NodeJS.ErrnoException;
  if (err.cause instanceof FetchRefusedError) return err.cause;
  return new Error(`${host ? `${host}: ` : ''}${err.code ?? ''} ${err.message}`.trim());
}

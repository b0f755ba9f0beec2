/// <reference lib="dom" />
/**
 * Checkpoints for the page: from a URL (config.json, then model.safetensors' header and each tensor
 * by HTTP Range request, with progress), cached in the Origin Private File System, or from local files.
 */
import type { Checkpoint } from '../src/format/checkpoint-types.js';
import { checkpointFromBytes, checkpointFromSource, memorySource, parseHeaderPrefix, safetensorsHeaderLength } from '../src/format/memory-checkpoint.js';
import { parseConfigText } from '../src/format/config-parse.js';

export interface LoadProgress {
  readonly done: number;
  readonly total: number;
  readonly what: string;
}

async function range(url: string, start: number, end: number): Promise<{ bytes: Uint8Array; size: number }> {
  const r = await fetch(url, { headers: { range: `bytes=${start}-${end}` } });
  if (r.status !== 206) throw new Error(`${url}: the server answered ${r.status} to a Range request (it must support Range: bytes)`);
  const size = Number(/\/(\d+)$/.exec(r.headers.get('content-range') ?? '')?.[1] ?? NaN);
  return { bytes: new Uint8Array(await r.arrayBuffer()), size };
}

function cacheName(url: string): string {
  return encodeURIComponent(url).replace(/%/g, '_');
}

async function opfsDir(): Promise<FileSystemDirectoryHandle | null> {
  try {
    return await navigator.storage.getDirectory();
  } catch {
    return null; // no OPFS (an old browser, or not a secure context): load without caching
  }
}

async function readCached(name: string): Promise<Uint8Array | null> {
  const dir = await opfsDir();
  try {
    const file = await (await dir?.getFileHandle(name))?.getFile();
    return file ? new Uint8Array(await file.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

async function writeCached(name: string, data: Uint8Array): Promise<boolean> {
  const dir = await opfsDir();
  if (!dir) return false;
  const handle = await dir.getFileHandle(name, { create: true });
  const w = await handle.createWritable();
  await w.write(data as Uint8Array<ArrayBuffer>);
  await w.close();
  return true;
}

/** `base` is a folder URL holding config.json and model.safetensors (the original layout). */
export async function loadFromUrl(base: string, onProgress: (p: LoadProgress) => void): Promise<{ checkpoint: Checkpoint; cached: boolean }> {
  const root = base.endsWith('/') ? base : `${base}/`;
  const configUrl = new URL('config.json', new URL(root, location.href)).href;
  const modelUrl = new URL('model.safetensors', new URL(root, location.href)).href;
  const cachedConfig = await readCached(cacheName(configUrl));
  const cachedModel = cachedConfig && (await readCached(cacheName(modelUrl)));
  if (cachedConfig && cachedModel) {
    onProgress({ done: cachedModel.length, total: cachedModel.length, what: 'from the browser cache (OPFS)' });
    return { checkpoint: checkpointFromBytes(modelUrl, parseConfigText(new TextDecoder().decode(cachedConfig)), cachedModel), cached: true };
  }
  const configResponse = await fetch(configUrl);
  if (!configResponse.ok) throw new Error(`${configUrl}: HTTP ${configResponse.status}`);
  const configBytes = new Uint8Array(await configResponse.arrayBuffer());
  const config = parseConfigText(new TextDecoder().decode(configBytes));
  const first = await range(modelUrl, 0, 7);
  const length = safetensorsHeaderLength(modelUrl, first.bytes, first.size)!;
  const headerBytes = (await range(modelUrl, 0, length - 1)).bytes;
  const header = parseHeaderPrefix(modelUrl, headerBytes, first.size);
  const file = new Uint8Array(first.size);
  file.set(headerBytes, 0);
  const entries = [...header.entries.values()].sort((a, b) => a.begin - b.begin);
  const total = entries.reduce((s, e) => s + e.end - e.begin, 0);
  let done = 0;
  for (const e of entries) {
    if (e.end > e.begin) file.set((await range(modelUrl, e.begin, e.end - 1)).bytes, e.begin);
    done += e.end - e.begin;
    onProgress({ done, total, what: e.name });
  }
  const source = memorySource(modelUrl, header, (e) => file.subarray(e.begin, e.end));
  const checkpoint = checkpointFromSource(configUrl, config, source);
  await writeCached(cacheName(modelUrl), file);
  await writeCached(cacheName(configUrl), configBytes);
  return { checkpoint, cached: false };
}

/** config.json and model.safetensors picked from the disk. */
export async function loadFromFiles(files: FileList): Promise<Checkpoint> {
  const list = Array.from({ length: files.length }, (_, i) => files.item(i)!);
  const config = list.find((f) => f.name === 'config.json');
  const model = list.find((f) => f.name.endsWith('.safetensors'));
  if (!config || !model) throw new Error('pick both config.json and model.safetensors');
  return checkpointFromBytes(model.name, parseConfigText(await config.text()), new Uint8Array(await model.arrayBuffer()));
}

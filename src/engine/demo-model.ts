/**
 * gpt-oss-demo: a tiny gpt-oss trained on synthetic harmony conversations (training/demo/), shipped
 * gzip-compressed in the package under assets/gpt-oss-demo/ and unpacked once into a cache directory
 * ($GPT_OSS_CACHE, else $XDG_CACHE_HOME/gpt-oss-ts, else ~/.cache/gpt-oss-ts), in a folder named by
 * the manifest's hash so that a new release never reuses an old unpacking. Every file's sha256 is
 * checked as it is unpacked; a half-written unpacking is never used (it is renamed into place last).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FileFormatError, GptOssError } from '../core/errors.js';

export const DEMO_MODEL_NAME = 'gpt-oss-demo';

/**
 * Sampling the demo answers best with when the user sets none: a tiny model's tail of unlikely
 * tokens is noise, so it samples cooler than the CLI's default temperature of 1.
 */
export const DEMO_SAMPLING = { temperature: 0.3 } as const;

interface ManifestFile {
  name: string;
  gz: string;
  bytes: number;
  sha256: string;
}

interface Manifest {
  name: string;
  files: ManifestFile[];
}

/** assets/gpt-oss-demo of this package (two levels above both src/engine and dist/engine). */
export function demoAssetsDir(): string {
  return fileURLToPath(new URL('../../assets/gpt-oss-demo/', import.meta.url));
}

export function modelCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['GPT_OSS_CACHE']) return env['GPT_OSS_CACHE'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'gpt-oss-ts');
  return join(homedir(), '.cache', 'gpt-oss-ts');
}

function readManifest(assets: string): { manifest: Manifest; hash: string } {
  const file = join(assets, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FileFormatError(file, `the ${DEMO_MODEL_NAME} model is missing from this installation (reinstall the package)`, 'file_not_found');
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new FileFormatError(file, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) throw new FileFormatError(file, "expected a 'files' list");
  return { manifest, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

let pending: Promise<string> | undefined;

/**
 * The demo checkpoint's directory, unpacking it first if this version is not in the cache yet.
 * `assets` and `cacheRoot` are for tests; callers use the defaults.
 */
export function resolveDemoModel(options: { assets?: string; cacheRoot?: string } = {}): Promise<string> {
  if (options.assets !== undefined || options.cacheRoot !== undefined) return Promise.resolve().then(() => unpack(options));
  pending ??= Promise.resolve().then(() => unpack({})).catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

function unpack(options: { assets?: string; cacheRoot?: string }): string {
  const assets = options.assets ?? demoAssetsDir();
  const { manifest, hash } = readManifest(assets);
  const root = options.cacheRoot ?? modelCacheRoot();
  const dir = join(root, `${DEMO_MODEL_NAME}-${hash}`);
  if (isComplete(dir, manifest)) return dir;

  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(tmp, { recursive: true });
  } catch (e) {
    throw new GptOssError('invalid_argument', `cannot create the model cache directory ${tmp} (${(e as NodeJS.ErrnoException).code ?? String(e)}); set GPT_OSS_CACHE to a writable directory`);
  }
  try {
    for (const f of manifest.files) {
      const src = join(assets, f.gz);
      let data: Buffer;
      try {
        data = gunzipSync(readFileSync(src));
      } catch (e) {
        throw new FileFormatError(src, `cannot unpack (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))}); reinstall the package`);
      }
      const sha = createHash('sha256').update(data).digest('hex');
      if (sha !== f.sha256 || data.length !== f.bytes) {
        throw new FileFormatError(src, `unpacks to ${data.length} bytes with sha256 ${sha}, expected ${f.bytes} bytes with sha256 ${f.sha256} (the file is damaged; reinstall the package)`);
      }
      writeFileSync(join(tmp, f.name), data);
    }
    writeFileSync(join(tmp, '.complete'), `${hash}\n`);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process finished the same unpacking first: use theirs.
      if (!isComplete(dir, manifest)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

function isComplete(dir: string, manifest: Manifest): boolean {
  if (!existsSync(join(dir, '.complete'))) return false;
  return manifest.files.every((f) => {
    try {
      return statSync(join(dir, f.name)).size === f.bytes;
    } catch {
      return false;
    }
  });
}

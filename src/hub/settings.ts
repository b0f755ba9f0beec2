/**
 * Where the hub is and who we are to it, read from the same environment variables huggingface_hub
 * reads, so a mirror (HF_ENDPOINT), a token (HF_TOKEN) and a moved cache (HF_HOME, HF_HUB_CACHE) work
 * the same for every tool that shares the cache.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';

export interface HubSettings {
  /** Base URL without a trailing slash, e.g. https://huggingface.co */
  readonly endpoint: string;
  readonly token: string | undefined;
  /** The hub cache root ($HF_HOME/hub): models--org--name/{blobs,snapshots,refs} below it. */
  readonly cacheDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function hubSettings(env: Env = process.env): HubSettings {
  const endpoint = (env['HF_ENDPOINT'] || 'https://huggingface.co').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new InvalidArgumentError(`HF_ENDPOINT must be an http(s) URL such as https://huggingface.co, got '${endpoint}'`);
  }
  return { endpoint, token: hubToken(env), cacheDir: hubCacheDir(env) };
}

function hubToken(env: Env): string | undefined {
  const token = env['HF_TOKEN'] || env['HUGGING_FACE_HUB_TOKEN'] || savedToken(env);
  return token ? token.trim() : undefined;
}

/** The token `huggingface-cli login` saved ($HF_TOKEN_PATH, else $HF_HOME/token), as huggingface_hub reads it. */
function savedToken(env: Env): string | undefined {
  const file = env['HF_TOKEN_PATH'] || join(hfHome(env), 'token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function hfHome(env: Env): string {
  return env['HF_HOME'] || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'huggingface');
}

/** The precedence huggingface_hub uses: HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub. */
export function hubCacheDir(env: Env = process.env): string {
  const explicit = env['HF_HUB_CACHE'] || env['HUGGINGFACE_HUB_CACHE'];
  if (explicit) return explicit;
  return join(hfHome(env), 'hub');
}

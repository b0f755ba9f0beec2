import { InvalidArgumentError } from '../core/errors.js';
import { createApplyPatchTool } from './apply-patch/tool.js';
import { BrowserBackendError, type BrowserBackend } from './browser/backend.js';
import { WebFetchBackend, type WebFetchOptions } from './browser/backends/fetch.js';
import { LocalDocsBackend } from './browser/backends/local-docs.js';
import { SearxngBackend } from './browser/backends/searxng.js';
import { BraveBackend } from './browser/backends/brave.js';
import { BrowserTool, type BrowserOptions } from './browser/browser-tool.js';
import { DockerPythonTool, dockerPythonDescription } from './python/docker-backend.js';
import { PYTHON_BACKENDS, PythonTool, pythonDescription, type PythonOptions } from './python/python-tool.js';
import type { Tool } from './tool.js';

export const BROWSER_BACKENDS = ['local', 'fetch', 'searxng', 'brave'] as const;
export type BrowserBackendName = (typeof BROWSER_BACKENDS)[number];

export interface ToolsConfig {
  browser?: {
    backend: BrowserBackendName;
    /** `local`: the folder searched. */
    docs?: string;
    /** Open pages on private/loopback/link-local addresses too (an intranet). Default false. */
    allowPrivate?: boolean;
    /** Hosts allowed although private (e.g. `127.0.0.1` for a local docs server). */
    allowHosts?: readonly string[];
    /** Where keys and service URLs come from (default process.env). */
    env?: Readonly<Record<string, string | undefined>>;
  } & BrowserOptions &
    Pick<WebFetchOptions, 'maxBytes' | 'timeoutMs'>;
  python?: PythonOptions;
  applyPatch?: { workspace: string };
}

export function createBrowserBackend(c: NonNullable<ToolsConfig['browser']>): BrowserBackend {
  const web: WebFetchOptions = {
    ...(c.allowPrivate ? { allowPrivate: true } : {}),
    ...(c.allowHosts ? { allowHosts: c.allowHosts } : {}),
    ...(c.maxBytes !== undefined ? { maxBytes: c.maxBytes } : {}),
    ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
  };
  const env = c.env ?? process.env;
  try {
    switch (c.backend) {
      case 'local':
        if (!c.docs) throw new InvalidArgumentError('the local browser backend searches a folder: give it with --docs DIR');
        return new LocalDocsBackend(c.docs);
      case 'fetch':
        return new WebFetchBackend(web);
      case 'searxng':
        return new SearxngBackend(env['SEARXNG_URL'], web);
      case 'brave':
        return new BraveBackend(env['BRAVE_API_KEY'], env['BRAVE_SEARCH_URL'], web);
      default:
        throw new InvalidArgumentError(`unknown browser backend '${String(c.backend)}': expected one of ${BROWSER_BACKENDS.join(', ')}`);
    }
  } catch (e) {
    if (e instanceof BrowserBackendError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/** A python interpreter of either backend (one conversation's state). */
export type PythonInterpreter = PythonTool | DockerPythonTool;

/** The python tool of the backend the options name (`pyodide` unless `backend: 'docker'`). */
export function createPythonTool(options: PythonOptions): PythonInterpreter {
  const backend = options.backend ?? 'pyodide';
  if (backend === 'docker') return new DockerPythonTool(options);
  if (backend === 'pyodide') return new PythonTool(options);
  throw new InvalidArgumentError(`unknown python backend '${String(backend)}': expected one of ${PYTHON_BACKENDS.join(', ')}`);
}

/** The harmony python description of the backend the options name. */
export function pythonToolDescription(options: PythonOptions): string {
  const timeoutS = options.timeoutS ?? 30;
  return options.backend === 'docker' ? dockerPythonDescription(timeoutS) : pythonDescription(timeoutS);
}

/**
 * The built-in tools a conversation gets, each holding that conversation's state (pages,
 * interpreter): make one set per conversation, `reset()` them for a new one, `dispose()` at the end.
 */
export function createTools(config: ToolsConfig): Tool[] {
  const tools: Tool[] = [];
  if (config.browser) tools.push(new BrowserTool(createBrowserBackend(config.browser), config.browser));
  if (config.python) tools.push(createPythonTool(config.python));
  if (config.applyPatch) tools.push(createApplyPatchTool(config.applyPatch.workspace));
  return tools;
}

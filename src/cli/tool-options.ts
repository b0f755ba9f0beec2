import { resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import type { ChatEvent } from '../engine/index.js';
import {
  BROWSER_BACKENDS,
  BrowserTool,
  CitationStream,
  DEFAULT_PYTHON_IMAGE,
  DockerPythonTool,
  PYTHON_BACKENDS,
  PythonTool,
  createTools,
  type PythonBackendName,
  type BrowserBackendName,
  type Tool,
  type ToolsConfig,
} from '../tools/index.js';
import { choiceOption, intOption } from './args.js';

/** The built-in tool options of `gpt-oss run` (and later `serve`), in parseArgs form. */
export const TOOL_ARG_SPEC = {
  browser: { type: 'boolean' },
  'browser-backend': { type: 'string' },
  docs: { type: 'string' },
  'browser-allow-private': { type: 'boolean' },
  python: { type: 'boolean' },
  'python-timeout': { type: 'string' },
  'python-backend': { type: 'string' },
  'python-image': { type: 'string' },
  'apply-patch': { type: 'boolean' },
  workspace: { type: 'string' },
} as const;

/** The browser and python flags, the same for `run` and `serve`. */
const BUILTIN_TOOL_USAGE = `  --browser              let the model search and open pages (browser.search/open/find)
  --browser-backend local|fetch|searxng|brave
                         local: search the folder given with --docs (no network);
                         fetch: open web pages by URL (no search); searxng: search with the
                         SearXNG instance at $SEARXNG_URL; brave: search with the Brave Search
                         API ($BRAVE_API_KEY); both open results (default: local with --docs, else fetch)
  --docs DIR             documents for the local backend (implies --browser)
  --browser-allow-private  also open private, loopback and link-local addresses
  --python               let the model run Python in a sandbox (Pyodide, no network)
  --python-timeout S     seconds one python cell may run (default 30)
  --python-backend pyodide|docker
                         pyodide: WebAssembly in a worker (default); docker: real CPython
                         in a container per conversation (native packages; needs Docker)
  --python-image IMAGE   the docker backend's image (default python:3.12-slim)`;

export const TOOL_USAGE = `Tools (off unless enabled; calls and results are shown dimmed):
${BUILTIN_TOOL_USAGE}
  --apply-patch          let the model edit files with apply_patch (V4A patches)
  --workspace DIR        the only folder apply_patch may touch (default: the current folder)`;

export interface ToolArgValues {
  browser?: boolean;
  'browser-backend'?: string;
  docs?: string;
  'browser-allow-private'?: boolean;
  python?: boolean;
  'python-timeout'?: string;
  'python-backend'?: string;
  'python-image'?: string;
  'apply-patch'?: boolean;
  workspace?: string;
}

/** The tools the options ask for (undefined: none). Checks the options before any model is loaded. */
export function toolsConfigFromArgs(command: string, v: ToolArgValues): ToolsConfig | undefined {
  const config: ToolsConfig = {};
  const browser = v.browser === true || v.docs !== undefined || v['browser-backend'] !== undefined;
  if (browser) {
    const backend = choiceOption<BrowserBackendName>(command, 'browser-backend', v['browser-backend'], BROWSER_BACKENDS, v.docs ? 'local' : 'fetch');
    if (backend === 'local' && !v.docs) throw new InvalidArgumentError(`gpt-oss ${command}: --browser-backend local needs --docs DIR (the folder to search)`);
    config.browser = { backend, ...(v.docs ? { docs: resolve(v.docs) } : {}), ...(v['browser-allow-private'] ? { allowPrivate: true } : {}) };
  }
  if (v.python) {
    const backend = choiceOption<PythonBackendName>(command, 'python-backend', v['python-backend'], PYTHON_BACKENDS, 'pyodide');
    if (v['python-image'] !== undefined && backend !== 'docker') throw new InvalidArgumentError(`gpt-oss ${command}: --python-image is for --python-backend docker`);
    config.python = {
      timeoutS: intOption(command, 'python-timeout', v['python-timeout'], 30, 1),
      ...(backend === 'docker' ? { backend, image: v['python-image'] ?? DEFAULT_PYTHON_IMAGE } : {}),
    };
  } else if (v['python-backend'] !== undefined || v['python-image'] !== undefined) {
    throw new InvalidArgumentError(`gpt-oss ${command}: --python-backend and --python-image are for --python`);
  }
  if (v['apply-patch']) config.applyPatch = { workspace: resolve(v.workspace ?? '.') };
  else if (v.workspace !== undefined) throw new InvalidArgumentError(`gpt-oss ${command}: --workspace is for --apply-patch`);
  return Object.keys(config).length > 0 ? config : undefined;
}

/** The built-in tool options of `gpt-oss serve` (no apply_patch: a server does not edit its own files). */
export const SERVE_TOOL_ARG_SPEC = {
  browser: TOOL_ARG_SPEC.browser,
  'browser-backend': TOOL_ARG_SPEC['browser-backend'],
  docs: TOOL_ARG_SPEC.docs,
  'browser-allow-private': TOOL_ARG_SPEC['browser-allow-private'],
  python: TOOL_ARG_SPEC.python,
  'python-timeout': TOOL_ARG_SPEC['python-timeout'],
  'python-backend': TOOL_ARG_SPEC['python-backend'],
  'python-image': TOOL_ARG_SPEC['python-image'],
} as const;

export const SERVE_TOOL_USAGE = `Built-in tools, run by the server inside requests (off unless enabled; a request asking for
one that is off gets a 400 naming the flag). Responses API: tools {"type": "web_search"} and
{"type": "code_interpreter", "container": {"type": "auto"}}; Chat Completions and /api/chat: declared
to the model on every request, calls reported in builtin_tool_calls:
${BUILTIN_TOOL_USAGE}`;

/** The tools, python's interpreter already starting (it takes seconds) while the model loads. */
export function createCliTools(config: ToolsConfig | undefined): Tool[] {
  const tools = config ? createTools(config) : [];
  for (const t of tools) {
    if (t instanceof PythonTool) t.warmUp().catch(() => undefined);
    // A missing docker daemon is the user's to fix: say so now, not only to the model later.
    if (t instanceof DockerPythonTool) t.warmUp().catch((e: unknown) => process.stderr.write(`gpt-oss: python: ${e instanceof Error ? e.message : String(e)}\n`));
  }
  return tools;
}

/**
 * The turn's events with browser citations `【cursor†Lx-Ly】` in the answer turned into links to the
 * pages (a citation cut across deltas is held back until complete).
 */
export async function* withCitations(events: AsyncIterable<ChatEvent>, tools: readonly Tool[]): AsyncGenerator<ChatEvent> {
  const browser = tools.find((t): t is BrowserTool => t instanceof BrowserTool);
  if (!browser) {
    yield* events;
    return;
  }
  const cite = new CitationStream(() => browser.pageStack);
  for await (const e of events) {
    if (e.type === 'text' && e.channel === 'final') {
      const { text } = cite.push(e.delta);
      if (text !== '') yield { ...e, delta: text };
    } else {
      if (e.type === 'done') {
        const { text } = cite.finish();
        if (text !== '') yield { type: 'text', delta: text, channel: 'final' };
      }
      yield e;
    }
  }
}

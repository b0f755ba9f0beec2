import { randomUUID } from 'node:crypto';
import type { ToolNamespaceConfig } from '../harmony/index.js';
import {
  BrowserTool,
  createBrowserBackend,
  createPythonTool,
  pythonToolDescription,
  type PythonInterpreter,
  toolChatOptions,
  type BrowserBackend,
  type PageContents,
  type PythonOptions,
  type Tool,
  type ToolChatOptions,
  type ToolsConfig,
} from '../tools/index.js';
import { invalidRequest, notFound } from './errors.js';

/**
 * The built-in tools a server runs inside its requests (`gpt-oss serve --browser --python`): the
 * browser (one page stack per request, over one backend for the server) and python interpreters
 * ("containers", as the Responses API calls them: kept between requests under their id, started
 * lazily, ended after an idle time or when too many are alive). Off unless enabled; a request that
 * asks for one that is not enabled is a 400 naming the flag.
 */
export interface BuiltinsConfig {
  browser?: NonNullable<ToolsConfig['browser']>;
  python?: PythonOptions & {
    /** Interpreters kept alive between requests (default 4); beyond that the least recently used idle one ends. */
    maxContainers?: number;
    /** Seconds a container may stay idle before it ends (default 1200, OpenAI's 20 minutes). */
    idleS?: number;
    /** Keep one interpreter started ahead of the next request that needs one (default true). */
    prestart?: boolean;
  };
}

export type BuiltinName = 'browser' | 'python';

const FLAG: Record<BuiltinName, string> = {
  browser: '--browser (with --docs DIR for the local backend, or --browser-backend fetch|searxng)',
  python: '--python',
};

/** What a request uses: the browser, and python in a container (an id, 'auto' for a new kept one, 'ephemeral' for one that ends with the request). */
export interface BuiltinRequest {
  browser?: boolean;
  python?: string;
}

/** The tools of one request: chat options for the engine, the browser's pages for citations. */
export interface RequestTools {
  readonly tools: readonly Tool[];
  readonly browser: BrowserTool | undefined;
  readonly containerId: string | undefined;
  /** Namespaces for the system message and the handler of their calls (aborted with `signal`). */
  chatOptions(signal: AbortSignal): Pick<ToolChatOptions, 'builtinTools' | 'onToolCall'>;
  /** The browser's pages by cursor (empty without a browser). */
  pages(): readonly PageContents[];
  release(): void;
}

export class ServerBuiltins {
  private readonly backend: BrowserBackend | undefined;
  private readonly containers: PythonContainers | undefined;

  constructor(
    private readonly config: BuiltinsConfig = {},
    shutdown?: AbortSignal,
  ) {
    this.backend = config.browser ? createBrowserBackend(config.browser) : undefined;
    this.containers = config.python ? new PythonContainers(config.python) : undefined;
    shutdown?.addEventListener('abort', () => this.dispose(), { once: true });
  }

  enabled(name: BuiltinName): boolean {
    return name === 'browser' ? this.backend !== undefined : this.containers !== undefined;
  }

  /** Every built-in the server has enabled (what Chat Completions and Ollama requests get). */
  all(): BuiltinRequest {
    return { ...(this.backend ? { browser: true } : {}), ...(this.containers ? { python: 'ephemeral' } : {}) };
  }

  /** A 400 naming the flag, when a request asks for a built-in the server has not enabled. */
  require(name: BuiltinName, what: string, param: string): void {
    if (this.enabled(name)) return;
    throw invalidRequest(`${what} needs the server's ${name} tool, which is off: start gpt-oss serve with ${FLAG[name]} to enable it`, param, 'tool_not_enabled');
  }

  /** The tools for one request; `release()` them when it ends. Unknown container ids are a 404. */
  open(want: BuiltinRequest, param = 'tools'): RequestTools {
    const tools: Tool[] = [];
    let browser: BrowserTool | undefined;
    if (want.browser && this.backend) {
      const { viewTokens, maxSearchResults } = this.config.browser ?? {};
      browser = new BrowserTool(this.backend, { ...(viewTokens ? { viewTokens } : {}), ...(maxSearchResults ? { maxSearchResults } : {}) });
      tools.push(browser);
    }
    const container = want.python !== undefined && this.containers ? this.containers.handle(want.python, param) : undefined;
    if (container) tools.push(container.tool);
    let released = false;
    return {
      tools,
      browser,
      containerId: container?.id,
      chatOptions: (signal) => {
        const o = toolChatOptions(tools, { signal });
        return { builtinTools: o.builtinTools, onToolCall: o.onToolCall };
      },
      pages: () => browser?.pageStack ?? [],
      release: () => {
        if (released) return;
        released = true;
        container?.release();
      },
    };
  }

  dispose(): void {
    this.containers?.dispose();
    this.backend?.dispose?.();
  }
}

interface Container {
  tool: PythonInterpreter | undefined;
  users: number;
  lastUsed: number;
}

/** Python interpreters by container id. */
class PythonContainers {
  private readonly live = new Map<string, Container>();
  private spare: PythonInterpreter | undefined;
  private readonly sweep: NodeJS.Timeout;
  private readonly max: number;
  private readonly idleMs: number;

  constructor(private readonly options: NonNullable<BuiltinsConfig['python']>) {
    this.max = options.maxContainers ?? 4;
    this.idleMs = (options.idleS ?? 1200) * 1000;
    if (options.prestart !== false) this.replenish();
    this.sweep = setInterval(() => this.expire(), Math.min(60_000, this.idleMs)).unref();
  }

  private replenish(): void {
    this.spare = createPythonTool(this.options);
    this.spare.warmUp().catch(() => undefined);
  }

  /** An interpreter: the one started ahead (then another is started), or a new one. */
  private fresh(): PythonInterpreter {
    const t = this.spare;
    if (!t) return createPythonTool(this.options);
    if (this.options.prestart !== false) this.replenish();
    else this.spare = undefined;
    return t;
  }

  handle(ref: string, param: string): { id: string; tool: Tool; release(): void } {
    let id = ref;
    let c: Container | undefined;
    if (ref === 'auto' || ref === 'ephemeral') {
      id = `cntr_${randomUUID().replaceAll('-', '')}`;
      c = { tool: undefined, users: 0, lastUsed: Date.now() };
      if (ref === 'auto') this.live.set(id, c);
    } else {
      c = this.live.get(ref);
      if (!c) throw notFound(`No container with id '${ref}': it ended (idle for ${this.idleMs / 1000} s, or more than ${this.max} were alive) or never existed; use {"type": "auto"} for a new one`, param, 'container_not_found');
    }
    const container = c;
    container.users++;
    const description = pythonToolDescription(this.options);
    // Started on the first call: a request whose model never runs code costs no interpreter.
    const tool: Tool = {
      name: 'python',
      get namespace(): ToolNamespaceConfig {
        return { name: 'python', description, tools: [] };
      },
      call: (recipient, code, signal) => (container.tool ??= this.fresh()).call(recipient, code, signal),
    };
    let released = false;
    return {
      id,
      tool,
      release: () => {
        if (released) return;
        released = true;
        container.users--;
        container.lastUsed = Date.now();
        if (ref === 'ephemeral') void container.tool?.dispose();
        else this.trim();
      },
    };
  }

  /** Ends the least recently used idle containers beyond the limit. */
  private trim(): void {
    const idle = [...this.live].filter(([, c]) => c.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, c] of idle) {
      if (this.live.size <= this.max) break;
      this.end(id, c);
    }
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, c] of this.live) if (c.users === 0 && now - c.lastUsed > this.idleMs) this.end(id, c);
  }

  private end(id: string, c: Container): void {
    this.live.delete(id);
    void c.tool?.dispose();
  }

  dispose(): void {
    clearInterval(this.sweep);
    for (const [id, c] of this.live) this.end(id, c);
    void this.spare?.dispose();
    this.spare = undefined;
  }
}

/** A turn's events that release the request's tools when the turn ends, however it ends. */
export async function* releasingTools<T>(events: AsyncGenerator<T>, tools: RequestTools): AsyncGenerator<T> {
  try {
    yield* events;
  } finally {
    tools.release();
  }
}

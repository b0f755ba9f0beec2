import { Worker } from 'node:worker_threads';
import type { ToolNamespaceConfig } from '../../harmony/index.js';
import type { Tool } from '../tool.js';
import type { WorkerReply, WorkerRequest } from './python-worker.js';

export interface PythonOptions {
  /** Most seconds one cell may run before the interpreter is stopped and restarted (default 30). */
  timeoutS?: number;
  /** Most memory (MiB) the interpreter may add to the process while a cell runs (default 1024). */
  memoryMiB?: number;
  /** Most characters of output returned to the model (default 20000). */
  maxOutputChars?: number;
  /** Seconds allowed for the interpreter to start (default 120; slow machines take tens of seconds). */
  startTimeoutS?: number;
  /** Where cells run: `pyodide` (default, WebAssembly in a worker thread) or `docker` (CPython in a container, see docker-backend.ts). */
  backend?: PythonBackendName;
  /** `docker`: the image (default python:3.12-slim). */
  image?: string;
}

export const PYTHON_BACKENDS = ['pyodide', 'docker'] as const;
export type PythonBackendName = (typeof PYTHON_BACKENDS)[number];

/** A cell's captured output, already cut at `max` (`dropped` more characters), and the last expression's repr, as the model sees it. */
export function formatCellOutput(output: string, dropped: number, result: string | null, max: number): string {
  let text = output;
  if (text.length > max) {
    dropped += text.length - max;
    text = text.slice(0, max);
  }
  if (dropped > 0) text += `\n[output truncated: ${dropped} more characters not shown]\n`;
  if (result !== null) text += result.length > max ? `${result.slice(0, max)}... [result truncated]` : result;
  return text === '' ? '[no output: the code ran and printed nothing; print() values to see them]' : text;
}

/** What the model is told: the harmony python description, adjusted to what this sandbox does. */
export function pythonDescription(timeoutS: number): string {
  return (
    'Use this tool to execute Python code in your chain of thought. The code will not be shown to the user. This tool should be used for internal reasoning, but not for code that is intended to be visible to the user (e.g. when creating plots, tables, or files).\n\n' +
    `When you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment. python will respond with the output of the execution or time out after ${timeoutS.toFixed(1)} seconds. ` +
    "The drive at '/mnt/data' can be used to save and persist user files for this conversation. " +
    'Internet access for this session is disabled. The interpreter is Pyodide (CPython compiled to WebAssembly): the standard library is available, ' +
    'but pip, micropip, third-party packages (numpy, pandas, ...), subprocesses and sockets are not.'
  );
}

export const INTERRUPTED_BEFORE = 'Execution was interrupted before the cell started (the request was cancelled); the interpreter state is unchanged.';

type Pending = { resolve: (s: string) => void; timer: NodeJS.Timeout; poll: NodeJS.Timeout; unlisten: () => void };

/**
 * The `python` tool: a Pyodide interpreter in a worker thread, one per conversation (its
 * variables and its /mnt/data live as long as the conversation). A cell that runs past the time
 * limit or grows memory past the cap gets the worker terminated; the model is told its state was
 * lost, and the next cell starts a fresh interpreter.
 */
export class PythonTool implements Tool {
  readonly name = 'python';
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  /** Limits for the next cells (may be changed between calls). */
  timeoutS: number;
  private memoryBytes: number;
  private readonly maxOutput: number;
  private readonly startTimeoutS: number;
  /** Interpreters started so far (tests check restarts with it). */
  starts = 0;

  constructor(options: PythonOptions = {}) {
    this.timeoutS = options.timeoutS ?? 30;
    this.memoryBytes = (options.memoryMiB ?? 1024) * 1024 * 1024;
    this.maxOutput = options.maxOutputChars ?? 20_000;
    this.startTimeoutS = options.startTimeoutS ?? 120;
  }

  get namespace(): ToolNamespaceConfig {
    return { name: 'python', description: pythonDescription(this.timeoutS), tools: [] };
  }

  /** Starts the interpreter ahead of the first call (it takes seconds). */
  warmUp(): Promise<void> {
    return this.ensureWorker().then(() => undefined);
  }

  /**
   * Runs one cell. Aborting `signal` (a cancelled request, Ctrl-C) stops the cell as the time limit
   * does: the interpreter is terminated and restarted, and the answer says its state was lost.
   */
  call(_recipient: string, code: string, signal?: AbortSignal): Promise<string> {
    const run = this.queue.then(() => this.run(code, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async reset(): Promise<void> {
    await this.stop();
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.starting = undefined;
    if (w) await w.terminate();
  }

  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    // From source (tests run TypeScript through tsx) the worker is a .ts file: a bootstrap registers tsx in it first.
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(`./python-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
    const entry = fromSource
      ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`
      : url;
    this.starts++;
    const w = new Worker(entry, {
      eval: fromSource,
      workerData: { maxOutput: this.maxOutput + 1 },
      env: {} as Record<string, string>,
      stdout: true,
      stderr: true,
      // The JavaScript heap of the thread; the interpreter's WebAssembly memory is watched in `run`.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    this.starting = new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(() => {
        void w.terminate();
        reject(new Error(`the python interpreter did not start within ${this.startTimeoutS} s`));
      }, this.startTimeoutS * 1000);
      const onMessage = (m: WorkerReply): void => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          w.off('message', onMessage);
          this.worker = w;
          resolve(w);
        } else if (m.type === 'fatal') {
          clearTimeout(timer);
          void w.terminate();
          reject(new Error(`the python interpreter failed to start: ${m.message}`));
        }
      };
      w.on('message', onMessage);
      w.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    }).finally(() => {
      this.starting = undefined;
    });
    // The worker alone does not keep the process alive; a running cell's timers do.
    w.unref();
    w.on('error', (e) => this.crashed(w, `the python interpreter crashed (${e.message})`));
    w.on('exit', () => this.crashed(w, 'the python interpreter exited'));
    return this.starting;
  }

  private crashed(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.finish(`${why}; its state (variables, imports and files in /mnt/data) was lost and it will restart on the next call.`);
  }

  private finish(text: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    clearInterval(p.poll);
    p.unlisten();
    p.resolve(text);
  }

  private async run(code: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return INTERRUPTED_BEFORE;
    let w: Worker;
    try {
      w = await this.ensureWorker();
    } catch (e) {
      return `Error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (signal?.aborted) return INTERRUPTED_BEFORE;
    const id = ++this.nextId;
    const baseline = process.memoryUsage.rss();
    return new Promise<string>((resolve) => {
      const kill = (why: string): void => {
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
        // Start the next interpreter now: the model's next cell should not wait for it.
        this.ensureWorker().catch(() => undefined);
        this.finish(`${why}. The python interpreter was stopped and restarted: its state (variables, imports and files in /mnt/data) was lost.`);
      };
      const timer = setTimeout(() => kill(`Execution timed out after ${this.timeoutS} seconds`), this.timeoutS * 1000);
      // WebAssembly memory is outside the worker's heap limits: watch what the process gains instead.
      const poll = setInterval(() => {
        if (process.memoryUsage.rss() - baseline > this.memoryBytes) kill(`Execution used more than the memory limit of ${Math.round(this.memoryBytes / 2 ** 20)} MiB`);
      }, 25);
      // A cell cannot be interrupted from inside the thread (it runs synchronously): an abort stops the worker.
      const onAbort = (): void => kill('Execution was interrupted (the request was cancelled)');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = { resolve, timer, poll, unlisten: () => signal?.removeEventListener('abort', onAbort) };
      const onMessage = (m: WorkerReply): void => {
        if (m.type !== 'result' || m.id !== id) return;
        w.off('message', onMessage);
        this.finish(this.format(m.output, m.dropped, m.result));
      };
      w.on('message', onMessage);
      w.postMessage({ type: 'run', id, code } satisfies WorkerRequest);
    });
  }

  private format(output: string, dropped: number, result: string | null): string {
    return formatCellOutput(output, dropped, result, this.maxOutput);
  }
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { ToolNamespaceConfig } from '../../harmony/index.js';
import type { Tool } from '../tool.js';
import { INTERRUPTED_BEFORE, formatCellOutput, type PythonOptions } from './python-tool.js';

export const DEFAULT_PYTHON_IMAGE = 'python:3.12-slim';

/** What the model is told when cells run in a container: real CPython, no network. */
export function dockerPythonDescription(timeoutS: number): string {
  return (
    'Use this tool to execute Python code in your chain of thought. The code will not be shown to the user. This tool should be used for internal reasoning, but not for code that is intended to be visible to the user (e.g. when creating plots, tables, or files).\n\n' +
    `When you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment. python will respond with the output of the execution or time out after ${timeoutS.toFixed(1)} seconds. ` +
    "The interpreter is real CPython in a container with the packages installed in its image; its file system is read-only except '/tmp' (the working directory), which lasts for this conversation. " +
    'Internet access for this session is disabled: pip installs and downloads will fail.'
  );
}

/**
 * The driver, run by `python3 -c` in the container: one JSON request per line on stdin, one JSON
 * reply per line on stdout, marked with a nonce so that what the cell itself writes to the real
 * stdout (os.write(1, ...), subprocesses) cannot pose as a reply. Cells run in one globals dict;
 * the last expression statement is evaluated and its repr returned, as in the Pyodide backend.
 */
const DRIVER = String.raw`
import sys, os, io, ast, json, traceback
MAX = int(sys.argv[1]); NONCE = sys.argv[2]
proto = os.fdopen(os.dup(1), 'w', encoding='utf-8')
requests = sys.stdin
sys.stdin = io.StringIO('')
ns = {'__name__': '__main__'}
class Sink(io.TextIOBase):
    def __init__(self): self.parts = []; self.n = 0; self.dropped = 0
    def writable(self): return True
    def write(self, s):
        room = MAX - self.n
        if room > 0:
            self.parts.append(s[:room]); self.n += min(room, len(s))
        self.dropped += max(0, len(s) - max(0, room))
        return len(s)
def run(code, sink):
    try:
        tree = ast.parse(code, '<cell>')
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, '<cell>', 'exec'), ns)
        if last is not None:
            r = eval(compile(last, '<cell>', 'eval'), ns)
            return None if r is None else repr(r)
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != '<cell>':
            tb = tb.tb_next
        sink.write(''.join(traceback.format_exception(type(e), e, tb)))
    return None
def reply(obj):
    proto.write(NONCE + json.dumps(obj) + '\n'); proto.flush()
reply({'type': 'ready'})
for line in requests:
    req = json.loads(line)
    sink = Sink()
    sys.stdout = sys.stderr = sink
    try:
        result = run(req['code'], sink)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    reply({'type': 'result', 'id': req['id'], 'output': ''.join(sink.parts), 'dropped': sink.dropped, 'result': result})
`;

type Reply = { type: 'ready' } | { type: 'result'; id: number; output: string; dropped: number; result: string | null };

interface Container {
  name: string;
  child: ChildProcessWithoutNullStreams;
  replies: Map<number, (r: Reply) => void>;
  stderr: string;
}

type Pending = { resolve: (s: string) => void; timer: NodeJS.Timeout; unlisten: () => void };

/** The docker CLI's failure, as a user and the model should read it (no stack). */
function dockerError(stderr: string, code: number | null, spawnError?: NodeJS.ErrnoException): string {
  if (spawnError?.code === 'ENOENT') return 'the docker backend of the python tool needs the docker CLI, which was not found on PATH: install Docker, or use --python-backend pyodide';
  if (spawnError) return `could not run docker (${spawnError.message}); use --python-backend pyodide`;
  const detail = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' ').slice(0, 400);
  if (/Cannot connect to the Docker daemon|docker daemon|docker\.sock|error during connect/i.test(stderr)) {
    return `the docker daemon is not reachable (${detail}): start Docker, or use --python-backend pyodide`;
  }
  return `docker run failed (exit code ${code ?? 'none'}${detail ? `: ${detail}` : ''}); check --python-image, or use --python-backend pyodide`;
}

/**
 * The `python` tool on CPython in a Docker container, one per conversation: no network, a memory
 * and process cap, a read-only root with a /tmp of its own, no capabilities. A cell past the time
 * limit (or cancelled) gets the container killed; the next cell starts a fresh one and the model
 * is told its state was lost.
 */
export class DockerPythonTool implements Tool {
  readonly name = 'python';
  private container: Container | undefined;
  private starting: Promise<Container> | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  timeoutS: number;
  private readonly memoryMiB: number;
  private readonly maxOutput: number;
  private readonly startTimeoutS: number;
  readonly image: string;
  /** Containers started so far (tests check restarts with it). */
  starts = 0;

  constructor(options: PythonOptions = {}) {
    this.timeoutS = options.timeoutS ?? 30;
    this.memoryMiB = options.memoryMiB ?? 1024;
    this.maxOutput = options.maxOutputChars ?? 20_000;
    this.startTimeoutS = options.startTimeoutS ?? 120;
    this.image = options.image ?? DEFAULT_PYTHON_IMAGE;
  }

  get namespace(): ToolNamespaceConfig {
    return { name: 'python', description: dockerPythonDescription(this.timeoutS), tools: [] };
  }

  /** Starts the container ahead of the first call; rejects with the clear docker error. */
  warmUp(): Promise<void> {
    return this.ensureContainer().then(() => undefined);
  }

  call(_recipient: string, code: string, signal?: AbortSignal): Promise<string> {
    const run = this.queue.then(() => this.run(code, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async reset(): Promise<void> {
    this.stop();
  }

  async dispose(): Promise<void> {
    this.stop();
  }

  /** The docker command line of one container (the security flags are checked by the tests). */
  dockerArgs(name: string, nonce: string): string[] {
    const mem = `${this.memoryMiB}m`;
    return [
      'run', '--rm', '-i', '--name', name,
      '--network', 'none',
      '--memory', mem, '--memory-swap', mem,
      '--pids-limit', '64',
      '--read-only', '--tmpfs', '/tmp', '--workdir', '/tmp',
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--env', 'HOME=/tmp',
      this.image,
      'python3', '-u', '-c', DRIVER, String(this.maxOutput + 1), nonce,
    ];
  }

  private stop(): void {
    const c = this.container;
    this.container = undefined;
    this.starting = undefined;
    if (c) this.kill(c);
  }

  private kill(c: Container): void {
    // Killing the CLI alone can leave the container running: ask the daemon too.
    const k = spawn('docker', ['kill', c.name], { stdio: 'ignore' });
    k.on('error', () => undefined);
    k.unref();
    c.child.kill('SIGKILL');
  }

  private ensureContainer(): Promise<Container> {
    if (this.container) return Promise.resolve(this.container);
    if (this.starting) return this.starting;
    this.starts++;
    const name = `gpt-oss-python-${randomUUID().slice(0, 12)}`;
    const nonce = `@${randomUUID()}@`;
    const child = spawn('docker', this.dockerArgs(name, nonce), { stdio: ['pipe', 'pipe', 'pipe'] });
    const c: Container = { name, child, replies: new Map(), stderr: '' };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (c.stderr.length < 8192) c.stderr += d;
    });
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith(nonce)) return;
      let r: Reply;
      try {
        r = JSON.parse(line.slice(nonce.length)) as Reply;
      } catch {
        return;
      }
      c.replies.get(r.type === 'ready' ? 0 : r.id)?.(r);
    });
    this.starting = new Promise<Container>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(c);
        reject(new Error(`the python container did not start within ${this.startTimeoutS} s (pulling ${this.image}?)`));
      }, this.startTimeoutS * 1000);
      c.replies.set(0, () => {
        clearTimeout(timer);
        c.replies.delete(0);
        this.container = c;
        resolve(c);
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(dockerError('', null, e)));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(dockerError(c.stderr, code)));
      });
    }).finally(() => {
      this.starting = undefined;
    });
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    child.on('exit', () => {
      if (this.container !== c) return;
      this.container = undefined;
      this.finish(`the python container exited (out of memory?${c.stderr ? ` ${c.stderr.trim().slice(-200)}` : ''}); its state (variables, imports and files in /tmp) was lost and a new one starts on the next call.`);
    });
    return this.starting;
  }

  private finish(text: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.unlisten();
    p.resolve(text);
  }

  private async run(code: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return INTERRUPTED_BEFORE;
    let c: Container;
    try {
      c = await this.ensureContainer();
    } catch (e) {
      return `Error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (signal?.aborted) return INTERRUPTED_BEFORE;
    const id = ++this.nextId;
    return new Promise<string>((resolve) => {
      const kill = (why: string): void => {
        if (this.container === c) this.container = undefined;
        this.kill(c);
        // The next cell should not wait for a container to start.
        this.ensureContainer().catch(() => undefined);
        this.finish(`${why}. The python container was killed and a new one started: its state (variables, imports and files in /tmp) was lost.`);
      };
      const timer = setTimeout(() => kill(`Execution timed out after ${this.timeoutS} seconds`), this.timeoutS * 1000);
      const onAbort = (): void => kill('Execution was interrupted (the request was cancelled)');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = { resolve, timer, unlisten: () => signal?.removeEventListener('abort', onAbort) };
      c.replies.set(id, (r) => {
        c.replies.delete(id);
        if (r.type === 'result') this.finish(formatCellOutput(r.output, r.dropped, r.result, this.maxOutput));
      });
      c.child.stdin.write(`${JSON.stringify({ id, code })}\n`);
    });
  }
}

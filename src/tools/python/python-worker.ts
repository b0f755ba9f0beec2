/**
 * The python sandbox's worker thread: one Pyodide (CPython on WebAssembly) interpreter, its own
 * in-memory file system, no host files, and no way back into JavaScript that could reach the
 * network, processes or the disk (see `lockDown`). Runs one cell at a time, Jupyter style.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';

export type WorkerRequest = { type: 'run'; id: number; code: string };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; output: string; dropped: number; result: string | null }
  | { type: 'fatal'; message: string };

const port = parentPort;
if (!port) throw new Error('python-worker.ts runs as a worker thread');
const maxOutput: number = (workerData as { maxOutput?: number } | null)?.maxOutput ?? 20_000;

const SETUP = `
import sys, os, traceback
from pyodide.code import eval_code
os.makedirs('/mnt/data', exist_ok=True)
os.chdir('/mnt/data')
_cell_ns = {'__name__': '__main__'}
def _gptoss_run(code):
    try:
        r = eval_code(code, _cell_ns, filename='<cell>')
    except BaseException as e:
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != '<cell>':
            tb = tb.tb_next
        sys.stderr.write(''.join(traceback.format_exception(type(e), e, tb)))
        return None
    return None if r is None else repr(r)
`;

/**
 * Pyodide lets Python reach JavaScript objects, and from any JS function its constructor,
 * `Function`, compiles new code in this thread, which could import `node:child_process` or open
 * sockets. So: Python's `js` module sees an empty object, the `pyodide_js` module is removed, the
 * constructors that compile code are cut off every function prototype, and the globals that do I/O
 * are deleted from this thread.
 */
function lockDown(py: Awaited<ReturnType<typeof loadPyodide>>): void {
  py.unregisterJsModule('pyodide_js');
  py.runPython("import sys\nfor _m in [m for m in sys.modules if m == 'pyodide_js' or m.startswith('pyodide_js.')]: del sys.modules[_m]");
  const generators = [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ] as { prototype: object }[];
  for (const F of generators) Object.defineProperty(F.prototype, 'constructor', { value: undefined, writable: false, configurable: false });
  const g = globalThis as Record<string, unknown>;
  for (const name of ['fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'Request', 'Response', 'Headers', 'Worker', 'SharedWorker', 'require', 'process', 'eval', 'Function', 'WebAssembly']) {
    try {
      delete g[name];
    } catch {
      g[name] = undefined;
    }
  }
}

/**
 * Emscripten's C library reaches Node modules it captured at load, out of reach of the globals
 * `lockDown` removes: `system()` (Python's os.system) runs `child_process.spawnSync`, sockets go
 * through `ws` and node's http/net. Builtin modules are per thread, so in this thread their
 * functions are replaced by ones that refuse: processes and network before the interpreter loads,
 * the file system once it has loaded its own files.
 */
const requireBuiltin = createRequire(import.meta.url);
function refuse(moduleName: string, what: string, names?: readonly string[]): void {
  const mod = requireBuiltin(moduleName) as Record<string, unknown>;
  const deny = (): never => {
    throw new Error(`${what} is disabled in the python sandbox`);
  };
  for (const name of names ?? Object.keys(mod)) {
    if (typeof mod[name] === 'function' && !/^[A-Z]/.test(name)) mod[name] = deny;
  }
}
function refuseProcessesAndNetwork(): void {
  refuse('node:child_process', 'running processes');
  // system() must return (as "command not found"), not throw through the interpreter and kill it.
  (requireBuiltin('node:child_process') as Record<string, unknown>)['spawnSync'] = () => ({
    pid: 0,
    output: [],
    stdout: null,
    stderr: null,
    status: 127,
    signal: null,
    error: new Error('running processes is disabled in the python sandbox'),
  });
  for (const m of ['node:net', 'node:tls', 'node:http', 'node:https', 'node:http2', 'node:dgram', 'node:dns']) refuse(m, 'network access');
  const net = requireBuiltin('node:net') as { Socket: { prototype: { connect: unknown } } };
  net.Socket.prototype.connect = (): never => {
    throw new Error('network access is disabled in the python sandbox');
  };
  syncBuiltinESMExports();
}
function refuseFiles(): void {
  refuse('node:fs', 'host file access');
  const fs = requireBuiltin('node:fs') as { promises: Record<string, unknown> };
  for (const name of Object.keys(fs.promises)) {
    if (typeof fs.promises[name] === 'function') {
      fs.promises[name] = (): never => {
        throw new Error('host file access is disabled in the python sandbox');
      };
    }
  }
  syncBuiltinESMExports();
}

async function main(): Promise<void> {
  refuseProcessesAndNetwork();
  let out = '';
  let dropped = 0;
  const decoder = new TextDecoder();
  const sink = {
    write: (buf: Uint8Array): number => {
      const s = decoder.decode(buf, { stream: true });
      const room = maxOutput - out.length;
      if (room > 0) out += s.slice(0, room);
      dropped += Math.max(0, s.length - Math.max(0, room));
      return buf.length;
    },
  };
  const indexURL = `${dirname(fileURLToPath(import.meta.resolve('pyodide')))}/`;
  const py = await loadPyodide({ indexURL, jsglobals: {}, env: { HOME: '/mnt/data' }, stdin: () => null as never });
  py.setStdout(sink);
  py.setStderr(sink);
  py.runPython(SETUP);
  const run = py.globals.get('_gptoss_run') as (code: string) => string | null | undefined;
  lockDown(py);
  refuseFiles();
  port!.on('message', (m: WorkerRequest) => {
    out = '';
    dropped = 0;
    const result = run(m.code) ?? null;
    const tail = decoder.decode();
    if (tail) sink.write(new TextEncoder().encode(tail));
    const reply: WorkerReply = { type: 'result', id: m.id, output: out, dropped, result };
    port!.postMessage(reply);
  });
  port!.postMessage({ type: 'ready' } satisfies WorkerReply);
}

main().catch((e: unknown) => {
  port.postMessage({ type: 'fatal', message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
});

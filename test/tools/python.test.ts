// The python sandbox: a Pyodide interpreter per conversation that keeps its state, and that code
// cannot use to escape (network, host files, processes, JavaScript), to run forever, to eat memory
// or to flood the answer. Interpreter start-up takes seconds, so one tool serves most tests, in order.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../src/engine/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { PythonTool } from '../../src/tools/python/python-tool.js';
import { toolChatOptions } from '../../src/tools/tool.js';
import { ScriptedModel, collect } from '../engine/helpers.js';

const py = new PythonTool({ timeoutS: 8, memoryMiB: 300, maxOutputChars: 2000 });
const run = (code: string): Promise<string> => py.call('python', code);

let hits = 0;
const server = createServer((_req, res) => {
  hits++;
  res.end('reached');
});
let port = 0;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await py.warmUp();
});
after(async () => {
  await py.dispose();
  server.close();
});

describe('python tool', () => {
  it('is stateful within a conversation: variables, imports and files in /mnt/data persist; the last expression is shown', async () => {
    assert.match(py.namespace.description!, /stateful Jupyter notebook environment.*time out after 8\.0 seconds.*Internet access for this session is disabled/s);
    assert.equal(await run('x = 41\nimport math\nx + 1'), '42');
    assert.equal(await run('print(x, math.sqrt(16))'), '41 4.0\n');
    assert.equal(await run("open('notes.txt', 'w').write('kept')\nimport os\nos.getcwd()"), "'/mnt/data'");
    assert.equal(await run("open('/mnt/data/notes.txt').read()"), "'kept'");
    assert.match(await run('1/0'), /Traceback \(most recent call last\):\n {2}File "<cell>", line 1, in <module>\nZeroDivisionError: division by zero/);
    assert.equal(await run('x'), '41', 'an exception does not lose the state');
    assert.match(await run('y = 1'), /no output/);
  });

  it('cannot reach the network, the host files, processes or JavaScript', async () => {
    const net = await run(`import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${port}/').read()`);
    assert.match(net, /Error/);
    const sock = await run(`import socket\ns = socket.create_connection(('127.0.0.1', ${port}))\ns.send(b'GET / HTTP/1.0\\r\\n\\r\\n')\ns.recv(100)`);
    assert.match(sock, /Error/);
    assert.equal(hits, 0, 'no connection reached the server');
    assert.match(await run("open('/etc/passwd').read()"), /FileNotFoundError/);
    assert.equal(await run("import os\n[p for p in ['/etc/hostname', '/usr/bin', '/proc/self/environ', '/root'] if os.path.exists(p)]"), '[]', 'only the virtual file system');
    assert.match(await run("import subprocess\nsubprocess.run(['ls'])"), /OSError/);
    // os.system is Emscripten's system(), which in Node would spawn a host shell.
    const marker = join(tmpdir(), `gpt-oss-sandbox-${process.pid}`);
    const sys = await run(`import os\nos.system('touch ${marker}')`);
    assert.equal(existsSync(marker), false, `os.system ran a host command (${sys})`);
    assert.equal(sys, '32512', 'os.system answers "command not found" (127 << 8)');
    assert.equal(await run(`import ctypes\nctypes.CDLL(None).system(b'touch ${marker}')`), '32512');
    assert.equal(existsSync(marker), false, 'system() through ctypes ran a host command');
    // The ways from Python into the JavaScript thread that could load node modules are closed.
    assert.match(await run("from pyodide.code import run_js\nrun_js('process')"), /ImportError: cannot import name 'eval' from 'js'/);
    assert.match(await run('import pyodide_js'), /ModuleNotFoundError: No module named 'pyodide_js'/);
    assert.match(await run("import js\njs.process"), /AttributeError/);
    assert.match(await run("from pyodide.ffi import to_js\nto_js({}).constructor.constructor('return process')()"), /TypeError/);
    assert.match(await run('import micropip'), /ModuleNotFoundError/);
  });

  it('truncates an output flood to the bound and says how much was left out', async () => {
    const out = await run("for i in range(5000): print('flood line', i, '.' * 60)");
    assert.ok(out.length < 2200, `output of ${out.length} characters`);
    assert.match(out, /^flood line 0 \.{60}\nflood line 1 /);
    assert.match(out, /\[output truncated: \d+ more characters not shown\]/);
  });

  it('an infinite loop is stopped at the time limit; the model is told the state was lost; a new interpreter answers', async () => {
    await run('pass'); // the interpreter is up: the time measured is the cell's
    const starts = py.starts;
    const t0 = Date.now();
    const out = await run('while True:\n    pass');
    assert.ok(Date.now() - t0 < 12_000, `stopped after ${Date.now() - t0} ms`);
    assert.match(out, /^Execution timed out after 8 seconds\. The python interpreter was stopped and restarted: its state \(variables, imports and files in \/mnt\/data\) was lost\.$/);
    assert.match(await run('x'), /NameError: name 'x' is not defined/);
    assert.equal(py.starts, starts + 1);
  });

  it('an abort (a cancelled request, Ctrl-C) stops a running cell long before its time limit; state lost, the model told', async () => {
    await run('kept = 1');
    const starts = py.starts;
    py.timeoutS = 120;
    const abort = new AbortController();
    const t0 = Date.now();
    const pending = py.call('python', 'while True:\n    pass', abort.signal);
    setTimeout(() => abort.abort(), 300);
    const out = await pending;
    py.timeoutS = 8;
    assert.ok(Date.now() - t0 < 10_000, `stopped after ${Date.now() - t0} ms, not at the 120 s limit`);
    assert.match(out, /^Execution was interrupted \(the request was cancelled\)\. The python interpreter was stopped and restarted: its state \(variables, imports and files in \/mnt\/data\) was lost\.$/);
    assert.match(await run('kept'), /NameError: name 'kept' is not defined/);
    assert.equal(py.starts, starts + 1);
    // Aborted before it starts: nothing runs, nothing is lost.
    await run('kept = 2');
    assert.match(await py.call('python', 'kept = 3', AbortSignal.abort()), /interrupted before the cell started/);
    assert.equal(await run('kept'), '2');
  });

  it('a memory bomb is stopped at the memory cap', async () => {
    await run('pass'); // the restarted interpreter is up, so the cap measures the cell alone
    // Generous time, so that on a busy machine it is the memory cap that stops the cell.
    py.timeoutS = 120;
    const t0 = Date.now();
    const out = await run('a = []\nwhile True:\n    a.append(b"x" * 10**8)');
    py.timeoutS = 8;
    assert.ok(Date.now() - t0 < 100_000);
    assert.match(out, /^Execution used more than the memory limit of 300 MiB\. The python interpreter was stopped and restarted/);
    assert.equal(await run('1 + 1'), '2');
  });

  it('answers the model inside the engine tool loop, python namespace in the system message', async () => {
    const tok = getTokenizer();
    const ids = (text: string): number[] =>
      text.split(/(<\|[a-z]+\|>)/).flatMap((part) => (part === '' ? [] : /^<\|[a-z]+\|>$/.test(part) ? [tok.specialId(part)] : tok.encode(part)));
    const model = new ScriptedModel([
      ids('<|channel|>analysis to=python code<|message|>z = 6 * 7\nprint(z)<|call|>'),
      ids('<|channel|>final<|message|>It is 42.<|return|>'),
    ]);
    const { events, done } = await collect(new Engine(model, tok).chat([{ role: 'user', content: '6*7?' }], { ...toolChatOptions([py]), seed: 1 }));
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'tool_result' ? [[e.recipient, e.output]] : [])),
      [['python', '42\n']],
    );
    assert.equal(done.reason, 'stop');
    assert.equal(await run('z'), '42', 'the call ran in this conversation\'s interpreter');
    assert.match(tok.decode(model.history.get(0)!), /## python\n\nUse this tool to execute Python code[^]*Internet access for this session is disabled/);
  });

  it('conversations do not share state', async () => {
    const other = new PythonTool({ timeoutS: 10 });
    try {
      await run("secret = 'A'\nopen('a.txt', 'w').write('A')");
      assert.match(await other.call('python', 'secret'), /NameError/);
      assert.match(await other.call('python', "open('a.txt').read()"), /FileNotFoundError/);
      assert.equal(await run('secret'), "'A'");
    } finally {
      await other.dispose();
    }
  });
});

// The python tool's docker backend, without a Docker daemon: a stand-in `docker` first on PATH
// checks the sandbox flags of `docker run` and runs our driver with the local python3 (`docker kill`
// kills it), so the protocol, state, limits and restarts are the real code paths. The last test
// uses the real docker CLI of this machine, whose daemon is absent, for the error users get.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPythonTool, createTools } from '../../src/tools/create-tools.js';
import { DockerPythonTool } from '../../src/tools/python/docker-backend.js';
import { toolsConfigFromArgs } from '../../src/cli/tool-options.js';

const dir = mkdtempSync(join(tmpdir(), 'gpt-oss-docker-'));
const log = join(dir, 'calls.log');
const STANDIN = `#!/usr/bin/env python3
import os, sys, signal
args = sys.argv[1:]
d = ${JSON.stringify(dir)}
with open(os.path.join(d, 'calls.log'), 'a') as f: f.write(' '.join(a for a in args if '\\n' not in a) + '\\n')
if args[0] == 'kill':
    p = os.path.join(d, args[1] + '.pid')
    if os.path.exists(p): os.kill(int(open(p).read()), signal.SIGKILL)
    sys.exit(0)
assert args[0] == 'run'
def pair(flag, value):
    return any(args[i] == flag and args[i + 1] == value for i in range(len(args) - 1))
need = [('--network', 'none'), ('--pids-limit', '64'), ('--tmpfs', '/tmp'), ('--cap-drop', 'ALL'), ('--security-opt', 'no-new-privileges')]
missing = [f + ' ' + v for f, v in need if not pair(f, v)] + [f for f in ['--rm', '-i', '--read-only', '--memory', '--name'] if f not in args]
if missing:
    sys.stderr.write('stand-in docker: missing sandbox flags: ' + ', '.join(missing) + '\\n'); sys.exit(125)
name = args[args.index('--name') + 1]
open(os.path.join(d, name + '.pid'), 'w').write(str(os.getpid()))
c = args.index('-c')
assert args[c - 3:c] == ['python:3.12-slim', 'python3', '-u'], args[c - 3:c]
os.chdir(d)
os.execvp('python3', ['python3', '-u'] + args[c:])
`;
writeFileSync(join(dir, 'docker'), STANDIN);
chmodSync(join(dir, 'docker'), 0o755);
const realPath = process.env['PATH'] ?? '';
process.env['PATH'] = `${dir}${delimiter}${realPath}`;

const tools: DockerPythonTool[] = [];
function tool(timeoutS = 20, maxOutputChars = 2000): DockerPythonTool {
  const t = createPythonTool({ backend: 'docker', timeoutS, maxOutputChars });
  assert.ok(t instanceof DockerPythonTool);
  tools.push(t);
  return t;
}
after(async () => {
  for (const t of tools) await t.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('python tool, docker backend', () => {
  it('is chosen by --python-backend docker; its description says real CPython and no network', () => {
    const config = toolsConfigFromArgs('run', { python: true, 'python-backend': 'docker' });
    assert.deepEqual(config?.python, { timeoutS: 30, backend: 'docker', image: 'python:3.12-slim' });
    const [t] = createTools(config!);
    assert.ok(t instanceof DockerPythonTool);
    assert.match(t.namespace.description!, /real CPython in a container.*Internet access for this session is disabled/s);
    assert.throws(() => toolsConfigFromArgs('run', { python: true, 'python-backend': 'podman' }), /--python-backend must be one of pyodide, docker, got 'podman'/);
    assert.throws(() => toolsConfigFromArgs('run', { python: true, 'python-image': 'x' }), /--python-image is for --python-backend docker/);
  });

  it('keeps state within a conversation and not across conversations', async () => {
    const a = tool();
    assert.equal(await a.call('python', 'x = 41\nimport math\nx + 1'), '42');
    assert.equal(await a.call('python', 'print(x, math.sqrt(16))'), '41 4.0\n');
    assert.match(await a.call('python', '1/0'), /Traceback \(most recent call last\):\n {2}File "<cell>", line 1, in <module>\nZeroDivisionError: division by zero/);
    assert.equal(await a.call('python', 'x'), '41', 'an exception does not lose the state');
    const b = tool();
    assert.match(await b.call('python', 'x'), /NameError: name 'x' is not defined/);
    assert.equal(a.starts, 1);
    const run = readFileSync(log, 'utf8').split('\n').find((l) => l.startsWith('run '));
    assert.match(run ?? '', /--network none .*--memory 1024m .*--read-only/);
  });

  it('kills the container on timeout, starts a fresh one and tells the model its state was lost', async () => {
    const t = tool(2);
    assert.equal(await t.call('python', 'y = 7\ny'), '7');
    const started = Date.now();
    const out = await t.call('python', 'while True: pass');
    assert.ok(Date.now() - started < 10_000);
    assert.match(out, /Execution timed out after 2 seconds\. The python container was killed and a new one started: its state .* was lost/);
    assert.match(await t.call('python', 'y'), /NameError/);
    // `docker kill` runs beside the restart: give the stand-in a moment to log it.
    for (let i = 0; i < 50 && !/^kill gpt-oss-python-/m.test(readFileSync(log, 'utf8')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(readFileSync(log, 'utf8'), /^kill gpt-oss-python-/m, 'docker kill was called');
    assert.equal(t.starts, 2);
    const ac = new AbortController();
    const cancelled = t.call('python', 'import time\ntime.sleep(30)', ac.signal);
    setTimeout(() => ac.abort(), 300);
    assert.match(await cancelled, /interrupted \(the request was cancelled\).*state .* was lost/s);
  });

  it('truncates an output flood to the bound', async () => {
    const t = tool(20, 500);
    const out = await t.call('python', "for i in range(20000): print('flood', i)\n'end'");
    assert.ok(out.length < 700, `${out.length} characters`);
    assert.match(out, /\[output truncated: \d+ more characters not shown\]\n'end'$/);
    assert.equal(await t.call('python', "import os\nos.write(1, b'not a reply\\n')\n1"), '1', 'a cell writing to the real stdout cannot pose as a reply');
  });

  it('with the docker CLI but no daemon, says the daemon is not reachable and suggests pyodide', { skip: !existsSync('/usr/local/bin/docker') && 'no docker CLI at /usr/local/bin/docker' }, async () => {
    process.env['PATH'] = realPath.split(delimiter).filter((p) => p !== dir).join(delimiter);
    process.env['DOCKER_HOST'] = `unix://${join(dir, 'no-daemon.sock')}`;
    try {
      const t = tool();
      const out = await t.call('python', '1');
      assert.match(out, /^Error: the docker daemon is not reachable \(.*\): start Docker, or use --python-backend pyodide$/s);
      assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
      process.env['PATH'] = join(dir, 'nowhere');
      assert.match(await tool().call('python', '1'), /^Error: .*needs the docker CLI, which was not found on PATH.*--python-backend pyodide$/);
    } finally {
      process.env['PATH'] = `${dir}${delimiter}${realPath}`;
      delete process.env['DOCKER_HOST'];
    }
  });
});

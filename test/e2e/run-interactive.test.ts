import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTinyModel } from '../engine/helpers.js';
import { assertBuilt } from './built-cli.js';

// Drives `gpt-oss run` in a real pseudo-terminal (tmux) as a person would: type, read the screen.
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const root = fileURLToPath(new URL('../..', import.meta.url));
const session = `gpt-oss-e2e-${process.pid}`;

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', session, '-S', '-200');

async function waitFor(pattern: RegExp, what: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (pattern.test(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

let model: { dir: string; remove: () => void };
before(() => {
  assertBuilt();
  model = makeTinyModel(5);
});
after(() => {
  if (hasTmux) spawnSync('tmux', ['kill-session', '-t', session]);
  model.remove();
});

describe('gpt-oss run, interactive (pseudo-terminal)', { skip: hasTmux ? false : 'tmux is not installed' }, () => {
  it('prompt, streamed answer with a tok/s footer, Ctrl-C stops the answer, /effort, Ctrl-D exits 0', async () => {
    const cmd = `cd ${root} && NODE_NO_WARNINGS=1 node dist/cli/main.js run ${model.dir} --backend ref --seed 1 --max-tokens 400 --raw; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', cmd);
    await waitFor(/^>>>\s*$/m, 'the prompt');

    tmux('send-keys', '-t', session, 'Tell me a long story', 'Enter');
    // Some tokens stream in, then Ctrl-C stops the answer but not the program.
    await waitFor(/Tell me a long story\n.+/, 'streamed tokens');
    tmux('send-keys', '-t', session, 'C-c');
    let s = await waitFor(/\d+ tokens · \d+\.\d tok\/s · first token \d+\.\d\d s .*interrupted/, 'the footer of the interrupted answer');
    const m = /(\d+) tokens · .*interrupted/.exec(s);
    assert.ok(m && Number(m[1]) < 400, 'the answer stopped before its token limit');
    await waitFor(/interrupted\n>>>\s*$/m, 'the prompt after Ctrl-C');

    tmux('send-keys', '-t', session, '/effort high', 'Enter');
    await waitFor(/reasoning effort: high/, 'the /effort reply');
    tmux('send-keys', '-t', session, '/help', 'Enter');
    await waitFor(/\/clear .*start a new conversation/, 'the help text');

    tmux('send-keys', '-t', session, 'C-d');
    s = await waitFor(/EXIT=\d+/, 'the program to exit');
    assert.match(s, /EXIT=0/);
  });
});

describe('gpt-oss run, interactive, with the demo model (pseudo-terminal)', { skip: hasTmux ? false : 'tmux is not installed' }, () => {
  const demoSession = `${session}-demo`;
  after(() => {
    if (hasTmux) spawnSync('tmux', ['kill-session', '-t', demoSession]);
  });
  it('no arguments: gpt-oss-demo; a question gets dimmed reasoning, the answer and the footer', async () => {
    const cache = `${process.env['TMPDIR'] ?? '/tmp'}/gpt-oss-demo-repl-${process.pid}`;
    const cmd = `cd ${root} && NODE_NO_WARNINGS=1 GPT_OSS_CACHE=${cache} node --import tsx src/cli/main.ts run --seed 3; echo "EXIT=$?"; rm -rf ${cache}; sleep 60`;
    tmux('new-session', '-d', '-s', demoSession, '-x', '120', '-y', '40', cmd);
    const shot = (): string => execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', demoSession, '-S', '-200'], { encoding: 'utf8' });
    const wait = async (pattern: RegExp, what: string): Promise<string> => {
      const until = Date.now() + 60_000;
      for (;;) {
        // Patterns match the text; the screen comes back with its escapes for the dim check.
        const s = shot();
        if (pattern.test(s.replace(/\x1b\[[0-9;]*m/g, ''))) return s;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    await wait(/^>>>\s*$/m, 'the prompt');
    tmux('send-keys', '-t', demoSession, 'What is the capital of France?', 'Enter');
    const s = await wait(/\d+ tokens · \d+\.\d tok\/s/, 'the footer');
    // The reasoning is written dim (SGR 2), then the answer in plain text.
    assert.match(s, /\x1b\[2m[^\n]*France/);
    assert.match(s, /Paris/);
    tmux('send-keys', '-t', demoSession, 'C-d');
    assert.match(await wait(/EXIT=\d+/, 'the program to exit'), /EXIT=0/);
  });
});

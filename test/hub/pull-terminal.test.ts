import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FakeHub } from './fake-hub.js';
import { tempCache, tinyRepoFiles } from './helpers.js';

// `pull` and `run` in a real pseudo-terminal (tmux), as a person sees them: the progress bar while a
// file arrives, and run offering to pull a model that is not downloaded.
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const root = fileURLToPath(new URL('../..', import.meta.url));
const session = `gpt-oss-hub-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', session, '-S', '-200');

async function waitFor(pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (pattern.test(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let hub: FakeHub;
let cache: ReturnType<typeof tempCache>;
before(async () => {
  if (!hasTmux) return;
  hub = new FakeHub();
  hub.addRepo('acme/tiny-gpt-oss', tinyRepoFiles({ vocab: 512, layouts: ['original'] }));
  hub.addRepo('acme/chat-gpt-oss', tinyRepoFiles({ seed: 2, layouts: ['original'] }));
  await hub.start();
  cache = tempCache(hub.endpoint);
});
after(async () => {
  if (!hasTmux) return;
  spawnSync('tmux', ['kill-session', '-t', session]);
  await hub.stop();
  cache.remove();
});

describe('pull and run in a terminal', { skip: hasTmux ? false : 'tmux is not installed' }, () => {
  it('pull draws a progress bar with bytes, rate and ETA; run offers to pull a missing model, then chats', async () => {
    hub.faults.slow.add('original/model.safetensors');
    const env = `cd ${root} && export NODE_NO_WARNINGS=1 HF_ENDPOINT=${hub.endpoint} HF_HOME=${cache.root} HF_TOKEN= HF_HUB_CACHE=`;
    const cli = 'node --import tsx src/cli/main.ts';
    const cmd = `${env} && ${cli} pull acme/tiny-gpt-oss; echo "PULL=$?"; ${cli} run acme/chat-gpt-oss --backend ref --max-tokens 2 --raw; echo "RUN=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', cmd);
    await waitFor(/model\.safetensors \[#*\.+\] \d+% [\d.]+ (kB|MB)\/1\.0 MB [\d.]+ (kB|MB)\/s ETA \d+s/, 'the progress bar mid-file');
    hub.faults.slow.clear(); // the answer under way stays slow; the next model comes at full speed
    let s = await waitFor(/PULL=\d+/, 'pull to finish');
    assert.match(s, /downloaded 4 files, 1\.0 MB\n.*snapshots\/[0-9a-f]{40}\/original\nPULL=0/);
    assert.doesNotMatch(s, /ETA .*\n.*PULL=0/, 'the bar is cleared when done');

    s = await waitFor(/Pull it now\? \[y\/N\]\s*$/m, 'run asking to pull');
    assert.match(s, /acme\/chat-gpt-oss \(original layout, 10\d\.\d MB to download\) is not in .*\/hub\. Pull it now\? \[y\/N\]/);
    tmux('send-keys', '-t', session, 'y', 'Enter');
    await waitFor(/^>>>\s*$/m, 'the chat prompt after the pull');
    tmux('send-keys', '-t', session, 'C-d');
    s = await waitFor(/RUN=\d+/, 'run to exit');
    assert.match(s, /RUN=0/);
  });
});

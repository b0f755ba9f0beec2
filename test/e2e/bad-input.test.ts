// Bad input to the text commands, fed to the shipped CLI as a user would: each must exit non-zero
// with one line that names the byte, value or option and what was expected (never a stack trace).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBuiltCli } from './built-cli.js';

const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const deepConversation = `{"messages":[{"role":"user","content":${'['.repeat(5_000)}${']'.repeat(5_000)}}]}`;

const cases: { name: string; args: string[]; input: string | Buffer; message: RegExp }[] = [
  { name: 'tokenize: invalid UTF-8', args: ['tokenize'], input: Buffer.from([0x61, 0x62, 0x63, 0xff, 0x64]), message: /invalid UTF-8 at byte 3 of stdin \(0xff\); pass --lossy/ },
  { name: 'tokenize: a character cut short at the end', args: ['tokenize'], input: Buffer.from([0x68, 0x69, 0xe2, 0x82]), message: /invalid UTF-8 at byte 2 of stdin \(0xe2\)/ },
  { name: 'tokenize --jsonl: invalid UTF-8 inside a line', args: ['tokenize', '--jsonl'], input: Buffer.from([0x22, 0x61, 0xc0, 0x80, 0x22, 0x0a]), message: /invalid UTF-8 at byte 2 of stdin \(0xc0\)/ },
  { name: 'harmony parse: pathologically nested JSON', args: ['harmony', 'parse'], input: deepArray, message: /stdin: JSON nested deeper than 512 levels \(at character 512\)/ },
  { name: 'harmony render: pathologically nested JSON', args: ['harmony', 'render'], input: deepConversation, message: /stdin: JSON nested deeper than 512 levels/ },
  { name: 'harmony parse: an id that is an array', args: ['harmony', 'parse'], input: '[200006, [1]]', message: /stdin\[1\] must be an integer token id, got an array/ },
  { name: 'detokenize: an id past the vocabulary', args: ['detokenize'], input: '[5, 999999]', message: /token id 999999 at element 1 is outside the vocabulary \(0\.\.201087\)/ },
  { name: 'detokenize: a negative id', args: ['detokenize'], input: '[-3]', message: /token id -3 at element 0 is outside the vocabulary/ },
  { name: 'detokenize: a fraction', args: ['detokenize'], input: '[1.5]', message: /element 0 is 1\.5; expected an integer token id/ },
  { name: 'run --seed -5', args: ['run', 'no-such-model', 'hi', '--seed', '-5'], input: '', message: /--seed must be an integer >= 0, got '-5'/ },
];

describe('bad input to the text commands', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = runBuiltCli(c.args, { input: c.input });
      assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, c.message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Maximum call stack|\n\s+at /);
    });
  }

  it('tokenize --lossy encodes U+FFFD and says how many bytes it replaced', () => {
    const r = runBuiltCli(['tokenize', '--lossy'], { input: Buffer.from([0x61, 0xff, 0xfe, 0x62]) });
    assert.equal(r.code, 0, r.stderr);
    const clean = runBuiltCli(['tokenize'], { input: 'a\ufffd\ufffdb' });
    assert.equal(r.stdout, clean.stdout);
    assert.match(r.stderr, /replaced 2 invalid UTF-8 bytes with U\+FFFD/);
  });
});

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { get_encoding } from 'tiktoken';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { corpus } from './corpus.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tok = getTokenizer();

/** Runs `gpt-oss <args>` as a user would, with `input` on stdin. */
function gptOss(args: string[], input: string): { code: number | null; stdout: string; stderr: string; ms: number } {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - start };
}

/** The same, without blocking, so independent runs overlap. */
function gptOssAsync(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(input);
  });
}

describe('gpt-oss tokenize / detokenize', () => {
  it('tokenize prints the ids of stdin as a JSON array, special-token names as text', () => {
    const text = 'Hello <|start|>user<|message|> 안녕하세요 😀\n';
    const r = gptOss(['tokenize'], text);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), Array.from(get_encoding('o200k_base').encode_ordinary(text)));
  });

  it('tokenize --jsonl encodes a 3,000-line corpus in one process, line for line', (t) => {
    const texts = corpus(21, 3000, 100); // every 100th line is a ~20,000-character run
    const r = gptOss(['tokenize', '--jsonl'], `${texts.map((s) => JSON.stringify(s)).join('\n')}\n`);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, texts.length);
    // tiktoken (the Rust CoreBPE harmony uses) is the reference, not our own encoder
    const reference = get_encoding('o200k_base');
    lines.forEach((line, i) => assert.deepEqual(JSON.parse(line), Array.from(reference.encode_ordinary(texts[i]!)), `line ${i + 1}`));
    t.diagnostic(`tokenize --jsonl: 3,000 lines (30 of ~20,000 characters) in ${r.ms.toFixed(0)} ms, process start included`);
  });

  it('detokenize prints the text of a JSON array of ids, special tokens by name', () => {
    const ids = [tok.specialId('<|start|>'), ...tok.encode('user'), tok.specialId('<|message|>'), ...tok.encode('héllo 😀\n')];
    const r = gptOss(['detokenize'], JSON.stringify(ids));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '<|start|>user<|message|>héllo 😀\n');
  });

  it('reports bad input in one line and exits 1', async () => {
    const cases: [string[], string, RegExp][] = [
      [['detokenize'], '[1, 2', /not valid JSON/],
      [['detokenize'], '{"ids": [1]}', /JSON array of token ids/],
      [['detokenize'], '[1, 201088]', /token id 201088 at element 1 is outside the vocabulary/],
      [['detokenize'], '[1, "2"]', /element 1 is "2"; expected an integer/],
      [['tokenize', '--jsonl'], '"ok"\n42\n', /line 2 holds a number; expected a JSON string/],
      [['tokenize', '--jsonl'], '"ok"\nnot json\n', /line 2 is not valid JSON/],
      [['tokenize', '--bogus'], '', /bogus/],
    ];
    const results = await Promise.all(cases.map(([args, input]) => gptOssAsync(args, input)));
    cases.forEach(([args, input, message], i) => {
      const r = results[i]!;
      assert.equal(r.code, 1, `${args.join(' ')} <<< ${input}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    });
  });
});

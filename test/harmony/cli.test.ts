// `gpt-oss harmony render|parse` driven as a process, as a user or another tool drives it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { encodeWithSpecials, loadTokenVector, loadVector } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function cli(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'harmony', ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const IDENTITY = 'You are ChatGPT, a large language model trained by OpenAI.';

describe('gpt-oss harmony (CLI)', () => {
  it('render --for completion reproduces test_reasoning_system_message from harmony JSON', () => {
    const conversation = {
      messages: [
        {
          role: 'system',
          content: [
            {
              type: 'system_content',
              model_identity: IDENTITY,
              reasoning_effort: 'Medium',
              tools: null,
              conversation_start_date: null,
              knowledge_cutoff: '2024-06',
              channel_config: { valid_channels: ['analysis', 'final'], channel_required: true },
            },
          ],
        },
        { role: 'user', content: 'What is 2 + 2?' },
      ],
    };
    const r = cli(['render', '--for', 'completion', '--next-role', 'assistant'], JSON.stringify(conversation));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { text: string; tokens: number[] };
    const vector = loadVector('test_reasoning_system_message.txt');
    assert.equal(out.text, vector);
    assert.deepEqual(out.tokens, encodeWithSpecials(vector));
  });

  it('render --for training and --keep-analysis (options before the subcommand too)', () => {
    const conversation = {
      messages: [
        { role: 'user', content: 'What is 2 + 2?' },
        { role: 'assistant', channel: 'analysis', content: 'thinking' },
        { role: 'assistant', channel: 'final', content: '4' },
      ],
    };
    const dropped = cli(['render', '--for', 'training'], JSON.stringify(conversation));
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(
      (JSON.parse(dropped.stdout) as { text: string }).text,
      '<|start|>user<|message|>What is 2 + 2?<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>',
    );
    const kept = cli(['--keep-analysis', 'render', '--for', 'conversation'], JSON.stringify(conversation));
    assert.equal(kept.code, 0, kept.stderr);
    const out = JSON.parse(kept.stdout) as { text: string; tokens: number[] };
    assert.ok(out.text.includes('<|channel|>analysis<|message|>thinking<|end|>'));
    assert.deepEqual(out.tokens, encodeWithSpecials(out.text));
  });

  it('parse --role assistant prints harmony JSON only', () => {
    const r = cli(['parse', '--role', 'assistant'], JSON.stringify(loadTokenVector('test_simple_reasoning_response.txt')));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(JSON.parse(r.stdout), {
      messages: [
        { role: 'assistant', content: 'User asks: "What is 2 + 2?" Simple arithmetic. Provide answer.', channel: 'analysis' },
        { role: 'assistant', content: '2 + 2 = 4.', channel: 'final' },
      ],
    });
  });

  it('parse: strict fails where harmony raises (stderr only); --non-strict recovers', () => {
    const ids = JSON.stringify(encodeWithSpecials('I must refuse<|end|><|start|>assistant<|channel|>final<|message|>No.<|return|>'));
    const strict = cli(['parse', '--role', 'assistant'], ids);
    assert.equal(strict.code, 1);
    assert.equal(strict.stdout, '');
    assert.match(strict.stderr, /^error: unexpected tokens remaining in message header: Some\("I"\)\n$/);
    const lenient = cli(['parse', '--non-strict', '--role', 'assistant'], ids);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.deepEqual(JSON.parse(lenient.stdout), {
      messages: [
        { role: 'assistant', content: 'I must refuse' },
        { role: 'assistant', content: 'No.', channel: 'final' },
      ],
    });
    const cutHeader = cli(['parse', '--role', 'assistant'], JSON.stringify(encodeWithSpecials('<|channel|>commentary Hello<|end|>')));
    assert.equal(cutHeader.code, 1);
    assert.match(cutHeader.stderr, /^error: Unexpected EOS while waiting for message header to complete\n$/);
  });

  it('bad input gets a one-line error and a non-zero exit', () => {
    const cases: [string[], string, RegExp][] = [
      [['render'], '{"messages": [', /^error: stdin: invalid JSON/],
      [['render'], '{"messages": [{"role": "bot", "content": "x"}]}', /^error: messages\[0\]\.role: unknown role 'bot'/],
      [['render'], JSON.stringify({ messages: [{ role: 'developer', content: [{ type: 'developer_content', tools: { functions: { name: 'functions', tools: [{ name: 'f', description: 'd', parameters: 7 }] } } }] }] }), /parameters must be a JSON Schema object/],
      [['parse'], '[200006, 201088]', /^error: gpt-oss harmony parse: token id 201088 at stdin\[1\] is outside the o200k_harmony vocabulary/],
      [['parse', '--role', 'robot'], '[]', /^error: gpt-oss harmony: --role must be one of system, developer, user, assistant, tool, got 'robot'/],
      [['frobnicate'], '', /^error: gpt-oss harmony: unknown subcommand 'frobnicate'/],
    ];
    for (const [args, input, re] of cases) {
      const r = cli(args, input);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });
});

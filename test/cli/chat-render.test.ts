// How `gpt-oss run` shows a turn: reasoning dimmed as it streams, the answer in plain text, tool
// calls as notes, and the footer. A random-weight model never speaks harmony, so the interactive
// e2e test cannot show reasoning; this drives the printer with the engine's own event types.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { footer, TurnPrinter } from '../../src/cli/chat-render.js';
import type { ChatEvent, DoneEvent } from '../../src/engine/index.js';

const DIM = '\x1b[2m';
const UNDIM = '\x1b[22m';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (c: Buffer) => (buf += c.toString('utf8')));
  return { stream, text: () => buf };
}

const done: DoneEvent = {
  type: 'done',
  reason: 'length',
  usage: { promptTokens: 70, prefilledTokens: 20, reusedTokens: 50, completionTokens: 24, reasoningTokens: 10 },
  timings: { prefillS: 0.2, decodeS: 2, firstTokenS: 0.42, tokensPerSecond: 11.84 },
  messages: [],
};

const turn: ChatEvent[] = [
  { type: 'reasoning', delta: 'The user greets. ' },
  { type: 'reasoning', delta: 'Reply briefly.' },
  { type: 'text', delta: 'Hello', channel: 'final' },
  { type: 'text', delta: ' there!', channel: 'final' },
];

describe('TurnPrinter', () => {
  it('dims streamed reasoning on the terminal and prints the answer plainly after it', () => {
    const out = sink();
    const p = new TurnPrinter({ out: out.stream, reasoning: out.stream, dim: true, raw: false });
    for (const e of turn) p.handle(e);
    p.end();
    assert.equal(out.text(), `${DIM}The user greets. Reply briefly.${UNDIM}\n\nHello there!\n`);
    assert.equal(p.answerText, 'Hello there!');
  });

  it('hides reasoning when asked (--hide-reasoning) and sends it to another stream (--show-reasoning)', () => {
    const hidden = sink();
    const p1 = new TurnPrinter({ out: hidden.stream, reasoning: null, dim: true, raw: false });
    for (const e of turn) p1.handle(e);
    p1.end();
    assert.equal(hidden.text(), 'Hello there!\n');

    const out = sink();
    const err = sink();
    const p2 = new TurnPrinter({ out: out.stream, reasoning: err.stream, dim: false, raw: false });
    for (const e of turn) p2.handle(e);
    p2.end();
    assert.equal(out.text(), 'Hello there!\n');
    assert.equal(err.text(), 'The user greets. Reply briefly.\n');
  });

  it('notes tool calls on a line of their own and prints raw tokens unparsed with --raw', () => {
    const out = sink();
    const p = new TurnPrinter({ out: out.stream, reasoning: out.stream, dim: false, raw: false });
    p.handle({ type: 'reasoning', delta: 'Need the weather.' });
    p.handle({ type: 'tool_call', recipient: 'functions.get_weather', arguments: '{"city":"Paris"}', callId: 'c1' });
    p.end();
    assert.equal(out.text(), 'Need the weather.\n\n[tool call functions.get_weather {"city":"Paris"}]\n');

    const raw = sink();
    const r = new TurnPrinter({ out: raw.stream, reasoning: raw.stream, dim: true, raw: true });
    r.handle({ type: 'token', token: 200005, text: '<|channel|>' });
    r.handle({ type: 'reasoning', delta: 'ignored in raw mode' });
    r.handle({ type: 'token', token: 35644, text: 'analysis' });
    r.end();
    assert.equal(raw.text(), '<|channel|>analysis\n');
  });

  it('footer carries tokens, tok/s, first-token time, reuse and how the turn ended', () => {
    assert.equal(footer(done), '24 tokens · 11.8 tok/s · first token 0.42 s · prompt 70 (50 reused) · stopped at the token limit');
    assert.equal(footer({ ...done, reason: 'stop' }), '24 tokens · 11.8 tok/s · first token 0.42 s · prompt 70 (50 reused)');
  });
});

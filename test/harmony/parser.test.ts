// The streaming parser against the cases of harmony's src/tests.rs and tests/test_harmony.py:
// header forms, strict / non-strict recovery, split and invalid UTF-8, deltas and EOS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HarmonyParseError,
  StreamableParser,
  assistantMessage,
  message,
  parseMessagesFromCompletionTokens,
  type Role,
} from '../../src/harmony/index.js';
import { encodeWithSpecials, tokenizer } from './helpers.js';

function feed(text: string | number[], role: Role | null, strict = true): StreamableParser {
  const parser = new StreamableParser(role, { strict });
  for (const t of typeof text === 'string' ? encodeWithSpecials(text) : text) parser.process(t);
  return parser;
}

const weatherCall = (contentType: string, args = '{"location": "Tokyo"}') =>
  message('assistant', args, { channel: 'commentary', recipient: 'functions.get_weather', contentType });

describe('StreamableParser: headers', () => {
  it('recipient before channel, " <|constrain|>json", and the round trip through the renderer', async () => {
    const { renderConversation } = await import('../../src/harmony/index.js');
    const text = '<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>{"location": "Tokyo"}<|call|>';
    const tokens = encodeWithSpecials(text);
    const parsed = parseMessagesFromCompletionTokens(tokens, null);
    assert.deepEqual(parsed, [weatherCall('<|constrain|>json')]);
    assert.equal(tokenizer.decode(tokens), text);
    assert.deepEqual(renderConversation(parsed), tokens);
  });

  it('<|constrain|> adjacent to the channel (no space)', () => {
    const text = '<|start|>assistant to=functions.get_weather<|channel|>commentary<|constrain|>json<|message|>{"location": "Tokyo"}<|end|>';
    assert.deepEqual(parseMessagesFromCompletionTokens(encodeWithSpecials(text), null), [weatherCall('<|constrain|>json')]);
  });

  it('channel before recipient, <|constrain|> adjacent to the recipient', () => {
    const args = '{"latitude":48.8566,"longitude":2.3522}';
    const text = `<|start|>assistant<|channel|>commentary to=functions.get_weather<|constrain|>json<|message|>${args}<|call|>`;
    const parser = feed(text, null);
    assert.deepEqual(parser.messages, [weatherCall('<|constrain|>json', args)]);
    assert.deepEqual(parseMessagesFromCompletionTokens(encodeWithSpecials(text), null), [weatherCall('<|constrain|>json', args)]);
  });

  it('a tool answering: unknown author with a recipient becomes a tool message named by the author', () => {
    const text = '<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{"t": 20}<|end|>';
    assert.deepEqual(parseMessagesFromCompletionTokens(encodeWithSpecials(text), null), [
      message('tool', '{"t": 20}', { name: 'functions.get_weather', recipient: 'assistant', channel: 'commentary' }),
    ]);
  });

  it('an unknown author without a recipient is an error, as in harmony', () => {
    assert.throws(() => parseMessagesFromCompletionTokens(encodeWithSpecials('<|start|>robot<|message|>hi<|end|>'), null), /Unknown role: robot/);
  });

  it('text before <|start|> is an error naming the token', () => {
    assert.throws(
      () => parseMessagesFromCompletionTokens(encodeWithSpecials('hello<|start|>assistant<|message|>hi<|end|>'), null),
      (e: unknown) => e instanceof HarmonyParseError && /Unexpected token \d+ while expecting start token 200006/.test(e.message),
    );
  });

  it('an empty channel value is an error', () => {
    assert.throws(() => feed('<|channel|><|message|>x<|end|>', 'assistant'), /channel marker present but no channel value/);
  });

  it('EOS inside a header is an error; EOS after a stop token is fine', () => {
    assert.throws(() => parseMessagesFromCompletionTokens(encodeWithSpecials('<|channel|>analysis'), 'assistant'), /Unexpected EOS while waiting for message header/);
    assert.deepEqual(parseMessagesFromCompletionTokens(encodeWithSpecials('<|message|>done<|return|>'), 'assistant'), [assistantMessage('done')]);
  });
});

describe('StreamableParser: missing <|message|> (strict vs non-strict)', () => {
  const refusal = "<|start|>assistant<|channel|>analysis<|message|>We must refuse<|end|><|start|>assistant<|channel|>final<|message|>I'm sorry, but I can't help with that.<|return|>";
  const after = [assistantMessage('We must refuse', 'analysis'), assistantMessage("I'm sorry, but I can't help with that.", 'final')];

  it('no header at all: strict raises, non-strict recovers the text', () => {
    const text = `I must refuse<|end|>${refusal}`;
    assert.throws(() => feed(text, 'assistant', true), (e: unknown) => e instanceof HarmonyParseError && /unexpected tokens remaining in message header: Some\("I"\)/.test(e.message));
    assert.deepEqual(feed(text, 'assistant', false).messages, [assistantMessage('I must refuse'), ...after]);
  });

  it('a channel but no <|message|>', () => {
    const text = `<|channel|>analysis I must refuse<|end|>${refusal}`;
    assert.throws(() => feed(text, 'assistant', true), /unexpected tokens remaining in message header/);
    assert.deepEqual(feed(text, 'assistant', false).messages, [assistantMessage('I must refuse', 'analysis'), ...after]);
  });

  it('a tool call after a header-less message', () => {
    const text = "... Let's use the tool.<|end|><|start|>assistant to=functions.get_weather<|channel|>commentary json<|message|>{\"location\": \"Tokyo\"}<|call|>";
    assert.throws(() => feed(text, 'assistant', true), /unexpected tokens remaining in message header/);
    assert.deepEqual(feed(text, 'assistant', false).messages, [assistantMessage("... Let's use the tool."), weatherCall('json')]);
  });

  it('src/tests.rs test_missing_message_token_requires_non_strict_mode', () => {
    const tokens = encodeWithSpecials('<|channel|>commentary Hello<|end|>');
    assert.throws(() => parseMessagesFromCompletionTokens(tokens, 'assistant'), HarmonyParseError);
    assert.deepEqual(parseMessagesFromCompletionTokens(tokens, 'assistant', { strict: false }), [assistantMessage('Hello', 'commentary')]);
  });

  it('the error keeps every token fed and the header text', () => {
    const tokens = encodeWithSpecials(`I must refuse<|end|>${refusal}`);
    try {
      parseMessagesFromCompletionTokens(tokens, 'assistant');
      assert.fail('expected a HarmonyParseError');
    } catch (e) {
      assert.ok(e instanceof HarmonyParseError);
      assert.equal(e.code, 'parse_error');
      assert.ok(e.partialText.startsWith('I must refuse<|end|><|start|>assistant'));
      assert.deepEqual(e.tokens, tokens.slice(0, e.tokens.length));
    }
  });
});

describe('StreamableParser: streaming state and deltas', () => {
  it('exposes role, channel, recipient, content type and deltas as tokens arrive', () => {
    const parser = new StreamableParser('assistant');
    assert.equal(parser.currentRole, 'assistant');
    assert.equal(parser.currentChannel, undefined);
    const header = encodeWithSpecials('<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>');
    for (const t of header) parser.process(t);
    assert.equal(parser.currentChannel, 'commentary');
    assert.equal(parser.currentRecipient, 'functions.get_weather');
    assert.equal(parser.currentContentType, '<|constrain|>json');
    assert.equal(parser.lastContentDelta, undefined);
    const body = tokenizer.encode('{"location": "Tokyo"}');
    const deltas: string[] = [];
    for (const t of body) {
      parser.process(t);
      assert.equal(parser.lastContentDelta, tokenizer.decode([t]));
      deltas.push(parser.lastContentDelta ?? '');
    }
    assert.equal(deltas.join(''), '{"location": "Tokyo"}');
    assert.equal(parser.currentContent, '{"location": "Tokyo"}');
    parser.process(tokenizer.specialId('<|call|>'));
    assert.equal(parser.lastContentDelta, undefined);
    assert.equal(parser.currentRole, undefined);
    assert.deepEqual(parser.messages, [weatherCall('<|constrain|>json')]);
    assert.equal(parser.state.kind, 'expect_start');
  });

  it('waits for a multi-token UTF-8 character (💖)', () => {
    const parser = feed('<|start|>assistant<|message|>', null);
    const emoji = tokenizer.encode('💖');
    assert.ok(emoji.length >= 2);
    parser.process(emoji[0]!);
    assert.equal(parser.lastContentDelta, undefined);
    assert.equal(parser.currentContent, '');
    for (const t of emoji.slice(1)) parser.process(t);
    assert.equal(parser.lastContentDelta, '💖');
    assert.equal(parser.currentContent, '💖');
    parser.process(tokenizer.specialId('<|end|>'));
    assert.deepEqual(parser.messages, [assistantMessage('💖')]);
  });

  it('tricky UTF-8: deltas concatenate to the whole text', () => {
    const text =
      'Hello Müller, Γειά σου, Привет, שלום, مرحبا, नमस्ते, こんにちは, 안녕하세요, 你好. Normalized (naïve) vs. decomposed (naïve) characters. Some emojis: 😊👋🏾👨‍👩‍👧‍👦🇺🇸.';
    const parser = feed('<|start|>assistant<|message|>', null);
    const deltas: string[] = [];
    for (const t of [...tokenizer.encode(text), tokenizer.specialId('<|end|>')]) {
      parser.process(t);
      if (parser.lastContentDelta !== undefined) deltas.push(parser.lastContentDelta);
    }
    assert.deepEqual(parser.messages, [assistantMessage(text)]);
    assert.equal(deltas.join(''), text);
  });

  it('token 9552 is [32, 240, 159]: the fixture the invalid-UTF-8 cases rely on', () => {
    assert.deepEqual([...tokenizer.tokenBytes(9552)], [32, 240, 159]);
  });

  it('invalid UTF-8 becomes U+FFFD exactly where harmony puts it', () => {
    const prefix = encodeWithSpecials('<|start|>assistant<|message|>');
    const end = tokenizer.specialId('<|end|>');
    const run = (middle: number[], suffix: number[]) => parseMessagesFromCompletionTokens([...prefix, ...middle, ...suffix], null);
    assert.deepEqual(run([9552, 9552], [...tokenizer.encode('worked'), end]), [assistantMessage(' \uFFFD \uFFFDworked')]);
    assert.deepEqual(run([9552, ...tokenizer.encode('XY')], [end]), [assistantMessage(' \uFFFDXY')]);
    assert.deepEqual(run([9552, ...tokenizer.encode(' interesting')], [end]), [assistantMessage(' \uFFFD interesting')]);
  });

  it('no EOS: current content and deltas still carry everything', () => {
    const parser = feed('<|start|>assistant<|message|>', null);
    const deltas: string[] = [];
    for (const t of [9552, ...tokenizer.encode(' interesting'), ...tokenizer.encode(' story')]) {
      parser.process(t);
      if (parser.lastContentDelta !== undefined) deltas.push(parser.lastContentDelta);
    }
    assert.equal(parser.currentContent, ' \uFFFD interesting story');
    assert.equal(deltas.join(''), ' \uFFFD interesting story');
    parser.process(tokenizer.encode('Y')[0]!);
    assert.equal(parser.lastContentDelta, 'Y');
    assert.equal(parser.currentContent, ' \uFFFD interesting storyY');
  });

  it('pending bytes do not leak into the next message', () => {
    const parser = feed([...encodeWithSpecials('<|start|>assistant<|message|>'), 9552, 9552, ...encodeWithSpecials('<|end|><|start|>assistant<|message|>Hi<|end|>')], null);
    assert.equal(parser.messages.length, 2);
    assert.deepEqual(parser.messages[1], assistantMessage('Hi'));
  });

  it('EOS flushes pending bytes with U+FFFD', () => {
    const parser = feed([...encodeWithSpecials('<|start|>assistant<|message|>'), 9552, ...tokenizer.encode('Hi')], null);
    parser.processEos();
    assert.deepEqual(parser.messages, [assistantMessage(' \uFFFDHi')]);
    assert.equal(parser.lastContentDelta, undefined);
    assert.equal(parser.currentContent, '');
  });

  it('an id outside the vocabulary in content becomes U+FFFD at EOS', () => {
    const parser = feed('<|start|>assistant<|channel|>analysis<|message|>Practice invalid token handling.', null);
    parser.process(2 ** 32 - 1);
    parser.processEos();
    assert.deepEqual(parser.messages, [assistantMessage('Practice invalid token handling.\uFFFD', 'analysis')]);
  });

  it('a cut-off message is returned by parseMessagesFromCompletionTokens', () => {
    const tokens = encodeWithSpecials('<|channel|>final<|message|>The answer is');
    assert.deepEqual(parseMessagesFromCompletionTokens(tokens, 'assistant'), [assistantMessage('The answer is', 'final')]);
  });
});

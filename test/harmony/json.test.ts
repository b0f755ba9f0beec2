// harmony JSON interchange: the exact serde form openai-harmony writes, what its Python
// to_dict writes, round trips, and clear errors for malformed input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HarmonyJsonError,
  browserToolNamespace,
  conversationFromJson,
  conversationToJson,
  developerContent,
  developerMessage,
  message,
  messageFromJson,
  messageToJson,
  renderConversation,
  systemContent,
  systemContentFromJson,
  systemMessage,
  toolDescription,
  toolResultMessage,
  userMessage,
} from '../../src/harmony/index.js';
import { tokenizer } from './helpers.js';

describe('harmony JSON: writing (Rust serde form)', () => {
  it('a lone text part is a plain string; author is flattened; unset fields are left out', () => {
    assert.equal(JSON.stringify(messageToJson(userMessage('hi'))), '{"role":"user","content":"hi"}');
    assert.equal(
      JSON.stringify(messageToJson(toolResultMessage('functions.get_weather', '{"t":1}'))),
      '{"role":"tool","name":"functions.get_weather","recipient":"assistant","content":"{\\"t\\":1}","channel":"commentary"}',
    );
    assert.equal(
      JSON.stringify(messageToJson(message('assistant', 'x', { channel: 'commentary', recipient: 'functions.f', contentType: '<|constrain|>json' }))),
      '{"role":"assistant","recipient":"functions.f","content":"x","channel":"commentary","content_type":"<|constrain|>json"}',
    );
  });

  it('system content: tagged by "type", every field written, unset as null, effort capitalised', () => {
    assert.equal(
      JSON.stringify(messageToJson(systemMessage(systemContent()))),
      '{"role":"system","content":[{"type":"system_content","model_identity":"You are ChatGPT, a large language model trained by OpenAI.",' +
        '"reasoning_effort":"Medium","tools":null,"conversation_start_date":null,"knowledge_cutoff":"2024-06",' +
        '"channel_config":{"valid_channels":["analysis","commentary","final"],"channel_required":true}}]}',
    );
    assert.equal(
      JSON.stringify(messageToJson(developerMessage(developerContent({ functionTools: [toolDescription('f', 'does f')] })))),
      '{"role":"developer","content":[{"type":"developer_content","instructions":null,"tools":{"functions":{"name":"functions","description":null,"tools":[{"name":"f","description":"does f","parameters":null}]}}}]}',
    );
  });
});

describe('harmony JSON: reading', () => {
  it('round trips messages with every kind of content', () => {
    const messages = [
      systemMessage(systemContent({ reasoningEffort: 'high', conversationStartDate: '2025-06-28', tools: [browserToolNamespace()] })),
      developerMessage(
        developerContent({
          instructions: 'Be brief.',
          functionTools: [toolDescription('f', 'does f', { type: 'object', properties: { a: { type: 'string', default: 'x' } } })],
        }),
      ),
      message('user', [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }], { name: 'alice' }),
      toolResultMessage('functions.f', 'ok'),
    ];
    const json = JSON.parse(JSON.stringify(conversationToJson(messages))) as unknown;
    assert.deepEqual(conversationFromJson(json).messages, messages);
  });

  it("accepts Python's to_dict form: content lists, \"name\": null, unset fields left out (meaning not set)", () => {
    const conv = conversationFromJson({
      messages: [
        { role: 'system', name: null, content: [{ type: 'system_content', model_identity: 'I am a test.', reasoning_effort: 'Low' }] },
        { role: 'user', name: null, content: [{ type: 'text', text: 'hi' }], channel: null },
      ],
    });
    assert.deepEqual(conv.messages[1], userMessage('hi'));
    assert.equal(
      tokenizer.decode(renderConversation(conv)),
      '<|start|>system<|message|>I am a test.\n\nReasoning: low<|end|><|start|>user<|message|>hi<|end|>',
    );
  });

  it('null fields of system content mean not set', () => {
    const sys = systemContentFromJson({ model_identity: null, reasoning_effort: null, knowledge_cutoff: null, channel_config: null, tools: null });
    assert.deepEqual(sys, { type: 'system_content' });
    assert.deepEqual(systemContentFromJson({ reasoning_effort: 'high' }).reasoning_effort, 'high');
  });

  it('clear errors naming the field', () => {
    const bad = (v: unknown, re: RegExp) => assert.throws(() => conversationFromJson(v), (e: unknown) => e instanceof HarmonyJsonError && re.test(e.message));
    bad({ messages: [{ role: 'bot', content: 'x' }] }, /^messages\[0\]\.role: unknown role 'bot' \(expected one of system, developer, user, assistant, tool\)$/);
    bad({ messages: [{ content: 'x' }] }, /messages\[0\]\.role: missing/);
    bad({ messages: [{ role: 'user' }] }, /messages\[0\]\.content: missing/);
    bad({ messages: [{ role: 'user', content: [{ type: 'image' }] }] }, /messages\[0\]\.content\[0\]\.type: expected "text", "system_content" or "developer_content"/);
    bad({ messages: [{ role: 'system', content: [{ type: 'system_content', reasoning_effort: 'extreme' }] }] }, /reasoning_effort: expected "Low", "Medium" or "High"/);
    bad({ messages: [{ role: 'system', content: [{ type: 'system_content', channel_config: { valid_channels: ['final'] } }] }] }, /channel_config\.channel_required: missing/);
    bad({ messages: [{ role: 'developer', content: [{ type: 'developer_content', tools: { functions: { name: 'functions', tools: [{ name: 'f' }] } } }] }] }, /tools\.functions\.tools\[0\]\.description: missing/);
    bad({ messages: 3 }, /messages: expected a list of messages/);
    bad([], /conversation: expected an object/);
    assert.throws(() => messageFromJson({ role: 'user', content: 'x', channel: 5 }), /message\.channel: expected a string or null, got number 5/);
  });
});

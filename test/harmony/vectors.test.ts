// Every vector in openai/harmony test-data/, rebuilt from the conversations in harmony's
// src/tests.rs and tests/test_harmony.py and compared token for token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assistantMessage,
  browserToolNamespace,
  conversation,
  developerContent,
  developerMessage,
  message,
  parseMessagesFromCompletionTokens,
  pythonToolNamespace,
  renderConversation,
  renderConversationForCompletion,
  StreamableParser,
  systemContent,
  systemMessage,
  toolDescription,
  userMessage,
  type Conversation,
  type Message,
  type ReasoningEffort,
} from '../../src/harmony/index.js';
import { assertTokensEq, encodeWithSpecials, loadTokenVector, loadVector, tokenizer } from './helpers.js';

const IDENTITY = 'You are ChatGPT, a large language model trained by OpenAI.';

function expectRender(vector: string, conv: Conversation, options: { autoDropAnalysis?: boolean; completion?: boolean } = {}): void {
  const expected = encodeWithSpecials(loadVector(vector));
  const actual =
    options.completion === false
      ? renderConversation(conv, { autoDropAnalysis: options.autoDropAnalysis ?? true })
      : renderConversationForCompletion(conv, 'assistant', { autoDropAnalysis: options.autoDropAnalysis ?? true });
  assertTokensEq(expected, actual);
  assert.equal(tokenizer.decode(actual), loadVector(vector));
}

describe('harmony golden vectors: rendering', () => {
  it('test_simple_convo', () => {
    expectRender(
      'test_simple_convo.txt',
      conversation([systemMessage(systemContent({ modelIdentity: IDENTITY })), userMessage('What is 2 + 2?')]),
    );
  });

  const efforts: [ReasoningEffort, string, boolean][] = [
    ['low', 'test_simple_convo_low_effort.txt', true],
    ['medium', 'test_simple_convo_medium_effort.txt', true],
    ['high', 'test_simple_convo_high_effort.txt', true],
    ['low', 'test_simple_convo_low_effort_no_instruction.txt', false],
    ['medium', 'test_simple_convo_medium_effort_no_instruction.txt', false],
    ['high', 'test_simple_convo_high_effort_no_instruction.txt', false],
  ];
  for (const [effort, vector, withInstruction] of efforts) {
    it(vector.replace('.txt', ''), () => {
      const messages: Message[] = [systemMessage(systemContent({ modelIdentity: IDENTITY, reasoningEffort: effort }))];
      if (withInstruction) messages.push(developerMessage(developerContent({ instructions: "Answer the user's questions like a robot." })));
      messages.push(userMessage('What is the capital of the largest country in the world?'));
      expectRender(vector, conversation(messages));
    });
  }

  it('test_reasoning_system_message', () => {
    const sys = systemContent({ modelIdentity: IDENTITY, reasoningEffort: 'medium', requiredChannels: ['analysis', 'final'] });
    expectRender('test_reasoning_system_message.txt', conversation([systemMessage(sys), userMessage('What is 2 + 2?')]));
  });

  it('test_reasoning_system_message_no_instruction', () => {
    const sys = systemContent({ modelIdentity: IDENTITY, reasoningEffort: 'high', requiredChannels: ['analysis', 'final'] });
    expectRender(
      'test_reasoning_system_message_no_instruction.txt',
      conversation([systemMessage(sys), userMessage('What is the best place to eat candy in the world?')]),
    );
  });

  it('test_reasoning_system_message_with_dates', () => {
    const sys = systemContent({
      modelIdentity: IDENTITY,
      reasoningEffort: 'medium',
      conversationStartDate: '2021-01-01',
      knowledgeCutoff: '2021-01',
      requiredChannels: ['analysis', 'final'],
    });
    expectRender('test_reasoning_system_message_with_dates.txt', conversation([systemMessage(sys), userMessage('What is 42 * pi?')]));
  });

  it('test_render_functions_with_parameters', () => {
    const sys = systemContent({ reasoningEffort: 'high', conversationStartDate: '2025-06-28' });
    const dev = developerContent({
      instructions: 'Always respond in riddles',
      functionTools: [
        toolDescription('get_location', 'Gets the location of the user.'),
        toolDescription('get_current_weather', 'Gets the current weather in the provided location.', {
          type: 'object',
          properties: {
            location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
            format: { type: 'string', enum: ['celsius', 'fahrenheit'], default: 'celsius' },
          },
          required: ['location'],
        }),
        toolDescription('get_multiple_weathers', 'Gets the current weather in the provided list of locations.', {
          type: 'object',
          properties: {
            locations: {
              type: 'array',
              items: { type: 'string' },
              description: 'List of city and state, e.g. ["San Francisco, CA", "New York, NY"]',
            },
            format: { type: 'string', enum: ['celsius', 'fahrenheit'], default: 'celsius' },
          },
          required: ['locations'],
        }),
        toolDescription('kitchensink', 'A function with various complex schemas.', {
          description: 'params object',
          type: 'object',
          properties: {
            string: { type: 'string', title: 'STRING', description: 'A string', examples: ['hello', 'world'] },
            string_nullable: { type: 'string', nullable: true, description: 'A nullable string', default: 'the default' },
            string_enum: { type: 'string', enum: ['a', 'b', 'c'] },
            oneof_string_or_number: {
              oneOf: [
                { type: 'string', default: 'default_string_in_oneof' },
                { type: 'number', description: 'numbers can happen too' },
              ],
              description: 'a oneof',
              default: 20,
            },
          },
        }),
      ],
    });
    expectRender(
      'test_render_functions_with_parameters.txt',
      conversation([systemMessage(sys), developerMessage(dev), userMessage('What is the weather like in SF?')]),
    );
  });

  it('test_no_tools', () => {
    expectRender('test_no_tools.txt', conversation([systemMessage(systemContent({ conversationStartDate: '2025-06-28' }))]));
  });

  it('test_browser_tool_only', () => {
    const sys = systemContent({ conversationStartDate: '2025-06-28', tools: [browserToolNamespace()] });
    expectRender('test_browser_tool_only.txt', conversation([systemMessage(sys)]));
  });

  it('test_browser_and_function_tool', () => {
    const sys = systemContent({ conversationStartDate: '2025-06-28', tools: [browserToolNamespace()] });
    const dev = developerContent({
      functionTools: [
        toolDescription(
          'lookup_weather',
          "Use this tool to lookup the weather in a given location. Call it with the parameter 'location', can be any textual description of a location.",
          { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        ),
      ],
    });
    expectRender('test_browser_and_function_tool.txt', conversation([systemMessage(sys), developerMessage(dev)]));
  });

  it('test_browser_and_python_tool (namespaces render in key order whatever the insertion order)', () => {
    const sys = systemContent({ conversationStartDate: '2025-06-28', tools: [pythonToolNamespace(), browserToolNamespace()] });
    expectRender('test_browser_and_python_tool.txt', conversation([systemMessage(sys)]));
  });

  it('test_dropping_cot_by_default', () => {
    const conv = conversation([
      userMessage('What is 2 + 2?'),
      assistantMessage('User asks: “What is 2 + 2?” Simple arithmetic. Provide answer.', 'analysis'),
      assistantMessage('2 + 2 equals 4.', 'final'),
      userMessage('What about 9 / 2?'),
    ]);
    expectRender('test_dropping_cot_by_default.txt', conv, { autoDropAnalysis: true });
  });

  it('test_does_not_drop_if_ongoing_analysis (tool call, <|constrain|>json, tool result)', () => {
    const conv = conversation([
      userMessage('What is the weather in SF?'),
      assistantMessage('User asks: “What is the weather in SF?” We need to use lookup_weather tool.', 'analysis'),
      message('assistant', '{"location": "San Francisco"}', {
        channel: 'commentary',
        recipient: 'functions.lookup_weather',
        contentType: '<|constrain|>json',
      }),
      message('tool', '{"temperature": 20, "description": "sunny"}', { name: 'functions.lookup_weather' }),
    ]);
    expectRender('test_does_not_drop_if_ongoing_analysis.txt', conv, { autoDropAnalysis: true });
  });

  it('test_preserve_cot', () => {
    const conv = conversation([
      userMessage('What is 2 + 2?'),
      assistantMessage('User asks a simple question: "What is 2 + 2?" The answer: 4.', 'analysis'),
      assistantMessage('2 + 2 equals 4.', 'final'),
      userMessage('What about 9 / 2?'),
    ]);
    expectRender('test_preserve_cot.txt', conv, { autoDropAnalysis: false });
  });

  it('test_keep_analysis_between_finals (render_conversation, default config)', () => {
    const conv = conversation([
      userMessage('What is 2 + 2?'),
      assistantMessage('thinking 2+2', 'analysis'),
      assistantMessage('4', 'final'),
      userMessage('What is 3 + 5?'),
      assistantMessage('thinking 3+5', 'analysis'),
      assistantMessage('8', 'final'),
    ]);
    expectRender('test_keep_analysis_between_finals.txt', conv, { completion: false });
  });
});

describe('harmony golden vectors: parsing', () => {
  it('test_simple_reasoning_response', () => {
    const messages = parseMessagesFromCompletionTokens(loadTokenVector('test_simple_reasoning_response.txt'), 'assistant');
    assert.deepEqual(messages, [
      assistantMessage('User asks: "What is 2 + 2?" Simple arithmetic. Provide answer.', 'analysis'),
      assistantMessage('2 + 2 = 4.', 'final'),
    ]);
  });

  it('test_simple_tool_call (the last message is cut off and still returned)', () => {
    const messages = parseMessagesFromCompletionTokens(loadTokenVector('test_simple_tool_call.txt'), 'assistant');
    assert.deepEqual(messages, [
      assistantMessage('User asks: "What is the weather in Tokyo?" We need to use lookup_weather tool.', 'analysis'),
      message('assistant', '{"location": "Tokyo"}', { channel: 'analysis', recipient: 'lookup_weather', contentType: 'code' }),
    ]);
  });

  it('test_simple_tool_call, inline variant from src/tests.rs (<|end|> instead of <|return|>)', () => {
    const response = [
      200005, 35644, 200008, 1844, 31064, 25, 392, 4827, 382, 290, 11122, 306, 40510, 16842, 1416, 1309, 316, 1199, 37342, 170154, 4584, 13,
      200007, 200006, 173781, 200005, 35644, 316, 28, 29712, 170154, 3490, 200008, 10848, 7693, 1243, 392, 173844, 18583,
    ];
    assert.deepEqual(parseMessagesFromCompletionTokens(response, 'assistant'), [
      assistantMessage('User asks: "What is the weather in Tokyo?" We need to use lookup_weather tool.', 'analysis'),
      message('assistant', '{"location": "Tokyo"}', { channel: 'analysis', recipient: 'lookup_weather', contentType: 'code' }),
    ]);
  });

  it('test_streamable_parser', () => {
    const parser = new StreamableParser('assistant');
    for (const t of encodeWithSpecials(loadVector('test_streamable_parser.txt'))) parser.process(t);
    assert.equal(parser.messages.length, 3);
    assert.deepEqual(parser.messages[1], message('assistant', '{"query": "current US president July 2025", "topn": 10, "source": "news"}', {
      channel: 'commentary',
      recipient: 'browser.search',
      contentType: 'code',
    }));
    assert.deepEqual(parser.messages[2], message('tool', '{"result": "https://openai.com/"}', {
      name: 'browser.search',
      recipient: 'assistant',
      channel: 'commentary',
    }));
  });

  it('test_tool_response_parsing', () => {
    const text = loadVector('test_tool_response_parsing.txt');
    const tokens = encodeWithSpecials(text);
    assert.equal(tokenizer.decode(tokens), text);
    assert.deepEqual(parseMessagesFromCompletionTokens(tokens, null), [
      message('tool', '{"result": "https://openai.com/"}', { name: 'browser.search', recipient: 'assistant', channel: 'commentary' }),
    ]);
  });
});

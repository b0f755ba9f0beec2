/**
 * harmony speed: rendering a 100-message conversation (system + developer with function tools,
 * then user / assistant analysis / tool call / tool result / final turns) to tokens for completion,
 * and parsing the assistant side back one token at a time. Medians of repeated runs.
 *
 *   npx tsx bench/harmony-render.bench.ts [--runs 21] [--messages 100]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  assistantMessage,
  conversation,
  developerContent,
  developerMessage,
  parseMessagesFromCompletionTokens,
  renderConversationForCompletion,
  systemContent,
  systemMessage,
  toolCallMessage,
  toolDescription,
  toolResultMessage,
  userMessage,
  type Message,
} from '../src/harmony/index.js';
import { getTokenizer } from '../src/tokenizer/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, messages: { type: 'string', default: '100' } } });
const runs = Number(values.runs);
const count = Number(values.messages);

const weather = toolDescription('get_weather', 'Gets the current weather in a city.', {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'The city, e.g. San Francisco' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'], default: 'celsius' },
  },
  required: ['city'],
});

function buildConversation(n: number): Message[] {
  const msgs: Message[] = [
    systemMessage(systemContent({ reasoningEffort: 'high', conversationStartDate: '2026-11-24' })),
    developerMessage(developerContent({ instructions: 'Answer briefly and cite the tool output.', functionTools: [weather] })),
  ];
  for (let i = 0; msgs.length < n; i++) {
    msgs.push(userMessage(`Question ${i}: what is the weather like in city number ${i}, and should I take an umbrella? Please explain in detail.`));
    msgs.push(assistantMessage(`The user asks about city ${i}. I should call the weather tool, then summarise the result in one or two sentences.`, 'analysis'));
    msgs.push(toolCallMessage('functions.get_weather', JSON.stringify({ city: `City ${i}`, unit: 'celsius' })));
    msgs.push(toolResultMessage('functions.get_weather', JSON.stringify({ temperature: 10 + (i % 15), conditions: i % 2 ? 'rain' : 'sunny' })));
    msgs.push(assistantMessage(`In city ${i} it is ${10 + (i % 15)} °C and ${i % 2 ? 'raining: take an umbrella' : 'sunny: no umbrella needed'}.`, 'final'));
  }
  return msgs.slice(0, n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown): number[] {
  const out: number[] = [];
  fn(); // warm-up: tokenizer caches, JIT
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const tLoad = performance.now();
getTokenizer();
const loadMs = performance.now() - tLoad;
const conv = conversation(buildConversation(count));
let tokens: number[] = [];
const render = time(() => {
  tokens = renderConversationForCompletion(conv, 'assistant', { autoDropAnalysis: false });
});
// The parser's input: the whole rendered conversation without the trailing `<|start|>assistant` header.
const tail = tokens.slice(0, tokens.lastIndexOf(200006));
const parse = time(() => parseMessagesFromCompletionTokens(tail, undefined, { strict: false }));

process.stdout.write(
  `harmony render/parse, ${count} messages (${tokens.length} tokens), median of ${runs} runs\n` +
    `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}\n` +
    `tokenizer load           ${loadMs.toFixed(1)} ms\n` +
    `render for completion    ${median(render).toFixed(2)} ms  (${((tokens.length / median(render)) * 1000).toFixed(0)} tokens/s)\n` +
    `parse ${String(tail.length).padStart(5)} tokens       ${median(parse).toFixed(2)} ms  (${((tail.length / median(parse)) * 1000).toFixed(0)} tokens/s)\n`,
);

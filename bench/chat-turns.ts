/**
 * Prefilled vs reused prompt tokens per turn of a 10-turn chat (prefix reuse across turns).
 * Usage: npx tsx bench/chat-turns.ts [MODEL_DIR] [--backend ref|cpu]
 * Without MODEL_DIR a tiny random model is written to a temp dir first.
 */
import { Engine, type BackendName, type ChatMessage } from '../src/engine/index.js';
import { benchModelDir } from './tiny-model.js';

const args = process.argv.slice(2);
const backendAt = args.indexOf('--backend');
const backend = backendAt >= 0 ? (args.splice(backendAt, 2)[1] as BackendName) : undefined;
const model = benchModelDir(args[0]);
const dir = model.dir;

const engine = await Engine.load(dir, backend ? { backend } : {});
const questions = [
  'Hi! Who are you?', 'What is the capital of France?', 'And of Italy?', 'Tell me a joke.', 'Explain it.',
  'What is 17 * 23?', 'Write a haiku about rain.', 'Translate it to French.', 'Summarise our chat.', 'Thanks, bye!',
];
const conversation: ChatMessage[] = [];
console.log(`model ${dir} · backend ${backend ?? 'best available'} · 16 tokens per answer`);
console.log('turn  prompt  reused  prefilled  prefill s  first token s  tok/s');
let totalPrompt = 0;
let totalPrefilled = 0;
for (const [i, q] of questions.entries()) {
  conversation.push({ role: 'user', content: q });
  let answer = '';
  for await (const e of engine.chat(conversation, { seed: i, maxTokens: 16, rawTokens: true })) {
    if (e.type === 'token') answer += e.text;
    if (e.type === 'done') {
      const u = e.usage;
      totalPrompt += u.promptTokens;
      totalPrefilled += u.prefilledTokens;
      console.log(
        `${String(i + 1).padStart(4)}  ${String(u.promptTokens).padStart(6)}  ${String(u.reusedTokens).padStart(6)}  ${String(u.prefilledTokens).padStart(9)}` +
          `  ${e.timings.prefillS.toFixed(3).padStart(9)}  ${e.timings.firstTokenS.toFixed(3).padStart(13)}  ${e.timings.tokensPerSecond.toFixed(1).padStart(5)}`,
      );
    }
  }
  // The random model's raw output stands in for its answer, as the final-channel text of the turn.
  conversation.push({ role: 'assistant', content: answer });
}
console.log(`total: ${totalPrompt} prompt tokens over 10 turns, ${totalPrefilled} prefilled (${((100 * totalPrefilled) / totalPrompt).toFixed(1)}%)`);
engine.dispose();
model.remove();

/**
 * An example as the token sequence the engine sees, with a loss mask over the tokens the model
 * writes. The prompt is rendered exactly as the engine renders it (toHarmonyConversation, analysis of
 * earlier turns dropped); each assistant round starts after the `<|start|>assistant` the engine puts
 * in the prompt, consecutive assistant messages include their own `<|start|>assistant` header, tool
 * outputs are input, and the final answer ends with `<|return|>`.
 */
import {
  TOKEN_IDS,
  message,
  renderConversation,
  renderConversationForCompletion,
  renderMessage,
  toolCallMessage,
  toolResultMessage,
  type Message,
} from '../../src/harmony/index.js';
import { toHarmonyConversation, type FunctionTool } from '../../src/engine/messages.js';
import type { Tokenizer } from '../../src/tokenizer/index.js';
import { argsJson, type Example, type Step } from './tasks.js';

export function promptMessages(ex: Example): Message[] {
  const tools: FunctionTool[] = ex.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  return toHarmonyConversation([...ex.history, { role: 'user', content: ex.user }], {
    reasoningEffort: ex.effort,
    conversationStartDate: ex.date,
    ...(ex.instructions !== undefined ? { instructions: ex.instructions } : {}),
    ...(tools.length > 0 ? { tools } : {}),
  });
}

export function stepMessage(s: Step): Message {
  switch (s.kind) {
    case 'analysis':
      return message('assistant', s.text, { channel: 'analysis' });
    case 'final':
      return message('assistant', s.text, { channel: 'final' });
    case 'call':
      return toolCallMessage(`functions.${s.name}`, argsJson(s.args));
    case 'tool':
      return toolResultMessage(`functions.${s.name}`, s.output);
  }
}

/**
 * Marks the text of earlier final answers as trained: only the text, not the header or `<|end|>`,
 * because in the model's own turn a final comes after an analysis and ends with `<|return|>`.
 */
function maskHistoryAnswers(prompt: Message[], tokens: number[], mask: number[], tokenizer: Tokenizer): void {
  let start = 0;
  prompt.forEach((m, i) => {
    const end = renderConversation(prompt.slice(0, i + 1), { tokenizer }).length;
    if (m.author.role === 'assistant' && m.channel === 'final') {
      const body = tokens.indexOf(TOKEN_IDS['<|message|>'], start) + 1;
      if (body <= 0 || body >= end) throw new Error('no <|message|> in an earlier assistant message');
      for (let t = body; t < end - 1; t++) mask[t] = 1;
    }
    start = end;
  });
}

export interface Sequence {
  tokens: number[];
  /** 1 where the model is trained to predict this token (from the one before). */
  mask: number[];
}

export function encodeExample(ex: Example, tokenizer: Tokenizer, check = false): Sequence {
  const prompt = promptMessages(ex);
  const tokens = renderConversation(prompt, { tokenizer });
  const mask: number[] = tokens.map(() => 0);
  if (ex.trainHistory) maskHistoryAnswers(prompt, tokens, mask, tokenizer);
  const produced: Message[] = [];
  let prevAssistant = false;
  for (const s of ex.steps) {
    const m = stepMessage(s);
    const toks = renderMessage(m, { conversationHasFunctionTools: ex.tools.length > 0, tokenizer });
    if (s.kind === 'final') toks[toks.length - 1] = TOKEN_IDS['<|return|>'];
    if (m.author.role === 'assistant' && !prevAssistant && check) {
      // The engine's prompt for this round must be exactly what precedes it here.
      const expected = renderConversationForCompletion([...prompt, ...produced], 'assistant', { autoDropAnalysis: true, tokenizer });
      const here = [...tokens, ...toks.slice(0, 2)];
      if (expected.length !== here.length || expected.some((t, i) => t !== here[i])) throw new Error(`prompt mismatch in a ${ex.family} example`);
    }
    const first = m.author.role === 'assistant' ? (prevAssistant ? 0 : 2) : toks.length;
    toks.forEach((t, i) => {
      tokens.push(t);
      mask.push(i >= first ? 1 : 0);
    });
    produced.push(m);
    prevAssistant = m.author.role === 'assistant';
  }
  return { tokens, mask };
}

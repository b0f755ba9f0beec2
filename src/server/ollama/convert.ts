import type { ChatMessage, FunctionTool, PlainMessage } from '../../engine/index.js';
import { functionRecipient } from '../../engine/index.js';
import { message, toolCallMessage, toolResultMessage, type JsonValue } from '../../harmony/index.js';
import { invalidRequest } from '../errors.js';
import type { ServedModel, TurnOptions } from '../served-model.js';
import type { OllamaChatRequest, OllamaMessage, OllamaOptions } from './schema.js';

/**
 * Ollama messages -> the engine's. An assistant message's `thinking` becomes its analysis message and
 * its `tool_calls` harmony calls; a tool message names its function by `tool_name`, or, from clients
 * that send none, answers the latest call.
 */
export function chatMessagesOf(messages: readonly OllamaMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let lastCall: string | undefined;
  messages.forEach((m, i) => {
    if (m.images?.length) throw invalidRequest(`messages[${i}].images: this model reads text only`, `messages[${i}].images`, 'unsupported_value');
    const content = m.content ?? '';
    switch (m.role) {
      case 'system':
      case 'user':
        out.push({ role: m.role, content } satisfies PlainMessage);
        return;
      case 'assistant':
        if (m.thinking) out.push(message('assistant', m.thinking, { channel: 'analysis' }));
        for (const call of m.tool_calls ?? []) {
          lastCall = call.function.name;
          const args = call.function.arguments;
          out.push(toolCallMessage(functionRecipient(call.function.name), typeof args === 'string' ? args : JSON.stringify(args ?? {})));
        }
        if (content !== '' || !m.tool_calls?.length) out.push(message('assistant', content, { channel: 'final' }));
        return;
      case 'tool': {
        const name = m.tool_name ?? lastCall;
        if (!name) throw invalidRequest(`messages[${i}] is a tool result, but it names no tool_name and no earlier assistant message called a tool`, `messages[${i}].tool_name`, 'invalid_value');
        out.push(toolResultMessage(functionRecipient(name), content));
        return;
      }
    }
  });
  return out;
}

/** think, format, tools and options -> the engine's turn options, plus the stop strings. */
export function turnOptionsOf(
  req: Pick<OllamaChatRequest, 'think' | 'format' | 'options'> & { tools?: OllamaChatRequest['tools'] },
  model: ServedModel,
): { options: TurnOptions; stop: string[]; showThinking: boolean } {
  const options: TurnOptions = {};
  const think = req.think;
  // gpt-oss always reasons; `think: false` asks for none, which a reasoning budget of 0 gives.
  if (think === false) options.reasoningBudget = 0;
  else if (typeof think === 'string') options.reasoningEffort = think;
  if (think !== false && model.reasoningBudget !== undefined) options.reasoningBudget = model.reasoningBudget;
  if (req.tools?.length) {
    options.tools = req.tools.map((t): FunctionTool => {
      const tool: FunctionTool = { name: t.function.name, description: t.function.description ?? '' };
      if (t.function.parameters) tool.parameters = t.function.parameters as JsonValue;
      return tool;
    });
  }
  if (req.format === 'json') options.responseFormat = { type: 'json_object' };
  else if (req.format && typeof req.format === 'object') options.responseFormat = { type: 'json_schema', schema: req.format as JsonValue, strict: true };
  const stop = sampling(req.options ?? undefined, options);
  if (options.temperature === undefined && model.defaultTemperature !== undefined) options.temperature = model.defaultTemperature;
  return { options, stop, showThinking: think !== false };
}

function sampling(o: OllamaOptions | undefined, options: TurnOptions): string[] {
  if (!o) return [];
  // num_predict: -1 is "no limit", -2 "fill the context": both are the engine's default.
  if (o.num_predict != null && o.num_predict >= 0) {
    if (o.num_predict === 0) throw invalidRequest('options.num_predict must be at least 1 (or -1 for no limit)', 'options.num_predict', 'invalid_value');
    options.maxTokens = o.num_predict;
  }
  if (o.temperature != null) options.temperature = o.temperature;
  if (o.top_p != null) options.topP = o.top_p;
  if (o.top_k != null && o.top_k > 0) options.topK = o.top_k;
  if (o.min_p != null && o.min_p > 0) options.minP = o.min_p;
  if (o.seed != null) options.seed = o.seed;
  return o.stop == null ? [] : typeof o.stop === 'string' ? [o.stop] : o.stop;
}

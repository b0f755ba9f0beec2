import type { ChatMessage } from '../engine/index.js';
import { functionRecipient } from '../engine/index.js';
import { message, toolCallMessage, toolResultMessage, type JsonValue } from '../harmony/index.js';
import { invalidRequest } from './errors.js';
import type { ResponsesRequest } from './protocol/responses-schema.js';
import { effortOf } from './request-common.js';
import { forcedBuiltinCall } from '../tools/index.js';
import type { StoredResponse } from './response-store.js';
import { checkSchema, functionTool } from './schemas.js';
import type { ServedModel, TurnOptions } from './served-model.js';

const partsText = (c: string | readonly { text: string }[]): string => (typeof c === 'string' ? c : c.map((p) => p.text).join(''));

/**
 * The engine conversation of a Responses request: the stored conversation of previous_response_id,
 * then `input` (a string, or message, function_call, function_call_output and reasoning items).
 */
export function responsesConversation(req: ResponsesRequest, previous: StoredResponse | undefined): { messages: ChatMessage[]; callNames: Map<string, string> } {
  const messages: ChatMessage[] = previous ? [...previous.conversation] : [];
  const callNames = new Map(previous?.callNames ?? []);
  if (typeof req.input === 'string') {
    messages.push({ role: 'user', content: req.input });
    return { messages, callNames };
  }
  req.input.forEach((item, i) => {
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') messages.push(message('assistant', partsText(item.content), { channel: 'final' }));
        else messages.push({ role: item.role, content: partsText(item.content) });
        return;
      case 'reasoning': {
        const text = (item.content?.length ? item.content : (item.summary ?? [])).map((p) => p.text).join('');
        if (text !== '') messages.push(message('assistant', text, { channel: 'analysis' }));
        return;
      }
      case 'function_call':
        callNames.set(item.call_id, item.name);
        messages.push(toolCallMessage(functionRecipient(item.name), item.arguments));
        return;
      case 'function_call_output': {
        const name = callNames.get(item.call_id);
        if (name === undefined) {
          throw invalidRequest(
            `input[${i}].call_id '${item.call_id}' does not match any function_call in the input or in the previous response`,
            `input[${i}].call_id`,
            'invalid_value',
          );
        }
        messages.push(toolResultMessage(functionRecipient(name), partsText(item.output)));
        return;
      }
      case 'code_interpreter_call':
        // The code and what it printed, as the model saw them; a web_search_call carries no result to replay.
        if (item.code) {
          messages.push(toolCallMessage('python', item.code, { channel: 'analysis', contentType: 'code' }));
          messages.push(toolResultMessage('python', (item.outputs ?? []).map((o) => o.logs ?? '').join('')));
        }
        return;
      case 'web_search_call':
        return;
    }
  });
  return { messages, callNames };
}

export function responsesOptions(req: ResponsesRequest, model: ServedModel): TurnOptions {
  const options: TurnOptions = {};
  if (req.instructions) options.instructions = req.instructions;
  const effort = effortOf(req.reasoning?.effort);
  if (effort) options.reasoningEffort = effort;
  const budget = req.reasoning?.max_tokens ?? model.reasoningBudget;
  if (budget !== undefined) options.reasoningBudget = budget;
  const functions = (req.tools ?? []).flatMap((t, i) => (t.type === 'function' ? [{ t, i }] : []));
  if (functions.length) {
    // The Responses API makes function tools strict unless they say otherwise.
    options.tools = functions.map(({ t, i }) => functionTool(t.name, t.description, t.parameters, t.strict ?? true, `tools[${i}].parameters`));
  }
  const choice = req.tool_choice;
  if (choice) {
    if (typeof choice === 'object' && choice.type !== 'function') {
      // A built-in type: checked against the request's tools by responsesBuiltins.
      const forced = forcedBuiltinCall(choice);
      if (forced) options.toolChoice = forced;
    } else if (typeof choice === 'object') {
      if (!functions.some(({ t }) => t.name === choice.name)) {
        throw invalidRequest(`tool_choice names the function '${choice.name}', which is not among the request's tools`, 'tool_choice.name', 'invalid_value');
      }
      options.toolChoice = { name: choice.name };
    } else options.toolChoice = choice;
  }
  const format = req.text?.format;
  if (format?.type === 'json_object') options.responseFormat = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    checkSchema(format.schema, 'text.format.schema');
    options.responseFormat = { type: 'json_schema', schema: format.schema as JsonValue, name: format.name };
    if (format.strict != null) options.responseFormat.strict = format.strict;
  }
  if (req.max_output_tokens != null) options.maxTokens = req.max_output_tokens;
  const temperature = req.temperature ?? model.defaultTemperature;
  if (temperature != null) options.temperature = temperature;
  if (req.top_p != null) options.topP = req.top_p;
  if (req.seed != null) options.seed = req.seed;
  return options;
}

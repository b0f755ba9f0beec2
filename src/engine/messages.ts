import { InvalidArgumentError } from '../core/errors.js';
import {
  developerContent,
  message,
  systemContent,
  toolCallMessage,
  toolResultMessage,
  type JsonValue,
  type Message,
  type ReasoningEffort,
  type ToolDescription,
  type ToolNamespaceConfig,
} from '../harmony/index.js';

/** An OpenAI-style chat message. `system` and `developer` both become the harmony developer message's instructions. */
export interface PlainMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string;
  /** tool messages: the function that produced the output (`get_weather` or `functions.get_weather`). */
  name?: string;
  /** assistant messages: function calls the assistant made (rendered before its content). */
  toolCalls?: readonly { name: string; arguments: string }[];
}

/** A harmony message (has `author`) or a plain one (has `role`). */
export type ChatMessage = PlainMessage | Message;

export interface FunctionTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters?: JsonValue;
  /** Arguments are sampled to match `parameters` exactly (default true); false: any JSON object. */
  strict?: boolean;
  /** Runs the call; its result goes back to the model in the same turn. Without one the turn ends with reason 'tool_call'. */
  handler?: (args: string, call: { callId: string; recipient: string }) => string | Promise<string>;
}

export interface ConversationOptions {
  reasoningEffort?: ReasoningEffort;
  /** Developer instructions, placed after any system/developer message contents. */
  instructions?: string;
  tools?: readonly FunctionTool[];
  /** Built-in tool namespaces for the system message (e.g. harmony's browser or python). */
  builtinTools?: readonly ToolNamespaceConfig[];
  /** YYYY-MM-DD; today (local time) by default. */
  conversationStartDate?: string;
  knowledgeCutoff?: string;
  modelIdentity?: string;
}

export function isHarmonyMessage(m: ChatMessage): m is Message {
  return typeof (m as Message).author === 'object' && (m as Message).author !== null;
}

export function today(): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The harmony conversation for a list of messages, as OpenAI's gpt-oss guidance maps chat
 * messages: the harmony system message carries identity, reasoning effort, knowledge cutoff,
 * conversation start date and built-in tools; every `system`/`developer` message's text (then
 * `instructions`) becomes the developer message's instructions, and function tools go there too.
 * Harmony messages pass through unchanged; a conversation that brings its own system message keeps it.
 */
export function toHarmonyConversation(messages: readonly ChatMessage[], options: ConversationOptions = {}): Message[] {
  if (options.conversationStartDate !== undefined && !DATE.test(options.conversationStartDate)) {
    throw new InvalidArgumentError(`conversationStartDate must be YYYY-MM-DD, got '${options.conversationStartDate}'`);
  }
  const instructions: string[] = [];
  const body: Message[] = [];
  let system: Message | undefined;
  let developer: Message | undefined;
  messages.forEach((m, i) => {
    if (isHarmonyMessage(m)) {
      if (m.author.role === 'system' && system === undefined && body.length === 0) system = m;
      else if (m.author.role === 'developer' && developer === undefined && body.length === 0) developer = m;
      else body.push(m);
      return;
    }
    if (typeof m !== 'object' || m === null || typeof m.content !== 'string') {
      throw new InvalidArgumentError(`messages[${i}]: expected {role, content: string} or a harmony message, got ${JSON.stringify(m)}`);
    }
    switch (m.role) {
      case 'system':
      case 'developer':
        if (m.content !== '') instructions.push(m.content);
        return;
      case 'user':
        body.push(message('user', m.content));
        return;
      case 'assistant':
        for (const call of m.toolCalls ?? []) body.push(toolCallMessage(functionRecipient(call.name), call.arguments));
        if (m.content !== '' || !m.toolCalls?.length) body.push(message('assistant', m.content, { channel: 'final' }));
        return;
      case 'tool':
        if (!m.name) throw new InvalidArgumentError(`messages[${i}]: a tool message needs the name of the function it answers`);
        body.push(toolResultMessage(functionRecipient(m.name), m.content));
        return;
      default:
        throw new InvalidArgumentError(
          `messages[${i}].role: expected system, developer, user, assistant or tool, got '${String((m as { role: unknown }).role)}'`,
        );
    }
  });
  if (options.instructions) instructions.push(options.instructions);

  const sys =
    system ??
    message(
      'system',
      systemContent({
        reasoningEffort: options.reasoningEffort ?? 'medium',
        conversationStartDate: options.conversationStartDate ?? today(),
        ...(options.knowledgeCutoff !== undefined ? { knowledgeCutoff: options.knowledgeCutoff } : {}),
        ...(options.modelIdentity !== undefined ? { modelIdentity: options.modelIdentity } : {}),
        ...(options.builtinTools ? { tools: options.builtinTools } : {}),
      }),
    );
  const functionTools: ToolDescription[] = (options.tools ?? []).map((t) => {
    const d: ToolDescription = { name: t.name, description: t.description };
    if (t.parameters !== undefined) d.parameters = t.parameters;
    return d;
  });
  let dev = developer;
  if (dev === undefined && (instructions.length > 0 || functionTools.length > 0)) {
    dev = message(
      'developer',
      developerContent({
        ...(instructions.length > 0 ? { instructions: instructions.join('\n\n') } : {}),
        ...(functionTools.length > 0 ? { functionTools } : {}),
      }),
    );
  } else if (dev !== undefined && (instructions.length > 0 || functionTools.length > 0)) {
    throw new InvalidArgumentError('a harmony developer message was given together with plain system/developer messages, instructions or tools: give one or the other');
  }
  return dev === undefined ? [sys, ...body] : [sys, dev, ...body];
}

/** `get_weather` -> `functions.get_weather`; an already qualified name is kept. */
export function functionRecipient(name: string): string {
  return name.includes('.') ? name : `functions.${name}`;
}

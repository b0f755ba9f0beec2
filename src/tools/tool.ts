import type { JsonValue, ToolNamespaceConfig } from '../harmony/index.js';

/**
 * A tool the model can call, as the chat loop sees it. Built-in tools (browser, python) are
 * harmony namespaces in the system message; function tools (apply_patch, your own) are
 * `functions.NAME` in the developer message. Both are answered by `call`, so built-in and custom
 * tools are registered the same way (see `toolChatOptions`).
 */
export interface Tool {
  /** The recipient prefix it answers: `browser` answers `browser.search`, `browser.open`, ... */
  readonly name: string;
  /** For built-in tools: the namespace rendered in the system message. */
  readonly namespace?: ToolNamespaceConfig;
  /** For function tools: rendered in the developer message as `functions.NAME`. */
  readonly functionTool?: { name: string; description: string; parameters?: JsonValue };
  /** Developer instructions that go with the tool (apply_patch's format description). */
  readonly instructions?: string;
  /** Answers one call; the string goes back to the model as the tool's message. Errors are answers too. */
  call(recipient: string, args: string, signal?: AbortSignal): Promise<string>;
  /** Forgets the conversation's state (pages, interpreter, ...): a new conversation starts. */
  reset?(): Promise<void> | void;
  dispose?(): Promise<void> | void;
}

/** The call as the engine reports it (structurally the engine's ToolCall). */
export interface ToolCallLike {
  callId: string;
  recipient: string;
  arguments: string;
}

/**
 * Chat options for a set of tools, to spread into the engine's ChatOptions:
 * `engine.chat(messages, { ...toolChatOptions(tools), reasoningEffort: 'low' })`.
 */
export interface ToolChatOptions {
  builtinTools: ToolNamespaceConfig[];
  tools: { name: string; description: string; parameters?: JsonValue; handler: (args: string) => Promise<string> }[];
  instructions?: string;
  onToolCall: (call: ToolCallLike) => Promise<string | undefined>;
}

export function toolChatOptions(tools: readonly Tool[], options: { signal?: AbortSignal; instructions?: string } = {}): ToolChatOptions {
  const builtinTools: ToolNamespaceConfig[] = [];
  const functions: ToolChatOptions['tools'] = [];
  const instructions: string[] = options.instructions ? [options.instructions] : [];
  for (const t of tools) {
    if (t.namespace) builtinTools.push(t.namespace);
    if (t.functionTool) {
      const recipient = `functions.${t.functionTool.name}`;
      functions.push({ ...t.functionTool, handler: (args) => t.call(recipient, args, options.signal) });
    }
    if (t.instructions) instructions.push(t.instructions);
  }
  const out: ToolChatOptions = {
    builtinTools,
    tools: functions,
    onToolCall: async (call) => {
      const tool = findTool(tools, call.recipient);
      return tool ? tool.call(call.recipient, call.arguments, options.signal) : undefined;
    },
  };
  if (instructions.length > 0) out.instructions = instructions.join('\n\n');
  return out;
}

/** The tool a recipient addresses: `browser.open` -> browser, `python` -> python. */
export function findTool(tools: readonly Tool[], recipient: string): Tool | undefined {
  return tools.find((t) => t.namespace !== undefined && (recipient === t.name || recipient.startsWith(`${t.name}.`)));
}

/** Arguments the model wrote as JSON: an object, or an error text to answer with. */
export function parseArgs(args: string): Record<string, JsonValue> | string {
  if (args.trim() === '') return {};
  try {
    const v = JSON.parse(args) as JsonValue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
    return `Invalid function arguments: expected a JSON object, got ${args.slice(0, 200)}`;
  } catch {
    return `Invalid function arguments: not JSON: ${args.slice(0, 200)}`;
  }
}

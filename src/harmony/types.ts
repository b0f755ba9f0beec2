/**
 * The harmony data model, as openai/harmony `src/chat.rs` defines it. Field names are the
 * snake_case names of harmony's JSON so that `json.ts` maps them one to one; an absent optional
 * field means "not set" (harmony's `None`).
 */
import { NAMED_SPECIALS } from '../tokenizer/specials.js';

export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Author {
  role: Role;
  /** For tool messages: the tool's name (e.g. `functions.get_weather`), which replaces the role. */
  name?: string;
}

export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export interface ChannelConfig {
  /** Channels the model is told it may write to; empty means the line is not rendered. */
  valid_channels: string[];
  channel_required: boolean;
}

export interface ToolDescription {
  name: string;
  description: string;
  /** A JSON Schema object, rendered as a TypeScript-like type; absent means a no-argument tool. */
  parameters?: JsonValue;
}

export interface ToolNamespaceConfig {
  name: string;
  description?: string;
  tools: ToolDescription[];
}

/** Namespaces keyed by name; harmony keeps them in a BTreeMap, so they render sorted by key. */
export type ToolNamespaces = Record<string, ToolNamespaceConfig>;

export interface TextContent {
  type: 'text';
  text: string;
}

export interface SystemContent {
  type: 'system_content';
  model_identity?: string;
  reasoning_effort?: ReasoningEffort;
  tools?: ToolNamespaces;
  conversation_start_date?: string;
  knowledge_cutoff?: string;
  channel_config?: ChannelConfig;
}

export interface DeveloperContent {
  type: 'developer_content';
  instructions?: string;
  tools?: ToolNamespaces;
}

export type Content = TextContent | SystemContent | DeveloperContent;

export interface Message {
  author: Author;
  /** A tool name for tool calls (`functions.get_weather`), `assistant` for tool results; absent means all. */
  recipient?: string;
  channel?: string;
  /** e.g. `<|constrain|>json` or `code`; a leading `<|constrain|>` is rendered as the special token. */
  content_type?: string;
  content: Content[];
}

export interface Conversation {
  messages: Message[];
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The harmony formatting tokens the renderer and parser use, by their o200k_harmony names. */
export const SPECIAL = {
  start: '<|start|>',
  message: '<|message|>',
  end: '<|end|>',
  return: '<|return|>',
  call: '<|call|>',
  channel: '<|channel|>',
  constrain: '<|constrain|>',
} as const;
export type SpecialTokenName = (typeof SPECIAL)[keyof typeof SPECIAL];

/** Token ids of o200k_harmony's formatting tokens, read from the tokenizer's one table of specials. */
export const TOKEN_IDS = Object.fromEntries(Object.values(SPECIAL).map((name) => [name, NAMED_SPECIALS[name]])) as {
  readonly [N in SpecialTokenName]: (typeof NAMED_SPECIALS)[N];
};

/** Tokens that end an assistant turn when sampling: `<|return|>` (done) and `<|call|>` (tool call). */
export const STOP_TOKENS_FOR_ASSISTANT_ACTIONS: readonly number[] = [TOKEN_IDS['<|return|>'], TOKEN_IDS['<|call|>']];
/** Tokens that end any message: the two above plus `<|end|>`. */
export const STOP_TOKENS: readonly number[] = [TOKEN_IDS['<|return|>'], TOKEN_IDS['<|call|>'], TOKEN_IDS['<|end|>']];

/**
 * harmony's JSON interchange: the serde form of openai-harmony's `Message`, `SystemContent`,
 * `DeveloperContent`, `ToolNamespaceConfig` and `ToolDescription` (src/chat.rs). Writing follows
 * the Rust serializer (author flattened into "role"/"name", a lone text part written as a plain
 * string, content parts tagged by "type", reasoning effort as "Low"/"Medium"/"High", unset
 * system/developer fields as null). Reading accepts that and what Python's `to_dict` writes
 * (content always a list, "name": null, unset fields left out): missing or null means not set.
 */
import { HarmonyJsonError } from './errors.js';
import {
  REASONING_EFFORTS,
  ROLES,
  isRole,
  type ChannelConfig,
  type Content,
  type Conversation,
  type DeveloperContent,
  type JsonValue,
  type Message,
  type ReasoningEffort,
  type SystemContent,
  type ToolDescription,
  type ToolNamespaceConfig,
  type ToolNamespaces,
} from './types.js';

type JsonObject = { [key: string]: JsonValue };

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
};

function expectObject(v: unknown, path: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HarmonyJsonError(path, `expected an object, got ${describe(v)}`);
  return v as JsonObject;
}

function optString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HarmonyJsonError(`${path}.${key}`, `expected a string or null, got ${describe(v)}`);
  return v;
}

function reqString(obj: JsonObject, key: string, path: string): string {
  const v = obj[key];
  if (v === undefined) throw new HarmonyJsonError(`${path}.${key}`, 'missing (a string is required)');
  if (typeof v !== 'string') throw new HarmonyJsonError(`${path}.${key}`, `expected a string, got ${describe(v)}`);
  return v;
}

function reqArray(obj: JsonObject, key: string, path: string): JsonValue[] {
  const v = obj[key];
  if (v === undefined) throw new HarmonyJsonError(`${path}.${key}`, 'missing (an array is required)');
  if (!Array.isArray(v)) throw new HarmonyJsonError(`${path}.${key}`, `expected an array, got ${describe(v)}`);
  return v;
}

function parseEffort(v: JsonValue | undefined, path: string): ReasoningEffort | undefined {
  if (v === undefined || v === null) return undefined;
  // serde writes "Low"/"Medium"/"High"; the lowercase spelling is accepted too.
  const lower = typeof v === 'string' ? v.toLowerCase() : undefined;
  if (lower === undefined || !(REASONING_EFFORTS as readonly string[]).includes(lower)) {
    throw new HarmonyJsonError(path, `expected "Low", "Medium" or "High", got ${describe(v)}`);
  }
  return lower as ReasoningEffort;
}

function parseToolDescription(v: JsonValue, path: string): ToolDescription {
  const o = expectObject(v, path);
  const tool: ToolDescription = { name: reqString(o, 'name', path), description: reqString(o, 'description', path) };
  const params = o['parameters'];
  if (params !== undefined && params !== null) tool.parameters = params;
  return tool;
}

function parseNamespace(v: JsonValue, path: string): ToolNamespaceConfig {
  const o = expectObject(v, path);
  const ns: ToolNamespaceConfig = {
    name: reqString(o, 'name', path),
    tools: reqArray(o, 'tools', path).map((t, i) => parseToolDescription(t, `${path}.tools[${i}]`)),
  };
  const description = optString(o, 'description', path);
  if (description !== undefined) ns.description = description;
  return ns;
}

function parseTools(v: JsonValue | undefined, path: string): ToolNamespaces | undefined {
  if (v === undefined || v === null) return undefined;
  const o = expectObject(v, path);
  const out: ToolNamespaces = {};
  for (const [key, ns] of Object.entries(o)) out[key] = parseNamespace(ns, `${path}.${key}`);
  return out;
}

function parseChannelConfig(v: JsonValue | undefined, path: string): ChannelConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const o = expectObject(v, path);
  const channels = reqArray(o, 'valid_channels', path).map((c, i) => {
    if (typeof c !== 'string') throw new HarmonyJsonError(`${path}.valid_channels[${i}]`, `expected a string, got ${describe(c)}`);
    return c;
  });
  const required = o['channel_required'];
  if (typeof required !== 'boolean') {
    throw new HarmonyJsonError(`${path}.channel_required`, required === undefined ? 'missing (true or false is required)' : `expected true or false, got ${describe(required)}`);
  }
  return { valid_channels: channels, channel_required: required };
}

export function systemContentFromJson(v: unknown, path = 'system_content'): SystemContent {
  const o = expectObject(v, path);
  const sys: SystemContent = { type: 'system_content' };
  const identity = optString(o, 'model_identity', path);
  if (identity !== undefined) sys.model_identity = identity;
  const effort = parseEffort(o['reasoning_effort'], `${path}.reasoning_effort`);
  if (effort !== undefined) sys.reasoning_effort = effort;
  const tools = parseTools(o['tools'], `${path}.tools`);
  if (tools !== undefined) sys.tools = tools;
  const date = optString(o, 'conversation_start_date', path);
  if (date !== undefined) sys.conversation_start_date = date;
  const cutoff = optString(o, 'knowledge_cutoff', path);
  if (cutoff !== undefined) sys.knowledge_cutoff = cutoff;
  const channels = parseChannelConfig(o['channel_config'], `${path}.channel_config`);
  if (channels !== undefined) sys.channel_config = channels;
  return sys;
}

export function developerContentFromJson(v: unknown, path = 'developer_content'): DeveloperContent {
  const o = expectObject(v, path);
  const dev: DeveloperContent = { type: 'developer_content' };
  const instructions = optString(o, 'instructions', path);
  if (instructions !== undefined) dev.instructions = instructions;
  const tools = parseTools(o['tools'], `${path}.tools`);
  if (tools !== undefined) dev.tools = tools;
  return dev;
}

export function contentFromJson(v: unknown, path = 'content'): Content {
  const o = expectObject(v, path);
  const type = o['type'];
  switch (type) {
    case 'text':
      return { type: 'text', text: reqString(o, 'text', path) };
    case 'system_content':
      return systemContentFromJson(o, path);
    case 'developer_content':
      return developerContentFromJson(o, path);
    default:
      throw new HarmonyJsonError(`${path}.type`, `expected "text", "system_content" or "developer_content", got ${describe(type)}`);
  }
}

export function messageFromJson(v: unknown, path = 'message'): Message {
  const o = expectObject(v, path);
  const role = o['role'];
  if (role === undefined) throw new HarmonyJsonError(`${path}.role`, `missing (one of ${ROLES.join(', ')})`);
  if (!isRole(role)) {
    const shown = typeof role === 'string' ? `'${role}'` : describe(role);
    throw new HarmonyJsonError(`${path}.role`, `unknown role ${shown} (expected one of ${ROLES.join(', ')})`);
  }
  const raw = o['content'];
  let content: Content[];
  if (typeof raw === 'string') content = [{ type: 'text', text: raw }];
  else if (Array.isArray(raw)) content = raw.map((c, i) => contentFromJson(c, `${path}.content[${i}]`));
  else if (raw === undefined) throw new HarmonyJsonError(`${path}.content`, 'missing (a string or a list of content parts is required)');
  else throw new HarmonyJsonError(`${path}.content`, `expected a string or a list of content parts, got ${describe(raw)}`);
  const name = optString(o, 'name', path);
  const msg: Message = { author: name === undefined ? { role } : { role, name }, content };
  const recipient = optString(o, 'recipient', path);
  if (recipient !== undefined) msg.recipient = recipient;
  const channel = optString(o, 'channel', path);
  if (channel !== undefined) msg.channel = channel;
  const contentType = optString(o, 'content_type', path);
  if (contentType !== undefined) msg.content_type = contentType;
  return msg;
}

export function conversationFromJson(v: unknown, path = 'conversation'): Conversation {
  const o = expectObject(v, path);
  const messages = o['messages'];
  if (!Array.isArray(messages)) {
    throw new HarmonyJsonError(`${path}.messages`, messages === undefined ? 'missing (a list of messages is required)' : `expected a list of messages, got ${describe(messages)}`);
  }
  return { messages: messages.map((m, i) => messageFromJson(m, `messages[${i}]`)) };
}

/** Parses harmony JSON text; a syntax error names the input. */
/** Deeper JSON than any conversation needs; past it recursive walks (and JSON.stringify) would overflow the stack. */
export const MAX_JSON_DEPTH = 512;

/** Character offset where `text` first nests arrays/objects deeper than `max` (outside strings), or -1. */
function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

export function parseJsonText(text: string, what: string): unknown {
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) throw new HarmonyJsonError(what, `JSON nested deeper than ${MAX_JSON_DEPTH} levels (at character ${deep})`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HarmonyJsonError(what, `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

// ---- writing: the Rust serializer's field order and null handling ----

const EFFORT_JSON: Record<ReasoningEffort, string> = { low: 'Low', medium: 'Medium', high: 'High' };

function toolDescriptionToJson(t: ToolDescription): JsonObject {
  return { name: t.name, description: t.description, parameters: t.parameters ?? null };
}

function namespacesToJson(tools: ToolNamespaces | undefined): JsonValue {
  if (tools === undefined) return null;
  const out: JsonObject = {};
  for (const [key, ns] of Object.entries(tools)) {
    out[key] = { name: ns.name, description: ns.description ?? null, tools: ns.tools.map(toolDescriptionToJson) };
  }
  return out;
}

export function contentToJson(c: Content): JsonObject {
  switch (c.type) {
    case 'text':
      return { type: 'text', text: c.text };
    case 'system_content':
      return {
        type: 'system_content',
        model_identity: c.model_identity ?? null,
        reasoning_effort: c.reasoning_effort === undefined ? null : EFFORT_JSON[c.reasoning_effort],
        tools: namespacesToJson(c.tools),
        conversation_start_date: c.conversation_start_date ?? null,
        knowledge_cutoff: c.knowledge_cutoff ?? null,
        channel_config: c.channel_config === undefined ? null : { valid_channels: [...c.channel_config.valid_channels], channel_required: c.channel_config.channel_required },
      };
    case 'developer_content':
      return { type: 'developer_content', instructions: c.instructions ?? null, tools: namespacesToJson(c.tools) };
  }
}

export function messageToJson(m: Message): JsonObject {
  const out: JsonObject = { role: m.author.role };
  if (m.author.name !== undefined) out['name'] = m.author.name;
  if (m.recipient !== undefined) out['recipient'] = m.recipient;
  const only = m.content.length === 1 ? m.content[0] : undefined;
  out['content'] = only !== undefined && only.type === 'text' ? only.text : m.content.map(contentToJson);
  if (m.channel !== undefined) out['channel'] = m.channel;
  if (m.content_type !== undefined) out['content_type'] = m.content_type;
  return out;
}

export function conversationToJson(c: Conversation | readonly Message[]): JsonObject {
  const messages = Array.isArray(c) ? (c as readonly Message[]) : (c as Conversation).messages;
  return { messages: messages.map(messageToJson) };
}

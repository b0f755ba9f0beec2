/**
 * Constructors mirroring harmony's Rust/Python builders (`SystemContent::new()`,
 * `Message::from_role_and_content`, `ToolNamespaceConfig::browser()`, ...), so conversations
 * from harmony's tests and docs can be rebuilt here line for line.
 */
import type {
  Author,
  ChannelConfig,
  Content,
  Conversation,
  DeveloperContent,
  Message,
  ReasoningEffort,
  Role,
  SystemContent,
  ToolDescription,
  ToolNamespaceConfig,
  JsonValue,
} from './types.js';

export const DEFAULT_MODEL_IDENTITY = 'You are ChatGPT, a large language model trained by OpenAI.';
export const DEFAULT_KNOWLEDGE_CUTOFF = '2024-06';
export const DEFAULT_CHANNELS: readonly string[] = ['analysis', 'commentary', 'final'];

export interface SystemContentOptions {
  /** `null` leaves the field unset (harmony's `None`); `undefined` takes harmony's default. */
  modelIdentity?: string | null;
  reasoningEffort?: ReasoningEffort | null;
  conversationStartDate?: string | null;
  knowledgeCutoff?: string | null;
  /** Required channels; `null` leaves channel_config unset. */
  requiredChannels?: readonly string[] | null;
  channelConfig?: ChannelConfig | null;
  /** Built-in tool namespaces to add (browser, python, or your own). */
  tools?: readonly ToolNamespaceConfig[];
}

function pick<T>(value: T | null | undefined, fallback: T | undefined): T | undefined {
  if (value === null) return undefined;
  return value === undefined ? fallback : value;
}

/** harmony's `SystemContent::new()` (identity, medium effort, cutoff 2024-06, three required channels) plus overrides. */
export function systemContent(options: SystemContentOptions = {}): SystemContent {
  const sys: SystemContent = { type: 'system_content' };
  const identity = pick(options.modelIdentity, DEFAULT_MODEL_IDENTITY);
  if (identity !== undefined) sys.model_identity = identity;
  const effort = pick(options.reasoningEffort, 'medium');
  if (effort !== undefined) sys.reasoning_effort = effort;
  const date = pick(options.conversationStartDate, undefined);
  if (date !== undefined) sys.conversation_start_date = date;
  const cutoff = pick(options.knowledgeCutoff, DEFAULT_KNOWLEDGE_CUTOFF);
  if (cutoff !== undefined) sys.knowledge_cutoff = cutoff;
  let channels: ChannelConfig | undefined;
  if (options.channelConfig !== undefined) channels = options.channelConfig ?? undefined;
  else if (options.requiredChannels === null) channels = undefined;
  else channels = requireChannels(options.requiredChannels ?? DEFAULT_CHANNELS);
  if (channels !== undefined) sys.channel_config = channels;
  for (const ns of options.tools ?? []) addTools(sys, ns);
  return sys;
}

export function requireChannels(channels: readonly string[]): ChannelConfig {
  return { valid_channels: [...channels], channel_required: true };
}

export interface DeveloperContentOptions {
  instructions?: string;
  /** Function tools, rendered as `namespace functions { ... }`. */
  functionTools?: readonly ToolDescription[];
  tools?: readonly ToolNamespaceConfig[];
}

export function developerContent(options: DeveloperContentOptions = {}): DeveloperContent {
  const dev: DeveloperContent = { type: 'developer_content' };
  if (options.instructions !== undefined) dev.instructions = options.instructions;
  for (const ns of options.tools ?? []) addTools(dev, ns);
  if (options.functionTools !== undefined) addTools(dev, functionsNamespace(options.functionTools));
  return dev;
}

/** harmony's `with_tools`: inserts (or replaces) a namespace under its name. */
export function addTools<T extends SystemContent | DeveloperContent>(content: T, ns: ToolNamespaceConfig): T {
  content.tools = { ...(content.tools ?? {}), [ns.name]: ns };
  return content;
}

export function functionsNamespace(tools: readonly ToolDescription[]): ToolNamespaceConfig {
  return { name: 'functions', tools: [...tools] };
}

export function toolDescription(name: string, description: string, parameters?: JsonValue): ToolDescription {
  const tool: ToolDescription = { name, description };
  if (parameters !== undefined) tool.parameters = parameters;
  return tool;
}

export interface MessageOptions {
  name?: string;
  channel?: string;
  recipient?: string;
  contentType?: string;
}

/** harmony's `Message::from_role_and_content` with `with_channel` / `with_recipient` / `with_content_type`. */
export function message(role: Role, content: string | Content | readonly Content[], options: MessageOptions = {}): Message {
  const author: Author = options.name === undefined ? { role } : { role, name: options.name };
  const parts: Content[] =
    typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? [...(content as readonly Content[])] : [content as Content];
  const msg: Message = { author, content: parts };
  if (options.recipient !== undefined) msg.recipient = options.recipient;
  if (options.channel !== undefined) msg.channel = options.channel;
  if (options.contentType !== undefined) msg.content_type = options.contentType;
  return msg;
}

export function systemMessage(content: SystemContent = systemContent()): Message {
  return message('system', content);
}

export function developerMessage(content: DeveloperContent): Message {
  return message('developer', content);
}

export function userMessage(text: string): Message {
  return message('user', text);
}

export function assistantMessage(text: string, channel?: string): Message {
  return message('assistant', text, channel === undefined ? {} : { channel });
}

/** An assistant tool call: `<|start|>assistant to=functions.x<|channel|>commentary <|constrain|>json<|message|>...<|call|>`. */
export function toolCallMessage(
  recipient: string,
  args: string,
  options: { channel?: string; contentType?: string } = {},
): Message {
  return message('assistant', args, {
    recipient,
    channel: options.channel ?? 'commentary',
    contentType: options.contentType ?? '<|constrain|>json',
  });
}

/** A tool's result, authored by the tool: `<|start|>functions.x to=assistant<|channel|>commentary<|message|>...`. */
export function toolResultMessage(toolName: string, output: string, options: { channel?: string | null } = {}): Message {
  const channel = options.channel === undefined ? 'commentary' : options.channel;
  return message('tool', output, channel === null ? { name: toolName, recipient: 'assistant' } : { name: toolName, recipient: 'assistant', channel });
}

export function conversation(messages: readonly Message[]): Conversation {
  return { messages: [...messages] };
}

/** harmony's `ToolNamespaceConfig::browser()`, with its official description. */
export function browserToolNamespace(): ToolNamespaceConfig {
  return {
    name: 'browser',
    description:
      'Tool for browsing.\nThe `cursor` appears in brackets before each browsing display: `[{cursor}]`.\nCite information from the tool using the following format:\n`【{cursor}†L{line_start}(-L{line_end})?】`, for example: `【6†L9-L11】` or `【8†L3】`.\nDo not quote more than 10 words directly from the tool output.\nsources=web (default: web)',
    tools: [
      {
        name: 'search',
        description: 'Searches for information related to `query` and displays `topn` results.',
        parameters: {
          type: 'object',
          properties: {
            query: { type: 'string' },
            topn: { type: 'number', default: 10 },
            source: { type: 'string' },
          },
          required: ['query'],
        },
      },
      {
        name: 'open',
        description:
          'Opens the link `id` from the page indicated by `cursor` starting at line number `loc`, showing `num_lines` lines.\nValid link ids are displayed with the formatting: `【{id}†.*】`.\nIf `cursor` is not provided, the most recent page is implied.\nIf `id` is a string, it is treated as a fully qualified URL associated with `source`.\nIf `loc` is not provided, the viewport will be positioned at the beginning of the document or centered on the most relevant passage, if available.\nUse this function without `id` to scroll to a new location of an opened page.',
        parameters: {
          type: 'object',
          properties: {
            id: { type: ['number', 'string'], default: -1 },
            cursor: { type: 'number', default: -1 },
            loc: { type: 'number', default: -1 },
            num_lines: { type: 'number', default: -1 },
            view_source: { type: 'boolean', default: false },
            source: { type: 'string' },
          },
        },
      },
      {
        name: 'find',
        description: 'Finds exact matches of `pattern` in the current page, or the page given by `cursor`.',
        parameters: {
          type: 'object',
          properties: {
            pattern: { type: 'string' },
            cursor: { type: 'number', default: -1 },
          },
          required: ['pattern'],
        },
      },
    ],
  };
}

/** harmony's `ToolNamespaceConfig::python()`, with its official description. */
export function pythonToolNamespace(): ToolNamespaceConfig {
  return {
    name: 'python',
    description:
      "Use this tool to execute Python code in your chain of thought. The code will not be shown to the user. This tool should be used for internal reasoning, but not for code that is intended to be visible to the user (e.g. when creating plots, tables, or files).\n\nWhen you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment. python will respond with the output of the execution or time out after 120.0 seconds. The drive at '/mnt/data' can be used to save and persist user files. Internet access for this session is UNKNOWN. Depends on the cluster.",
    tools: [],
  };
}

/**
 * Structured output (harmony docs/format.md "Structured output"): harmony's data model has no
 * field for it, so the `# Response Formats` section travels as a text part placed after the
 * developer content: `message('developer', [developerContent(...), responseFormatContent(...)])`.
 * It renders identically in openai-harmony, so the JSON stays interchangeable.
 */
export function responseFormatContent(name: string, schema: JsonValue, description?: string): Content {
  const comment = description === undefined ? '' : `// ${description}\n`;
  return { type: 'text', text: `\n\n# Response Formats\n\n## ${name}\n\n${comment}${JSON.stringify(schema)}` };
}

/**
 * Conversation -> tokens, as openai/harmony `src/encoding.rs` renders it. Rendering first builds
 * a list of pieces, each a special token or a run of text, and only then tokenizes each text run
 * on its own: user text containing "<|start|>" stays text, and BPE never merges across the
 * boundaries harmony keeps (role, " to=...", channel, each content part).
 */
import type { Tokenizer } from '../tokenizer/types.js';
import { defaultTokenizer } from './default-tokenizer.js';
import { HarmonyRenderError } from './errors.js';
import { renderToolsSection } from './tools-render.js';
import {
  SPECIAL,
  type Content,
  type Conversation,
  type DeveloperContent,
  type Message,
  type Role,
  type SpecialTokenName,
  type SystemContent,
} from './types.js';

export interface SpecialPiece {
  readonly special: SpecialTokenName;
}
export type RenderPiece = SpecialPiece | string;

export interface RenderConversationOptions {
  /**
   * Drop analysis messages that come before the first `final` message, when the last assistant
   * message is on the final channel (harmony's `auto_drop_analysis`). Default true, as in
   * openai-harmony's Python API.
   */
  autoDropAnalysis?: boolean;
  tokenizer?: Tokenizer;
}

export interface RenderMessageOptions {
  /** Adds the "Calls to these tools must go to the commentary channel" line to the system message. */
  conversationHasFunctionTools?: boolean;
  tokenizer?: Tokenizer;
}

const sp = (special: SpecialTokenName): SpecialPiece => ({ special });

export function isSpecialPiece(p: RenderPiece): p is SpecialPiece {
  return typeof p !== 'string';
}

function messagesOf(conv: Conversation | readonly Message[]): readonly Message[] {
  return Array.isArray(conv) ? (conv as readonly Message[]) : (conv as Conversation).messages;
}

function renderSystemContent(sys: SystemContent, hasFunctionTools: boolean): string {
  const sections: string[] = [];
  const top: string[] = [];
  if (sys.model_identity !== undefined) top.push(sys.model_identity);
  if (sys.knowledge_cutoff !== undefined) top.push(`Knowledge cutoff: ${sys.knowledge_cutoff}`);
  if (sys.conversation_start_date !== undefined) top.push(`Current date: ${sys.conversation_start_date}`);
  if (top.length > 0) sections.push(top.join('\n'));
  if (sys.reasoning_effort !== undefined) sections.push(`Reasoning: ${sys.reasoning_effort}`);
  if (sys.tools !== undefined && Object.keys(sys.tools).length > 0) sections.push(renderToolsSection(sys.tools));
  const cc = sys.channel_config;
  if (cc !== undefined && cc.valid_channels.length > 0) {
    let header = `# Valid channels: ${cc.valid_channels.join(', ')}.`;
    if (cc.channel_required) header += ' Channel must be included for every message.';
    if (hasFunctionTools) header += "\nCalls to these tools must go to the commentary channel: 'functions'.";
    sections.push(header);
  }
  return sections.join('\n\n');
}

function renderDeveloperContent(dev: DeveloperContent): string {
  const sections: string[] = [];
  if (dev.instructions !== undefined) sections.push('# Instructions', dev.instructions);
  if (dev.tools !== undefined && Object.keys(dev.tools).length > 0) sections.push(renderToolsSection(dev.tools));
  return sections.join('\n\n');
}

function renderContent(content: Content, role: Role, hasFunctionTools: boolean): string {
  switch (content.type) {
    case 'text':
      return content.text;
    case 'system_content':
      if (role !== 'system') throw new HarmonyRenderError(`SystemContent may only appear in system messages, found in a ${role} message`);
      return renderSystemContent(content, hasFunctionTools);
    case 'developer_content':
      if (role !== 'developer') {
        throw new HarmonyRenderError(`DeveloperContent may only appear in developer messages, found in a ${role} message`);
      }
      return renderDeveloperContent(content);
  }
}

/** One message as pieces: `<|start|>header<|message|>content<|end|>` (or `<|call|>` for an assistant tool call). */
export function renderMessagePieces(msg: Message, options: RenderMessageOptions = {}): RenderPiece[] {
  const out: RenderPiece[] = [sp(SPECIAL.start)];
  const { role, name } = msg.author;
  if (role === 'tool') {
    // A tool's message is authored by the tool's name alone (e.g. "functions.get_weather").
    if (name === undefined) throw new HarmonyRenderError('a tool message needs author.name (the tool, e.g. "functions.get_weather")');
    out.push(name);
  } else {
    out.push(role);
    if (name !== undefined) out.push(`:${name}`);
  }
  if (msg.recipient !== undefined && msg.recipient !== 'all') out.push(` to=${msg.recipient}`);
  if (msg.channel !== undefined) out.push(sp(SPECIAL.channel), msg.channel);
  if (msg.content_type !== undefined) {
    if (msg.content_type.startsWith(SPECIAL.constrain)) {
      const rest = msg.content_type.slice(SPECIAL.constrain.length);
      out.push(' ', sp(SPECIAL.constrain));
      if (rest !== '') out.push(rest);
    } else {
      out.push(` ${msg.content_type}`);
    }
  }
  out.push(sp(SPECIAL.message));
  const hasFunctionTools = options.conversationHasFunctionTools ?? false;
  for (const c of msg.content) out.push(renderContent(c, role, hasFunctionTools));
  out.push(sp(role === 'assistant' && msg.recipient !== undefined ? SPECIAL.call : SPECIAL.end));
  return out;
}

function hasFunctionTools(messages: readonly Message[]): boolean {
  return messages.some((m) =>
    m.content.some((c) => c.type === 'developer_content' && (c.tools?.['functions']?.tools.length ?? 0) > 0),
  );
}

/** The messages harmony keeps: earlier analysis is dropped once the assistant has answered on `final`. */
export function messagesToRender(messages: readonly Message[], autoDropAnalysis: boolean): Message[] {
  const keep = keptMessageFlags(messages, autoDropAnalysis);
  return messages.filter((_, i) => keep[i]);
}

function keptMessageFlags(messages: readonly Message[], autoDropAnalysis: boolean): boolean[] {
  let lastAssistantIsFinal = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== undefined && m.author.role === 'assistant') {
      lastAssistantIsFinal = m.channel === 'final';
      break;
    }
  }
  const shouldDrop = autoDropAnalysis && lastAssistantIsFinal;
  const firstFinal = messages.findIndex((m) => m.channel === 'final');
  return messages.map((m, i) => !(shouldDrop && firstFinal >= 0 && i < firstFinal && m.channel === 'analysis'));
}

export function renderConversationPieces(conv: Conversation | readonly Message[], options: RenderConversationOptions = {}): RenderPiece[] {
  const messages = messagesOf(conv);
  const renderOptions: RenderMessageOptions = { conversationHasFunctionTools: hasFunctionTools(messages) };
  const out: RenderPiece[] = [];
  const keep = keptMessageFlags(messages, options.autoDropAnalysis ?? true);
  messages.forEach((m, i) => {
    if (!keep[i]) return;
    try {
      out.push(...renderMessagePieces(m, renderOptions));
    } catch (e) {
      if (e instanceof HarmonyRenderError) throw new HarmonyRenderError(`message ${i} (${m.author.role}): ${e.message}`);
      throw e;
    }
  });
  return out;
}

export function renderConversationForCompletionPieces(
  conv: Conversation | readonly Message[],
  nextRole: Role = 'assistant',
  options: RenderConversationOptions = {},
): RenderPiece[] {
  return [...renderConversationPieces(conv, options), sp(SPECIAL.start), nextRole];
}

export function renderConversationForTrainingPieces(conv: Conversation | readonly Message[], options: RenderConversationOptions = {}): RenderPiece[] {
  const messages = messagesOf(conv);
  const out = renderConversationPieces(messages, options);
  const last = messages[messages.length - 1];
  // The trained-on final answer ends the sample with <|return|>, as the model emits it.
  if (last !== undefined && last.author.role === 'assistant' && last.channel === 'final' && out.length > 0) {
    out[out.length - 1] = sp(SPECIAL.return);
  }
  return out;
}

export function piecesToTokens(pieces: readonly RenderPiece[], tokenizer: Tokenizer = defaultTokenizer()): number[] {
  const out: number[] = [];
  for (const p of pieces) {
    if (typeof p === 'string') {
      for (const t of tokenizer.encode(p)) out.push(t);
    } else {
      out.push(tokenizer.specialId(p.special));
    }
  }
  return out;
}

/** Pieces as text, special tokens spelled by name (what decoding the tokens gives). */
export function piecesToText(pieces: readonly RenderPiece[]): string {
  return pieces.map((p) => (typeof p === 'string' ? p : p.special)).join('');
}

/** Tokens to prefill before sampling `nextRole`'s turn: the conversation then `<|start|>assistant`. */
export function renderConversationForCompletion(
  conv: Conversation | readonly Message[],
  nextRole: Role = 'assistant',
  options: RenderConversationOptions = {},
): number[] {
  return piecesToTokens(renderConversationForCompletionPieces(conv, nextRole, options), options.tokenizer);
}

export function renderConversationForTraining(conv: Conversation | readonly Message[], options: RenderConversationOptions = {}): number[] {
  return piecesToTokens(renderConversationForTrainingPieces(conv, options), options.tokenizer);
}

export function renderConversation(conv: Conversation | readonly Message[], options: RenderConversationOptions = {}): number[] {
  return piecesToTokens(renderConversationPieces(conv, options), options.tokenizer);
}

export function renderMessage(msg: Message, options: RenderMessageOptions = {}): number[] {
  return piecesToTokens(renderMessagePieces(msg, options), options.tokenizer);
}

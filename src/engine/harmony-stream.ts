import { isGptOssError } from '../core/errors.js';
import { StreamableParser, type Message } from '../harmony/index.js';
import type { Tokenizer } from '../tokenizer/types.js';

export type RoutedDelta =
  | { kind: 'reasoning'; delta: string }
  | { kind: 'text'; delta: string; channel: string }
  /** Argument text of a tool call in progress (the call itself is reported when it completes). */
  | { kind: 'tool_args'; delta: string; recipient: string };

/**
 * harmony's StreamableParser fed one sampled token at a time, with each new piece of message text
 * routed by channel: analysis -> reasoning, a recipient -> tool arguments, anything else -> text
 * (final, or a commentary preamble). Output harmony rejects (a random-weight model's, say) does not
 * end the turn: the parser restarts at the next `<|start|>` and the messages read so far are kept.
 */
export class HarmonyStream {
  private parser: StreamableParser;
  private readonly done: Message[] = [];
  /** Tokens harmony rejected (the parser restarted after each). */
  parseErrors = 0;

  constructor(private readonly tokenizer: Tokenizer) {
    this.parser = this.newParser('assistant');
  }

  /** The index of the message the next token belongs to, among this stream's messages. */
  get messageIndex(): number {
    return this.done.length + this.parser.messages.length;
  }

  /** Inside an analysis message without a recipient: content tokens here are reasoning. */
  get inReasoning(): boolean {
    const s = this.parser.state;
    return s.kind === 'content' && s.header.channel === 'analysis' && (s.header.recipient === undefined || s.header.recipient === 'all');
  }

  push(token: number): RoutedDelta | undefined {
    const before = this.parser.state;
    const prevLen = before.kind === 'content' ? before.content.length : -1;
    try {
      this.parser.process(token);
    } catch (e) {
      if (!isGptOssError(e) || e.code !== 'parse_error') throw e;
      this.restart();
      return undefined;
    }
    const after = this.parser.state;
    if (after.kind !== 'content') return undefined;
    // Same message as before the token: the new text is what was appended; a new message: all of it.
    const delta = after === before && prevLen >= 0 ? after.content.slice(prevLen) : after.content;
    if (delta === '') return undefined;
    const { channel, recipient } = after.header;
    if (recipient !== undefined && recipient !== 'all') return { kind: 'tool_args', delta, recipient };
    if (channel === 'analysis') return { kind: 'reasoning', delta };
    return { kind: 'text', delta, channel: channel ?? 'final' };
  }

  /** Completed messages; `eos` completes one cut off without a stop token (max tokens, abort). */
  finish(eos: boolean): Message[] {
    if (eos) {
      try {
        this.parser.processEos();
      } catch (e) {
        if (!isGptOssError(e) || e.code !== 'parse_error') throw e;
      }
    }
    return [...this.done, ...this.parser.messages];
  }

  private restart(): void {
    this.parseErrors++;
    this.done.push(...this.parser.messages);
    this.parser = this.newParser(null);
  }

  private newParser(role: 'assistant' | null): StreamableParser {
    return new StreamableParser(role, { strict: false, tokenizer: this.tokenizer });
  }
}

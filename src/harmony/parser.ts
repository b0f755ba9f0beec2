/**
 * Model output -> messages, one token at a time: a port of harmony's `StreamableParser`
 * (openai/harmony `src/encoding.rs`), state for state, including how it waits for split UTF-8
 * characters and where it puts U+FFFD, so that deltas and messages match harmony's exactly.
 */
import type { Tokenizer } from '../tokenizer/types.js';
import { defaultTokenizer } from './default-tokenizer.js';
import { HarmonyParseError } from './errors.js';
import { SPECIAL, isRole, type Author, type Message, type Role } from './types.js';
import { checkUtf8, concatBytes, decodeLossy, decodeStrict } from './utf8.js';

const REPLACEMENT = '\uFFFD';

export interface ParsedHeader {
  author: Author;
  recipient?: string;
  channel?: string;
  content_type?: string;
}

export type StreamState =
  | { readonly kind: 'expect_start' }
  | { readonly kind: 'header'; readonly headerTokens: number[] }
  | { readonly kind: 'content'; readonly header: ParsedHeader; content: string };

export interface ParseOptions {
  /** Strict (default) raises on a header without `<|message|>`; non-strict recovers its text as harmony does. */
  strict?: boolean;
  tokenizer?: Tokenizer;
}

// Rust's char::is_whitespace (Unicode White_Space) and u8::is_ascii_whitespace.
const RUST_WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const CHANNEL_END = new RegExp(`[${RUST_WS}<]`, 'u');
const TRIM = new RegExp(`^[${RUST_WS}]+|[${RUST_WS}]+$`, 'gu');
const ASCII_WS = /[ \t\n\f\r]+/;

const rustTrim = (s: string): string => s.replace(TRIM, '');

/** Rust's `{:?}` of an `Option<String>`, for harmony's error text. */
const debugSome = (s: string): string => `Some(${JSON.stringify(s)})`;

export class StreamableParser {
  private readonly tokenizer: Tokenizer;
  private readonly strict: boolean;
  private readonly stopTokens: ReadonlySet<number>;
  private readonly startId: number;
  private readonly messageId: number;
  private nextRole: Role | undefined;
  private stateValue: StreamState;
  private readonly tokenList: number[] = [];
  private readonly messageList: Message[] = [];
  private delta: string | undefined;
  private undecodedTokens: number[] = [];
  private undecodedBytes: Uint8Array = new Uint8Array(0);

  /** `role`: the role the prompt already opened (`<|start|>assistant`), or null/undefined when output starts at `<|start|>`. */
  constructor(role?: Role | null, options: ParseOptions = {}) {
    this.tokenizer = options.tokenizer ?? defaultTokenizer();
    this.strict = options.strict ?? true;
    const id = (name: string): number => this.tokenizer.specialId(name);
    this.stopTokens = new Set([id(SPECIAL.return), id(SPECIAL.call), id(SPECIAL.end)]);
    this.startId = id(SPECIAL.start);
    this.messageId = id(SPECIAL.message);
    if (role === undefined || role === null) {
      this.stateValue = { kind: 'expect_start' };
    } else {
      this.nextRole = role;
      this.stateValue = { kind: 'header', headerTokens: [] };
    }
  }

  /** Feed one sampled token. Throws HarmonyParseError where harmony raises. */
  process(token: number): this {
    this.step(token);
    return this;
  }

  /** End of stream: completes a message cut off without a stop token. */
  processEos(): this {
    this.step(undefined);
    return this;
  }

  get state(): StreamState {
    return this.stateValue;
  }
  /** Every token fed so far. */
  get tokens(): readonly number[] {
    return this.tokenList;
  }
  /** Messages completed so far. */
  get messages(): readonly Message[] {
    return this.messageList;
  }
  /** Text completed by the last token (undefined when it completed none, e.g. half a character). */
  get lastContentDelta(): string | undefined {
    return this.delta;
  }
  get currentContent(): string {
    return this.stateValue.kind === 'content' ? this.stateValue.content : '';
  }
  get currentRole(): Role | undefined {
    return this.stateValue.kind === 'content' ? this.stateValue.header.author.role : this.nextRole;
  }
  get currentChannel(): string | undefined {
    return this.stateValue.kind === 'content' ? this.stateValue.header.channel : undefined;
  }
  get currentRecipient(): string | undefined {
    return this.stateValue.kind === 'content' ? this.stateValue.header.recipient : undefined;
  }
  get currentContentType(): string | undefined {
    return this.stateValue.kind === 'content' ? this.stateValue.header.content_type : undefined;
  }

  private fail(message: string, partialText = ''): never {
    throw new HarmonyParseError(message, [...this.tokenList], partialText);
  }

  private tokenBytes(id: number): Uint8Array | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokenizer.vocabSize) return undefined;
    return this.tokenizer.tokenBytes(id);
  }

  /** harmony's `decode_bytes`: undefined if any id is not in the vocabulary. */
  private decodeBytes(ids: readonly number[]): Uint8Array | undefined {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      const b = this.tokenBytes(id);
      if (b === undefined) return undefined;
      parts.push(b);
      total += b.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private step(token: number | undefined): void {
    if (token !== undefined) this.tokenList.push(token);
    const state = this.stateValue;
    switch (state.kind) {
      case 'expect_start':
        // EOS here is fine: the last message already ended with a stop token.
        if (token === undefined) return;
        if (token !== this.startId) this.fail(`Unexpected token ${token} while expecting start token ${this.startId}`);
        this.stateValue = { kind: 'header', headerTokens: [] };
        return;
      case 'header':
        this.stepHeader(state.headerTokens, token);
        return;
      case 'content':
        this.stepContent(state, token);
        return;
    }
  }

  private stepHeader(headerTokens: number[], token: number | undefined): void {
    if (token === undefined) this.fail('Unexpected EOS while waiting for message header to complete', this.headerText(headerTokens));
    if (token === this.messageId) {
      this.stateValue = { kind: 'expect_start' };
      const header = this.parseHeaderFromTokens(headerTokens, this.nextRole);
      this.nextRole = undefined;
      this.stateValue = { kind: 'content', header, content: '' };
      return;
    }
    if (!this.strict && this.stopTokens.has(token)) {
      // A header that never reached <|message|>: recover its words as the message text.
      const role = this.nextRole;
      if (role !== undefined && headerTokens.length > 0) {
        const bytes = this.decodeBytes(headerTokens);
        const decoded = bytes === undefined ? undefined : decodeStrict(bytes);
        if (decoded === undefined) this.fail('could not decode header: invalid token or invalid UTF-8', this.headerText(headerTokens));
        const [header, rest] = this.parseHeaderFromString(decoded, role, false);
        this.messageList.push(messageFrom(header, rest ?? ''));
      }
      this.stateValue = { kind: 'expect_start' };
      this.nextRole = undefined;
      return;
    }
    headerTokens.push(token);
  }

  private stepContent(state: { header: ParsedHeader; content: string }, token: number | undefined): void {
    if (token !== undefined && !this.stopTokens.has(token)) {
      this.undecodedTokens.push(token);
      const bytes = this.decodeBytes(this.undecodedTokens);
      if (bytes === undefined) {
        // An id outside the vocabulary: hold it (and what follows) until EOS, as harmony does.
        this.delta = undefined;
        return;
      }
      this.undecodedBytes = concatBytes(this.undecodedBytes, bytes);
      this.undecodedTokens = [];
      const check = checkUtf8(this.undecodedBytes);
      if (check.valid) {
        const text = decodeLossy(this.undecodedBytes);
        state.content += text;
        this.delta = text;
        this.undecodedBytes = new Uint8Array(0);
        return;
      }
      let delta = '';
      if (check.validUpTo > 0) {
        const valid = decodeLossy(this.undecodedBytes.subarray(0, check.validUpTo));
        state.content += valid;
        delta += valid;
        this.undecodedBytes = this.undecodedBytes.slice(check.validUpTo);
      }
      if (check.errorLen !== undefined) {
        state.content += REPLACEMENT;
        delta += REPLACEMENT;
        this.undecodedBytes = this.undecodedBytes.slice(check.errorLen);
      } else {
        this.delta = undefined; // waiting for the rest of a character
      }
      if (delta !== '') this.delta = delta;
      return;
    }
    // A stop token or EOS completes the message; pending bytes are flushed with U+FFFD.
    let tokensText = '';
    if (this.undecodedTokens.length > 0) {
      const bytes = this.decodeBytes(this.undecodedTokens);
      const text = bytes === undefined ? undefined : decodeStrict(bytes);
      tokensText = text ?? REPLACEMENT;
    }
    const text = state.content + tokensText + decodeLossy(this.undecodedBytes);
    this.messageList.push(messageFrom(state.header, text));
    this.stateValue = { kind: 'expect_start' };
    this.delta = undefined;
    this.undecodedTokens = [];
    this.undecodedBytes = new Uint8Array(0);
  }

  private headerText(headerTokens: readonly number[]): string {
    const bytes = this.decodeBytes(headerTokens);
    return bytes === undefined ? '' : decodeLossy(bytes);
  }

  private parseHeaderFromTokens(headerTokens: readonly number[], role: Role | undefined): ParsedHeader {
    const bytes = this.decodeBytes(headerTokens);
    if (bytes === undefined) this.fail('could not decode header: a token id is outside the vocabulary');
    const text = decodeStrict(bytes);
    if (text === undefined) this.fail('could not decode header: invalid UTF-8', decodeLossy(bytes));
    const [header, rest] = this.parseHeaderFromString(text, role, true);
    if (rest !== undefined) this.fail(`unexpected tokens remaining in message header: ${debugSome(rest)}`, text);
    return header;
  }

  /** harmony's `parse_header_from_string`: returns the header and any words left over. */
  private parseHeaderFromString(raw: string, givenRole: Role | undefined, parseRecipientAndType: boolean): [ParsedHeader, string | undefined] {
    let headerString = raw;
    let channel: string | undefined;
    const idx = headerString.indexOf(SPECIAL.channel);
    if (idx >= 0) {
      const after = headerString.slice(idx + SPECIAL.channel.length);
      const m = CHANNEL_END.exec(after);
      const end = m === null ? after.length : m.index;
      const value = after.slice(0, end);
      if (value === '') this.fail('channel marker present but no channel value found in header', raw);
      channel = value;
      headerString = headerString.slice(0, idx) + after.slice(end);
    }
    headerString = rustTrim(headerString);
    // "to=foo<|constrain|>json": split the content type off the recipient.
    if (headerString.includes(SPECIAL.constrain)) {
      headerString = rustTrim(headerString.split(SPECIAL.constrain).join(` ${SPECIAL.constrain}`));
    }
    const parts = headerString.split(ASCII_WS).filter((p) => p !== '');

    let roleStr: string | undefined;
    let role: Role;
    if (givenRole !== undefined) {
      role = givenRole;
    } else {
      const first = parts[0];
      if (first === undefined) this.fail('message header did not contain a role', raw);
      roleStr = first;
      if (isRole(first)) {
        role = first;
      } else if (parts.length > 1 || (parts.length === 1 && first.startsWith('to='))) {
        // An unknown author followed by a recipient is a tool answering (e.g. "functions.x to=assistant").
        parts.shift();
        role = 'tool';
      } else {
        this.fail(`Unknown role: ${first}`, raw);
      }
    }
    if (parts[0] === role) parts.shift();

    let recipient: string | undefined;
    let contentType: string | undefined;
    if (parseRecipientAndType && parts.length > 0) {
      const numParts = parts.length;
      const last = parts.pop()!;
      if (last.startsWith('to=')) {
        recipient = last.slice(3);
      } else if (numParts === 1) {
        recipient = last;
      } else {
        contentType = last;
        const rawRecipient = parts.pop();
        if (rawRecipient !== undefined) recipient = rawRecipient.startsWith('to=') ? rawRecipient.slice(3) : rawRecipient;
      }
    }
    const rest = parts.length > 0 ? parts.join(' ') : undefined;
    const author: Author = role === 'tool' && roleStr !== undefined ? { role, name: roleStr } : { role };
    const header: ParsedHeader = { author };
    if (recipient !== undefined) header.recipient = recipient;
    if (channel !== undefined) header.channel = channel;
    if (contentType !== undefined) header.content_type = contentType;
    return [header, rest];
  }
}

function messageFrom(header: ParsedHeader, text: string): Message {
  const msg: Message = { author: { ...header.author }, content: [{ type: 'text', text }] };
  if (header.recipient !== undefined) msg.recipient = header.recipient;
  if (header.channel !== undefined) msg.channel = header.channel;
  if (header.content_type !== undefined) msg.content_type = header.content_type;
  return msg;
}

/**
 * harmony's `parse_messages_from_completion_tokens`: every token through the streaming parser,
 * then end of stream (a message cut off without a stop token is still returned).
 */
export function parseMessagesFromCompletionTokens(
  tokens: Iterable<number>,
  role?: Role | null,
  options: ParseOptions = {},
): Message[] {
  const parser = new StreamableParser(role, options);
  for (const t of tokens) parser.process(t);
  parser.processEos();
  return [...parser.messages];
}

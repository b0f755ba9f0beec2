import type { ChatEvent, DoneEvent } from '../engine/index.js';

const DIM = '\x1b[2m';
const UNDIM = '\x1b[22m';

export interface RenderOptions {
  /** Where the answer goes. */
  out: NodeJS.WritableStream;
  /** Where reasoning goes (null: hidden). */
  reasoning: NodeJS.WritableStream | null;
  /** Wrap reasoning in the terminal's dim attribute. */
  dim: boolean;
  /** Print every generated token as is (harmony tokens spelled out) instead of parsed text. */
  raw: boolean;
  /** Where tool call and result notes go (default `out`) and whether they are dimmed (default `dim`). */
  notes?: NodeJS.WritableStream;
  notesDim?: boolean;
}

/**
 * Writes one turn's events as a person reads them: reasoning (dimmed) as it streams, then the
 * answer in normal text, tool calls as a short note. Keeps track of whether the line is open, so
 * the footer always starts on a fresh line.
 */
export class TurnPrinter {
  private inReasoning = false;
  private atLineStart = true;
  private answer = '';

  constructor(private readonly o: RenderOptions) {}

  /** The final-channel text printed so far. */
  get answerText(): string {
    return this.answer;
  }

  handle(e: ChatEvent): void {
    if (this.o.raw) {
      if (e.type === 'token') this.write(this.o.out, e.text);
      return;
    }
    switch (e.type) {
      case 'reasoning':
        if (!this.o.reasoning) return;
        if (!this.inReasoning && this.o.dim && this.o.reasoning === this.o.out) this.o.out.write(DIM);
        this.inReasoning = true;
        this.write(this.o.reasoning, e.delta);
        return;
      case 'text':
        this.endReasoning();
        if (e.channel === 'final') this.answer += e.delta;
        this.write(this.o.out, e.delta);
        return;
      case 'tool_call':
        this.endReasoning();
        this.note(`[tool call ${e.recipient} ${e.arguments}]`);
        return;
      case 'tool_result':
        this.note(`[tool result ${e.output.length > 200 ? `${e.output.slice(0, 200)}...` : e.output}]`);
        return;
      default:
        return;
    }
  }

  /** Closes any open line and reasoning block. */
  end(): void {
    this.endReasoning();
    if (!this.atLineStart) {
      this.o.out.write('\n');
      this.atLineStart = true;
    }
  }

  private endReasoning(): void {
    if (!this.inReasoning) return;
    this.inReasoning = false;
    if (this.o.reasoning === this.o.out) {
      if (this.o.dim) this.o.out.write(UNDIM);
      if (!this.atLineStart) this.o.out.write('\n');
      this.o.out.write('\n');
      this.atLineStart = true;
    } else if (this.o.reasoning) {
      this.o.reasoning.write('\n');
    }
  }

  private note(text: string): void {
    const stream = this.o.notes ?? this.o.out;
    const dimmed = this.o.notesDim ?? this.o.dim;
    if (!this.atLineStart && stream === this.o.out) this.o.out.write('\n');
    this.write(stream, `${dimmed ? DIM : ''}${text}${dimmed ? UNDIM : ''}\n`);
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    if (text === '') return;
    stream.write(text);
    if (stream === this.o.out) this.atLineStart = text.endsWith('\n');
  }
}

const REASONS: Record<DoneEvent['reason'], string> = {
  stop: '',
  length: ' · stopped at the token limit',
  tool_call: ' · ended at a tool call',
  aborted: ' · interrupted',
};

/** `24 tokens · 11.8 tok/s · first token 0.42 s` (+ how the turn ended when it did not finish). */
export function footer(done: DoneEvent): string {
  const t = done.timings;
  const u = done.usage;
  return (
    `${u.completionTokens} tokens · ${t.tokensPerSecond.toFixed(1)} tok/s · first token ${t.firstTokenS.toFixed(2)} s` +
    ` · prompt ${u.promptTokens} (${u.reusedTokens} reused)${REASONS[done.reason]}`
  );
}

export function dim(text: string, on: boolean): string {
  return on ? `${DIM}${text}${UNDIM}` : text;
}

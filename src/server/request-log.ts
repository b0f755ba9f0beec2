import type { TurnUsage } from './turn.js';

export type LogSink = (line: Record<string, unknown>) => void;

/** One JSON line per request on stderr: method, path, status, tokens, time to first token, duration. */
export const stderrSink: LogSink = (line) => process.stderr.write(`${JSON.stringify(line)}\n`);

/**
 * The log line of one request, filled in as it is answered; a streamed answer is logged when the
 * stream ends (the handler calls `defer` and later `finish`), anything else when the handler returns.
 */
export class RequestLog {
  private readonly t0 = performance.now();
  private usage: TurnUsage | undefined;
  private firstTokenMs: number | undefined;
  private done = false;
  deferred = false;

  constructor(
    private readonly method: string,
    private readonly path: string,
    private readonly sink: LogSink,
  ) {}

  /** The first token was sampled at `at` (performance.now() milliseconds). */
  firstToken(at: number): void {
    this.firstTokenMs ??= at - this.t0;
  }

  setUsage(usage: TurnUsage): void {
    this.usage = usage;
  }

  defer(): void {
    this.deferred = true;
  }

  finish(status: number, extra: Record<string, unknown> = {}): void {
    if (this.done) return;
    this.done = true;
    const line: Record<string, unknown> = { time: new Date().toISOString(), method: this.method, path: this.path, status };
    if (this.usage) {
      line['prompt_tokens'] = this.usage.promptTokens;
      line['cached_tokens'] = this.usage.cachedTokens;
      line['completion_tokens'] = this.usage.completionTokens;
    }
    if (this.firstTokenMs !== undefined) line['ttft_ms'] = Math.round(this.firstTokenMs);
    line['duration_ms'] = Math.round(performance.now() - this.t0);
    this.sink({ ...line, ...extra });
  }
}

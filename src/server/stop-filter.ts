/**
 * Cuts streamed text at the first of the request's stop sequences (Chat Completions `stop`). Text
 * that could be the start of a stop sequence is held back until the next delta decides it, so a
 * stop sequence never reaches the client, not even split across deltas.
 */
export class StopFilter {
  private held = '';
  stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** The text that may be sent now; after it returns with `stopped` set, everything further is dropped. */
  push(delta: string): string {
    if (this.stopped) return '';
    if (this.stops.length === 0) return delta;
    const text = this.held + delta;
    let cut = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.stopped = true;
      this.held = '';
      return text.slice(0, cut);
    }
    // Hold back the longest tail that is a proper prefix of some stop sequence.
    let keep = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, text.length); k > keep; k--) {
        if (text.endsWith(s.slice(0, k))) {
          keep = k;
          break;
        }
      }
    }
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** What was held back when the text ended without a stop sequence. */
  flush(): string {
    const rest = this.stopped ? '' : this.held;
    this.held = '';
    return rest;
  }
}

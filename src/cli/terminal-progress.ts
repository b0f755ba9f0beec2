/** A one-line progress bar redrawn in place on a terminal stream; silent when the stream is not a TTY. */
export class ProgressBar {
  private last = '';
  private readonly started = performance.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private readonly width = 30,
  ) {}

  update(done: number, total: number): void {
    if (!this.stream.isTTY || total <= 0) return;
    const frac = Math.max(0, Math.min(1, done / total));
    const filled = Math.round(frac * this.width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${Math.round(frac * 100)}%`;
    if (line === this.last) return;
    this.last = line;
    this.stream.write(`\r${line}\x1b[K`);
  }

  /** Clears the bar; returns the seconds since it was created. */
  finish(): number {
    if (this.stream.isTTY && this.last !== '') this.stream.write('\r\x1b[K');
    return (performance.now() - this.started) / 1000;
  }
}

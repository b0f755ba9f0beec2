/**
 * The download line `pull` draws on a terminal: bar, bytes done of total, rate over the last few
 * seconds, and the time left at that rate. Silent when the stream is not a TTY (callers print one
 * line per finished file instead).
 */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class DownloadProgress {
  private readonly samples: { t: number; bytes: number }[] = [];
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly width = 24,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes per second over the last five seconds of samples. */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 1) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  line(done: number, file: string): string {
    const frac = this.total > 0 ? Math.max(0, Math.min(1, done / this.total)) : 1;
    const filled = Math.round(frac * this.width);
    const rate = this.rate();
    const eta = rate > 0 ? (this.total - done) / rate : Number.POSITIVE_INFINITY;
    const name = file.length > 32 ? `…${file.slice(-31)}` : file;
    return `${name} [${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${Math.floor(frac * 100)}% ${formatBytes(done)}/${formatBytes(this.total)} ${formatBytes(rate)}/s ETA ${formatDuration(eta)}`;
  }

  update(done: number, file: string): void {
    const t = this.now();
    this.samples.push({ t, bytes: done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
    if (!this.stream.isTTY || (t - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = t;
    const columns = this.stream.columns ?? 100;
    this.stream.write(`\r${this.line(done, file).slice(0, Math.max(20, columns - 1))}\x1b[K`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DownloadProgress, formatBytes, formatDuration } from './download-progress.js';

function fakeTty(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('download progress line', () => {
  it('shows the bar, bytes of total, the rate over the last seconds and the time left', () => {
    let now = 0;
    const { stream, written } = fakeTty(true);
    const bar = new DownloadProgress(stream, 10_000_000_000, 10, () => now);
    bar.update(0, 'original/model.safetensors');
    for (let s = 1; s <= 4; s++) {
      now = s * 1000;
      bar.update(s * 100_000_000, 'original/model.safetensors');
    }
    // 400 MB in 4 s: 100 MB/s; 9.6 GB left: 96 s.
    assert.equal(written[written.length - 1], '\roriginal/model.safetensors [..........] 4% 400 MB/10.0 GB 100 MB/s ETA 1m36s\x1b[K');
    now = 60_000; // after a stall the rate is over the last 5 s of samples only
    bar.update(500_000_000, 'original/model.safetensors');
    assert.match(written[written.length - 1]!, / 5% 500 MB\/10\.0 GB 1\.8 MB\/s ETA 1h28m/);
    bar.finish();
    assert.equal(written[written.length - 1], '\r\x1b[K');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeTty(false);
    const bar = new DownloadProgress(stream, 100);
    bar.update(50, 'x');
    bar.finish();
    assert.deepEqual(written, []);
  });

  it('formats sizes and durations', () => {
    assert.deepEqual([0, 999, 1000, 13_761_300_000, 65_000_000_000].map(formatBytes), ['0 B', '999 B', '1.0 kB', '13.8 GB', '65.0 GB']);
    assert.deepEqual([0, 59.4, 61, 3600 * 2 + 61, Number.POSITIVE_INFINITY].map(formatDuration), ['0s', '59s', '1m01s', '2h01m', '--']);
  });
});

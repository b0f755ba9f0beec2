import type { FileMapper, FileMapping } from '../../core/mapping.js';
import type { CpuAddon } from './binding.js';

/**
 * Checkpoint files memory-mapped by the addon (read-only, shared with the page cache), so tensors
 * are views of the file and nothing is copied. Files over 4 GiB arrive as overlapping windows
 * (binding.ts mapFile); `view` picks the window a range starts in, so any tensor up to ~2 GiB is reachable.
 */
export function nativeFileMapper(addon: CpuAddon): FileMapper {
  return (path: string): FileMapping | null => {
    const mapped = addon.mapFile(path);
    if (!mapped) return null;
    const { handle, size, stride, buffers } = mapped;
    let whole: Uint8Array | undefined;
    return {
      get bytes(): Uint8Array {
        if (buffers.length !== 1) {
          throw new RangeError(`${path} is ${size} bytes, over the 4 GiB one typed array can span; use mapping.view(begin, end)`);
        }
        whole ??= new Uint8Array(buffers[0]!);
        return whole;
      },
      view(begin: number, end: number): Uint8Array {
        if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end >= begin && end <= size)) {
          throw new RangeError(`${path}: view [${begin}, ${end}) is outside the file's ${size} bytes`);
        }
        const k = Math.min(Math.floor(begin / stride), buffers.length - 1);
        const buffer = buffers[k]!;
        const offset = begin - k * stride;
        if (offset + (end - begin) > buffer.byteLength) {
          throw new RangeError(`${path}: view [${begin}, ${end}) is ${end - begin} bytes, longer than one mapping window allows`);
        }
        return new Uint8Array(buffer, offset, end - begin);
      },
      close(): void {
        addon.unmapFile(handle, buffers);
      },
    };
  };
}

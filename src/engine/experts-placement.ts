import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExpertsPlacement } from '../backends/backend.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ModelConfig } from '../format/config-types.js';

/** `auto` copies the experts when the memory holds them with room to spare, else reads them in place. */
export type ExpertsChoice = ExpertsPlacement | 'auto';
export const EXPERTS_CHOICES: readonly ExpertsChoice[] = ['auto', 'copy', 'map'];

export interface MemoryRoom {
  /** Bytes this process can still take without swapping or meeting its memory limit. */
  readonly bytes: number;
  /** Where the figure comes from (shown with the decision). */
  readonly source: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  const text = readText(path)?.trim();
  if (text === undefined) return undefined;
  if (text === 'max') return Infinity;
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : undefined;
}

function statField(path: string, field: string): number {
  const line = readText(path)
    ?.split('\n')
    .find((l) => l.startsWith(`${field} `));
  return line ? Number(line.split(/\s+/)[1]) || 0 : 0;
}

/**
 * The room under the memory limits of the cgroup this process is in (`selfCgroup`: the text of
 * /proc/self/cgroup) and of every cgroup above it, under the mount at `root`: v1 (a `memory`
 * controller line) memory.limit_in_bytes - memory.usage_in_bytes, v2 (the `0::` line) memory.max -
 * memory.current, each with the cgroup's inactive file pages counted as free since the kernel drops
 * them first. null when no limit applies (or none can be read).
 */
export function cgroupRoom(selfCgroup: string, root = '/sys/fs/cgroup'): MemoryRoom | null {
  const lines = selfCgroup.split('\n').map((l) => l.split(':'));
  const v1 = lines.find((f) => f.length >= 3 && f[1]!.split(',').includes('memory'));
  const v2 = lines.find((f) => f.length >= 3 && f[0] === '0' && f[1] === '');
  const [mount, path, files] = v1
    ? [join(root, 'memory'), v1.slice(2).join(':'), ['memory.limit_in_bytes', 'memory.usage_in_bytes', 'total_inactive_file'] as const]
    : v2
      ? [root, v2.slice(2).join(':'), ['memory.max', 'memory.current', 'inactive_file'] as const]
      : [undefined, '', undefined];
  if (mount === undefined || files === undefined) return null;
  // in a cgroup namespace (or a container's own mount) the path may not exist under the mount: start at its top
  let dir = join(mount, path);
  if (readText(join(dir, files[1])) === undefined) dir = mount;
  let best: MemoryRoom | null = null;
  for (;;) {
    const limit = readNumber(join(dir, files[0]));
    const usage = readNumber(join(dir, files[1]));
    // v1 reports "no limit" as a page-rounded 2^63, v2 as "max"
    if (limit !== undefined && usage !== undefined && limit < 2 ** 60) {
      const room = Math.max(0, limit - usage + statField(join(dir, 'memory.stat'), files[2]));
      if (!best || room < best.bytes) best = { bytes: room, source: `cgroup ${join(dir, files[0])}` };
    }
    if (dir === mount || !dir.startsWith(`${mount}/`)) return best;
    dir = dirname(dir);
  }
}

/**
 * The memory left: MemAvailable (/proc/meminfo), and below it the room under this process's cgroup
 * limits (cgroupRoom).
 */
export function memoryRoom(): MemoryRoom {
  let best: MemoryRoom = { bytes: Infinity, source: 'unknown' };
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readText('/proc/meminfo') ?? '');
  // not Linux: no figure, `auto` then reads in place
  if (kb) best = { bytes: Number(kb[1]) * 1024, source: 'MemAvailable' };
  const cgroup = cgroupRoom(readText('/proc/self/cgroup') ?? '');
  return cgroup && cgroup.bytes < best.bytes ? cgroup : best;
}

/** Bytes of the MXFP4 experts (16 bytes of nibbles and 1 scale byte per 32 weights). */
export function expertBytes(c: ModelConfig): number {
  return c.numHiddenLayers * c.numExperts * 3 * c.intermediateSize * c.hiddenSize * (17 / 32);
}

/** What the copy must leave free: a 16-bit KV cache of 32,768 positions on every layer, and 1 GiB for the rest. */
export function roomForCache(c: ModelConfig): number {
  return c.numHiddenLayers * 2 * c.numKeyValueHeads * c.headDim * 2 * 32_768 + 2 ** 30;
}

export function parseExpertsChoice(value: unknown, where: string): ExpertsChoice {
  if (value === 'auto' || value === 'copy' || value === 'map') return value;
  throw new InvalidArgumentError(`${where}: experts must be one of ${EXPERTS_CHOICES.join(', ')}, got '${String(value)}'`);
}

/** `auto` resolved: copy when the room holds the experts and the cache room beside them. */
export function resolveExperts(choice: ExpertsChoice, c: ModelConfig, room: MemoryRoom = memoryRoom()): ExpertsPlacement {
  if (choice !== 'auto') return choice;
  return room.bytes >= expertBytes(c) + roomForCache(c) ? 'copy' : 'map';
}

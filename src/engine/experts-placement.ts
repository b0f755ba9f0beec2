import { readFileSync } from 'node:fs';
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

function readNumber(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === 'max') return Infinity;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function statField(path: string, field: string): number {
  try {
    const line = readFileSync(path, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field} `));
    return line ? Number(line.split(/\s+/)[1]) || 0 : 0;
  } catch {
    return 0;
  }
}

/**
 * The memory left: MemAvailable (/proc/meminfo), and below it the room under this cgroup's limit
 * (v2 memory.max - memory.current, v1 memory.limit_in_bytes - memory.usage_in_bytes), with the
 * cgroup's inactive file pages counted as free since the kernel drops them first.
 */
export function memoryRoom(): MemoryRoom {
  let best: MemoryRoom = { bytes: Infinity, source: 'unknown' };
  try {
    const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (kb) best = { bytes: Number(kb[1]) * 1024, source: 'MemAvailable' };
  } catch {
    // not Linux: no figure, `auto` then reads in place
  }
  const cgroups: [string, string, string, string][] = [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current', '/sys/fs/cgroup/memory.stat', 'inactive_file'],
    ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes', '/sys/fs/cgroup/memory/memory.stat', 'total_inactive_file'],
  ];
  for (const [limitFile, usageFile, statFile, inactive] of cgroups) {
    const limit = readNumber(limitFile);
    const usage = readNumber(usageFile);
    // v1 reports "no limit" as a page-rounded 2^63
    if (limit === undefined || usage === undefined || limit >= 2 ** 60) continue;
    const room = limit - usage + statField(statFile, inactive);
    if (room < best.bytes) best = { bytes: Math.max(0, room), source: `cgroup ${limitFile}` };
  }
  return best;
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

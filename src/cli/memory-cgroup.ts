/**
 * A memory cgroup made for one measured process (`gpt-oss bench --memory-limit`, and compare.mjs for
 * llama.cpp under the same limit): v2 `memory.max` where the unified hierarchy is mounted, v1
 * `memory.limit_in_bytes` where the memory controller has its own mount. The child moves itself in
 * before it execs (`sh -c 'echo $$ > cgroup.procs; exec ...'`), so every page it touches is charged
 * to the cgroup from its first instruction.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "8G", "8GiB", "512m", "8589934592" -> bytes (binary units, as cgroups count). */
export function parseMemorySize(text: string, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(bytes) || bytes < 64 * 2 ** 20) {
    throw new InvalidArgumentError(`${where}: expected a size of at least 64M such as 8G, 8GiB or 512M, got '${text}'`);
  }
  return bytes;
}

export interface MemoryCgroup {
  readonly kind: 'v1' | 'v2';
  /** The cgroup's directory. */
  readonly dir: string;
  readonly limitBytes: number;
  /** The most memory (anonymous and page cache) charged to it so far, where the kernel reports it. */
  peakBytes(): number | undefined;
  /** How often the limit was met (v1 memory.failcnt, v2 the `max` count of memory.events). */
  limitHits(): number | undefined;
  /** Processes the kernel killed in it for want of memory (v1 memory.oom_control, v2 memory.events `oom_kill`). */
  oomKills(): number | undefined;
  /** `command args` in the cgroup (moved in before exec). */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** The command line that runs `command args` in the cgroup, for callers that spawn it themselves. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** Removes the cgroup (its processes must have exited); idempotent. */
  remove(): void;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function numberIn(path: string): number | undefined {
  const n = Number(read(path)?.trim());
  return read(path) !== undefined && Number.isFinite(n) ? n : undefined;
}

function write(path: string, text: string, why: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InvalidArgumentError(`${why}: cannot write '${text.trim()}' to ${path} (${code}; making a memory cgroup needs root and a mounted memory controller)`);
  }
}

/**
 * Makes a cgroup of `limitBytes` under `root` (default /sys/fs/cgroup): on v1 beside nothing else,
 * inside this process's own memory cgroup (so any limit above still applies); on v2 under the root,
 * the one place a cgroup that holds processes can hand the memory controller down.
 */
export function createMemoryCgroup(limitBytes: number, options: { root?: string; selfCgroup?: string; name?: string; why?: string } = {}): MemoryCgroup {
  const root = options.root ?? '/sys/fs/cgroup';
  const why = options.why ?? `memory limit of ${limitBytes} bytes`;
  const name = options.name ?? `gpt-oss-${process.pid}-${Date.now().toString(36)}`;
  const v1Mount = join(root, 'memory');
  let kind: 'v1' | 'v2';
  let parent: string;
  if (existsSync(join(v1Mount, 'memory.limit_in_bytes')) || existsSync(join(v1Mount, 'cgroup.procs'))) {
    kind = 'v1';
    const self = (options.selfCgroup ?? read('/proc/self/cgroup') ?? '').split('\n').map((l) => l.split(':'));
    const own = self.find((f) => f.length >= 3 && f[1]!.split(',').includes('memory'))?.slice(2).join(':') ?? '/';
    parent = existsSync(join(v1Mount, own, 'cgroup.procs')) ? join(v1Mount, own) : v1Mount;
  } else if (existsSync(join(root, 'cgroup.controllers'))) {
    kind = 'v2';
    parent = root;
    if (!(read(join(root, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')) {
      throw new InvalidArgumentError(`${why}: the memory controller is not available in ${join(root, 'cgroup.controllers')}`);
    }
    if (!(read(join(root, 'cgroup.subtree_control')) ?? '').split(/\s+/).includes('memory')) write(join(root, 'cgroup.subtree_control'), '+memory', why);
  } else {
    throw new InvalidArgumentError(`${why}: no memory cgroup hierarchy at ${root} (neither ${join(v1Mount, 'memory.limit_in_bytes')} nor ${join(root, 'cgroup.controllers')} exists)`);
  }
  const dir = join(parent, name);
  try {
    mkdirSync(dir);
  } catch (e) {
    throw new InvalidArgumentError(`${why}: cannot create the cgroup ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}; making a memory cgroup needs root)`);
  }
  const wrap = (command: string, args: readonly string[]): [string, string[]] => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), command, ...args]];
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    try {
      rmdirSync(dir);
      removed = true;
    } catch {
      // a process still inside: the caller removes it once that one has exited
    }
  };
  try {
    if (kind === 'v1') {
      write(join(dir, 'memory.limit_in_bytes'), `${limitBytes}\n`, why);
      // with swap, memory+swap gets the same limit, so the limit is not met by swapping instead
      if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) write(join(dir, 'memory.memsw.limit_in_bytes'), `${limitBytes}\n`, why);
    } else {
      write(join(dir, 'memory.max'), `${limitBytes}\n`, why);
      if (existsSync(join(dir, 'memory.swap.max'))) write(join(dir, 'memory.swap.max'), '0\n', why);
    }
  } catch (e) {
    remove();
    throw e;
  }
  return {
    kind,
    dir,
    limitBytes,
    peakBytes: () => numberIn(join(dir, kind === 'v1' ? 'memory.max_usage_in_bytes' : 'memory.peak')),
    limitHits: () => {
      if (kind === 'v1') return numberIn(join(dir, 'memory.failcnt'));
      const line = read(join(dir, 'memory.events'))?.split('\n').find((l) => l.startsWith('max '));
      return line ? Number(line.split(' ')[1]) : undefined;
    },
    oomKills: () => {
      const line = read(join(dir, kind === 'v1' ? 'memory.oom_control' : 'memory.events'))?.split('\n').find((l) => l.startsWith('oom_kill '));
      return line ? Number(line.split(' ')[1]) : undefined;
    },
    spawn: (command, args, spawnOptions = {}) => spawn(...wrap(command, args), spawnOptions),
    wrap,
    remove,
  };
}

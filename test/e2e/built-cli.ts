/**
 * The shipped CLI (dist/cli/main.js, what `npm ci` builds and `bin` points at), run as a user runs it.
 * `npm test` builds dist/ first; a dist/ older than src/ fails here rather than testing stale code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const BUILT_CLI = join(root, 'dist', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : name.endsWith('.test.ts') ? 0 : st.mtimeMs);
  }
  return newest;
}

let checked = false;
export function assertBuilt(): void {
  if (checked) return;
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run 'npm run build' (npm test does)`);
  if (newestSource(join(root, 'src')) > statSync(BUILT_CLI).mtimeMs + 1) {
    // tsc rewrites every output, so main.js is at least as new as the last build of any file
    throw new Error(`dist/ is older than src/: run 'npm run build' (npm test does) before the end-to-end tests`);
  }
  checked = true;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runBuiltCli(args: string[], options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  assertBuilt();
  const r = spawnSync(process.execPath, [BUILT_CLI, ...args], {
    cwd: root,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

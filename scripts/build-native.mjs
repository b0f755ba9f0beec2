#!/usr/bin/env node
// Builds the native cpu backend (native/, node-gyp) when its sources are present. A failed build
// does not fail the install: the runtime then reports the addon as missing and names the fix.
// Uses npm's bundled node-gyp and the machine's Node headers (--nodedir), never a download.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(join(root, 'binding.gyp'))) process.exit(0);

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : null;
}

function nodedirArgs() {
  // Headers installed with Node itself (distro packages put them in <prefix>/include/node).
  for (const prefix of [process.env.npm_config_nodedir, '/usr', join(dirname(process.execPath), '..')]) {
    if (prefix && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return [`--nodedir=${prefix}`];
  }
  return [];
}

function fail(reason) {
  process.stderr.write(
    `\ngpt-oss: the native cpu backend was not built (${reason}).\n` +
      `  The 'ref' backend still works; '--backend cpu' will report the addon as missing.\n` +
      `  Needs: a C compiler, make, python3 and Node's headers. Then run: npm run build\n\n`,
  );
  process.exit(0);
}

const gyp = nodeGyp();
if (!gyp) fail("npm's node-gyp was not found; set npm_config_node_gyp to node-gyp.js");
const jobs = process.env.JOBS ?? '2';
const result = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--jobs=${jobs}`, ...nodedirArgs()], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: process.env,
});
if (result.status !== 0) fail(`node-gyp exited with ${result.status ?? result.signal}`);

// The smallest check that the result loads and answers.
const addonPath = join(root, 'build', 'Release', 'gpt_oss_cpu.node');
try {
  const addon = createRequire(import.meta.url)(addonPath);
  const pool = addon.createPool(1);
  const out = new Float32Array(1);
  addon.add(pool, out, new Float32Array([1]), new Float32Array([2]), 1);
  addon.destroy(pool);
  if (out[0] !== 3) throw new Error(`1 + 2 gave ${out[0]}`);
  // The kernels in use per family (as `gpt-oss bench` and `inspect` print them): one level, or the families that differ.
  const levels = Object.entries(addon.kernels);
  const kernels = new Set(levels.map(([, l]) => l)).size === 1 ? levels[0][1] : levels.map(([f, l]) => `${f} ${l}`).join(', ');
  process.stderr.write(`gpt-oss: native cpu backend built (kernels: ${kernels}; ${addon.physicalCores} physical cores)\n`);
} catch (e) {
  fail(`the built addon does not load: ${e instanceof Error ? e.message : String(e)}`);
}

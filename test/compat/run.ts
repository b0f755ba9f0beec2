/**
 * `npm run compat`: OpenAI's gpt-oss compatibility cases (see compat.ts) against `gpt-oss serve` on
 * the packaged demo model, for Chat Completions and the Responses API, streamed and not.
 * Usage: npx tsx test/compat/run.ts [--url URL --model ID] [-n CASES] [--api chat,responses] [--stream both|on|off]
 * Without --url it starts the built CLI (`node dist/cli/main.js serve`, run `npm run build` first).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEMO_SAMPLING } from '../../src/engine/index.js';
import { CASES, runCompatCase, type ApiType, type CaseResult } from './compat.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    model: { type: 'string', default: 'gpt-oss-demo' },
    n: { type: 'string', short: 'n' },
    api: { type: 'string', default: 'chat,responses' },
    stream: { type: 'string', default: 'both' },
  },
});
const root = fileURLToPath(new URL('../..', import.meta.url));
let server: ReturnType<typeof spawn> | undefined;
let url = values.url;
if (url === undefined) {
  server = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    server!.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ready, serving '[^']+' at (\S+)\/v1/.exec(err);
      if (m) resolve(m[1]!);
    });
    server!.on('exit', (code) => reject(new Error(`gpt-oss serve exited with ${code}:\n${err}`)));
  });
}
const cases = CASES.slice(0, values.n === undefined ? CASES.length : Number(values.n));
const apis = values.api.split(',') as ApiType[];
const streams = values.stream === 'both' ? [false, true] : [values.stream === 'on'];
const results: CaseResult[] = [];
const t0 = performance.now();
for (const api of apis) {
  for (const streaming of streams) {
    for (const [i, c] of cases.entries()) {
      const r = await runCompatCase(i, c, api, streaming, { baseURL: `${url}/v1`, model: values.model, temperature: DEMO_SAMPLING.temperature });
      results.push(r);
      if (!r.pass) console.log(`FAIL ${api}${streaming ? ' stream' : ''} case ${i} (${c.tool_name}): ${JSON.stringify(r)}`);
    }
    const mine = results.filter((r) => r.api === api && r.streaming === streaming);
    const count = (f: (r: CaseResult) => boolean): string => `${mine.filter(f).length}/${mine.length}`;
    console.log(
      `${api}${streaming ? ', streamed' : ''}: pass ${count((r) => r.pass)}; tool called with valid arguments ${count((r) => r.toolCalled && r.argumentsValid)} (expected arguments ${count((r) => r.argumentsExpected)}); valid response ${count((r) => r.validResponse)}${streaming ? `; valid events ${count((r) => r.validEvents === true)}` : ''}`,
    );
  }
}
console.log(`${results.filter((r) => r.pass).length}/${results.length} passed in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
server?.kill('SIGTERM');
process.exitCode = results.every((r) => r.pass) ? 0 : 1;

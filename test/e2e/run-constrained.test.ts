import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { makeTinyModel } from '../engine/helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const schema = {
  type: 'object',
  properties: {
    city: { type: 'string', maxLength: 12 },
    temperature: { type: 'number', minimum: -50, maximum: 60 },
    day: { type: 'string', format: 'date' },
    sky: { enum: ['clear', 'cloudy', 'rain'] },
  },
  required: ['city', 'temperature', 'day', 'sky'],
  additionalProperties: false,
};
const tools = [
  { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'], additionalProperties: false } },
  { name: 'get_time', description: 'Time in a city', parameters: { type: 'object', properties: { zone: { type: 'string', format: 'uuid' } }, required: ['zone'] } },
];

let model: { dir: string; remove: () => void };
let files: string;
before(() => {
  model = makeTinyModel(3);
  files = mkdtempSync(join(tmpdir(), 'gpt-oss-constrained-'));
  writeFileSync(join(files, 'schema.json'), JSON.stringify(schema));
  writeFileSync(join(files, 'tools.json'), JSON.stringify(tools));
  writeFileSync(join(files, 'broken.json'), '{"type": "object",');
});
after(() => {
  model.remove();
  rmSync(files, { recursive: true, force: true });
});

describe('gpt-oss run with constraints', () => {
  it('--json-schema: stdout is only the answer, valid JSON for the schema, exit 0, also when the limit forces the shortest completion', () => {
    for (const maxTokens of ['90', '64']) {
      const r = run(['run', model.dir, 'Weather in Paris?', '--json-schema', join(files, 'schema.json'), '--seed', '2', '--max-tokens', maxTokens, '--reasoning-budget', '6']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n').length, 2, r.stdout); // one line and its newline
      const value: unknown = JSON.parse(r.stdout);
      assert.ok(ajv.validate(schema, value), `${r.stdout}: ${ajv.errorsText()}`);
    }
  });

  it('--tools with --tool-choice NAME: the run ends at the call, printed as JSON whose arguments validate', () => {
    const r = run(['run', model.dir, 'What time is it?', '--tools', join(files, 'tools.json'), '--tool-choice', 'get_time', '--seed', '1', '--max-tokens', '80']);
    assert.equal(r.code, 0, r.stderr);
    const call = JSON.parse(r.stdout) as { name: string; arguments: unknown };
    assert.equal(call.name, 'get_time');
    assert.ok(ajv.validate(tools[1]!.parameters, call.arguments), `${r.stdout}: ${ajv.errorsText()}`);
  });

  it('bad flags and files get one clear line naming them, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['--json-schema', join(files, 'missing.json')], /--json-schema .*missing\.json: no such file/],
      [['--json-schema', join(files, 'broken.json')], /--json-schema .*broken\.json: not valid JSON/],
      [['--tools', join(files, 'tools.json'), '--tool-choice', 'get_stock'], /toolChoice.name: no tool named 'get_stock' \(tools: get_weather, get_time\)/],
      [['--tool-choice', 'required'], /--tool-choice needs --tools FILE/],
      [['--reasoning-budget=-3'], /--reasoning-budget must be an integer >= 0, got '-3'/],
    ];
    for (const [flags, message] of cases) {
      const r = run(['run', model.dir, 'Hi', '--max-tokens', '5', ...flags]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
  });
});

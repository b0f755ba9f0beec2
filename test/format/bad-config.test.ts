// Every bad config the reader must refuse, each as the text a user's file would hold, with the
// message naming the file, the field and the value as written.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import { openCheckpoint } from '../../src/format/checkpoint.js';
import { readConfig } from '../../src/format/config.js';
import { TINY_A, TINY_B } from './helpers.js';

const original = readFileSync(join(TINY_A, 'config.json'), 'utf8');
const hf = JSON.stringify({
  model_type: 'gpt_oss',
  num_hidden_layers: 2,
  num_local_experts: 4,
  num_experts_per_tok: 2,
  hidden_size: 64,
  intermediate_size: 64,
  head_dim: 64,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  sliding_window: 128,
  rope_theta: 150000,
  rope_scaling: { rope_type: 'yarn', factor: 32.0, beta_fast: 32.0, beta_slow: 1.0, original_max_position_embeddings: 4096 },
  rms_norm_eps: 1e-5,
  vocab_size: 1024,
});

/** `text` with key's value replaced by `value` as written (so 1e999 stays 1e999 in the file). */
function withValue(text: string, key: string, value: string): string {
  const re = new RegExp(`("${key}"\\s*:\\s*)([-+0-9.eE]+|null|true|false|"[^"]*")`);
  assert.match(text, re, `the base config has ${key}`);
  return text.replace(re, `$1${value}`);
}

const cases: { name: string; base: 'original' | 'hf'; key: string; value: string; message: RegExp }[] = [
  { name: 'theta that JSON reads as Infinity', base: 'original', key: 'rope_theta', value: '1e999', message: /'rope_theta' must be a finite number, got 1e999/ },
  { name: 'theta null', base: 'original', key: 'rope_theta', value: 'null', message: /'rope_theta' must be a finite number, got null/ },
  { name: 'theta at most 1', base: 'original', key: 'rope_theta', value: '0.5', message: /'rope_theta' must be in \(1, 1000000000000\], got 0\.5/ },
  { name: 'scaling factor Infinity', base: 'original', key: 'rope_scaling_factor', value: '-1e999', message: /'rope_scaling_factor' must be a finite number, got -1e999/ },
  { name: 'scaling factor below 1', base: 'original', key: 'rope_scaling_factor', value: '0.25', message: /'rope_scaling_factor' must be in \[1, 4096\], got 0\.25/ },
  { name: 'ntk alpha negative', base: 'original', key: 'rope_ntk_alpha', value: '-1', message: /'rope_ntk_alpha' must be in \(0, 1000000\], got -1/ },
  { name: 'ntk beta Infinity', base: 'original', key: 'rope_ntk_beta', value: '1e400', message: /'rope_ntk_beta' must be a finite number, got 1e400/ },
  { name: 'YaRN ramp inverted', base: 'original', key: 'rope_ntk_alpha', value: '64', message: /YaRN rope scaling needs 0 < low < high < head_dim\/2 - 1.*rope_ntk_alpha 64/ },
  { name: 'a billion layers', base: 'original', key: 'num_hidden_layers', value: '1e9', message: /'num_hidden_layers' is 1e9, more than any gpt-oss model has \(at most 4096\)/ },
  { name: 'window beyond the context', base: 'original', key: 'sliding_window', value: '200000', message: /'sliding_window' \(200000\) must be no larger than the context \(131072 tokens\)/ },
  { name: 'vocabulary beyond any model', base: 'original', key: 'vocab_size', value: '1e12', message: /'vocab_size' is 1e12, more than any gpt-oss model has/ },
  { name: 'context beyond any model', base: 'original', key: 'initial_context_length', value: '1000000', message: /the context \(initial_context_length 1000000 x rope scaling factor 32\) exceeds 16777216 tokens/ },
  { name: 'hf: YaRN factor Infinity', base: 'hf', key: 'factor', value: '1e999', message: /'rope_scaling\.factor' must be a finite number, got 1e999/ },
  // (null in an optional transformers key means its default, as transformers reads it; a required one is named)
  { name: 'hf: rope_theta null', base: 'hf', key: 'rope_theta', value: 'null', message: /'rope_theta' must be a finite number, got null/ },
  { name: 'hf: YaRN beta_fast Infinity', base: 'hf', key: 'beta_fast', value: '1e999', message: /'rope_scaling\.beta_fast' must be a finite number, got 1e999/ },
  { name: 'hf: YaRN ramp inverted', base: 'hf', key: 'beta_slow', value: '64', message: /YaRN rope scaling needs 0 < low < high.*rope_ntk_alpha 64/ },
  { name: 'hf: rms_norm_eps of 2', base: 'hf', key: 'rms_norm_eps', value: '2', message: /'rms_norm_eps' must be in \(0, 1\], got 2/ },
];

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpt-oss-badconfig-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bad config.json values', () => {
  for (const [i, c] of cases.entries()) {
    it(`${c.name}: refused, naming the file, field and value`, () => {
      const file = join(dir, `config-${i}.json`);
      writeFileSync(file, withValue(c.base === 'original' ? original : hf, c.key, c.value));
      assert.throws(
        () => readConfig(file),
        (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${file}: `) && c.message.test(e.message),
      );
    });
  }

  it('the base configs themselves are accepted (the table is not passing on a broken base)', () => {
    for (const [name, text] of [['original', original], ['hf', hf]] as const) {
      const file = join(dir, `good-${name}.json`);
      writeFileSync(file, text);
      assert.ok(readConfig(file).numHiddenLayers > 0);
    }
  });

  it('num_hidden_layers: 1e9 is refused by openCheckpoint before any tensor is looked at', (t) => {
    const ck = join(dir, 'billion');
    cpSync(TINY_B, ck, { recursive: true });
    writeFileSync(join(ck, 'config.json'), withValue(original, 'num_hidden_layers', '1e9'));
    const t0 = performance.now();
    assert.throws(() => openCheckpoint(ck), /config\.json: 'num_hidden_layers' is 1e9, more than any gpt-oss model has/);
    t.diagnostic(`refused in ${(performance.now() - t0).toFixed(1)} ms (it ran the heap out after ~30 s before)`);
  });

  it('a layer count the tensors do not have is refused naming num_hidden_layers', () => {
    const ck = join(dir, 'eight');
    cpSync(TINY_A, ck, { recursive: true });
    for (const [layers, held] of [
      ['8', /num_hidden_layers is 8 but .*model\.safetensors holds tensors for 4 layers \(0, 1, 2, 3\)/],
      ['2', /num_hidden_layers is 2 but .*model\.safetensors holds tensors for 4 layers/],
    ] as const) {
      writeFileSync(join(ck, 'config.json'), withValue(original, 'num_hidden_layers', layers));
      assert.throws(() => openCheckpoint(ck), (e: unknown) => e instanceof ConfigError && held.test(e.message) && e.message.includes(join(ck, 'config.json')));
    }
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Fixture {
  name: string;
  dir: string;
  tokens: Int32Array;
  vocab: number;
  golden: Float32Array;
  slidingWindow: number;
}

export const FIXTURE_NAMES = ['tiny-ref-a', 'tiny-ref-b'] as const;

/** A fixture's directory, token ids and golden logits (test/fixtures/<name>/README.md). */
export function loadFixture(name: (typeof FIXTURE_NAMES)[number]): Fixture {
  const dir = fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
  const meta = JSON.parse(readFileSync(`${dir}meta.json`, 'utf8')) as { tokens: number[]; V: number; config: { sliding_window: number } };
  const bytes = readFileSync(`${dir}golden.f32.bin`);
  const golden = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < golden.length; i++) golden[i] = bytes.readFloatLE(i * 4);
  return { name, dir, tokens: Int32Array.from(meta.tokens), vocab: meta.V, golden, slidingWindow: meta.config.sliding_window };
}

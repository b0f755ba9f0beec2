/**
 * Packs an exported checkpoint into the package: assets/gpt-oss-demo/<file>.gz (gzip -9) and
 * manifest.json with each unpacked file's size and sha256, which src/engine/demo-model.ts checks.
 *   npx tsx training/demo/pack.ts /tmp/gpt-oss-demo
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEMO_MODEL_NAME, demoAssetsDir } from '../../src/engine/demo-model.js';

const from = process.argv[2];
if (!from) throw new Error('usage: pack.ts EXPORTED_DIR');
const out = demoAssetsDir();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = ['config.json', 'model.safetensors'].map((name) => {
  const data = readFileSync(join(from, name));
  const gz = gzipSync(data, { level: 9 });
  writeFileSync(join(out, `${name}.gz`), gz);
  return { name, gz: `${name}.gz`, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), gzBytes: gz.length };
});
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ name: DEMO_MODEL_NAME, files }, null, 2)}\n`);
console.log(readdirSync(out), files.map((f) => `${f.name}: ${f.bytes} -> ${f.gzBytes}`).join(', '));

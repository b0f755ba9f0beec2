#!/usr/bin/env node
// Builds the browser page into web/dist/: index.html, app.js (tokenizer, harmony, engine, the webgpu
// backend; no cpu backend, no Node modules) and the o200k_base ranks it fetches. Serve web/dist/ over
// HTTP(S) (WebGPU needs a secure context: https, or http on localhost / 127.0.0.1).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './web-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'web/dist');
mkdirSync(out, { recursive: true });
await bundleForBrowser(join(root, 'web/app.ts'), join(out, 'app.js'));
copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
const tokenizerMain = createRequire(import.meta.url).resolve('gpt-tokenizer');
let dir = dirname(tokenizerMain);
while (!dir.endsWith('gpt-tokenizer')) dir = dirname(dir);
copyFileSync(join(dir, 'data/o200k_base.tiktoken'), join(out, 'o200k_base.tiktoken'));
console.log(`web page built in ${out}`);

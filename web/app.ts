/// <reference lib="dom" />
/**
 * The browser page: the runtime (tokenizer, harmony, engine, the webgpu backend) in one ES module.
 * Loads a checkpoint (URL or local files), then chats with streaming and visible reasoning.
 * Query parameters: ?model=URL loads at once; &raw=1 also shows the raw token stream.
 */
import { createWebGpuBackend } from '../src/backends/webgpu/create.js';
import { ChatEngine } from '../src/engine/chat-engine.js';
import type { PlainMessage } from '../src/engine/messages.js';
import type { Checkpoint } from '../src/format/checkpoint-types.js';
import { Transformer } from '../src/model/transformer.js';
import { O200kHarmonyTokenizer } from '../src/tokenizer/o200k-harmony.js';
import { setRankTable } from '../src/tokenizer/ranks-file.browser.js';
import { rankTableFromBytes } from '../src/tokenizer/ranks-parse.js';
import { loadFromFiles, loadFromUrl } from './checkpoint-loader.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (s: string): void => void ($('status').textContent = s);
const params = new URLSearchParams(location.search);
let engine: ChatEngine | undefined;
const messages: PlainMessage[] = [];

async function tokenizer(): Promise<O200kHarmonyTokenizer> {
  const bytes = new Uint8Array(await (await fetch('o200k_base.tiktoken')).arrayBuffer());
  const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const table = rankTableFromBytes('o200k_base.tiktoken', bytes, hash);
  // harmony's default tokenizer (used when none is passed) comes from the same table.
  setRankTable(table);
  return new O200kHarmonyTokenizer(table);
}

async function start(load: () => Promise<Checkpoint>): Promise<void> {
  try {
    if (!navigator.gpu) throw new Error('this browser has no WebGPU (navigator.gpu is undefined)');
    status('starting WebGPU…');
    const backend = await createWebGpuBackend({ gpu: navigator.gpu });
    $('adapter').textContent = `${backend.adapter.vendor} ${backend.adapter.architecture}`.trim();
    const [checkpoint, tok] = await Promise.all([load(), tokenizer()]);
    status('uploading weights to the GPU…');
    const model = Transformer.load(checkpoint, backend, { maxBatch: 64 });
    engine = new ChatEngine(model, tok, { contextLength: Math.min(4096, model.config.maxContextLength) });
    status(`ready: ${model.config.numHiddenLayers} layers, ${(checkpoint.totalBytes / 2 ** 20).toFixed(1)} MiB`);
    $<HTMLButtonElement>('send').disabled = false;
    document.body.dataset['state'] = 'ready';
  } catch (e) {
    status(`error: ${e instanceof Error ? e.message : String(e)}`);
    document.body.dataset['state'] = 'error';
  }
}

function bubble(cls: string, text = ''): HTMLElement {
  const div = document.createElement('div');
  div.className = cls;
  div.textContent = text;
  $('log').append(div);
  return div;
}

async function send(): Promise<void> {
  const input = $<HTMLTextAreaElement>('input');
  const text = input.value.trim();
  if (!engine || !text) return;
  input.value = '';
  $<HTMLButtonElement>('send').disabled = true;
  document.body.dataset['state'] = 'generating';
  messages.push({ role: 'user', content: text });
  bubble('user', text);
  const reasoning = bubble('reasoning');
  const answer = bubble('answer');
  const raw = params.get('raw') ? bubble('raw') : null;
  let reply = '';
  const t0 = performance.now();
  let tokens = 0;
  try {
    for await (const ev of engine.chat(messages, { maxTokens: Number(params.get('maxTokens') ?? 512), rawTokens: raw !== null, seed: 1 })) {
      if (ev.type === 'reasoning') reasoning.textContent += ev.delta;
      else if (ev.type === 'text') answer.textContent = reply += ev.delta;
      else if (ev.type === 'token' && raw) raw.textContent += ev.text;
      else if (ev.type === 'done') tokens = ev.usage.completionTokens;
      $('log').dataset['updates'] = String(Number($('log').dataset['updates'] ?? 0) + 1);
    }
    messages.push({ role: 'assistant', content: reply });
    status(`${tokens} tokens, ${(tokens / ((performance.now() - t0) / 1000)).toFixed(1)} tok/s`);
  } catch (e) {
    status(`error: ${e instanceof Error ? e.message : String(e)}`);
  }
  $<HTMLButtonElement>('send').disabled = false;
  document.body.dataset['state'] = 'ready';
}

$('load-url').addEventListener('click', () => {
  const url = $<HTMLInputElement>('url').value;
  void start(async () => (await loadFromUrl(url, (p) => status(`downloading ${p.what}: ${((100 * p.done) / Math.max(1, p.total)).toFixed(0)} %`))).checkpoint);
});
$<HTMLInputElement>('files').addEventListener('change', (ev) => {
  const files = (ev.target as HTMLInputElement).files;
  if (files) void start(() => loadFromFiles(files));
});
$('send').addEventListener('click', () => void send());
const preset = params.get('model');
if (preset) {
  $<HTMLInputElement>('url').value = preset;
  $('load-url').click();
}

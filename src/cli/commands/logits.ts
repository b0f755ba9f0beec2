import { writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { InvalidArgumentError, OutOfRangeError } from '../../core/errors.js';
import { BACKEND_NAMES } from '../../engine/index.js';
import { loadModel } from '../../engine/load-model.js';
import { EXPERTS_CHOICES, type ExpertsChoice } from '../../engine/index.js';
import { choiceOption, intOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: gpt-oss logits --model DIR --tokens 1,2,3 --out FILE [options]

Runs the model over a token sequence and writes the logits of every position as raw little-endian
float32, row-major [T, vocab] (row t = the prediction after tokens 0..t), to diff this runtime
against another implementation.

Options:
  --model DIR                 checkpoint directory (original/ or Hugging Face layout, or the repo root)
  --tokens IDS                comma-separated token ids
  --out FILE                  where to write the logits
  --backend ${BACKEND_NAMES.join('|')}    compute backend (default: the best available)
  --mode prefill|decode       prefill: one forward over all tokens (default); decode: one token at a time
  --chunk N                   prefill in forward calls of N tokens (default: all at once)
  --precision exact|fast      exact (default) meets the reference's float32 tolerance
  --threads N                 worker threads (cpu backend)
  --experts auto|copy|map     cpu backend: copy the MXFP4 experts into memory at load, read them in place, or auto (default: read in place at load, then copied while the model runs when the available memory, cgroup limits included, holds them with room for the KV cache)`;

export const logitsCommand: Command = {
  name: 'logits',
  summary: 'Write the logits of every position of a token sequence as raw float32',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('logits', argv, {
      model: { type: 'string' },
      tokens: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      mode: { type: 'string' },
      chunk: { type: 'string' },
      precision: { type: 'string' },
      threads: { type: 'string' },
      experts: { type: 'string' },
    });
    if (positionals.length > 0) throw new InvalidArgumentError(`gpt-oss logits: unexpected argument '${positionals[0]}'`);
    const model = required('model', values.model);
    const out = required('out', values.out);
    const tokens = parseTokens(required('tokens', values.tokens));
    const backend = values.backend === undefined ? undefined : choiceOption('logits', 'backend', values.backend, BACKEND_NAMES, 'ref');
    const mode = choiceOption('logits', 'mode', values.mode, ['prefill', 'decode'], 'prefill');
    const precision = choiceOption('logits', 'precision', values.precision, ['exact', 'fast'], 'exact');
    const chunk = intOption('logits', 'chunk', values.chunk, 0, 1);
    const threads = values.threads === undefined ? undefined : intOption('logits', 'threads', values.threads, 0, 1);
    const experts = choiceOption<ExpertsChoice>('logits', 'experts', values.experts, EXPERTS_CHOICES, 'auto');
    if (chunk > 0 && mode === 'decode') throw new InvalidArgumentError('gpt-oss logits: --chunk applies to --mode prefill only');

    const loaded = await loadModel(model, {
      ...(backend ? { backend } : {}),
      precision,
      ...(threads !== undefined ? { threads } : {}),
      experts,
      ...(chunk > 0 ? { maxBatch: Math.min(chunk, 128) } : {}),
      onWarning: (m) => void process.stderr.write(`gpt-oss: ${m}\n`),
    });
    try {
      const vocab = loaded.config.vocabSize;
      tokens.forEach((id, i) => {
        if (id >= vocab) {
          throw new OutOfRangeError(`gpt-oss logits: --tokens entry ${i} is ${id}, outside the vocabulary of ${model} (0 <= id < ${vocab})`);
        }
      });
      const { transformer } = loaded;
      const T = tokens.length;
      const cache = transformer.createKvCache({ slots: 1, capacity: T });
      const logits = new Float32Array(T * vocab);
      const step = mode === 'decode' ? 1 : chunk > 0 ? chunk : T;
      for (let start = 0; start < T; start += step) {
        const n = Math.min(step, T - start);
        const rows = Int32Array.from({ length: n }, (_, i) => i);
        const batch = {
          n,
          tokens: tokens.subarray(start, start + n),
          positions: Int32Array.from({ length: n }, (_, i) => start + i),
          slots: new Int32Array(n),
        };
        logits.set(await transformer.forward(batch, cache, rows), start * vocab);
      }
      writeFileSync(out, littleEndianBytes(logits));
      warnNonFinite(logits, vocab, out);
    } finally {
      loaded.dispose();
    }
    return 0;
  },
};

/** The file is still written (it is what the backend computed), but a broken result must not pass unnoticed. */
function warnNonFinite(logits: Float32Array, vocab: number, out: string): void {
  let count = 0;
  let first = -1;
  for (let i = 0; i < logits.length; i++) {
    if (Number.isFinite(logits[i]!)) continue;
    count++;
    if (first < 0) first = i;
  }
  if (count === 0) return;
  process.stderr.write(
    `gpt-oss: warning: ${count} of the ${logits.length} logits written to ${out} are not finite (NaN or Inf), ` +
      `the first at position ${Math.floor(first / vocab)}: the checkpoint or the backend is broken\n`,
  );
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new InvalidArgumentError(`gpt-oss logits: --${name} is required (see 'gpt-oss logits --help')`);
  return value;
}

function parseTokens(text: string): Int32Array {
  const parts = text.split(',').map((s) => s.trim());
  const ids = parts.map((s, i) => {
    const id = Number(s);
    if (s === '' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new InvalidArgumentError(`gpt-oss logits: --tokens entry ${i} is '${s}'; expected a non-negative integer token id`);
    }
    return id;
  });
  return Int32Array.from(ids);
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf;
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../core/errors.js';
import { PRESETS, resizeConfig, type PresetName } from '../../format/config-types.js';
import { convertToGguf, type GgufDenseType } from '../../format/gguf-convert.js';
import type { TiktokenVocab } from '../../format/gguf-vocab.js';
import { writeRandomCheckpoint } from '../../format/random-checkpoint.js';
import { loadRankTable } from '../../tokenizer/ranks-file.js';
import { buildSpecialTable, FIRST_SPECIAL_ID, VOCAB_SIZE } from '../../tokenizer/specials.js';
import { choiceOption, intOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: gpt-oss make-model --preset tiny|20b|120b --seed S --out DIR [--format original|hf|gguf] [--layers N] [--vocab N] [--dense q8_0|bf16]
       gpt-oss make-model --from CHECKPOINT --format gguf --out DIR [--dense q8_0|bf16]

Writes a random-weight checkpoint with the real tensor names, dtypes and layout, deterministic from the seed.
  --preset   tiny (4 layers, hidden 128, 8 experts, the real 201,088 vocabulary), 20b or 120b
  --seed     integer seed; the same seed gives the same bytes
  --out      output directory (an existing checkpoint directory there is replaced)
  --format   original (config.json + model.safetensors, default) or hf (transformers: config, shards, index),
             or gguf: llama.cpp's gpt-oss file, DIR/model.gguf (with --preset, the checkpoint it is made
             from is kept in DIR/original/, so our runtime and llama.cpp can run the same weights)
  --from     convert an existing checkpoint (either layout) to DIR/model.gguf instead of making one
  --dense    gguf only: dense matrices as q8_0 (llama.cpp's official layout, default) or bf16;
             experts stay MXFP4, norms, biases, sinks and the router F32
  --layers   override the number of layers
  --vocab    override the vocabulary size`;

/** The o200k_harmony vocabulary as the transformers tokenizer defines it: ranks, then 21 specials (199998..200018). */
function harmonyVocab(): TiktokenVocab {
  const ranks = loadRankTable();
  const names = buildSpecialTable().names;
  const specials = new Map<number, string>();
  for (let id = FIRST_SPECIAL_ID; id <= 200018 && id < VOCAB_SIZE; id++) specials.set(id, names[id - FIRST_SPECIAL_ID]!);
  return { bytes: ranks.bytes, offsets: ranks.offsets, specials, vocabSize: VOCAB_SIZE, bosId: 199998, eosId: 200002, padId: 199999 };
}

function writeGgufFile(from: string, outDir: string, dense: GgufDenseType): void {
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const r = convertToGguf(from, join(outDir, 'model.gguf'), { denseType: dense, vocab: harmonyVocab() });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`wrote ${r.file} (gguf, dense ${dense}, ${r.tensors} tensors, ${(r.bytes / 1e9).toFixed(3)} GB) from ${from} in ${secs} s\n`);
}

export const makeModelCommand: Command = {
  name: 'make-model',
  summary: 'Write a random-weight checkpoint with the real layout',
  usage,
  run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('make-model', argv, {
      preset: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      layers: { type: 'string' },
      vocab: { type: 'string' },
      from: { type: 'string' },
      dense: { type: 'string' },
    });
    if (positionals.length > 0) {
      throw new InvalidArgumentError(`gpt-oss make-model: unexpected argument '${positionals[0]}' (see 'gpt-oss make-model --help')`);
    }
    const dense = choiceOption<GgufDenseType>('make-model', 'dense', values.dense, ['q8_0', 'bf16'], 'q8_0');
    if (values.from !== undefined) {
      if (values.format !== 'gguf') throw new InvalidArgumentError('gpt-oss make-model: --from converts to GGUF only: add --format gguf');
      if (values.preset !== undefined) throw new InvalidArgumentError('gpt-oss make-model: give --from or --preset, not both');
      if (values.out === undefined) throw new InvalidArgumentError('gpt-oss make-model: --out DIR is required');
      writeGgufFile(values.from, values.out, dense);
      return Promise.resolve(0);
    }
    if (values.preset === undefined) throw new InvalidArgumentError('gpt-oss make-model: --preset is required (tiny, 20b or 120b)');
    const preset = choiceOption<PresetName>('make-model', 'preset', values.preset, ['tiny', '20b', '120b'], 'tiny');
    if (values.seed === undefined) throw new InvalidArgumentError('gpt-oss make-model: --seed is required (an integer)');
    const seed = intOption('make-model', 'seed', values.seed, 0, 0);
    if (values.out === undefined) throw new InvalidArgumentError('gpt-oss make-model: --out DIR is required');
    const format = choiceOption('make-model', 'format', values.format, ['original', 'hf', 'gguf'] as const, 'original');
    if (values.dense !== undefined && format !== 'gguf') throw new InvalidArgumentError('gpt-oss make-model: --dense applies to --format gguf only');
    const layout = format === 'gguf' ? 'original' : format;
    const ckptDir = format === 'gguf' ? join(values.out, 'original') : values.out;
    const base = PRESETS[preset];
    const config = resizeConfig(base, {
      layers: intOption('make-model', 'layers', values.layers, base.numHiddenLayers, 1),
      vocab: intOption('make-model', 'vocab', values.vocab, base.vocabSize, 1),
    });
    const started = Date.now();
    const written = writeRandomCheckpoint({ config, seed, layout, out: ckptDir });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `wrote ${layout} checkpoint (${preset}, ${config.numHiddenLayers} layers, vocab ${config.vocabSize}, seed ${seed}) to ${written.dir}: ` +
        `${written.files.length} file(s), ${(written.totalBytes / 1e9).toFixed(3)} GB of tensors in ${secs} s\n`,
    );
    if (format === 'gguf') writeGgufFile(written.dir, values.out, dense);
    return Promise.resolve(0);
  },
};

import { InvalidArgumentError } from '../../core/errors.js';
import { PRESETS, resizeConfig, type PresetName } from '../../format/config-types.js';
import { writeRandomCheckpoint } from '../../format/random-checkpoint.js';
import { choiceOption, intOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: gpt-oss make-model --preset tiny|20b|120b --seed S --out DIR [--format original|hf] [--layers N] [--vocab N]

Writes a random-weight checkpoint with the real tensor names, dtypes and layout, deterministic from the seed.
  --preset   tiny (4 layers, hidden 128, 8 experts, the real 201,088 vocabulary), 20b or 120b
  --seed     integer seed; the same seed gives the same bytes
  --out      output directory (an existing checkpoint directory there is replaced)
  --format   original (config.json + model.safetensors, default) or hf (transformers: config, shards, index)
  --layers   override the number of layers
  --vocab    override the vocabulary size`;

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
    });
    if (positionals.length > 0) {
      throw new InvalidArgumentError(`gpt-oss make-model: unexpected argument '${positionals[0]}' (see 'gpt-oss make-model --help')`);
    }
    if (values.preset === undefined) throw new InvalidArgumentError('gpt-oss make-model: --preset is required (tiny, 20b or 120b)');
    const preset = choiceOption<PresetName>('make-model', 'preset', values.preset, ['tiny', '20b', '120b'], 'tiny');
    if (values.seed === undefined) throw new InvalidArgumentError('gpt-oss make-model: --seed is required (an integer)');
    const seed = intOption('make-model', 'seed', values.seed, 0, 0);
    if (values.out === undefined) throw new InvalidArgumentError('gpt-oss make-model: --out DIR is required');
    const layout = choiceOption('make-model', 'format', values.format, ['original', 'hf'] as const, 'original');
    const base = PRESETS[preset];
    const config = resizeConfig(base, {
      layers: intOption('make-model', 'layers', values.layers, base.numHiddenLayers, 1),
      vocab: intOption('make-model', 'vocab', values.vocab, base.vocabSize, 1),
    });
    const started = Date.now();
    const written = writeRandomCheckpoint({ config, seed, layout, out: values.out });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `wrote ${layout} checkpoint (${preset}, ${config.numHiddenLayers} layers, vocab ${config.vocabSize}, seed ${seed}) to ${written.dir}: ` +
        `${written.files.length} file(s), ${(written.totalBytes / 1e9).toFixed(3)} GB of tensors in ${secs} s\n`,
    );
    return Promise.resolve(0);
  },
};

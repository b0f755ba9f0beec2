import { InvalidArgumentError } from '../../core/errors.js';
import { nativeKernels } from '../../engine/index.js';
import { shapeToString } from '../../core/tensor.js';
import { openCheckpoint } from '../../format/checkpoint.js';
import type { ModelConfig } from '../../format/config-types.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: gpt-oss inspect DIR [--json]

Shows a checkpoint's layout (original or transformers), its config and every tensor (name, dtype, shape, bytes),
and the cpu backend's kernels on this machine (avx512-vnni, avx2 or scalar, per kernel family where they differ).
DIR may be a hub repository root (with original/ beside it), original/ itself, or a make-model output.
  --json   print the same as one JSON object`;

/** The config as `inspect` and `show` print it. */
export function configLines(c: ModelConfig): string[] {
  const sliding = c.layerSliding.map((s) => (s ? 'S' : 'F')).join('');
  return [
    `  layers ${c.numHiddenLayers} (attention per layer: ${sliding}; S = sliding window ${c.slidingWindow}, F = full)`,
    `  hidden ${c.hiddenSize}, intermediate ${c.intermediateSize}, vocab ${c.vocabSize}`,
    `  heads ${c.numAttentionHeads} query / ${c.numKeyValueHeads} key-value, head_dim ${c.headDim}`,
    `  experts ${c.numExperts}, top-${c.expertsPerToken}, swiglu limit ${c.swigluLimit}`,
    `  rope theta ${c.ropeTheta}, scaling factor ${c.ropeScalingFactor} (ntk alpha ${c.ropeNtkAlpha}, beta ${c.ropeNtkBeta}) from ${c.initialContextLength}: context ${c.maxContextLength}`,
    `  rms norm eps ${c.rmsNormEps}`,
  ];
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show a checkpoint layout, config and tensors',
  usage,
  run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('inspect', argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1) {
      throw new InvalidArgumentError(`gpt-oss inspect: expected one checkpoint directory, got ${positionals.length} arguments (see 'gpt-oss inspect --help')`);
    }
    const ck = openCheckpoint(positionals[0]!);
    const native = nativeKernels();
    try {
      const tensors = ck.tensorNames().map((name) => ({ name, ...ck.tensorInfo(name)! }));
      if (values.json) {
        const out = { dir: ck.dir, layout: ck.layout, files: ck.files, config: ck.config, totalBytes: ck.totalBytes, kernels: 'kernels' in native ? native.kernels : null, tensors };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return Promise.resolve(0);
      }
      const lines = [
        `checkpoint ${ck.dir}`,
        `layout     ${ck.layout === 'hf' ? 'hf (transformers, MXFP4 experts)' : 'original'}`,
        `files      ${ck.files.join(', ')}`,
        `tensors    ${tensors.length}, ${(ck.totalBytes / 1e9).toFixed(3)} GB used by the model`,
        `kernels    ${'summary' in native ? `${native.summary} (the cpu backend on this machine)` : `none: ${native.unavailable}`}`,
        'config',
        ...configLines(ck.config),
        '',
      ];
      const width = Math.max(4, ...tensors.map((t) => t.name.length));
      const shapes = tensors.map((t) => shapeToString(t.shape));
      const shapeWidth = Math.max(5, ...shapes.map((s) => s.length));
      lines.push(`${'name'.padEnd(width)}  dtype  ${'shape'.padEnd(shapeWidth)}  ${'bytes'.padStart(14)}`);
      tensors.forEach((t, i) => {
        lines.push(`${t.name.padEnd(width)}  ${t.dtype.padEnd(5)}  ${shapes[i]!.padEnd(shapeWidth)}  ${String(t.bytes).padStart(14)}`);
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      ck.close();
    }
    return Promise.resolve(0);
  },
};

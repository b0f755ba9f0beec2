import type { RopeParams } from '../backends/backend.js';
import { ConfigError } from '../core/errors.js';
import { yarnRamp } from '../format/config-parse.js';
import type { ModelConfig } from '../format/config-types.js';

const f = Math.fround;

/**
 * The reference's RotaryEmbedding._compute_concentration_and_inv_freq, with every tensor op rounded to
 * f32 where torch computes in f32 (the scalars low/high stay f64, as Python computes them). YaRN when
 * the scaling factor is above 1: NTK-by-parts ramp between `low` and `high` (from beta and alpha),
 * blending interpolated (1 / (factor * freq)) and extrapolated (1 / freq) frequencies, with the
 * attention "concentration" 0.1 ln(factor) + 1 applied to cos and sin. Plain RoPE otherwise.
 */
export function ropeParams(config: ModelConfig): RopeParams {
  const { headDim, ropeTheta: base, ropeScalingFactor: factor, initialContextLength: ctx } = config;
  const half = headDim / 2;
  // freq = base ** (arange(0, hd, 2) / hd), in f32.
  const freq = Float32Array.from({ length: half }, (_, i) => f(base ** f((2 * i) / headDim)));
  const invFreq = new Float32Array(half);
  if (factor > 1) {
    const concentration = 0.1 * Math.log(factor) + 1;
    // the config reader refuses these (naming the file); configs built in code are checked here
    const { low, high } = yarnRamp(config);
    if (!(0 < low && low < high && high < half - 1)) {
      throw new ConfigError(
        `YaRN needs 0 < low < high < head_dim/2 - 1, got low ${low}, high ${high} from head_dim ${headDim}, ` +
          `initial_context_length ${ctx}, rope_theta ${base}, rope_ntk_alpha ${config.ropeNtkAlpha}, rope_ntk_beta ${config.ropeNtkBeta}`,
      );
    }
    const lowF = f(low);
    const span = f(high - low);
    for (let i = 0; i < half; i++) {
      const interpolation = f(1 / f(factor * freq[i]!));
      const extrapolation = f(1 / freq[i]!);
      const ramp = f(f(i - lowF) / span);
      const mask = f(1 - Math.min(Math.max(ramp, 0), 1));
      invFreq[i] = f(f(interpolation * f(1 - mask)) + f(extrapolation * mask));
    }
    return { invFreq, concentration };
  }
  for (let i = 0; i < half; i++) invFreq[i] = f(1 / freq[i]!);
  return { invFreq, concentration: 1 };
}

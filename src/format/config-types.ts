/**
 * The model's hyper-parameters, in the names of the reference's `ModelConfig` (gpt_oss/torch/model.py),
 * camelCased. Both checkpoint layouts' config.json files are read into this one shape.
 */
export interface ModelConfig {
  numHiddenLayers: number;
  numExperts: number;
  expertsPerToken: number;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  swigluLimit: number;
  headDim: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  slidingWindow: number;
  initialContextLength: number;
  ropeTheta: number;
  ropeScalingFactor: number;
  ropeNtkAlpha: number;
  ropeNtkBeta: number;
  /** Longest context the model is meant for: initialContextLength * ropeScalingFactor (131,072 for the released models). */
  maxContextLength: number;
  rmsNormEps: number;
  /** Per layer: does it use the sliding window? The released models: even layers slide, odd layers are full. */
  layerSliding: readonly boolean[];
}

export type PresetName = 'tiny' | '20b' | '120b';

const released = {
  vocabSize: 201088,
  hiddenSize: 2880,
  intermediateSize: 2880,
  swigluLimit: 7.0,
  headDim: 64,
  numAttentionHeads: 64,
  numKeyValueHeads: 8,
  slidingWindow: 128,
  initialContextLength: 4096,
  ropeTheta: 150000,
  ropeScalingFactor: 32.0,
  ropeNtkAlpha: 1.0,
  ropeNtkBeta: 32.0,
  rmsNormEps: 1e-5,
  expertsPerToken: 4,
} as const;

export function alternatingSliding(layers: number): boolean[] {
  return Array.from({ length: layers }, (_, i) => i % 2 === 0);
}

function withDerived(c: Omit<ModelConfig, 'maxContextLength' | 'layerSliding'>): ModelConfig {
  return {
    ...c,
    maxContextLength: Math.round(c.initialContextLength * c.ropeScalingFactor),
    layerSliding: alternatingSliding(c.numHiddenLayers),
  };
}

/** gpt-oss-20b, gpt-oss-120b as published, and a tiny shape with the real vocabulary for tests. */
export const PRESETS: Readonly<Record<PresetName, ModelConfig>> = {
  '20b': withDerived({ ...released, numHiddenLayers: 24, numExperts: 32 }),
  '120b': withDerived({ ...released, numHiddenLayers: 36, numExperts: 128 }),
  tiny: withDerived({
    ...released,
    numHiddenLayers: 4,
    numExperts: 8,
    hiddenSize: 128,
    intermediateSize: 128,
    numAttentionHeads: 4,
    numKeyValueHeads: 1,
    slidingWindow: 16,
  }),
};

/** A config with layer count and vocabulary changed, derived fields kept consistent. */
export function resizeConfig(c: ModelConfig, changes: { layers?: number; vocab?: number }): ModelConfig {
  const numHiddenLayers = changes.layers ?? c.numHiddenLayers;
  return {
    ...c,
    numHiddenLayers,
    vocabSize: changes.vocab ?? c.vocabSize,
    layerSliding: alternatingSliding(numHiddenLayers),
  };
}

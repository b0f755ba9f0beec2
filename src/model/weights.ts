import type { Backend, MoeWeights, Weight } from '../backends/backend.js';
import { throwIfAborted } from '../core/errors.js';
import type { Checkpoint } from '../format/checkpoint-types.js';

/** One transformer block's weights on a backend (shapes: H hidden, nh/nkv heads, hd head_dim). */
export interface LayerWeights {
  attnNorm: Weight; // [H]
  q: Weight; // [nh*hd, H]
  qBias: Weight; // [nh*hd]
  k: Weight; // [nkv*hd, H]
  kBias: Weight; // [nkv*hd]
  v: Weight; // [nkv*hd, H]
  vBias: Weight; // [nkv*hd]
  sinks: Weight; // [nh]
  out: Weight; // [H, nh*hd]
  outBias: Weight; // [H]
  mlpNorm: Weight; // [H]
  moe: MoeWeights;
}

export interface ModelWeights {
  embedding: Weight; // [V, H]
  layers: LayerWeights[];
  finalNorm: Weight; // [H]
  unembedding: Weight; // [V, H]
}

export interface LoadWeightsOptions {
  /** Called after each layer is on the backend, with the number of layers loaded so far. */
  onLayerLoaded?: (loaded: number) => void;
  signal?: AbortSignal;
}

/** Hands every tensor of the checkpoint to the backend, saying how each is used. */
export function loadWeights(checkpoint: Checkpoint, backend: Backend, options: LoadWeightsOptions = {}): ModelWeights {
  const embedding = backend.loadWeight(checkpoint.embedding(), 'embedding');
  const layers: LayerWeights[] = [];
  for (let i = 0; i < checkpoint.config.numHiddenLayers; i++) {
    throwIfAborted(options.signal);
    const t = checkpoint.layer(i);
    layers.push({
      attnNorm: backend.loadWeight(t.attnNorm, 'vector'),
      q: backend.loadWeight(t.qWeight, 'linear'),
      qBias: backend.loadWeight(t.qBias, 'vector'),
      k: backend.loadWeight(t.kWeight, 'linear'),
      kBias: backend.loadWeight(t.kBias, 'vector'),
      v: backend.loadWeight(t.vWeight, 'linear'),
      vBias: backend.loadWeight(t.vBias, 'vector'),
      sinks: backend.loadWeight(t.sinks, 'vector'),
      out: backend.loadWeight(t.outWeight, 'linear'),
      outBias: backend.loadWeight(t.outBias, 'vector'),
      mlpNorm: backend.loadWeight(t.mlpNorm, 'vector'),
      moe: {
        gate: backend.loadWeight(t.gateWeight, 'linear'),
        gateBias: backend.loadWeight(t.gateBias, 'vector'),
        mlp1: backend.loadWeight(t.mlp1, 'experts'),
        mlp1Bias: backend.loadWeight(t.mlp1Bias, 'expertsBias'),
        mlp2: backend.loadWeight(t.mlp2, 'experts'),
        mlp2Bias: backend.loadWeight(t.mlp2Bias, 'expertsBias'),
      },
    });
    options.onLayerLoaded?.(i + 1);
  }
  const weights = {
    embedding,
    layers,
    finalNorm: backend.loadWeight(checkpoint.finalNorm(), 'vector'),
    unembedding: backend.loadWeight(checkpoint.unembedding(), 'linear'),
  };
  backend.loadDone?.();
  return weights;
}

import type { Mxfp4Data, TensorData } from '../core/tensor.js';
import type { ModelConfig } from './config-types.js';

export type CheckpointLayout = 'original' | 'hf';

/**
 * One layer's tensors under layout-independent names. In the original layout q/k/v are row slices
 * of `attn.qkv` (views, not copies); in the Hugging Face layout they are separate tensors.
 * Shapes: H hidden, nh/nkv heads, hd head_dim, E experts, I intermediate.
 */
export interface LayerTensors {
  attnNorm: TensorData; // [H]
  qWeight: TensorData; // [nh*hd, H]
  qBias: TensorData; // [nh*hd]
  kWeight: TensorData; // [nkv*hd, H]
  kBias: TensorData; // [nkv*hd]
  vWeight: TensorData; // [nkv*hd, H]
  vBias: TensorData; // [nkv*hd]
  sinks: TensorData; // [nh]
  outWeight: TensorData; // [H, nh*hd]
  outBias: TensorData; // [H]
  mlpNorm: TensorData; // [H]
  gateWeight: TensorData; // [E, H]
  gateBias: TensorData; // [E]
  mlp1: Mxfp4Data; // logical [E, 2I, H], rows alternate glu / linear
  mlp1Bias: TensorData; // [E, 2I]
  mlp2: Mxfp4Data; // logical [E, H, I]
  mlp2Bias: TensorData; // [E, H]
}

/** An opened checkpoint: config plus lazily read, validated tensors. */
export interface Checkpoint {
  readonly dir: string;
  readonly layout: CheckpointLayout;
  readonly config: ModelConfig;
  embedding(): TensorData; // [V, H]
  layer(index: number): LayerTensors;
  finalNorm(): TensorData; // [H]
  unembedding(): TensorData; // [V, H]
  /** Total bytes of the checkpoint's tensor data. */
  readonly totalBytes: number;
  close(): void;
}

import type { Backend, Tensor } from '../backends/backend.js';
import type { ModelConfig } from '../format/config-types.js';

/**
 * The activations of one forward step, allocated once for maxBatch tokens; each step takes views of
 * its first n rows. The logits buffer grows on demand (a decode step needs one row of V, not maxBatch).
 */
export class State {
  readonly x: Tensor; // [B, H] the residual stream
  readonly t: Tensor; // [B, H] normed input of a block
  readonly q: Tensor; // [B, nh*hd]
  readonly k: Tensor; // [B, nkv*hd]
  readonly v: Tensor; // [B, nkv*hd]
  readonly attn: Tensor; // [B, nh*hd]
  readonly blockOut: Tensor; // [B, H] output of a block before the residual add
  readonly gathered: Tensor; // [B, H] rows whose logits are wanted
  readonly normed: Tensor; // [B, H] those rows after the final norm
  private logitsBuffer: Tensor | null = null; // [R, V]

  constructor(
    private readonly backend: Backend,
    private readonly config: ModelConfig,
    readonly maxBatch: number,
  ) {
    const { hiddenSize: H, numAttentionHeads: nh, numKeyValueHeads: nkv, headDim: hd } = config;
    const make = (cols: number): Tensor => backend.createTensor(maxBatch, cols);
    this.x = make(H);
    this.t = make(H);
    this.q = make(nh * hd);
    this.k = make(nkv * hd);
    this.v = make(nkv * hd);
    this.attn = make(nh * hd);
    this.blockOut = make(H);
    this.gathered = make(H);
    this.normed = make(H);
  }

  /** A [rows, V] logits tensor, reusing the last one when it is big enough. */
  logits(rows: number): Tensor {
    if (!this.logitsBuffer || this.logitsBuffer.rows < rows) {
      this.logitsBuffer = this.backend.createTensor(rows, this.config.vocabSize);
    }
    return this.backend.view(this.logitsBuffer, rows);
  }
}

import type { Candidates } from './candidates.js';

/**
 * One link of a sampling chain (llama.cpp's llama_sampler_i): `apply` narrows or reshapes the
 * candidates of one step; `accept` sees the token finally chosen (for stateful links such as
 * penalties); `reset` forgets per-sequence state.
 */
export interface Sampler {
  readonly name: string;
  apply(candidates: Candidates): void;
  accept?(token: number): void;
  reset?(): void;
}

/** A chain of links applied in order; itself a Sampler. */
export class SamplerChain implements Sampler {
  readonly name = 'chain';
  readonly links: Sampler[];

  constructor(links: Sampler[] = []) {
    this.links = links;
  }

  add(link: Sampler): this {
    this.links.push(link);
    return this;
  }

  apply(candidates: Candidates): void {
    for (const link of this.links) {
      if (candidates.size === 0) return;
      link.apply(candidates);
    }
  }

  accept(token: number): void {
    for (const link of this.links) link.accept?.(token);
  }

  reset(): void {
    for (const link of this.links) link.reset?.();
  }
}

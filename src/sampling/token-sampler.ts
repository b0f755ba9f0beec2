import { InvalidArgumentError } from '../core/errors.js';
import { Candidates, topIndices } from './candidates.js';
import { FusedSampler } from './fused-sampler.js';
import { logitBias, minP, temperature, topK, topP } from './links.js';
import { Rng } from './rng.js';
import { SamplerChain, type Sampler } from './sampler.js';

export interface SamplingOptions {
  /** 0 = greedy (argmax); default 1. */
  temperature?: number;
  /** Nucleus mass in (0, 1]; default 1 (off). */
  topP?: number;
  /** Keep the k most likely tokens; 0 or absent = off. */
  topK?: number;
  /** Drop tokens below minP times the top probability; 0 or absent = off. */
  minP?: number;
  /** Makes the random draws reproducible. */
  seed?: number;
  /** Added to chosen tokens' logits before anything else (-Infinity bans a token). */
  logitBias?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

/** Per-step constraints: the tokens allowed at this step (constrained decoding) and logprob requests. */
export interface StepOptions {
  /** mask[id] !== 0 allows token id. */
  mask?: Uint8Array;
  /** Only these token ids are allowed (combined with `mask` when both are given). */
  allowedIds?: ArrayLike<number>;
  /** Report the chosen token's log-probability and this many top alternatives. */
  logprobs?: number;
}

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export interface SampleResult {
  token: number;
  /** log softmax of the model's raw logits (before temperature, truncation and masks), when asked. */
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

/**
 * The whole per-step pick: mask -> chain (bias, temperature, top-k, top-p, min-p) -> greedy at
 * temperature 0, else a draw from the remaining distribution with the sampler's own seeded RNG.
 */
export class TokenSampler {
  readonly chain: SamplerChain;
  readonly options: Readonly<SamplingOptions>;
  private readonly greedy: boolean;
  private readonly rng: Rng;
  private readonly candidates = new Candidates(0);
  /** The links this sampler built: while the chain holds exactly these, the fused path applies. */
  private readonly builtLinks: readonly Sampler[];
  private readonly fused: FusedSampler | undefined;

  constructor(options: SamplingOptions = {}) {
    const t = options.temperature ?? 1;
    if (!(t >= 0) || !Number.isFinite(t)) throw new InvalidArgumentError(`temperature must be a finite number >= 0, got ${t}`);
    if (options.seed !== undefined && !Number.isFinite(options.seed)) {
      throw new InvalidArgumentError(`seed must be a finite number, got ${options.seed}`);
    }
    this.options = { ...options };
    this.greedy = t === 0;
    const links: Sampler[] = [];
    if (options.logitBias) links.push(logitBias(options.logitBias));
    if (!this.greedy) {
      links.push(temperature(t));
      if (options.topK !== undefined) links.push(topK(options.topK));
      if (options.topP !== undefined) links.push(topP(options.topP));
      if (options.minP !== undefined) links.push(minP(options.minP));
    } else {
      // Validate the ignored options anyway, so a typo is reported whatever the temperature.
      if (options.topK !== undefined) topK(options.topK);
      if (options.topP !== undefined) topP(options.topP);
      if (options.minP !== undefined) minP(options.minP);
    }
    this.chain = new SamplerChain(links);
    this.builtLinks = [...links];
    this.rng = new Rng(options.seed);
    this.fused =
      this.greedy || options.logitBias
        ? undefined
        : new FusedSampler({ temperature: t, topK: options.topK ?? 0, topP: options.topP ?? 1, minP: options.minP ?? 0 });
  }

  sample(logits: Float32Array, step: StepOptions = {}): SampleResult {
    let token = -1;
    if (step.mask === undefined && step.allowedIds === undefined && this.chainIsBuilt()) {
      // The usual step: no per-step constraint and the standard chain, fused into a few passes.
      if (this.greedy) token = this.options.logitBias ? -1 : argmaxRow(logits);
      else if (this.fused) token = this.fused.sample(logits, this.rng);
    }
    if (token < 0) token = this.sampleWithChain(logits, step);
    const result: SampleResult = { token };
    if (step.logprobs !== undefined) Object.assign(result, logprobsOf(logits, token, step.logprobs));
    return result;
  }

  /** The general path: candidates copied out of the row, each link applied in turn, then the pick. */
  private sampleWithChain(logits: Float32Array, step: StepOptions): number {
    const c = this.candidates;
    c.load(logits, step.mask, step.allowedIds);
    if (c.size === 0) throw new InvalidArgumentError('sampling: the token mask allows no token of the vocabulary');
    this.chain.apply(c);
    const token = this.greedy ? argmax(c) : draw(c, this.rng);
    if (token < 0) throw new InvalidArgumentError('sampling: every allowed token has probability 0 (all logits are -Infinity)');
    return token;
  }

  private chainIsBuilt(): boolean {
    const links = this.chain.links;
    if (links.length !== this.builtLinks.length) return false;
    for (let i = 0; i < links.length; i++) if (links[i] !== this.builtLinks[i]) return false;
    return true;
  }

  accept(token: number): void {
    this.chain.accept(token);
  }

  /** Forget per-sequence state; with `seed`, restart the random stream too. */
  reset(seed?: number): void {
    this.chain.reset();
    if (seed !== undefined) this.rng.seed(seed);
    else if (this.options.seed !== undefined) this.rng.seed(this.options.seed);
  }
}

/** Argmax of the raw row, ties to the lower id; -1 when no logit exceeds -Infinity (NaN never wins). */
function argmaxRow(row: Float32Array): number {
  let best = -1;
  let bestLogit = -Infinity;
  for (let i = 0; i < row.length; i++) {
    const l = row[i]!;
    if (l > bestLogit) {
      best = i;
      bestLogit = l;
    }
  }
  return best;
}

function argmax(c: Candidates): number {
  let best = -1;
  let bestLogit = -Infinity;
  for (let i = 0; i < c.size; i++) {
    const l = c.logits[i]!;
    const id = c.ids[i]!;
    if (l > bestLogit || (l === bestLogit && l !== -Infinity && id < best)) {
      best = id;
      bestLogit = l;
    }
  }
  return best;
}

function draw(c: Candidates, rng: Rng): number {
  c.normalize();
  const u = rng.nextFloat();
  let cum = 0;
  let last = -1;
  for (let i = 0; i < c.size; i++) {
    const p = c.probs[i]!;
    if (p <= 0) continue;
    last = c.ids[i]!;
    cum += p;
    if (u < cum) return last;
  }
  // Rounding left the sum a hair below 1: the last token with mass takes the remainder.
  return last;
}

/** Log-softmax of the raw logits row: the chosen token's value and the top n alternatives. */
export function logprobsOf(logits: Float32Array, token: number, n: number): { logprob: number; topLogprobs: TokenLogprob[] } {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`logprobs: expected an integer >= 0, got ${n}`);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  const topLogprobs: TokenLogprob[] = [];
  if (n > 0) {
    const ids = identity(logits.length);
    for (const j of topIndices(logits, ids, logits.length, n)) topLogprobs.push({ token: j, logprob: logits[j]! - lse });
  }
  return { logprob: logits[token]! - lse, topLogprobs };
}

let identityCache = new Int32Array(0);
function identity(n: number): Int32Array {
  if (identityCache.length < n) identityCache = Int32Array.from({ length: n }, (_, i) => i);
  return identityCache;
}

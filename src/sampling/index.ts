export { Candidates } from './candidates.js';
export { logitBias, minP, temperature, topK, topP } from './links.js';
export { Rng } from './rng.js';
export { SamplerChain, type Sampler } from './sampler.js';
export {
  TokenSampler,
  logprobsOf,
  type SampleResult,
  type SamplingOptions,
  type StepOptions,
  type TokenLogprob,
} from './token-sampler.js';

import { isGptOssError } from '../core/errors.js';
import { logprobsOf, type SampleResult, type StepOptions, type TokenLogprob, type TokenSampler } from '../sampling/index.js';
import type { GuideStep, TokenGuide } from './constrained/token-guide.js';
import { assertFiniteLogits } from './finite-logits.js';
import type { Session } from './session.js';

export interface TokenLoopOptions {
  sampler: TokenSampler;
  /** Sampling one of these ends the loop (the token is reported, not fed back). */
  stopTokens: readonly number[];
  /** Most tokens to sample (>= 1). */
  maxTokens: number;
  signal?: AbortSignal;
  /** Report logprobs of each chosen token and this many alternatives. */
  logprobs?: number;
  /** Per-step constraints (constrained decoding): called with the tokens generated so far. */
  constrain?: (generated: readonly number[]) => StepOptions | undefined;
  /** The harmony structure and content constraints (constrained/turn-guide.ts), told every token emitted. */
  guide?: TokenGuide;
}

export interface TokenStep {
  kind: 'token';
  token: number;
  /** Chosen by the guide, not sampled (the format left no choice, or the engine closed a message). */
  forced?: boolean;
  logprob?: number;
  topLogprobs?: TokenLogprob[];
}

export interface LoopEnd {
  kind: 'end';
  reason: 'stop' | 'length' | 'aborted';
  /** The stop token that ended the loop, when reason is 'stop'. */
  stopToken?: number;
  promptTokens: number;
  prefilledTokens: number;
  reusedTokens: number;
  completionTokens: number;
  prefillS: number;
  /** From the loop's start to the first sampled token (undefined when none was sampled). */
  firstTokenS?: number;
  /** From the first sampled token to the end. */
  decodeS: number;
}

const now = (): number => performance.now() / 1000;

function isAbort(e: unknown): boolean {
  return isGptOssError(e) && e.code === 'aborted';
}

/**
 * prefill -> (sample -> report -> stop? -> feed back) until a stop token, the token budget, a full
 * context or the signal. Cancellation is noticed before every step, and a forward call in flight
 * is handed the signal, so at most the current step completes after an abort.
 */
export async function* generateTokens(session: Session, prompt: readonly number[], options: TokenLoopOptions): AsyncGenerator<TokenStep | LoopEnd> {
  const { sampler, stopTokens, maxTokens, signal } = options;
  const t0 = now();
  let firstAt: number | undefined;
  let count = 0;
  let usage = { promptTokens: prompt.length, prefilledTokens: 0, reusedTokens: 0 };
  let prefillS = 0;
  const end = (reason: LoopEnd['reason'], stopToken?: number): LoopEnd => {
    const t = now();
    const result: LoopEnd = { kind: 'end', reason, ...usage, completionTokens: count, prefillS, decodeS: firstAt === undefined ? 0 : t - firstAt };
    if (firstAt !== undefined) result.firstTokenS = firstAt - t0;
    if (stopToken !== undefined) result.stopToken = stopToken;
    return result;
  };

  let logits: Float32Array;
  try {
    const pre = await session.prefill(prompt, signal);
    logits = pre.logits;
    usage = { promptTokens: prompt.length, prefilledTokens: pre.prefilled, reusedTokens: pre.reused };
    prefillS = now() - t0;
  } catch (e) {
    if (!isAbort(e)) throw e;
    prefillS = now() - t0;
    yield end('aborted');
    return;
  }

  const generated: number[] = [];
  for (;;) {
    if (signal?.aborted) {
      yield end('aborted');
      return;
    }
    // the row predicts the token after the last one in the session, at that position
    assertFiniteLogits(logits, session.tokens.length - 1);
    const step = options.constrain?.(generated) ?? {};
    if (options.logprobs !== undefined) step.logprobs = options.logprobs;
    const guided = options.guide?.next(Math.min(maxTokens - count, session.capacity - session.tokens.length));
    if (guided?.kind === 'stop') {
      yield end('length');
      return;
    }
    const picked = guided === undefined ? sampler.sample(logits, step) : sampleGuided(sampler, logits, step, guided);
    options.guide?.accept(picked.token);
    sampler.accept(picked.token);
    count++;
    generated.push(picked.token);
    firstAt ??= now();
    const out: TokenStep = { kind: 'token', token: picked.token };
    if (guided?.kind === 'forced') out.forced = true;
    if (picked.logprob !== undefined) out.logprob = picked.logprob;
    if (picked.topLogprobs !== undefined) out.topLogprobs = picked.topLogprobs;
    yield out;
    if (stopTokens.includes(picked.token)) {
      yield end('stop', picked.token);
      return;
    }
    if (count >= maxTokens || session.tokens.length + 1 >= session.capacity) {
      yield end('length');
      return;
    }
    if (signal?.aborted) {
      yield end('aborted');
      return;
    }
    try {
      // this step's logits are read no more: their memory may take the next step's
      logits = await session.append(picked.token, signal, logits);
    } catch (e) {
      if (!isAbort(e)) throw e;
      yield end('aborted');
      return;
    }
  }
}

/** One pick under the guide's step (and the `constrain` hook's, when both are given: their intersection). */
function sampleGuided(sampler: TokenSampler, logits: Float32Array, step: StepOptions, g: Exclude<GuideStep, { kind: 'stop' }>): SampleResult {
  if (g.kind === 'forced') {
    const result: SampleResult = { token: g.token };
    if (step.logprobs !== undefined) Object.assign(result, logprobsOf(logits, g.token, step.logprobs));
    return result;
  }
  const hooked = step.mask !== undefined || step.allowedIds !== undefined;
  if (g.kind === 'prefer' && !hooked) {
    const first = sampler.sample(logits, step);
    return g.allows(first.token) ? first : sampler.sample(logits, { ...step, mask: g.mask });
  }
  const mask = g.kind === 'ids' ? undefined : g.mask;
  const combined: StepOptions = { ...step };
  if (g.kind === 'ids') combined.allowedIds = step.allowedIds ? intersectIds(g.ids, step.allowedIds) : g.ids;
  if (mask !== undefined) combined.mask = step.mask ? intersectMasks(mask, step.mask) : mask;
  return sampler.sample(logits, combined);
}

function intersectIds(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const set = new Set(Array.from(b));
  return Array.from(a).filter((id) => set.has(id));
}

function intersectMasks(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! !== 0 && b[i]! !== 0 ? 1 : 0;
  return out;
}

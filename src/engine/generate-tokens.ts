import { isGptOssError } from '../core/errors.js';
import type { StepOptions, TokenLogprob, TokenSampler } from '../sampling/index.js';
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
}

export interface TokenStep {
  kind: 'token';
  token: number;
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
    const picked = sampler.sample(logits, step);
    sampler.accept(picked.token);
    count++;
    generated.push(picked.token);
    firstAt ??= now();
    const out: TokenStep = { kind: 'token', token: picked.token };
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
      logits = await session.append(picked.token, signal);
    } catch (e) {
      if (!isAbort(e)) throw e;
      yield end('aborted');
      return;
    }
  }
}

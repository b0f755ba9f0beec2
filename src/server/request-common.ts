import type { ReasoningEffort } from '../harmony/index.js';

/** gpt-oss knows low, medium and high; OpenAI's `minimal` is the lowest of those. */
export function effortOf(effort: 'minimal' | 'low' | 'medium' | 'high' | null | undefined): ReasoningEffort | undefined {
  if (effort == null) return undefined;
  return effort === 'minimal' ? 'low' : effort;
}

/** An AbortController that also aborts when `parent` does (the client's disconnect). */
export function linkedAbort(parent: AbortSignal): AbortController {
  const controller = new AbortController();
  if (parent.aborted) controller.abort();
  else parent.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

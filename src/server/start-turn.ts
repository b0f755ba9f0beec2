import type { ChatMessage } from '../engine/index.js';
import { releasingTools, type RequestTools } from './builtin-tools.js';
import { renderPrompt, type ServedModel, type TurnOptions } from './served-model.js';
import { runTurn, withFirst, type TurnEvent } from './turn.js';

export interface StartedTurn {
  /** The turn's events, its first one included; the request's tools are released when they end. */
  readonly events: AsyncGenerator<TurnEvent>;
  /** When the session was leased (the turn's timings count from here). */
  readonly startedAt: number;
}

/**
 * How every generating route starts a turn: the request's built-in tools declared to the model (their
 * calls run here), the prompt checked against the context (`param` names the field a 400 blames), a
 * session leased, and the first event awaited, so that errors of the turn's set-up still get their HTTP
 * status. The tools are released if it fails, otherwise when the events end.
 */
export async function startTurn(
  model: ServedModel,
  messages: ChatMessage[],
  options: TurnOptions,
  settings: { param: string; signal: AbortSignal; stop?: readonly string[]; tools?: RequestTools | undefined },
): Promise<StartedTurn> {
  const { tools, signal } = settings;
  try {
    if (tools?.tools.length) Object.assign(options, tools.chatOptions(signal));
    const prompt = renderPrompt(model, messages, options, settings.param);
    const lease = await model.pool.acquire(prompt, signal);
    const startedAt = performance.now();
    const turn = runTurn(lease, model.engine.tokenizer, messages, options, { ...(settings.stop ? { stop: settings.stop } : {}), signal, ...(tools?.browser ? { pages: tools.pages } : {}) });
    const events = tools ? releasingTools(turn, tools) : turn;
    const first = await events.next();
    return { events: withFirst(first, events), startedAt };
  } catch (e) {
    tools?.release();
    throw e;
  }
}

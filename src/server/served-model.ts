import type { ChatMessage, ChatOptions, Engine } from '../engine/index.js';
import { renderConversationForCompletion } from '../harmony/index.js';
import { toHarmonyConversation } from '../engine/index.js';
import { invalidRequest } from './errors.js';
import type { SessionPool } from './session-pool.js';

export type TurnOptions = ChatOptions;

/** The model a server answers with: the engine, its session pool and the names requests may use. */
export interface ServedModel {
  readonly engine: Engine;
  readonly pool: SessionPool;
  /** The id `GET /v1/models` lists (the checkpoint directory's name, or --model-id). */
  readonly id: string;
  /** Other names requests may use for it. */
  readonly aliases: readonly string[];
  /** Default reasoning budget (--reasoning-budget), when a request names none. */
  readonly reasoningBudget?: number;
  /** The temperature when a request names none (the demo model's own; otherwise the API's default of 1). */
  readonly defaultTemperature?: number;
}

/**
 * The prompt's tokens as the engine will render them (to pick the session with the longest cached
 * prefix); a prompt that leaves no room to generate is a 400 `context_length_exceeded`.
 */
export function renderPrompt(model: ServedModel, messages: readonly ChatMessage[], options: TurnOptions, param: string): number[] {
  const conversation = toHarmonyConversation(messages, options);
  const prompt = renderConversationForCompletion(conversation, 'assistant', { autoDropAnalysis: true, tokenizer: model.engine.tokenizer });
  const ctx = model.engine.contextLength;
  if (prompt.length >= ctx) {
    throw invalidRequest(
      `This model's context holds ${ctx} tokens, but the prompt is ${prompt.length} tokens (room is needed for at least one generated token); shorten the ${param} or start the server with a larger --context`,
      param,
      'context_length_exceeded',
    );
  }
  return prompt;
}


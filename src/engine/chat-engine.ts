/** Chat over any ForwardModel with a given tokenizer; engine.ts adds loading from a checkpoint directory. */
import { GptOssError, InvalidArgumentError } from '../core/errors.js';
import type { ModelConfig } from '../format/config-types.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { runChatTurn, type ChatOptions } from './chat.js';
import type { ChatEvent } from './events.js';
import type { ForwardModel } from './forward-model.js';
import type { ChatMessage } from './messages.js';
import { BatchScheduler } from './scheduler.js';
import { Session } from './session.js';

export interface EngineOptions {
  /** Sessions (KV-cache slots) the engine can hold at once. Default 1. */
  sessions?: number;
  /** Positions per session; default min(8192, the model's maximum). */
  contextLength?: number;
  /** Positions a session can roll back on sliding-window layers and still reuse its cache (default 4096). */
  rollback?: number;
}

/** A conversation with its own KV-cache slot; follow-up turns reuse the common token prefix. */
export class ChatSession {
  constructor(
    readonly session: Session,
    private readonly tokenizer: Tokenizer,
    /** The model's load time, handed out once: the first turn after loading reports it. */
    private readonly takeLoadS: () => number | undefined = () => undefined,
  ) {}

  /** One assistant turn for `messages` (the whole conversation so far), as a stream of events. */
  chat(messages: readonly ChatMessage[], options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    return runChatTurn(this.session, this.tokenizer, messages, options, this.takeLoadS());
  }

  /** Forget the cached tokens. */
  clear(): void {
    this.session.clear();
  }

  dispose(): void {
    this.session.dispose();
  }
}

/**
 * A model ready to chat (no files, no Node modules: the browser bundle uses it directly): the model, the tokenizer, a KV cache of `sessions` slots and the
 * scheduler that batches their forward steps. `chat` uses a default session; `createSession`
 * gives independent conversations that can run concurrently (their steps share forward calls).
 */
export class ChatEngine {
  readonly config: ModelConfig;
  readonly contextLength: number;
  readonly scheduler: BatchScheduler;
  private readonly free: number[];
  private defaultSession: ChatSession | undefined;
  private disposed = false;
  private loadReported = false;

  constructor(
    readonly model: ForwardModel,
    readonly tokenizer: Tokenizer,
    options: EngineOptions = {},
    private readonly onDispose?: () => void,
    readonly loadS?: number,
  ) {
    this.config = model.config;
    const slots = options.sessions ?? 1;
    if (!Number.isInteger(slots) || slots < 1) throw new InvalidArgumentError(`sessions must be an integer >= 1, got ${slots}`);
    const max = model.config.maxContextLength;
    const ctx = options.contextLength ?? Math.min(8192, max);
    if (!Number.isInteger(ctx) || ctx < 2 || ctx > max) {
      throw new InvalidArgumentError(`context length must be an integer from 2 to the model's maximum ${max}, got ${ctx}`);
    }
    const rollback = options.rollback ?? Math.min(4096, ctx);
    if (!Number.isInteger(rollback) || rollback < 0) throw new InvalidArgumentError(`rollback must be an integer >= 0, got ${rollback}`);
    this.contextLength = ctx;
    const cache = model.createKvCache({ slots, capacity: ctx, rollback });
    this.scheduler = new BatchScheduler(model, cache);
    this.free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** A new conversation on a free KV-cache slot. */
  createSession(): ChatSession {
    this.checkLive();
    const slot = this.free.pop();
    if (slot === undefined) {
      throw new GptOssError('out_of_range', `all ${this.scheduler.cache.spec.slots} sessions are in use; dispose one or load with a larger 'sessions'`);
    }
    return new ChatSession(new Session(slot, this.scheduler, (s) => this.free.push(s)), this.tokenizer, () => {
      const loadS = this.loadReported ? undefined : this.loadS;
      this.loadReported = true;
      return loadS;
    });
  }

  /** One assistant turn on the engine's default session (created on first use). */
  chat(messages: readonly ChatMessage[], options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    this.checkLive();
    this.defaultSession ??= this.createSession();
    return this.defaultSession.chat(messages, options);
  }

  /** The default session (created on first use): for clearing it or reading its token history. */
  get session(): ChatSession {
    this.checkLive();
    this.defaultSession ??= this.createSession();
    return this.defaultSession;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose?.();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new GptOssError('invalid_argument', 'this model was disposed');
  }
}

import { AbortError } from '../core/errors.js';
import { commonPrefix, type ChatSession } from '../engine/index.js';
import { ApiError } from './errors.js';

/** A session lent to one request; `release` gives it back (idempotent). */
export interface Lease {
  readonly session: ChatSession;
  /** Prompt tokens already in the session's cache when it was picked. */
  readonly cachedPrefix: number;
  release(): void;
}

interface Slot {
  session: ChatSession;
  busy: boolean;
  lastUsed: number;
  /** The prompt of the last request it answered: a request that starts with all of it continues that conversation. */
  lastPrompt: readonly number[];
}

interface Waiter {
  prompt: readonly number[];
  resolve: (lease: Lease) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * The `--parallel` sessions of one engine (decoded together by its batch scheduler) and the FIFO
 * of requests waiting for one; beyond `queueLimit` waiting requests, a 429 at once.
 *
 * A request gets, among the free sessions: the one whose last prompt its own prompt extends (the
 * same conversation's next turn: a chat client resends the whole history, so every token before
 * the previous answer is reused; the longest such), else an empty one, else the least recently
 * used one (reusing whatever prefix it shares). Picking a merely similar session instead would
 * let two conversations with one system prompt evict each other's cache turn after turn.
 */
export class SessionPool {
  private readonly slots: Slot[];
  private readonly waiting: Waiter[] = [];
  private clock = 0;
  private closed = false;

  constructor(
    sessions: readonly ChatSession[],
    readonly queueLimit: number,
  ) {
    this.slots = sessions.map((session) => ({ session, busy: false, lastUsed: 0, lastPrompt: [] }));
  }

  get size(): number {
    return this.slots.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.busy).length;
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(prompt: readonly number[], signal?: AbortSignal): Promise<Lease> {
    if (this.closed) return Promise.reject(new ApiError(503, 'the server is shutting down', 'server_error', null, 'shutting_down'));
    if (signal?.aborted) return Promise.reject(new AbortError());
    if (this.waiting.length === 0) {
      const lease = this.take(prompt);
      if (lease) return Promise.resolve(lease);
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(
        new ApiError(
          429,
          `the server is busy: ${this.slots.length} requests are being answered and ${this.waiting.length} are waiting (--parallel ${this.slots.length}, --queue ${this.queueLimit}); retry shortly`,
          'rate_limit_error',
          null,
          'rate_limit_exceeded',
          { 'Retry-After': '1' },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        prompt,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new AbortError());
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Refuse new requests and fail the waiting ones (shutdown); leased sessions finish as their requests end. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new ApiError(503, 'the server is shutting down', 'server_error', null, 'shutting_down'));
    }
  }

  private pick(prompt: readonly number[]): Slot | undefined {
    const free = this.slots.filter((s) => !s.busy);
    let best: Slot | undefined;
    for (const s of free) {
      const continues = s.lastPrompt.length > 0 && commonPrefix(s.lastPrompt, prompt) === s.lastPrompt.length;
      if (continues && (!best || s.lastPrompt.length > best.lastPrompt.length)) best = s;
    }
    if (best) return best;
    const empty = free.find((s) => s.session.session.tokens.length === 0);
    if (empty) return empty;
    for (const s of free) if (!best || s.lastUsed < best.lastUsed) best = s;
    return best;
  }

  private take(prompt: readonly number[]): Lease | undefined {
    const slot = this.pick(prompt);
    if (!slot) return undefined;
    const cachedPrefix = commonPrefix(slot.session.session.tokens, prompt);
    slot.busy = true;
    slot.lastPrompt = prompt;
    let released = false;
    return {
      session: slot.session,
      cachedPrefix,
      release: () => {
        if (released) return;
        released = true;
        slot.busy = false;
        slot.lastUsed = ++this.clock;
        this.handOver();
      },
    };
  }

  private handOver(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      const lease = this.take(head.prompt);
      if (!lease) return;
      this.waiting.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(lease);
    }
  }
}

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { Batch, KvCache } from '../../src/backends/backend.js';
import { ScriptedModel } from '../engine/helpers.js';
import { ids, parseSse, scriptedServer, type TestServer } from './helpers.js';
import { LOAD_WORDS, type LoadReply, type LoadRequest } from './load-server.js';

const WORDS = 'one two three four five six seven eight nine ten eleven twelve';
const LONG = ids(`<|channel|>final<|message|>${WORDS}<|return|>`);
const body = (extra: object = {}): string => JSON.stringify({ messages: [{ role: 'user', content: 'Count' }], ...extra });

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}

/** Streams one chat completion; with `cancelAfter`, aborts the request after that many chunks. */
async function streamChat(s: TestServer, cancelAfter?: number): Promise<{ text: string; finish: string | null; done: boolean; cancelled: boolean }> {
  const controller = new AbortController();
  const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: body({ stream: true }), signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  let chunks = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
      chunks = raw.split('\n\n').length - 1;
      if (cancelAfter !== undefined && chunks >= cancelAfter) {
        controller.abort();
        return { text: '', finish: null, done: false, cancelled: true };
      }
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  }
  const events = parseSse(raw);
  const done = events[events.length - 1]?.data === '[DONE]';
  const payloads = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string }; finish_reason: string | null }[] });
  return {
    text: payloads.map((p) => p.choices[0]?.delta.content ?? '').join(''),
    finish: payloads.map((p) => p.choices[0]?.finish_reason ?? null).find((f) => f !== null) ?? null,
    done,
    cancelled: false,
  };
}

/**
 * The scripted model with a gate: the forward call `holdAt` (1-based), or the first whose batch
 * `holdWhen` accepts, waits for `release()`. `steps` lists each call's slots, in call order.
 */
class GatedModel extends ScriptedModel {
  holdAt = 0;
  holdWhen: ((slots: number[]) => boolean) | undefined;
  held: { signal: AbortSignal | undefined } | undefined;
  readonly steps: number[][] = [];
  private open: (() => void) | undefined;

  override async forward(batch: Batch, cache: KvCache, rows: Int32Array, signal?: AbortSignal): Promise<Float32Array> {
    const slots = [...new Set(batch.slots)].sort();
    this.steps.push(slots);
    if (this.held === undefined && (this.steps.length === this.holdAt || this.holdWhen?.(slots) === true)) {
      this.held = { signal };
      await new Promise<void>((r) => (this.open = r));
    }
    return super.forward(batch, cache, rows, signal);
  }

  release(): void {
    this.open?.();
  }
}

/** A streaming chat completion left open; `abort()` disconnects, `closed` resolves once the client side is shut. */
function openStream(s: TestServer): { abort: () => void; closed: Promise<void> } {
  const controller = new AbortController();
  const closed = (async () => {
    try {
      const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: body({ stream: true }), signal: controller.signal });
      const reader = res.body!.getReader();
      for (;;) if ((await reader.read()).done) break;
    } catch (e) {
      if (!controller.signal.aborted) throw e;
    }
  })();
  return { abort: () => controller.abort(), closed };
}

describe('concurrency: parallel sessions, the queue, cancellation', () => {
  it('a client that disconnects while a step runs: that step is the last one its generation gets, and the session is freed', async () => {
    const model = new GatedModel([LONG]);
    const s = await scriptedServer([LONG], { model });
    try {
      // Call 1 is the prefill; hold decode step 5 and disconnect while it runs.
      model.holdAt = 6;
      const stream = openStream(s);
      assert.ok(await until(() => model.held !== undefined, 30_000), 'the held step never started');
      stream.abort();
      // With one request in the batch the step is handed the request's signal: it aborts once the
      // server has seen the disconnect, so this waits for the server, not for a guessed time.
      assert.ok(await until(() => model.held!.signal?.aborted === true, 30_000), 'the disconnect never reached the step in flight');
      model.release();
      assert.ok(await until(() => s.served.pool.busy === 0, 30_000), 'the session was not released');
      assert.ok(await until(() => s.logs.some((l) => l['status'] === 499), 30_000), 'no 499 logged for the disconnect');
      assert.equal(model.steps.length, 6, `${model.steps.length - 6} forward steps started after the one the client left during`);
      // The freed session serves the next request.
      const next = await streamChat(s);
      assert.equal(next.text, WORDS);
    } finally {
      model.release();
      await s.close();
    }
  });

  it('a client that disconnects during a step shared with another stream: its slot is in no later step; the other finishes', async () => {
    const model = new GatedModel([LONG]);
    const s = await scriptedServer([LONG], { model, parallel: 2 });
    try {
      const a = openStream(s);
      // A alone first (its prefill and a decode step), so the first step's slot is A's.
      assert.ok(await until(() => model.steps.length >= 2, 30_000));
      const slotA = model.steps[0]![0]!;
      const b = streamChat(s);
      // Hold a decode step once both streams are in it (a batch with both slots).
      model.holdWhen = (slots) => slots.length === 2 && model.steps.filter((x) => x.length === 2).length >= 3;
      assert.ok(await until(() => model.held !== undefined, 30_000), 'no shared step was held');
      const heldAt = model.steps.length;
      a.abort();
      await a.closed;
      // A shared step gets no signal (it finishes for the other stream's sake); the disconnect
      // reaches the server in the loopback's next poll, long before this wait is over.
      await new Promise((r) => setTimeout(r, 100));
      model.release();
      const rb = await b;
      assert.equal(rb.text, WORDS);
      assert.ok(await until(() => s.served.pool.busy === 0, 30_000), 'the sessions were not released');
      const later = model.steps.slice(heldAt).filter((slots) => slots.includes(slotA));
      assert.equal(later.length, 0, `the cancelled stream's slot ${slotA} was in ${later.length} steps after the one the client left during`);
      assert.ok(model.steps.length > heldAt + 2, 'the other stream went on decoding');
    } finally {
      model.release();
      await s.close();
    }
  });

  it('--parallel 2 --queue 8: of 50 concurrent requests, those beyond 10 get 429 at once with Retry-After', async () => {
    const s = await scriptedServer([LONG], { delayMs: 60, parallel: 2, queue: 8 });
    try {
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: body() });
          return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown>, ms: performance.now() - t0 };
        }),
      );
      const ok = results.filter((r) => r.status === 200);
      const busy = results.filter((r) => r.status === 429);
      assert.equal(ok.length, 10);
      assert.equal(busy.length, 40);
      for (const r of busy) {
        assert.equal(r.retryAfter, '1');
        assert.equal((r.body['error'] as { code: string }).code, 'rate_limit_exceeded');
        assert.equal((r.body['error'] as { type: string }).type, 'rate_limit_error');
      }
      // "At once": every 429 came back before the first answer finished.
      assert.ok(Math.max(...busy.map((r) => r.ms)) < Math.min(...ok.map((r) => r.ms)));
      for (const r of ok) assert.equal((r.body['choices'] as { message: { content: string } }[])[0]!.message.content, WORDS);
      assert.equal(s.served.pool.busy, 0);
      assert.equal(s.served.pool.queued, 0);
    } finally {
      await s.close();
    }
  });

  it('load: 50 concurrent streams, a quarter cancelled midway; the rest well-formed, sessions released, RSS back within 10 %', async (t) => {
    // The server runs alone in a child process, so its memory is measured apart from this client's.
    // glibc's malloc raises its mmap threshold after the first large free, after which the per-step
    // logits and mask buffers (hundreds of KiB each) come from the heap and freed ones stay mapped:
    // with the default, RSS after GC swung 167-230 MiB from one round of this load to the next with
    // no trend over 14 rounds and a flat JS heap (allocator noise, not a leak), and this test failed
    // the 10 % bound in 2 of 4 runs. A fixed threshold hands freed large buffers back at once, so RSS
    // measures what the server holds (+1 %, +2 %, -16 % in 3 runs; a 1 MiB-per-request leak fails it).
    const child = fork(fileURLToPath(new URL('./load-server.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, GPT_OSS_LOAD_SERVER: '1', MALLOC_MMAP_THRESHOLD_: String(128 * 1024), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const replies: LoadReply[] = [];
    let wake: (() => void) | undefined;
    child.on('message', (m: LoadReply) => {
      replies.push(m);
      wake?.();
    });
    const reply = async <T extends LoadReply['type']>(type: T): Promise<Extract<LoadReply, { type: T }>> => {
      for (;;) {
        const i = replies.findIndex((r) => r.type === type);
        if (i >= 0) return replies.splice(i, 1)[0] as Extract<LoadReply, { type: T }>;
        await new Promise<void>((r) => (wake = r));
      }
    };
    const ask = <T extends 'mem' | 'state'>(type: T): Promise<Extract<LoadReply, { type: T }>> => {
      child.send({ type } satisfies LoadRequest);
      return reply(type);
    };
    const idle = async (): Promise<boolean> => {
      for (let i = 0; i < 500; i++) {
        const st = await ask('state');
        if (st.busy === 0 && st.queued === 0) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    };
    try {
      const { url } = await reply('ready');
      const s = { url } as TestServer;
      // Baseline: the model loaded and one request of each kind served (one read to its end, one
      // cancelled midway), so one-time allocations (the tokenizer's decode tables, the harmony
      // structure guide's vocabulary tables, the sessions' caches) are in it.
      assert.equal((await streamChat(s)).text, LOAD_WORDS);
      assert.ok((await streamChat(s, 4)).cancelled);
      assert.ok(await idle());
      const before = await ask('mem');
      const calls0 = (await ask('state')).forwardCalls;
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => streamChat(s, i % 4 === 0 ? 4 : undefined)));
      const finished = results.filter((r) => !r.cancelled);
      assert.equal(finished.length, 37);
      for (const r of finished) {
        assert.equal(r.text, LOAD_WORDS);
        assert.equal(r.finish, 'stop');
        assert.ok(r.done);
      }
      assert.ok(await idle(), 'sessions were not all released');
      // Decoding was batched: far fewer forward calls than tokens generated.
      assert.ok((await ask('state')).forwardCalls - calls0 < (50 * LONG.length) / 2);
      const after = await ask('mem');
      const mib = (x: number): string => (x / 2 ** 20).toFixed(1);
      t.diagnostic(`server RSS after GC: ${mib(before.rss)} -> ${mib(after.rss)} MiB; JS heap ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} MiB`);
      assert.ok(after.rss <= before.rss * 1.1, `RSS grew from ${mib(before.rss)} to ${mib(after.rss)} MiB (more than 10 %)`);
      assert.ok(after.heapUsed <= before.heapUsed * 1.1, `the JS heap grew from ${mib(before.heapUsed)} to ${mib(after.heapUsed)} MiB (more than 10 %)`);
      child.send({ type: 'close' } satisfies LoadRequest);
      await reply('closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

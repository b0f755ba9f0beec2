/**
 * The load test's server, alone in its own process (test/server/concurrency.test.ts forks it), so
 * that its memory is measured apart from the test's HTTP client. It serves the scripted model on
 * 127.0.0.1 and answers the parent's messages: `mem` (RSS and JS heap after garbage collection),
 * `state` (sessions busy, requests queued, forward calls) and `close`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ids, scriptedServer } from './helpers.js';

export const LOAD_WORDS = 'one two three four five six seven eight nine ten eleven twelve';

export type LoadRequest = { type: 'mem' } | { type: 'state' } | { type: 'close' };
export type LoadReply =
  | { type: 'ready'; url: string }
  | { type: 'mem'; rss: number; heapUsed: number }
  | { type: 'state'; busy: number; queued: number; forwardCalls: number }
  | { type: 'closed' };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** RSS after garbage collection: the least of a few samples, as freed pages go back with a lag. */
async function settled(): Promise<{ rss: number; heapUsed: number }> {
  let rss = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
    rss = Math.min(rss, process.memoryUsage().rss);
  }
  return { rss, heapUsed: process.memoryUsage().heapUsed };
}

if (process.send && process.env['GPT_OSS_LOAD_SERVER'] === '1') {
  const send = (m: LoadReply): void => void process.send!(m);
  // log: () => {} - the lines are not kept (a test's log array would grow with every request).
  const s = await scriptedServer([ids(`<|channel|>final<|message|>${LOAD_WORDS}<|return|>`)], { parallel: 4, queue: 64, log: () => {} });
  process.on('message', (m: LoadRequest) => {
    void (async () => {
      if (m.type === 'mem') send({ type: 'mem', ...(await settled()) });
      else if (m.type === 'state') send({ type: 'state', busy: s.served.pool.busy, queued: s.served.pool.queued, forwardCalls: s.model.forwardCalls });
      else {
        await s.close();
        send({ type: 'closed' });
        process.disconnect();
      }
    })();
  });
  send({ type: 'ready', url: s.url });
}

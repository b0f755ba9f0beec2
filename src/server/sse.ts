import { toApiError } from './errors.js';

export type SseWrite = (data: string, event?: string) => void;

/**
 * A text/event-stream response fed by `produce`. A client that disconnects cancels the stream,
 * which calls `onCancel` (the handler aborts its generation there). An error after the headers
 * went out is sent as a last `error` data line, as OpenAI's streams do.
 */
export function sseResponse(produce: (write: SseWrite) => Promise<void>, onCancel: () => void, headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write: SseWrite = (data, event) => {
        if (closed) return;
        controller.enqueue(encoder.encode(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`));
      };
      produce(write)
        .catch((e: unknown) => write(JSON.stringify(toApiError(e).body()), 'error'))
        .finally(() => {
          if (closed) return;
          closed = true;
          controller.close();
        });
    },
    cancel() {
      closed = true;
      onCancel();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers },
  });
}

/**
 * A newline-delimited JSON response (Ollama's streaming format) fed by `produce`. A client that
 * disconnects cancels the stream, which calls `onCancel` (the handler aborts its generation); an error
 * after the headers went out is sent as a last `{"error": "..."}` line, as Ollama does.
 */
export type NdjsonWrite = (value: unknown) => void;

export function ndjsonResponse(produce: (write: NdjsonWrite) => Promise<void>, onCancel: () => void, errorLine: (e: unknown) => unknown): Response {
  const encoder = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write: NdjsonWrite = (value) => {
        if (!closed) controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
      };
      produce(write)
        .catch((e: unknown) => write(errorLine(e)))
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
  return new Response(stream, { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' } });
}

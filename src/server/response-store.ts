import type { ChatMessage } from '../engine/index.js';

/** A finished response as GET returns it, and the conversation a follow-up (previous_response_id) continues. */
export interface StoredResponse {
  response: Record<string, unknown>;
  /** Input and output of the turn as engine messages, instructions excluded (they do not carry over). */
  conversation: ChatMessage[];
  /** call_id -> function name of every call in the conversation, to resolve function_call_output items. */
  callNames: Map<string, string>;
}

/** Stored responses in memory, the oldest dropped beyond `limit`. */
export class ResponseStore {
  private readonly items = new Map<string, StoredResponse>();

  constructor(private readonly limit: number) {}

  get(id: string): StoredResponse | undefined {
    return this.items.get(id);
  }

  put(id: string, value: StoredResponse): void {
    this.items.set(id, value);
    while (this.items.size > this.limit) this.items.delete(this.items.keys().next().value!);
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }
}

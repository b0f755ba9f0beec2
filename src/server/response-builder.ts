import { randomUUID } from 'node:crypto';
import { builtinCallItem, type PageContents, type UrlCitation } from '../tools/index.js';
import type { TurnEvent, TurnUsage } from './turn.js';

type Json = Record<string, unknown>;
export type ResponseEvent = Json & { type: string; sequence_number: number };

const newId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

type BuiltinKind = 'web_search_call' | 'code_interpreter_call';

interface OpenItem {
  index: number;
  kind: 'reasoning' | 'message' | 'function_call' | BuiltinKind;
  id: string;
  text: string;
  channel?: string;
  name?: string;
  callId?: string;
  annotations?: UrlCitation[];
  /** Built-in calls: the recipient, its answer and the browser's page after it. */
  recipient?: string;
  output?: string;
  page?: PageContents;
}

/**
 * Turns a turn's events into Responses API output items and the stream events that build them, in
 * the order OpenAI's servers send them: output_item.added, content_part.added, the deltas, then
 * the .done events and output_item.done for each item; every event numbered by sequence_number.
 */
export class ResponseBuilder {
  readonly output: Json[] = [];
  private open: OpenItem | undefined;
  private seq = 0;

  constructor(
    private readonly emit: (event: ResponseEvent) => void,
    /** The python container of this response (code_interpreter_call items name it). */
    private readonly containerId = 'local',
  ) {}

  send(type: string, fields: Json): void {
    this.emit({ type, sequence_number: this.seq++, ...fields });
  }

  push(e: TurnEvent): void {
    switch (e.type) {
      case 'reasoning':
        if (this.open?.kind !== 'reasoning') this.start('reasoning');
        this.open!.text += e.delta;
        this.send('response.reasoning_text.delta', { item_id: this.open!.id, output_index: this.open!.index, content_index: 0, delta: e.delta });
        break;
      case 'text':
        if (this.open?.kind !== 'message' || this.open.channel !== e.channel) this.start('message', { channel: e.channel });
        this.open!.text += e.delta;
        this.send('response.output_text.delta', { item_id: this.open!.id, output_index: this.open!.index, content_index: 0, delta: e.delta, logprobs: e.logprobs });
        for (const annotation of e.annotations ?? []) {
          const list = (this.open!.annotations ??= []);
          list.push(annotation);
          this.send('response.output_text.annotation.added', {
            item_id: this.open!.id,
            output_index: this.open!.index,
            content_index: 0,
            annotation_index: list.length - 1,
            annotation,
          });
        }
        break;
      case 'builtin_start': {
        const kind: BuiltinKind = e.recipient === 'python' ? 'code_interpreter_call' : 'web_search_call';
        this.start(kind, { callId: e.callId, recipient: e.recipient });
        this.send(`response.${kind}.in_progress`, { item_id: this.open!.id, output_index: this.open!.index });
        break;
      }
      case 'builtin_args':
        if (this.open?.callId !== e.callId) break;
        this.open.text += e.delta;
        if (this.open.kind === 'code_interpreter_call') this.send('response.code_interpreter_call_code.delta', { item_id: this.open.id, output_index: this.open.index, delta: e.delta });
        break;
      case 'builtin_call':
        if (this.open?.callId !== e.callId) break;
        this.open.text = e.arguments;
        if (this.open.kind === 'code_interpreter_call') {
          this.send('response.code_interpreter_call_code.done', { item_id: this.open.id, output_index: this.open.index, code: e.arguments });
          this.send('response.code_interpreter_call.interpreting', { item_id: this.open.id, output_index: this.open.index });
        } else this.send('response.web_search_call.searching', { item_id: this.open.id, output_index: this.open.index });
        break;
      case 'builtin_result':
        if (this.open?.callId !== e.callId) break;
        this.open.output = e.output;
        if (e.page) this.open.page = e.page;
        this.send(`response.${this.open.kind}.completed`, { item_id: this.open.id, output_index: this.open.index });
        this.close('completed');
        break;
      case 'tool_start':
        this.start('function_call', { name: e.name, callId: e.callId });
        break;
      case 'tool_args':
        if (this.open?.kind !== 'function_call') break;
        this.open.text += e.delta;
        this.send('response.function_call_arguments.delta', { item_id: this.open.id, output_index: this.open.index, delta: e.delta });
        break;
      case 'tool_done':
        if (this.open?.kind === 'function_call') {
          this.open.text = e.arguments;
          this.close('completed');
        }
        break;
      case 'done':
        this.close(e.reason === 'length' ? 'incomplete' : 'completed');
        break;
      case 'started':
        break;
    }
  }

  private start(kind: OpenItem['kind'], extra: Partial<OpenItem> = {}): void {
    this.close('completed');
    const prefix = { reasoning: 'rs', message: 'msg', function_call: 'fc', web_search_call: 'ws', code_interpreter_call: 'ci' }[kind];
    const item: OpenItem = { index: this.output.length, kind, id: newId(prefix), text: '', ...extra };
    this.open = item;
    this.output.push({});
    this.send('response.output_item.added', { output_index: item.index, item: this.itemJson(item, 'in_progress', true) });
    if (kind === 'reasoning') {
      this.send('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: 0, part: { type: 'reasoning_text', text: '' } });
    } else if (kind === 'message') {
      this.send('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: 0, part: outputText('') });
    }
  }

  private close(status: 'completed' | 'incomplete'): void {
    const item = this.open;
    if (!item) return;
    this.open = undefined;
    const base = { item_id: item.id, output_index: item.index };
    if (item.kind === 'reasoning') {
      this.send('response.reasoning_text.done', { ...base, content_index: 0, text: item.text });
      this.send('response.content_part.done', { ...base, content_index: 0, part: { type: 'reasoning_text', text: item.text } });
    } else if (item.kind === 'message') {
      this.send('response.output_text.done', { ...base, content_index: 0, text: item.text, logprobs: [] });
      this.send('response.content_part.done', { ...base, content_index: 0, part: outputText(item.text, item.annotations) });
    } else if (item.kind === 'function_call') {
      this.send('response.function_call_arguments.done', { ...base, name: item.name, arguments: item.text });
    }
    const done = this.itemJson(item, status, false);
    this.output[item.index] = done;
    this.send('response.output_item.done', { output_index: item.index, item: done });
  }

  private itemJson(item: OpenItem, status: string, empty: boolean): Json {
    switch (item.kind) {
      case 'reasoning':
        return { id: item.id, type: 'reasoning', summary: [], content: empty ? [] : [{ type: 'reasoning_text', text: item.text }], status };
      case 'message':
        return { id: item.id, type: 'message', role: 'assistant', status, content: empty ? [] : [outputText(item.text, item.annotations)] };
      case 'function_call':
        return { id: item.id, type: 'function_call', call_id: item.callId, name: item.name, arguments: empty ? '' : item.text, status };
      default:
        return builtinJson(item, status, this.containerId);
    }
  }
}

function outputText(text: string, annotations: readonly UrlCitation[] = []): Json {
  return { type: 'output_text', text, annotations: [...annotations], logprobs: [] };
}

/** A web_search_call or code_interpreter_call item: while it runs, once answered, or cut (incomplete/failed). */
function builtinJson(item: OpenItem, status: string, containerId: string): Json {
  const call = { recipient: item.recipient ?? '', arguments: item.text };
  if (item.output !== undefined) {
    return { ...builtinCallItem(item.id, call, item.output, { ...(item.page ? { page: item.page } : {}), containerId }) };
  }
  if (item.kind === 'code_interpreter_call') {
    return { id: item.id, type: 'code_interpreter_call', status: status === 'in_progress' ? status : 'incomplete', code: item.text, container_id: containerId, outputs: null };
  }
  const action = builtinCallItem(item.id, call, '', {})?.['action' as never] ?? { type: 'search', query: '', queries: [] };
  return { id: item.id, type: 'web_search_call', status: status === 'in_progress' ? status : 'failed', action };
}

export function responseUsage(u: TurnUsage): Json {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

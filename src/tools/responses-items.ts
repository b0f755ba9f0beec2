/**
 * The built-in tools as the OpenAI Responses API names them, for a server to use: the request's
 * `web_search` / `web_search_preview` and `code_interpreter` tool types map to the browser and
 * python tools, and each call the model made becomes a `web_search_call` or
 * `code_interpreter_call` output item with the status events OpenAI streams for it. Shapes follow
 * the openai SDK's ResponseFunctionWebSearch and ResponseCodeInterpreterToolCall.
 */
import type { PageContents } from './browser/page.js';
import { parseArgs } from './tool.js';

const WEB_SEARCH_TYPES = new Set(['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11']);

/** Which built-in tool a Responses request tool asks for (undefined: not a built-in one). */
export function builtinForResponsesTool(tool: { type?: unknown }): 'browser' | 'python' | undefined {
  if (typeof tool.type !== 'string') return undefined;
  if (WEB_SEARCH_TYPES.has(tool.type)) return 'browser';
  if (tool.type === 'code_interpreter') return 'python';
  return undefined;
}

/** The request's `tool_choice` for a built-in type, as the engine's forced call: `{ name: 'browser.search' }` or `{ name: 'python' }`. */
export function forcedBuiltinCall(choice: { type?: unknown }): { name: string } | undefined {
  const which = builtinForResponsesTool(choice);
  return which === 'browser' ? { name: 'browser.search' } : which === 'python' ? { name: 'python' } : undefined;
}

export type WebSearchAction =
  | { type: 'search'; query: string; queries: string[]; sources?: { type: 'url'; url: string }[] }
  | { type: 'open_page'; url: string }
  | { type: 'find_in_page'; url: string; pattern: string };

export interface WebSearchCallItem {
  id: string;
  type: 'web_search_call';
  status: 'in_progress' | 'searching' | 'completed' | 'failed';
  action: WebSearchAction;
}

export interface CodeInterpreterCallItem {
  id: string;
  type: 'code_interpreter_call';
  status: 'in_progress' | 'interpreting' | 'completed' | 'incomplete' | 'failed';
  code: string | null;
  container_id: string;
  outputs: { type: 'logs'; logs: string }[] | null;
}

/**
 * The output item for one built-in call once it has run. `page` is the page the browser shows
 * after the call (its URL is the one an open or find acted on); `output` the tool's answer.
 */
export function builtinCallItem(
  id: string,
  call: { recipient: string; arguments: string },
  output: string,
  context: { page?: Pick<PageContents, 'url' | 'citeAs'> & Partial<Pick<PageContents, 'urls' | 'snippets'>>; containerId?: string } = {},
): WebSearchCallItem | CodeInterpreterCallItem | undefined {
  if (call.recipient === 'python') {
    return { id, type: 'code_interpreter_call', status: 'completed', code: call.arguments, container_id: context.containerId ?? 'local', outputs: [{ type: 'logs', logs: output }] };
  }
  if (!call.recipient.startsWith('browser.')) return undefined;
  const args = parseArgs(call.arguments);
  const a = typeof args === 'string' ? {} : args;
  const failed = /^(Error|Invalid|Cursor|No pages|Cannot|Search is not available|\{"error")/.test(output);
  const status = failed ? 'failed' : 'completed';
  const pageUrl = context.page?.citeAs?.url ?? context.page?.url ?? '';
  switch (call.recipient) {
    case 'browser.search': {
      const query = typeof a['query'] === 'string' ? a['query'] : '';
      const action: WebSearchAction = { type: 'search', query, queries: [query] };
      // The results the search page lists (a search page is the one with snippets).
      if (!failed && context.page?.snippets) action.sources = Object.values(context.page.urls ?? {}).map((url) => ({ type: 'url', url }));
      return { id, type: 'web_search_call', status, action };
    }
    case 'browser.find':
      return { id, type: 'web_search_call', status, action: { type: 'find_in_page', url: pageUrl, pattern: typeof a['pattern'] === 'string' ? a['pattern'] : '' } };
    default:
      return { id, type: 'web_search_call', status, action: { type: 'open_page', url: typeof a['id'] === 'string' ? a['id'] : pageUrl } };
  }
}

/** The status events OpenAI streams for a built-in call item, in order, between output_item.added and .done. */
export function builtinCallEventTypes(item: WebSearchCallItem | CodeInterpreterCallItem): string[] {
  return item.type === 'web_search_call'
    ? ['response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed']
    : [
        'response.code_interpreter_call.in_progress',
        'response.code_interpreter_call_code.delta',
        'response.code_interpreter_call_code.done',
        'response.code_interpreter_call.interpreting',
        'response.code_interpreter_call.completed',
      ];
}

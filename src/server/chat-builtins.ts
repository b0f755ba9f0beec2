import type { UrlCitation } from '../tools/index.js';
import type { BuiltinRequest, ServerBuiltins } from './builtin-tools.js';

/**
 * Built-in tools on Chat Completions and Ollama's /api/chat. Neither API has a tool type for them,
 * so the server's flags decide: with `serve --browser` / `--python` every request declares them to
 * the model, which may call them; the server runs each call and the model goes on. A call the
 * server ran is not a `tool_calls` entry (a client would try to run it): the assistant message
 * carries it in an extra field, `builtin_tool_calls: [{id, name, arguments, output}]` (streamed as a
 * delta when the call is made, and again with its `output` once it ran), and browser citations in
 * the answer become links in the text plus, on Chat Completions, `annotations` of type `url_citation`
 * (the shape OpenAI's search models use). Clients that do not know these fields see the answer.
 */

/** The recipients a `tool_choice` may name to force a built-in call. */
const RECIPIENTS: Record<string, 'browser' | 'python'> = {
  'browser.search': 'browser',
  'browser.open': 'browser',
  'browser.find': 'browser',
  python: 'python',
};

export function isBuiltinRecipient(name: string): boolean {
  return name in RECIPIENTS;
}

/** What a chat request gets: every built-in the server enabled; naming a disabled one is a 400 naming its flag. */
export function chatBuiltins(
  builtins: ServerBuiltins,
  forced: string | undefined,
  forcedParam: string,
  webSearchOptions: unknown,
): BuiltinRequest {
  const which = forced === undefined ? undefined : RECIPIENTS[forced];
  if (which) builtins.require(which, `tool_choice '${forced}'`, forcedParam);
  if (webSearchOptions != null) builtins.require('browser', 'web_search_options', 'web_search_options');
  return builtins.all();
}

/** A built-in call the server ran, as the `builtin_tool_calls` entries show it. */
export interface BuiltinCallOut {
  id: string;
  name: string;
  arguments: string;
  output?: string;
}

/** Chat Completions' annotation shape for a citation. */
export function chatAnnotation(a: UrlCitation): Record<string, unknown> {
  return { type: 'url_citation', url_citation: { start_index: a.start_index, end_index: a.end_index, title: a.title, url: a.url } };
}

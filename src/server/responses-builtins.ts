import { builtinForResponsesTool } from '../tools/index.js';
import type { BuiltinRequest, ServerBuiltins } from './builtin-tools.js';
import { invalidRequest } from './errors.js';
import type { ResponsesRequest, ResponsesTool } from './protocol/responses-schema.js';

/**
 * The built-ins a Responses request asks for: `web_search` (and its preview and dated names) is the
 * browser, `code_interpreter` python in the container it names (`{"type": "auto"}`: a new one).
 * Each must be enabled on the server; a `tool_choice` naming one must name a tool of the request.
 */
export function responsesBuiltins(req: ResponsesRequest, builtins: ServerBuiltins): BuiltinRequest {
  const want: BuiltinRequest = {};
  (req.tools ?? []).forEach((t, i) => {
    if (t.type === 'function') return;
    if (t.type === 'code_interpreter') {
      builtins.require('python', `tools[${i}] (code_interpreter)`, `tools[${i}].type`);
      want.python = typeof t.container === 'string' ? t.container : 'auto';
    } else {
      builtins.require('browser', `tools[${i}] (${t.type})`, `tools[${i}].type`);
      want.browser = true;
    }
  });
  const choice = req.tool_choice;
  if (choice && typeof choice === 'object' && choice.type !== 'function') {
    const which = builtinForResponsesTool(choice);
    if (which === 'browser' ? !want.browser : want.python === undefined) {
      throw invalidRequest(`tool_choice asks for ${choice.type}, which is not among the request's tools: add {"type": "${choice.type}"} to tools`, 'tool_choice.type', 'invalid_value');
    }
  }
  return want;
}

/** A request tool as the response object echoes it (a new container by the id it got). */
export function echoTool(t: ResponsesTool, containerId: string | undefined): Record<string, unknown> {
  if (t.type === 'function') return { type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true };
  if (t.type === 'code_interpreter') return { type: 'code_interpreter', container: containerId ?? t.container };
  return { ...t };
}

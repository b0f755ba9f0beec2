/**
 * Built-in tools: `browser` (search/open/find over local documents or the web), `python` (a
 * Pyodide sandbox) and `apply_patch` (V4A patches inside a workspace). The engine knows none of
 * them: `toolChatOptions(tools)` turns them into the chat options it takes (namespaces, function
 * tools, a call handler), the same way custom tools are given.
 */
export { toolChatOptions, findTool, parseArgs, type Tool, type ToolCallLike, type ToolChatOptions } from './tool.js';
export { createTools, createPythonTool, pythonToolDescription, type PythonInterpreter, createBrowserBackend, BROWSER_BACKENDS, type BrowserBackendName, type ToolsConfig } from './create-tools.js';
export { BrowserTool, type BrowserOptions } from './browser/browser-tool.js';
export { BrowserBackendError, bodyToPage, type BrowserBackend } from './browser/backend.js';
export { WebFetchBackend, fetchPage, type WebFetchOptions } from './browser/backends/fetch.js';
export { LocalDocsBackend } from './browser/backends/local-docs.js';
export { SearxngBackend } from './browser/backends/searxng.js';
export { BraveBackend, BRAVE_ENDPOINT } from './browser/backends/brave.js';
export { htmlToPage } from './browser/html.js';
export { findInPage, searchResultsPage, wrapLines, type Extract, type PageContents } from './browser/page.js';
export { FetchRefusedError, checkUrl, isPrivateAddress, safeFetch, type FetchedResponse, type SafeFetchOptions } from './browser/safe-fetch.js';
export { CitationStream, normalizeCitations, type UrlCitation } from './browser/citations.js';
export { PythonTool, pythonDescription, PYTHON_BACKENDS, type PythonBackendName, type PythonOptions } from './python/python-tool.js';
export { DockerPythonTool, dockerPythonDescription, DEFAULT_PYTHON_IMAGE } from './python/docker-backend.js';
export { createApplyPatchTool } from './apply-patch/tool.js';
export { applyPatch, resolveInWorkspace, type ApplyResult } from './apply-patch/workspace.js';
export { PatchError, parsePatch } from './apply-patch/parse.js';
export {
  builtinCallEventTypes,
  builtinCallItem,
  builtinForResponsesTool,
  forcedBuiltinCall,
  type CodeInterpreterCallItem,
  type WebSearchAction,
  type WebSearchCallItem,
} from './responses-items.js';

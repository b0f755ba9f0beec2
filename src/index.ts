/**
 * gpt-oss-ts, the library: load a gpt-oss checkpoint and chat with it.
 *
 *   import { loadModel } from 'gpt-oss-ts';
 *   const model = await loadModel('gpt-oss-20b/original');
 *   for await (const e of model.chat([{ role: 'user', content: 'Hi!' }], { reasoningEffort: 'low' })) {
 *     if (e.type === 'text') process.stdout.write(e.delta);
 *   }
 *   model.dispose();
 */
export { GptOss, loadModel } from './engine/public-api.js';
export { DEMO_MODEL_NAME, resolveDemoModel } from './engine/demo-model.js';
export {
  ChatSession,
  Engine,
  toHarmonyConversation,
  type ChatEvent,
  type ChatMessage,
  type ChatOptions,
  type DoneEvent,
  type EngineOptions,
  type FinishReason,
  type FunctionTool,
  type LoadOptions,
  type LoadProgress,
  type PlainMessage,
  type ReasoningEvent,
  type TextEvent,
  type Timings,
  type TokenEvent,
  type ToolCall,
  type ToolCallDeltaEvent,
  type ToolCallEvent,
  type ResponseFormat,
  type ToolChoice,
  type ToolResultEvent,
  type Usage,
  type BackendName,
  type Precision,
} from './engine/index.js';
export * as harmony from './harmony/index.js';
export {
  BrowserTool,
  CitationStream,
  LocalDocsBackend,
  PythonTool,
  SearxngBackend,
  WebFetchBackend,
  createApplyPatchTool,
  createTools,
  normalizeCitations,
  toolChatOptions,
  type BrowserBackend,
  type PageContents,
  type Tool,
  type ToolChatOptions,
  type ToolsConfig,
  type UrlCitation,
} from './tools/index.js';
export type { Message, Conversation, ReasoningEffort, ToolDescription, ToolNamespaceConfig } from './harmony/index.js';
export { TokenSampler, SamplerChain, Rng, type Sampler, type SamplingOptions, type StepOptions, type SampleResult } from './sampling/index.js';
export { getTokenizer, type Tokenizer, type StreamDecoder } from './tokenizer/index.js';
export {
  GptOssError,
  AbortError,
  ContextOverflowError,
  InvalidArgumentError,
  isGptOssError,
  type ErrorCode,
} from './core/errors.js';

export { Engine, ChatSession, type EngineOptions, type LoadOptions } from './engine.js';
export { runChatTurn, type ChatOptions, type ToolCall } from './chat.js';
export type {
  ChatEvent,
  DoneEvent,
  FinishReason,
  ReasoningEvent,
  TextEvent,
  Timings,
  TokenEvent,
  ToolCallDeltaEvent,
  ToolCallEvent,
  ToolResultEvent,
  Usage,
} from './events.js';
export type { ForwardModel } from './forward-model.js';
export type { ConstraintOptions, ResponseFormat, ToolChoice } from './constrained/turn-plan.js';
export { generateTokens, type LoopEnd, type TokenLoopOptions, type TokenStep } from './generate-tokens.js';
export { HarmonyStream, type RoutedDelta } from './harmony-stream.js';
export {
  functionRecipient,
  isHarmonyMessage,
  toHarmonyConversation,
  today,
  type ChatMessage,
  type ConversationOptions,
  type FunctionTool,
  type PlainMessage,
} from './messages.js';
export { BatchScheduler } from './scheduler.js';
export { Session, commonPrefix, type PrefillResult } from './session.js';
export type { LoadProgress, LoadModelOptions } from './load-model.js';
export { DEMO_MODEL_NAME, DEMO_SAMPLING, demoAssetsDir, modelCacheRoot, resolveDemoModel } from './demo-model.js';
export type { BackendName, Precision } from '../backends/backend.js';
export { BACKEND_NAMES, nativeKernels, nativePrefetchTuning } from './select-backend.js';
export type { PrefetchTuning } from '../backends/cpu/binding.js';
export { EXPERTS_CHOICES, expertBytes, memoryRoom, resolveExperts, roomForCache, type ExpertsChoice, type MemoryRoom } from './experts-placement.js';
export { assertFiniteLogits } from './finite-logits.js';

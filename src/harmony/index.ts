/**
 * harmony: the gpt-oss conversation format. Types and builders, the renderer (conversation ->
 * tokens), the streaming parser (tokens -> messages) and harmony's JSON interchange.
 */
export * from './types.js';
export * from './builders.js';
export { HarmonyJsonError, HarmonyParseError, HarmonyRenderError } from './errors.js';
export {
  isSpecialPiece,
  messagesToRender,
  piecesToText,
  piecesToTokens,
  renderConversation,
  renderConversationForCompletion,
  renderConversationForCompletionPieces,
  renderConversationForTraining,
  renderConversationForTrainingPieces,
  renderConversationPieces,
  renderMessage,
  renderMessagePieces,
  type RenderConversationOptions,
  type RenderMessageOptions,
  type RenderPiece,
  type SpecialPiece,
} from './render.js';
export { jsonSchemaToTypescript, renderToolsSection } from './tools-render.js';
export {
  StreamableParser,
  parseMessagesFromCompletionTokens,
  type ParseOptions,
  type ParsedHeader,
  type StreamState,
} from './parser.js';
export {
  contentFromJson,
  contentToJson,
  conversationFromJson,
  conversationToJson,
  developerContentFromJson,
  messageFromJson,
  messageToJson,
  parseJsonText,
  systemContentFromJson,
} from './json.js';

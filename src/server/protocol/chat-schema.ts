import { z } from 'zod';
import { jsonSchemaSchema, reasoningSchema, effortSchema, samplingFields } from './common.js';

/** Request schema of POST /v1/chat/completions (the fields this server reads; unknown ones are ignored). */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').nullish(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

export const chatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: z.string().nullish() }),
  z.object({ role: z.literal('developer'), content: textContent, name: z.string().nullish() }),
  z.object({ role: z.literal('user'), content: textContent, name: z.string().nullish() }),
  z.object({
    role: z.literal('assistant'),
    content: textContent.nullish(),
    // What this server returns (`reasoning`, `reasoning_content`), accepted back so tool use keeps its chain of thought.
    reasoning: z.string().nullish(),
    reasoning_content: z.string().nullish(),
    tool_calls: z.array(toolCall).nullish(),
    refusal: z.string().nullish(),
    name: z.string().nullish(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
]);

export const chatToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a function name holds 1-64 letters, digits, _ or -'),
    description: z.string().nullish(),
    parameters: jsonSchemaSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});

export const chatRequestSchema = z.object({
  ...samplingFields,
  messages: z.array(chatMessageSchema).min(1),
  tools: z.array(chatToolSchema).nullish(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })])
    .nullish(),
  reasoning_effort: effortSchema.nullish(),
  reasoning: reasoningSchema.nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string(),
          description: z.string().nullish(),
          schema: jsonSchemaSchema.nullish(),
          strict: z.boolean().nullish(),
        }),
      }),
    ])
    .nullish(),
  // OpenAI's switch for web search on Chat Completions: accepted when the server runs the browser.
  web_search_options: z.record(z.string(), z.unknown()).nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, 'logit_bias keys are token ids'), z.number().min(-100).max(100)).nullish(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatRequestMessage = z.infer<typeof chatMessageSchema>;

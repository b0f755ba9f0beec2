import { z } from 'zod';
import { jsonSchemaSchema, reasoningSchema, samplingFields } from './common.js';

/** Request schema of POST /v1/responses (the fields this server reads; unknown ones are ignored). */

const inputPart = z.object({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() });

const messageItem = z.object({
  type: z.literal('message'),
  id: z.string().nullish(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(inputPart)]),
  status: z.string().nullish(),
});

const functionCallItem = z.object({
  type: z.literal('function_call'),
  id: z.string().nullish(),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  status: z.string().nullish(),
});

const functionCallOutputItem = z.object({
  type: z.literal('function_call_output'),
  id: z.string().nullish(),
  call_id: z.string(),
  output: z.union([z.string(), z.array(inputPart)]),
  status: z.string().nullish(),
});

const reasoningItem = z.object({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(z.object({ type: z.string(), text: z.string() })).nullish(),
  content: z.array(z.object({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
  status: z.string().nullish(),
});

/** Built-in calls this server returned, passed back by clients that resend the output (the Agents SDK). */
const webSearchCallItem = z.object({ type: z.literal('web_search_call'), id: z.string().nullish(), status: z.string().nullish(), action: z.unknown().optional() });
const codeInterpreterCallItem = z.object({
  type: z.literal('code_interpreter_call'),
  id: z.string().nullish(),
  status: z.string().nullish(),
  code: z.string().nullish(),
  container_id: z.string().nullish(),
  outputs: z.array(z.object({ type: z.string(), logs: z.string().nullish() })).nullish(),
});

/** A message item may omit `type` (EasyInputMessage); every other item names it. */
export const inputItemSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !('type' in v) ? { ...v, type: 'message' } : v),
  z.discriminatedUnion('type', [messageItem, functionCallItem, functionCallOutputItem, reasoningItem, webSearchCallItem, codeInterpreterCallItem]),
);

export const functionToolSchema = z.object({
  type: z.literal('function'),
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a function name holds 1-64 letters, digits, _ or -'),
  description: z.string().nullish(),
  parameters: jsonSchemaSchema.nullish(),
  strict: z.boolean().nullish(),
});

/** The built-in tool types, as the openai SDK sends them (the server runs them when enabled). */
export const WEB_SEARCH_TYPES = ['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11'] as const;

const webSearchToolSchema = z.object({
  type: z.enum(WEB_SEARCH_TYPES),
  search_context_size: z.enum(['low', 'medium', 'high']).nullish(),
  filters: z.unknown().optional(),
  user_location: z.unknown().optional(),
});

const codeInterpreterToolSchema = z.object({
  type: z.literal('code_interpreter'),
  container: z.union([
    z.string().min(1),
    z.object({ type: z.literal('auto'), file_ids: z.array(z.string()).nullish(), memory_limit: z.string().nullish() }),
  ]),
});

export const responsesToolSchema = z.discriminatedUnion('type', [functionToolSchema, webSearchToolSchema, codeInterpreterToolSchema]);

export const responsesRequestSchema = z.object({
  ...samplingFields,
  input: z.union([z.string(), z.array(inputItemSchema)]),
  instructions: z.string().nullish(),
  reasoning: reasoningSchema.nullish(),
  tools: z.array(responsesToolSchema).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), name: z.string() }),
      z.object({ type: z.enum([...WEB_SEARCH_TYPES, 'code_interpreter']) }),
    ])
    .nullish(),
  text: z
    .object({
      format: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('text') }),
          z.object({ type: z.literal('json_object') }),
          z.object({
            type: z.literal('json_schema'),
            name: z.string(),
            schema: jsonSchemaSchema,
            description: z.string().nullish(),
            strict: z.boolean().nullish(),
          }),
        ])
        .nullish(),
    })
    .nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  previous_response_id: z.string().nullish(),
  store: z.boolean().nullish(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;
export type ResponsesTool = z.infer<typeof responsesToolSchema>;

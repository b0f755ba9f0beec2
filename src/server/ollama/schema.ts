import { z } from 'zod';

/**
 * Request shapes of Ollama's API (github.com/ollama/ollama docs/api.md) as far as this server reads
 * them; unknown fields are ignored, as Ollama ignores them.
 */

const toolCall = z.object({
  id: z.string().nullish(),
  function: z.object({
    index: z.number().int().nullish(),
    name: z.string().min(1),
    // Ollama sends an object; some clients send the JSON text.
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});

export const ollamaMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullish(),
  thinking: z.string().nullish(),
  images: z.array(z.string()).nullish(),
  tool_calls: z.array(toolCall).nullish(),
  tool_name: z.string().nullish(),
});
export type OllamaMessage = z.infer<typeof ollamaMessageSchema>;

export const ollamaOptionsSchema = z
  .object({
    num_predict: z.number().int().nullish(),
    temperature: z.number().min(0).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    top_k: z.number().int().min(0).nullish(),
    min_p: z.number().min(0).max(1).nullish(),
    seed: z.number().int().nullish(),
    stop: z.union([z.string(), z.array(z.string())]).nullish(),
    num_ctx: z.number().int().nullish(),
  })
  .passthrough();
export type OllamaOptions = z.infer<typeof ollamaOptionsSchema>;

const think = z.union([z.boolean(), z.enum(['low', 'medium', 'high'])]);
// "json", a JSON schema object, or empty for free text.
const format = z.union([z.literal('json'), z.literal(''), z.record(z.string(), z.unknown())]);

const tool = z.object({
  type: z.literal('function').nullish(),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a function name holds 1-64 letters, digits, _ or -'),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  }),
});

const common = {
  model: z.string().min(1, 'model is required'),
  stream: z.boolean().nullish(),
  think: think.nullish(),
  format: format.nullish(),
  options: ollamaOptionsSchema.nullish(),
  keep_alive: z.union([z.string(), z.number()]).nullish(),
};

export const ollamaChatSchema = z.object({
  ...common,
  messages: z.array(ollamaMessageSchema).default([]),
  tools: z.array(tool).nullish(),
});
export type OllamaChatRequest = z.infer<typeof ollamaChatSchema>;

export const ollamaGenerateSchema = z.object({
  ...common,
  prompt: z.string().nullish(),
  system: z.string().nullish(),
  suffix: z.string().nullish(),
  raw: z.boolean().nullish(),
  images: z.array(z.string()).nullish(),
});
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateSchema>;

export const ollamaShowSchema = z.object({ model: z.string().nullish(), name: z.string().nullish(), verbose: z.boolean().nullish() });

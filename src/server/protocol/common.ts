import { z } from 'zod';

/** Schemas shared by both APIs. Optional fields accept null too: OpenAI clients send `null` for "not set". */

export const effortSchema = z.enum(['minimal', 'low', 'medium', 'high']);

/** `reasoning: {effort, max_tokens}`: the per-request reasoning budget several OpenAI-compatible gateways accept. */
export const reasoningSchema = z.object({
  effort: effortSchema.nullish(),
  max_tokens: z.number().int().min(0).nullish(),
  summary: z.string().nullish(),
});

export const jsonSchemaSchema = z.record(z.string(), z.unknown());

export const samplingFields = {
  model: z.string().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
};

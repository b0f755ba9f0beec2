/**
 * OpenAI's compatibility test for gpt-oss providers (compatibility-test/ in openai/gpt-oss), in our
 * own words: its cases (cases.jsonl) and tools (tools.json) are copied from there, and each case is
 * run through the Agents SDK against a server with the checks that test makes:
 *  - the tool is called, with arguments that validate against its parameters;
 *  - response shape: Chat Completions puts a non-empty string `reasoning` on an assistant message;
 *    the Responses API returns a `reasoning` item whose `content` is a non-empty list of
 *    `reasoning_text` parts with text;
 *  - streamed events: Chat chunks carry `delta.reasoning` text; a Responses stream has
 *    `response.reasoning_text.delta` and `.done` events. (The upstream script looks for these inside
 *    `raw_model_stream_event` wrappers it has already unwrapped, so its Responses event check can
 *    never pass; this runner looks at the events themselves. And a streamed run's SDK response
 *    keeps no `output` in `providerData` in current SDKs, so the streamed Responses shape is checked
 *    on the `response.completed` event's response.)
 * A tiny model does not pick tools by itself, so the tool choice is forced to the case's tool (the
 * upstream issue allows it; the Agents SDK resets it to `auto` after the call, as it does for any
 * agent) and the tools are declared strict, so their arguments are constrained to the schema.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';

setTracingDisabled(true);

export interface CompatCase {
  tool_name: string;
  input: string;
  expected_arguments: string;
  instructions?: string;
}

interface ToolData {
  name: string;
  description: string;
  // A JSON Schema object, handed to the SDK as it is.
  parameters: { type: 'object'; properties: Record<string, never>; required: string[]; additionalProperties: boolean };
  output: string;
}

export type ApiType = 'chat' | 'responses';

export interface CaseResult {
  index: number;
  api: ApiType;
  streaming: boolean;
  toolCalled: boolean;
  argumentsValid: boolean;
  argumentsExpected: boolean;
  validResponse: boolean;
  /** Undefined when not streaming. */
  validEvents: boolean | undefined;
  error?: string;
  /** Model calls the run made. */
  turns: number;
  pass: boolean;
}

const here = new URL('.', import.meta.url);
export const CASES: CompatCase[] = readFileSync(new URL('cases.jsonl', here), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as CompatCase);
const TOOLS: ToolData[] = JSON.parse(readFileSync(new URL('tools.json', here), 'utf8')) as ToolData[];

const ajv = new Ajv({ strict: false });

export interface CompatOptions {
  baseURL: string;
  apiKey?: string;
  model: string;
  temperature?: number;
  maxTurns?: number;
  /** Most tokens per model call (a tiny model may otherwise run on to the end of its context). */
  maxTokens?: number;
  /**
   * Declare the tools strict (default true; upstream declares them non-strict). A strict tool's
   * arguments are held to its schema by the server's constrained decoding, as the forced tool choice
   * holds the choice: a tiny model does not fill in a schema by itself any more than it picks a tool.
   */
  strictTools?: boolean;
}


export async function runCompatCase(index: number, c: CompatCase, api: ApiType, streaming: boolean, o: CompatOptions): Promise<CaseResult> {
  const data = TOOLS.find((t) => t.name === c.tool_name);
  if (!data) throw new Error(`case ${index}: no tool '${c.tool_name}' in tools.json`);
  const options = { name: data.name, description: data.description, parameters: data.parameters, strict: o.strictTools ?? true, execute: async (): Promise<string> => data.output };
  const agentTool = tool(options as unknown as Parameters<typeof tool>[0]);
  const agent = new Agent({ name: c.tool_name, instructions: c.instructions ?? '', tools: [agentTool] });
  const runner = new Runner({
    modelProvider: new OpenAIProvider({ apiKey: o.apiKey ?? 'unused', baseURL: o.baseURL, useResponses: api === 'responses' }),
    model: o.model,
    modelSettings: {
      toolChoice: c.tool_name,
      maxTokens: o.maxTokens ?? 256,
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    },
  });
  const result: CaseResult = { index, api, streaming, toolCalled: false, argumentsValid: false, argumentsExpected: false, validResponse: false, validEvents: undefined, turns: 0, pass: false };
  let run: { newItems: { type: string; rawItem: unknown }[]; rawResponses: { providerData?: unknown }[] };
  const events: Record<string, unknown>[] = [];
  try {
    if (streaming) {
      const s = await runner.run(agent, c.input, { stream: true, maxTurns: o.maxTurns ?? 10 });
      for await (const e of s) if (e.type === 'raw_model_stream_event' && e.data.type === 'model') events.push(e.data.event as Record<string, unknown>);
      await s.completed;
      run = s;
    } else {
      run = await runner.run(agent, c.input, { maxTurns: o.maxTurns ?? 10 });
    }
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    return result;
  }

  result.turns = run.rawResponses.length;
  for (const item of run.newItems) {
    if (result.toolCalled || item.type !== 'tool_call_item') continue;
    const raw = item.rawItem as { type: string; name?: string; arguments?: string };
    if (raw.type !== 'function_call' || raw.name !== c.tool_name) continue;
    result.toolCalled = true;
    const args = JSON.parse(raw.arguments ?? '') as unknown;
    result.argumentsValid = ajv.validate(data.parameters, args);
    result.argumentsExpected = JSON.stringify(sortKeys(args)) === JSON.stringify(sortKeys(JSON.parse(c.expected_arguments)));
  }

  const raws = run.rawResponses.map((r) => r.providerData as Record<string, unknown> | undefined);
  if (api === 'chat') {
    // A streamed Chat Completion has no response object to check (upstream skips it too).
    if (streaming && raws.some((r) => r === undefined)) result.validResponse = true;
    else {
      result.validResponse = raws.some((r) => {
        const m = (r?.['choices'] as { message: Record<string, unknown> }[] | undefined)?.[0]?.message;
        return m !== undefined && m['role'] === 'assistant' && !m['refusal'] && typeof m['reasoning'] === 'string' && m['reasoning'].length > 0;
      });
    }
  } else {
    // Streamed, the SDK keeps the response without its output; the first turn's whole response is
    // in its response.completed event.
    const first = streaming ? ((events.find((e) => e['type'] === 'response.completed')?.['response'] as Record<string, unknown> | undefined) ?? undefined) : raws[0];
    const output = (first?.['output'] as { type: string; content?: { type: string; text: string }[] }[] | undefined) ?? [];
    const reasoning = output.filter((i) => i.type === 'reasoning');
    result.validResponse = reasoning.length > 0 && reasoning.every((i) => Array.isArray(i.content) && i.content.length > 0 && i.content.every((p) => p.type === 'reasoning_text' && p.text.length > 0));
  }

  if (streaming) {
    if (api === 'chat') {
      // The last chunk (stream_options.include_usage) has no choices.
      result.validEvents = events.some((e) => {
        const d = (e['choices'] as { delta?: { reasoning?: unknown } }[] | undefined)?.[0]?.delta;
        return typeof d?.reasoning === 'string' && d.reasoning.length > 0;
      });
    } else {
      result.validEvents = events.some((e) => e['type'] === 'response.reasoning_text.delta') && events.some((e) => e['type'] === 'response.reasoning_text.done');
    }
  }
  result.pass = result.toolCalled && result.argumentsValid && result.validResponse && result.validEvents !== false;
  return result;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { Engine } from '../../src/engine/index.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/serve.js';
import type { ServedModel } from '../../src/server/served-model.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { ScriptedModel } from '../engine/helpers.js';

export const tok = getTokenizer();

/** Harmony text with special tokens written by name, as token ids. */
export function ids(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(/(<\|[a-z]+\|>)/)) {
    if (part === '') continue;
    if (/^<\|[a-z]+\|>$/.test(part)) out.push(tok.specialId(part));
    else out.push(...tok.encode(part));
  }
  return out;
}

/** An answer with reasoning, then a final message. */
export const ANSWER = ids('<|channel|>analysis<|message|>The user greets me.<|end|><|start|>assistant<|channel|>final<|message|>Hello, world!<|return|>');
/** A call of get_weather (round 0) and the answer once its result is in (round 1). */
export const CALL_ROUNDS = [
  ids('<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Paris"}<|call|>'),
  ids('<|channel|>final<|message|>It is sunny.<|return|>'),
];
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};

export interface TestServer {
  url: string;
  client: OpenAI;
  served: ServedModel;
  model: ScriptedModel;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * The real server on 127.0.0.1 (a free port) over an engine whose model follows a script
 * (test/engine/helpers.ts ScriptedModel): real HTTP, the real engine and session pool, and output
 * with reasoning, answers and tool calls that a random-weight checkpoint would not produce.
 */
export async function scriptedServer(rounds: readonly (readonly number[])[], options: Partial<ServeOptions> & { delayMs?: number; contextLength?: number; model?: ScriptedModel } = {}): Promise<TestServer> {
  const model = options.model ?? new ScriptedModel(rounds, options.delayMs ?? 0);
  const engine = new Engine(model, tok, { sessions: options.parallel ?? 1, ...(options.contextLength ? { contextLength: options.contextLength } : {}) });
  const logs: Record<string, unknown>[] = [];
  const server: RunningServer = await startServer({ engine }, { modelId: 'scripted', port: 0, log: (l) => logs.push(l), ...options });
  const served = await server.ready;
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: options.apiKey ?? 'unused', maxRetries: 0 });
  return { url: server.url, client, served, model, logs, close: () => server.close() };
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliServer {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** `gpt-oss serve DIR --port 0 ...` as a user starts it; resolves once it says it is ready. */
export function spawnServe(args: string[]): Promise<CliServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', ...args, '--port', '0'], {
    cwd: root,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gpt-oss serve did not get ready:\n${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ready, serving '[^']+' at (http:\/\/[^\s]+)\/v1/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gpt-oss serve exited with ${code} before it was ready:\n${err}`));
    });
  });
}

/** The `data:` payloads of a text/event-stream body, with their `event:` names. */
export function parseSse(text: string): { event: string | undefined; data: string }[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GptOssError, InvalidArgumentError, isGptOssError } from '../../core/errors.js';
import {
  DEMO_MODEL_NAME,
  DEMO_SAMPLING,
  BACKEND_NAMES,
  Engine,
  type BackendName,
  type ChatMessage,
  type DoneEvent,
  type Precision,
} from '../../engine/index.js';
import type { ReasoningEffort } from '../../harmony/index.js';
import { EXPERTS_CHOICES, type ExpertsChoice } from '../../engine/index.js';
import { choiceOption, floatOption, intOption, parseCommandArgs, readStdin } from '../args.js';
import { runRepl } from '../chat-repl.js';
import { TurnPrinter, footer } from '../chat-render.js';
import { turnOptions, type RunSettings } from '../chat-settings.js';
import { constraintSettings } from '../constraint-flags.js';
import { DEMO_MODEL, parseHubName } from '../../hub/index.js';
import type { Command } from '../command.js';
import { resolveCliModel } from '../resolve-model.js';
import { ProgressBar } from '../terminal-progress.js';
import { TOOL_ARG_SPEC, TOOL_USAGE, createCliTools, toolsConfigFromArgs, withCitations } from '../tool-options.js';

const usage = `Usage: gpt-oss run [MODEL] [PROMPT] [options]

Chat with a gpt-oss model in the terminal. With PROMPT (or text piped on stdin) answers once:
only the final answer goes to stdout. Without, starts an interactive chat (type /help there).
MODEL is a checkpoint directory, ${DEMO_MODEL_NAME} (the tiny demo model in this package, the default),
or a hub name or alias (openai/gpt-oss-20b, gpt-oss-20b): one not downloaded yet is pulled after asking
(see 'gpt-oss pull'; NAME@REV for a pulled revision). A first argument that is none of these is the prompt, so
\`gpt-oss run "What is 2 + 3?"\` asks the demo.

Options:
  --yes                  pull a missing hub model without asking
  --reasoning-effort low|medium|high   how long the model thinks (default medium)
  --developer TEXT       developer instructions (the "system prompt")
  --temperature T        0 = greedy (default 1; ${DEMO_SAMPLING.temperature} for ${DEMO_MODEL_NAME})
  --top-p P              nucleus sampling mass (default 1)
  --top-k K              keep the K most likely tokens (default off)
  --min-p P              drop tokens below P times the top one (default off)
  --seed N               makes sampling reproducible
  --max-tokens N         most tokens per answer (default: until the context is full)
  --context N            context length in tokens (default 8192, at most the model's 131072)
  --backend ${BACKEND_NAMES.join('|')} compute backend (default: the best available)
  --threads N            worker threads of the cpu backend (the load itself uses every physical core)
  --precision exact|fast
  --experts auto|copy|map cpu backend: copy the MXFP4 experts into memory at load, read them in place, or auto (default: read in place at load, then copied while the model runs when the available memory, cgroup limits included, holds them with room for the KV cache)
  --date YYYY-MM-DD      conversation start date (default today)
  --hide-reasoning       interactive: do not show the reasoning
  --show-reasoning       one-shot: write the reasoning to stderr
  --raw                  print everything the model generates, harmony tokens spelled out, unparsed
  --json-schema FILE     the answer is JSON valid against this JSON Schema (only it goes to stdout)
  --reasoning-budget N   at most N reasoning tokens, then the answer (0: no reasoning)
  --tools FILE           function tools: a JSON array of {name, description, parameters}; one-shot,
                         a call ends the run and is printed on stdout as {"name", "arguments"}
  --tool-choice none|auto|required|NAME   whether (or which) tool must be called (default auto)

${TOOL_USAGE}`;

export const runCommand: Command = {
  name: 'run',
  summary: 'Chat with a model in the terminal, or answer one prompt',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('run', argv, {
      'reasoning-effort': { type: 'string' },
      developer: { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      'min-p': { type: 'string' },
      seed: { type: 'string' },
      'max-tokens': { type: 'string' },
      context: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      precision: { type: 'string' },
      experts: { type: 'string' },
      date: { type: 'string' },
      raw: { type: 'boolean' },
      'hide-reasoning': { type: 'boolean' },
      'show-reasoning': { type: 'boolean' },
      ...TOOL_ARG_SPEC,
      'json-schema': { type: 'string' },
      'reasoning-budget': { type: 'string' },
      tools: { type: 'string' },
      'tool-choice': { type: 'string' },
      yes: { type: 'boolean' },
    });
    // The first argument names a model if it is the demo's name, a directory or a hub name or alias
    // (or a PROMPT follows it); otherwise it is the prompt and the demo model answers.
    const first = positionals[0];
    const firstIsModel =
      first !== undefined && (first === DEMO_MODEL_NAME || isDirectory(first) || parseHubName(first) !== undefined || positionals.length > 1);
    const modelArg = firstIsModel ? first : DEMO_MODEL_NAME;
    const rest = firstIsModel ? positionals.slice(1) : positionals;
    if (rest.length > 1) {
      throw new InvalidArgumentError(`gpt-oss run: expected MODEL and at most one PROMPT, got ${positionals.length} arguments (quote the prompt)`);
    }
    const date = values.date ?? todayLocal();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) {
      throw new InvalidArgumentError(`gpt-oss run: --date must be YYYY-MM-DD, got '${date}'`);
    }
    const defaultTemperature = modelArg === DEMO_MODEL_NAME ? DEMO_SAMPLING.temperature : 1;
    const sampling: RunSettings['sampling'] = { temperature: floatOption('run', 'temperature', values.temperature, defaultTemperature) };
    if (values['top-p'] !== undefined) sampling.topP = floatOption('run', 'top-p', values['top-p'], 1);
    if (values['top-k'] !== undefined) sampling.topK = intOption('run', 'top-k', values['top-k'], 0, 0);
    if (values['min-p'] !== undefined) sampling.minP = floatOption('run', 'min-p', values['min-p'], 0);
    if (values.seed !== undefined) sampling.seed = intOption('run', 'seed', values.seed, 0, 0);
    const settings: RunSettings = {
      effort: choiceOption<ReasoningEffort>('run', 'reasoning-effort', values['reasoning-effort'], ['low', 'medium', 'high'], 'medium'),
      developer: values.developer,
      date,
      sampling,
      maxTokens: values['max-tokens'] === undefined ? undefined : intOption('run', 'max-tokens', values['max-tokens'], 0, 1),
      raw: values.raw === true,
      hideReasoning: values['hide-reasoning'] === true,
      constraints: constraintSettings('run', values),
    };
    const backend = values.backend === undefined ? undefined : choiceOption<BackendName>('run', 'backend', values.backend, BACKEND_NAMES, 'ref');
    const precision = values.precision === undefined ? undefined : choiceOption<Precision>('run', 'precision', values.precision, ['exact', 'fast'], 'exact');
    const context = values.context === undefined ? undefined : intOption('run', 'context', values.context, 0, 2);
    const threads = values.threads === undefined ? undefined : intOption('run', 'threads', values.threads, 0, 1);
    const experts = values.experts === undefined ? undefined : choiceOption<ExpertsChoice>('run', 'experts', values.experts, EXPERTS_CHOICES, 'auto');

    const modelDir = modelArg === DEMO_MODEL_NAME ? modelArg : ((await resolveCliModel(modelArg, values.yes === true)) ?? modelArg);
    if (modelDir !== DEMO_MODEL_NAME) checkModelDir(modelDir);
    const tools = createCliTools(toolsConfigFromArgs('run', values));
    if (tools.length > 0) settings.tools = tools;
    // Decide the mode before loading, so a piped prompt is read while nothing else happens.
    let prompt = rest[0];
    const interactive = prompt === undefined && process.stdin.isTTY === true;
    if (prompt === undefined && !interactive) prompt = await readStdin();

    const bar = new ProgressBar(process.stderr, `loading ${modelDir}`);
    let engine: Engine;
    try {
      engine = await Engine.load(modelDir, {
        ...(backend ? { backend } : {}),
        ...(precision ? { precision } : {}),
        ...(threads ? { threads } : {}),
        ...(experts ? { experts } : {}),
        ...(context ? { contextLength: context } : {}),
        onProgress: (p) => bar.update(p.loaded, p.layers),
        onWarning: (m) => {
          bar.finish();
          process.stderr.write(`gpt-oss: ${m}\n`);
        },
      });
    } catch (e) {
      bar.finish();
      throw explainLoadError(modelDir, e);
    }
    bar.finish();
    try {
      if (interactive) return await runRepl(engine, settings);
      return await oneShot(engine, settings, prompt ?? '', values['show-reasoning'] === true);
    } finally {
      engine.dispose();
      for (const t of tools) await t.dispose?.();
    }
  },
};

async function oneShot(engine: Engine, s: RunSettings, prompt: string, showReasoning: boolean): Promise<number> {
  if (prompt.trim() === '') throw new InvalidArgumentError('gpt-oss run: the prompt is empty (give PROMPT or pipe text on stdin)');
  const messages: ChatMessage[] = [{ role: 'user', content: prompt.replace(/\n$/, '') }];
  const printer = new TurnPrinter({
    out: process.stdout,
    reasoning: showReasoning ? process.stderr : null,
    dim: false,
    raw: s.raw,
    notes: process.stderr,
    notesDim: process.stderr.isTTY === true && !process.env['NO_COLOR'],
  });
  // Ctrl-C stops the answer (what was printed stays) and the process exits normally.
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  let done: DoneEvent | undefined;
  try {
    for await (const e of withCitations(engine.chat(messages, turnOptions(s, controller.signal)), s.tools ?? [])) {
      if (e.type === 'tool_call' && s.constraints?.tools && !s.raw) {
        // A call ends the one-shot run: printed as JSON for the caller to act on.
        printer.end();
        process.stdout.write(`${JSON.stringify({ name: e.recipient.replace(/^functions\./, ''), arguments: parseArguments(e.arguments) })}\n`);
        continue;
      }
      if (e.type === 'text' && e.channel !== 'final' && s.constraints?.tools && !s.raw) {
        // A preamble before a call is not the answer: stdout stays parseable.
        process.stderr.write(e.delta);
        continue;
      }
      printer.handle(e);
      if (e.type === 'done') done = e;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  printer.end();
  if (done && process.env['GPT_OSS_STATS']) process.stderr.write(`${footer(done)}\n`);
  return 0;
}

/** Constrained arguments are JSON; anything else (a built-in's code) is passed on as text. */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const MAKE_TINY = `gpt-oss make-model --preset tiny --seed 1 --format original --out DIR (or leave MODEL out to chat with ${DEMO_MODEL_NAME})`;

function checkModelDir(dir: string): void {
  if (dir === DEMO_MODEL) return;
  if (!existsSync(dir)) {
    throw new GptOssError('file_not_found', `${dir}: no such directory. MODEL is a gpt-oss checkpoint directory (with config.json); to try the CLI with a tiny random model, run: ${MAKE_TINY}`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new GptOssError('invalid_argument', `${dir}: is a file, not a model directory. MODEL is a gpt-oss checkpoint directory (with config.json); for a tiny random one run: ${MAKE_TINY}`);
  }
  if (!existsSync(join(dir, 'config.json')) && !existsSync(join(dir, 'original', 'config.json'))) {
    throw new GptOssError('invalid_file', `${dir}: not a model directory (no config.json). Point MODEL at a gpt-oss checkpoint (e.g. gpt-oss-20b/original), or make a tiny random one: ${MAKE_TINY}`);
  }
}

function explainLoadError(dir: string, e: unknown): unknown {
  if (isGptOssError(e) && (e.code === 'invalid_file' || e.code === 'file_not_found' || e.code === 'invalid_config' || e.code === 'missing_tensor')) {
    return new GptOssError(e.code, `${e.message}\n${dir} does not hold a usable gpt-oss checkpoint; for a tiny random one run: ${MAKE_TINY}`);
  }
  return e;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function todayLocal(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

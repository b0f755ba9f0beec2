import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GptOssError, InvalidArgumentError } from '../../core/errors.js';
import type { BackendName, Precision } from '../../engine/index.js';
import { startServer } from '../../server/serve.js';
import { DEMO_SAMPLING, EXPERTS_CHOICES, type ExpertsChoice } from '../../engine/index.js';
import { choiceOption, intOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { DEMO_MODEL, parseHubName } from '../../hub/index.js';
import { resolveCliModel } from '../resolve-model.js';
import { SERVE_TOOL_ARG_SPEC, SERVE_TOOL_USAGE, toolsConfigFromArgs } from '../tool-options.js';

const usage = `Usage: gpt-oss serve [MODEL] [options]

Serve a model over an OpenAI-compatible HTTP API: POST /v1/responses (and GET/DELETE
/v1/responses/{id}), POST /v1/chat/completions, GET /v1/models, GET /health.
One JSON log line per request goes to stderr. Ctrl-C (SIGINT) or SIGTERM stops it gracefully.

MODEL is a checkpoint directory, ${DEMO_MODEL} (the tiny demo model in this package, the default), or a
hub name or alias (gpt-oss-20b, openai/gpt-oss-20b) in the Hugging Face cache; a missing one is pulled
after asking, or at once with --yes (see 'gpt-oss pull'; NAME@REV for a pulled revision). ${DEMO_MODEL} samples at temperature ${DEMO_SAMPLING.temperature}
when a request names none (other models at the API's default of 1).
The page at / is a chat in the browser; /api is Ollama's API.

Options:
  --yes                    pull a missing hub model without asking
  --host HOST              address to bind (default 127.0.0.1: only this machine)
  --port N                 port (default 8000; 0 picks a free one)
  --api-key KEY            require "Authorization: Bearer KEY" on /v1 (default: no key)
  --model-id ID            the model's name in the API (default: the checkpoint directory's name)
  --parallel N             requests decoded together, one KV-cache session each (default 1)
  --queue N                requests that may wait beyond those; the next gets 429 (default 64)
  --context N              context length of each session in tokens (default 8192)
  --reasoning-budget N     default most reasoning tokens per request (default: no limit)
  --backend ref|cpu        compute backend (default: the best available)
  --threads N              worker threads of the cpu backend (the load itself uses every physical core)
  --precision exact|fast
  --experts auto|copy|map  cpu backend: copy the MXFP4 experts into memory at load, read them in place, or auto (default: read in place at load, then copied while the model runs when the available memory, cgroup limits included, holds them with room for the KV cache)

${SERVE_TOOL_USAGE}`;

/** The model's API name: the checkpoint directory's name (gpt-oss-20b for gpt-oss-20b/original). */
export function modelNameOf(dir: string): string {
  const abs = resolve(dir);
  const base = basename(abs);
  return base === 'original' ? basename(dirname(abs)) : base;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve a model over an OpenAI-compatible HTTP API (Responses, Chat Completions)',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('serve', argv, {
      host: { type: 'string' },
      port: { type: 'string' },
      'api-key': { type: 'string' },
      'model-id': { type: 'string' },
      parallel: { type: 'string' },
      queue: { type: 'string' },
      context: { type: 'string' },
      'reasoning-budget': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      precision: { type: 'string' },
      experts: { type: 'string' },
      yes: { type: 'boolean' },
      ...SERVE_TOOL_ARG_SPEC,
    });
    // Checked before any model is loaded or pulled.
    const tools = toolsConfigFromArgs('serve', values);
    const [arg = DEMO_MODEL, ...rest] = positionals;
    if (rest.length > 0) throw new InvalidArgumentError(`gpt-oss serve: expected one MODEL, got ${positionals.length} arguments`);
    // A hub name or alias is looked up in the Hugging Face cache (and pulled, after asking or with --yes);
    // the demo model is unpacked from the package.
    const dir = (await resolveCliModel(arg, values.yes === true)) ?? arg;
    const fromHub = dir !== arg && arg !== DEMO_MODEL;
    if (!existsSync(join(dir, 'config.json')) && !existsSync(join(dir, 'original', 'config.json'))) {
      throw new GptOssError('file_not_found', `${dir}: not a model directory (no config.json). MODEL is a gpt-oss checkpoint directory; for a tiny random one run: gpt-oss make-model --preset tiny --seed 1 --out DIR`);
    }
    const apiKey = values['api-key'];
    if (apiKey !== undefined && apiKey.trim() === '') throw new InvalidArgumentError('gpt-oss serve: --api-key must not be empty');
    // A model from the hub is named as the user named it, without a revision (gpt-oss-20b, not the snapshot's commit).
    const hubName = fromHub ? (parseHubName(arg)?.name ?? arg) : arg;
    const name = fromHub ? hubName.split('/').pop()! : arg === DEMO_MODEL ? DEMO_MODEL : modelNameOf(dir);
    const modelId = values['model-id'] ?? name;
    const port = intOption('serve', 'port', values.port, 8000, 0);
    if (port > 65535) throw new InvalidArgumentError(`gpt-oss serve: --port must be at most 65535, got ${port}`);
    const context = values.context === undefined ? undefined : intOption('serve', 'context', values.context, 0, 2);
    const threads = values.threads === undefined ? undefined : intOption('serve', 'threads', values.threads, 0, 1);
    const experts = values.experts === undefined ? undefined : choiceOption<ExpertsChoice>('serve', 'experts', values.experts, EXPERTS_CHOICES, 'auto');
    const budget = values['reasoning-budget'] === undefined ? undefined : intOption('serve', 'reasoning-budget', values['reasoning-budget'], 0, 0);
    const backend = values.backend === undefined ? undefined : choiceOption<BackendName>('serve', 'backend', values.backend, ['ref', 'cpu'], 'ref');
    const precision = values.precision === undefined ? undefined : choiceOption<Precision>('serve', 'precision', values.precision, ['exact', 'fast'], 'exact');

    const server = await startServer(
      { dir },
      {
        host: values.host ?? '127.0.0.1',
        port,
        ...(apiKey !== undefined ? { apiKey } : {}),
        modelId,
        aliases: [...new Set([name, ...(fromHub ? [hubName] : [])])].filter((a) => a !== modelId),
        parallel: intOption('serve', 'parallel', values.parallel, 1, 1),
        queue: intOption('serve', 'queue', values.queue, 64, 0),
        ...(budget !== undefined ? { reasoningBudget: budget } : {}),
        // The demo answers best cooler than the API's default of 1 (as `run` does); a request's temperature wins.
        ...(arg === DEMO_MODEL ? { defaultTemperature: DEMO_SAMPLING.temperature } : {}),
        ...(tools ? { builtins: { ...(tools.browser ? { browser: tools.browser } : {}), ...(tools.python ? { python: tools.python } : {}) } } : {}),
        load: {
          ...(backend ? { backend } : {}),
          ...(precision ? { precision } : {}),
          ...(threads ? { threads } : {}),
          ...(experts ? { experts } : {}),
          ...(context ? { contextLength: context } : {}),
          onWarning: (m) => process.stderr.write(`gpt-oss: ${m}\n`),
        },
      },
    );
    process.stderr.write(`gpt-oss serve: listening on ${server.url} (loading ${dir})\n`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`gpt-oss serve: ${signal}, stopping\n`);
      void server.close();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    try {
      const model = await server.ready;
      process.stderr.write(`gpt-oss serve: ready, serving '${model.id}' at ${server.url}/v1\n`);
    } catch (e) {
      await server.close();
      throw e;
    }
    await server.closed;
    process.stderr.write('gpt-oss serve: stopped\n');
    return 0;
  },
};

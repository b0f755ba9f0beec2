import { InvalidArgumentError } from '../../core/errors.js';
import { expertBytes, memoryRoom, resolveExperts, roomForCache } from '../../engine/index.js';
import { DEMO_MODEL, HubError, resolveModelArgument, summarizeModel, type ExpertsPlan, type ModelSummary } from '../../hub/index.js';
import { intOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { demoModelDir } from '../demo-model.js';
import { formatBytes } from '../download-progress.js';
import { configLines } from './inspect.js';

const usage = `Usage: gpt-oss show MODEL [--context N] [--json]

A model's config, its tensors grouped by role and type, and the memory each backend needs for a
context length, with where the cpu backend's --experts auto would put the experts on this machine now. MODEL is a directory, ${DEMO_MODEL}, or a hub name or alias in the local cache
(see 'gpt-oss list'). 'gpt-oss inspect DIR' lists every tensor.
  --context N   context length for the memory estimate (default 8192, as 'run')
  --json        print the same as one JSON object`;

function formatParams(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : String(n);
}

/** What `--experts auto` would pick on this machine now, with the figures it compares. */
function expertsPlan(config: ModelSummary['config']): ExpertsPlan {
  const room = memoryRoom();
  const experts = expertBytes(config);
  const cache = roomForCache(config);
  const placement = resolveExperts('auto', config, room);
  const available = Number.isFinite(room.bytes) ? `${formatBytes(room.bytes)} available (${room.source})` : 'memory available (no figure on this system)';
  return {
    placement,
    reason: `${formatBytes(experts)} of experts + ${formatBytes(cache)} kept for the KV cache and the rest ${placement === 'copy' ? 'fit in' : 'do not fit in'} the ${available}`,
  };
}

function render(name: string, s: ModelSummary): string {
  const lines = [
    `model      ${name}`,
    `directory  ${s.dir}`,
    `layout     ${s.layout === 'hf' ? 'hf (transformers, MXFP4 experts)' : 'original'}`,
    `parameters ${formatParams(s.parameters)} in ${s.tensorCount} tensors, ${formatBytes(s.weightBytes)}`,
    `context    up to ${s.config.maxContextLength} tokens`,
    'config',
    ...configLines(s.config),
    '',
    'tensors',
  ];
  const kw = Math.max(...s.groups.map((g) => g.kind.length));
  for (const g of s.groups) {
    lines.push(`  ${g.kind.padEnd(kw)}  ${(g.dtype === 'u8' ? 'mxfp4' : g.dtype).padEnd(5)}  ${String(g.count).padStart(5)} tensors  ${formatBytes(g.bytes).padStart(9)}`);
  }
  lines.push('', `memory for a ${s.context}-token context (estimate)`);
  const bw = Math.max(...s.memory.map((m) => m.backend.length));
  for (const m of s.memory) {
    lines.push(`  ${m.backend.padEnd(bw)}  ${formatBytes(m.totalBytes).padStart(9)}  = weights ${formatBytes(m.weightBytes)} + KV cache ${formatBytes(m.kvBytes)}  (${m.note})`);
  }
  if (s.experts) lines.push(`  experts (cpu backend, --experts auto): ${s.experts.placement} here: ${s.experts.reason}`);
  return `${lines.join('\n')}\n`;
}

export const showCommand: Command = {
  name: 'show',
  summary: "Show a model's config, tensors and the memory it needs",
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('show', argv, { context: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new InvalidArgumentError(`gpt-oss show: expected one MODEL, got ${positionals.length} arguments (see 'gpt-oss show --help')`);
    const name = positionals[0]!;
    const context = values.context === undefined ? undefined : intOption('show', 'context', values.context, 0, 2);
    const dir = await resolveModelArgument(name, { demo: async () => (await demoModelDir()) ?? DEMO_MODEL }).catch((e: unknown) => {
      // show never pulls: the hint is pull, not --yes.
      if (e instanceof HubError && e.reason === 'not_cached') {
        throw new HubError('not_cached', `${name} is not downloaded ('gpt-oss list' shows the local models; 'gpt-oss pull ${name}' downloads it)`);
      }
      throw e;
    });
    if (dir === undefined || dir === DEMO_MODEL) {
      throw new HubError('not_cached', `${name}: not a model directory, a cached hub model or an alias ('gpt-oss list' shows the local models)`);
    }
    const summary = summarizeModel(dir, context, (config) => expertsPlan(config));
    if (context !== undefined && context > summary.config.maxContextLength) {
      throw new InvalidArgumentError(`gpt-oss show: --context ${context} is more than the model's ${summary.config.maxContextLength} tokens`);
    }
    process.stdout.write(values.json ? `${JSON.stringify({ name, ...summary }, null, 2)}\n` : render(name, summary));
    return 0;
  },
};

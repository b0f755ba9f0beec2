import { aliasesOf, describeCheckpoint, DEMO_MODEL, hubSettings, listCachedModels, type LocalModel } from '../../hub/index.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { demoModelDir } from '../demo-model.js';
import { formatBytes } from '../download-progress.js';

const usage = `Usage: gpt-oss list [--json]

Lists the gpt-oss models on this machine: the built-in ${DEMO_MODEL} and every gpt-oss checkpoint in
the Hugging Face cache ($HF_HOME/hub), whoever downloaded it. Columns: name, layout, size,
quantization (weight types by share of bytes), context (tokens).
  --json   one JSON array`;

export const listCommand: Command = {
  name: 'list',
  summary: 'List local models (the demo model and the Hugging Face cache)',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('list', argv, { json: { type: 'boolean' } });
    if (positionals.length > 0) throw new InvalidArgumentError(`gpt-oss list: takes no arguments, got '${positionals[0]}'`);
    const settings = hubSettings();
    const models: LocalModel[] = [];
    const demo = await demoModelDir();
    if (demo) models.push(describeCheckpoint(DEMO_MODEL, demo));
    models.push(...listCachedModels(settings.cacheDir));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
      return 0;
    }
    if (models.length === 0) {
      process.stdout.write(`no models in ${settings.cacheDir}; 'gpt-oss pull gpt-oss-20b' downloads one\n`);
      return 0;
    }
    const rows = models.map((m) => {
      const aliases = aliasesOf(m.name);
      const rev = m.commit && !m.refs.includes('main') ? `@${m.commit.slice(0, 8)}` : '';
      return [
        `${m.name}${rev}${aliases.length ? ` (${aliases.join(', ')})` : ''}`,
        m.layout,
        formatBytes(m.bytes),
        m.problem ? 'incomplete' : m.quantization,
        m.problem ? '-' : String(m.context),
      ];
    });
    const header = ['NAME', 'LAYOUT', 'SIZE', 'QUANTIZATION', 'CONTEXT'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    process.stdout.write(`${[fmt(header), ...rows.map(fmt)].join('\n')}\n`);
    const broken = models.filter((m) => m.problem);
    for (const m of broken) process.stderr.write(`${m.name} (${m.layout}) is incomplete: ${m.problem}; 'gpt-oss pull ${m.name}' finishes it\n`);
    return 0;
  },
};

import { InvalidArgumentError } from '../../core/errors.js';
import { DEMO_MODEL, executeRemoval, HubError, hubSettings, planRemoval, repoIdOf, type CheckpointLayoutChoice } from '../../hub/index.js';
import { askYesNo, canAsk } from '../ask.js';
import { choiceOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { formatBytes } from '../download-progress.js';

const usage = `Usage: gpt-oss rm MODEL [--yes] [--layout original|hf] [--revision REV]

Removes a model from the Hugging Face cache: the snapshot that MODEL's branch (default main) points
at, and the blobs no other snapshot uses (the cache is shared with other tools, so nothing they still
use goes). Asks first unless --yes.
  --yes                  do not ask
  --layout original|hf   remove only that layout's files of the snapshot
  --revision REV         another branch or commit than main`;

export const rmCommand: Command = {
  name: 'rm',
  summary: 'Remove a model from the Hugging Face cache',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('rm', argv, { yes: { type: 'boolean' }, layout: { type: 'string' }, revision: { type: 'string' } });
    if (positionals.length !== 1) throw new InvalidArgumentError(`gpt-oss rm: expected one MODEL, got ${positionals.length} arguments (see 'gpt-oss rm --help')`);
    const name = positionals[0]!;
    if (name === DEMO_MODEL) throw new InvalidArgumentError(`gpt-oss rm: ${DEMO_MODEL} is built in and cannot be removed`);
    const repoId = repoIdOf(name);
    if (!repoId) throw new InvalidArgumentError(`gpt-oss rm: '${name}' is not a hub model name (org/name or an alias); 'gpt-oss list' shows the local models`);
    const layout = values.layout === undefined ? undefined : choiceOption<CheckpointLayoutChoice>('rm', 'layout', values.layout, ['original', 'hf'], 'original');
    const settings = hubSettings();
    const plan = planRemoval(settings.cacheDir, repoId, { ...(layout ? { layout } : {}), ...(values.revision ? { revision: values.revision } : {}) });
    const what = `${plan.repoId}@${plan.commit.slice(0, 12)}${layout ? ` (${layout} layout)` : ''}: ${plan.entries.length} files, ${formatBytes(plan.freedBytes)} freed`;
    if (!values.yes) {
      if (!canAsk()) throw new InvalidArgumentError(`gpt-oss rm: would remove ${what}; pass --yes to confirm (no terminal to ask on)`);
      if (!(await askYesNo(`Remove ${what}?`))) throw new HubError('declined', 'nothing removed');
    }
    executeRemoval(plan);
    process.stdout.write(`removed ${what}\n`);
    return 0;
  },
};

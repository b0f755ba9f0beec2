import { InvalidArgumentError } from '../../core/errors.js';
import { DEMO_MODEL, executePull, planPull, type CheckpointLayoutChoice } from '../../hub/index.js';
import { choiceOption, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { DownloadProgress, formatBytes } from '../download-progress.js';

const usage = `Usage: gpt-oss pull MODEL[@REV] [--layout original|hf] [--revision REV]

Downloads a gpt-oss model from the Hugging Face hub into the shared cache ($HF_HOME/hub, the layout
huggingface_hub and transformers use, so files they downloaded are reused and ours are theirs).
MODEL is a repository id (openai/gpt-oss-20b, or any repository with a gpt-oss config) or an alias
(gpt-oss-20b, gpt-oss-120b). Only the chosen layout's files are fetched; an interrupted pull resumes
where it stopped; every file is checked against the hub's sha256.

Options:
  --layout original|hf   original/ (the reference's checkpoint, default when present) or the
                         transformers files at the repository root
  --revision REV         branch, tag or commit (default main); MODEL@REV says the same

'gpt-oss run' and 'gpt-oss serve' find a pulled revision as MODEL@REV (the branch or tag pulled, the
commit, or its first 7+ hex digits); MODEL alone is main when main was pulled, else the revision
pulled last.

Environment: HF_TOKEN (gated or private repositories), HF_ENDPOINT (a mirror), HF_HOME or HF_HUB_CACHE
(the cache), HTTPS_PROXY / HTTP_PROXY / NO_PROXY.`;

export const pullCommand: Command = {
  name: 'pull',
  summary: 'Download a model from the Hugging Face hub into the shared cache',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs('pull', argv, { layout: { type: 'string' }, revision: { type: 'string' } });
    if (positionals.length !== 1) {
      throw new InvalidArgumentError(`gpt-oss pull: expected one MODEL (e.g. openai/gpt-oss-20b), got ${positionals.length} arguments (see 'gpt-oss pull --help')`);
    }
    if (positionals[0] === DEMO_MODEL) throw new InvalidArgumentError(`gpt-oss pull: ${DEMO_MODEL} is built in (nothing to download); 'gpt-oss run ${DEMO_MODEL}' runs it`);
    const layout = values.layout === undefined ? undefined : choiceOption<CheckpointLayoutChoice>('pull', 'layout', values.layout, ['original', 'hf'], 'original');
    const plan = await planPull(positionals[0]!, { ...(layout ? { layout } : {}), ...(values.revision ? { revision: values.revision } : {}) });
    const err = process.stderr;
    err.write(
      `pulling ${plan.repoId}@${plan.commit.slice(0, 12)} (${plan.layout} layout, ${plan.files.length} files, ${formatBytes(plan.totalBytes)}` +
        `${plan.missingBytes < plan.totalBytes || plan.partialBytes > 0 ? `, ${formatBytes(plan.missingBytes - plan.partialBytes)} to download` : ''}` +
        `${plan.partialBytes > 0 ? `, resuming from ${formatBytes(plan.partialBytes)} already here` : ''})\n`,
    );
    const bar = new DownloadProgress(err, plan.missingBytes);
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.on('SIGINT', onSigint);
    try {
      const result = await executePull(plan, {
        signal: controller.signal,
        onProgress: (p) => bar.update(p.done, p.file),
        onFile: (file, downloaded) => {
          if (!downloaded || err.isTTY) return;
          err.write(`  ${file.path} ${formatBytes(file.size)} verified\n`);
        },
      });
      bar.finish();
      err.write(`${result.downloaded.length === 0 ? 'already up to date' : `downloaded ${result.downloaded.length} files, ${formatBytes(result.downloadedBytes)}`}\n`);
      process.stdout.write(`${result.dir}\n`);
      return 0;
    } catch (e) {
      bar.finish();
      if (controller.signal.aborted) {
        err.write(`pull stopped; run the same command again to resume\n`);
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

import { DEMO_MODEL, resolveModelArgument } from '../hub/index.js';
import { askYesNo, canAsk } from './ask.js';
import { demoModelDir } from './demo-model.js';
import { DownloadProgress, formatBytes } from './download-progress.js';

/**
 * `run`'s and `serve`'s MODEL: a directory, the demo model (unpacked on first use), or a hub name or
 * alias, pulled when missing (at once with `yes`, after asking on a terminal) with the pull's progress
 * on stderr; undefined when `arg` names none of these.
 */
export async function resolveCliModel(arg: string, yes: boolean): Promise<string | undefined> {
  let bar: DownloadProgress | undefined;
  try {
    return await resolveModelArgument(arg, {
      yes,
      interactive: canAsk(),
      ask: askYesNo,
      demo: async () => (await demoModelDir()) ?? DEMO_MODEL,
      onPullStart: (plan) => {
        process.stderr.write(`pulling ${plan.repoId} (${plan.layout} layout, ${formatBytes(plan.missingBytes)})\n`);
        bar = new DownloadProgress(process.stderr, plan.missingBytes);
      },
      onProgress: (p) => bar?.update(p.done, p.file),
    });
  } finally {
    bar?.finish();
  }
}

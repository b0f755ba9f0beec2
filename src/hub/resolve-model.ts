/**
 * The rule for a command's first positional (shared by `run` and `serve`): a model when it is an
 * existing directory, the built-in demo model's name, or a hub name or alias (NAME@REV for a revision,
 * see findCachedModel for which snapshot NAME alone means); otherwise not a model
 * (the caller treats it as the prompt). A hub model missing from the cache is pulled: at once with
 * `yes`, after asking when interactive, otherwise the error says how.
 */
import { existsSync, statSync } from 'node:fs';
import { HubError } from './errors.js';
import { findCachedModel } from './local-models.js';
import { parseHubName, type CheckpointLayoutChoice } from './model-names.js';
import { executePull, planPull, type PullPlan, type PullProgress } from './pull.js';
import { hubSettings, type HubSettings } from './settings.js';

export const DEMO_MODEL = 'gpt-oss-demo';

export interface ResolveOptions {
  /** Pull a missing model without asking. */
  yes?: boolean;
  /** May the user be asked (a terminal on both ends)? */
  interactive?: boolean;
  /** Asks a yes/no question; required for `interactive`. */
  ask?(question: string): Promise<boolean>;
  /** Resolves the built-in demo model to its directory (the engine owns it); without it the name is returned as is. */
  demo?(): Promise<string>;
  layout?: CheckpointLayoutChoice;
  settings?: HubSettings;
  onPullStart?(plan: PullPlan): void;
  onProgress?(p: PullProgress): void;
  signal?: AbortSignal;
}

function formatGB(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export async function resolveModelArgument(arg: string, options: ResolveOptions = {}): Promise<string | undefined> {
  if (existsSync(arg) && statSync(arg).isDirectory()) return arg;
  if (arg === DEMO_MODEL) return options.demo ? options.demo() : DEMO_MODEL;
  const hub = parseHubName(arg);
  if (!hub) return undefined;
  const { repoId, revision } = hub;
  const settings = options.settings ?? hubSettings();
  const where = { ...(options.layout ? { layout: options.layout } : {}), ...(revision !== undefined ? { revision } : {}) };
  const cached = findCachedModel(settings.cacheDir, repoId, where);
  if (cached) return cached;
  if (!options.yes && !(options.interactive && options.ask)) {
    const what = repoId === hub.name ? `${arg} is neither a directory nor a downloaded hub model` : `${arg} (${repoId}) is not downloaded`;
    throw new HubError('not_cached', `${what}: 'gpt-oss pull ${arg}' downloads it from the hub, or pass --yes to pull it now`);
  }
  const plan = await planPull(repoId, { settings, ...where });
  if (!options.yes) {
    const question = `${repoId} (${plan.layout} layout, ${formatGB(plan.missingBytes)} to download) is not in ${settings.cacheDir}. Pull it now?`;
    if (!(await options.ask!(question))) throw new HubError('declined', `not pulling ${repoId}; 'gpt-oss pull ${arg}' downloads it`);
  }
  options.onPullStart?.(plan);
  const result = await executePull(plan, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return result.dir;
}

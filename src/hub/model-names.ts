/**
 * Names a user may give a model: a hub repository id (`org/name`), or a short alias, including
 * Ollama's spelling (`gpt-oss:20b`) so front ends that name models that way find ours.
 */
export type CheckpointLayoutChoice = 'original' | 'hf';

export const ALIASES: Readonly<Record<string, string>> = {
  'gpt-oss-20b': 'openai/gpt-oss-20b',
  'gpt-oss-120b': 'openai/gpt-oss-120b',
  'gpt-oss:20b': 'openai/gpt-oss-20b',
  'gpt-oss:120b': 'openai/gpt-oss-120b',
  'gpt-oss:latest': 'openai/gpt-oss-20b',
  'gpt-oss': 'openai/gpt-oss-20b',
};

// The hub's own rule for repository names: letters, digits, '-', '_', '.'; no '--' or '..'; not starting or ending in '-' or '.'.
const PART = /^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]{1,96}(?<![-.])$/;

// What git allows in a ref name (no spaces, control characters, ~ ^ : ? * [ \\), at least one character.
const REV = /^[^\s~^:?*[\\\x00-\x1f\x7f]+$/;

/** The repository id a name stands for, or undefined when it is neither an alias nor `org/name`. */
export function repoIdOf(name: string): string | undefined {
  const alias = ALIASES[name.toLowerCase()];
  if (alias) return alias;
  const parts = name.split('/');
  if (parts.length === 2 && parts.every((p) => PART.test(p))) return name;
  return undefined;
}

/** A hub model as a command names it: the repository, and the revision when the name ends in `@REV`. */
export interface HubModelName {
  /** The name without its revision, as given (an alias or org/name). */
  readonly name: string;
  readonly repoId: string;
  /** A branch, tag or commit (or a commit's first hex digits); undefined for none named. */
  readonly revision: string | undefined;
}

/**
 * NAME or NAME@REV (repository names hold no '@'), as `pull`, `run` and `serve` read them; undefined
 * when NAME is neither an alias nor `org/name`, or REV is not a git ref name or commit (so `run`
 * takes a prompt such as "gpt-oss@home: hi" as the prompt).
 */
export function parseHubName(arg: string): HubModelName | undefined {
  const at = arg.indexOf('@');
  const name = at < 0 ? arg : arg.slice(0, at);
  const revision = at < 0 ? undefined : arg.slice(at + 1);
  const repoId = repoIdOf(name);
  if (!repoId || (revision !== undefined && !REV.test(revision))) return undefined;
  return { name, repoId, revision };
}

/** The aliases that point at a repository, for `list`. */
export function aliasesOf(repoId: string): string[] {
  return Object.entries(ALIASES)
    .filter(([alias, id]) => id === repoId && !alias.includes(':'))
    .map(([alias]) => alias);
}

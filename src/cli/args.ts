import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '../core/errors.js';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments; options may come before or after positionals. */
export function parseCommandArgs<T extends OptionSpec>(
  command: string,
  argv: string[],
  options: T,
): { values: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>['values']; positionals: string[] } {
  // `--seed -5`: parseArgs refuses a value that looks like an option; a negative number is a value
  // (then checked, and explained, by the option's own parser) - pass it as --seed=-5.
  argv = argv.flatMap((a, i) => {
    const next = argv[i + 1];
    const spec = a.startsWith('--') ? options[a.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) return [`${a}=${next}`];
    const prev = argv[i - 1];
    const prevSpec = prev?.startsWith('--') ? options[prev.slice(2)] : undefined;
    return prevSpec?.type === 'string' && /^-\d/.test(a) ? [] : [a];
  });
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InvalidArgumentError(`gpt-oss ${command}: ${msg.replace(/\. To specify.*$/s, '')} (see 'gpt-oss ${command} --help')`);
  }
}

export function intOption(command: string, name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InvalidArgumentError(`gpt-oss ${command}: --${name} must be an integer >= ${min}, got '${value}'`);
  }
  return n;
}

export function floatOption(command: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`gpt-oss ${command}: --${name} must be a number, got '${value}'`);
  return n;
}

export function choiceOption<C extends string>(
  command: string,
  name: string,
  value: string | undefined,
  choices: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`gpt-oss ${command}: --${name} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as C;
}

export async function readStdinBytes(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readStdin(): Promise<string> {
  return (await readStdinBytes()).toString('utf8');
}

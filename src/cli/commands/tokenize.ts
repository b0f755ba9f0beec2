import { InvalidArgumentError } from '../../core/errors.js';
import { getTokenizer } from '../../tokenizer/index.js';
import { parseCommandArgs, readStdin } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: gpt-oss tokenize [--jsonl] < input

Encodes text read on stdin with o200k_harmony and prints the token ids as a JSON array.
The text is encoded exactly as read (a trailing newline is text too); special-token names
such as <|start|> in the text are encoded as ordinary text.

Options:
  --jsonl   each input line is a JSON string; prints one JSON array per line, in order`;

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'Encode text to o200k_harmony token ids',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('tokenize', argv, { jsonl: { type: 'boolean' } });
    if (positionals.length > 0) {
      throw new InvalidArgumentError(`gpt-oss tokenize: unexpected argument '${positionals[0]}' (the text is read on stdin)`);
    }
    const input = await readStdin();
    const tokenizer = getTokenizer();
    if (!values.jsonl) {
      process.stdout.write(`${JSON.stringify(tokenizer.encode(input))}\n`);
      return 0;
    }
    const lines = input.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const out: string[] = [];
    lines.forEach((line, i) => {
      out.push(JSON.stringify(tokenizer.encode(jsonString(line, i + 1))));
    });
    process.stdout.write(out.length > 0 ? `${out.join('\n')}\n` : '');
    return 0;
  },
};

function jsonString(line: string, lineNo: number): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new InvalidArgumentError(`gpt-oss tokenize --jsonl: stdin line ${lineNo} is not valid JSON (${(e as Error).message}); expected a JSON string`);
  }
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`gpt-oss tokenize --jsonl: stdin line ${lineNo} holds ${describe(value)}; expected a JSON string`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

import { InvalidArgumentError } from '../../core/errors.js';
import { getTokenizer } from '../../tokenizer/index.js';
import { checkUtf8 } from '../../harmony/utf8.js';
import { parseCommandArgs, readStdinBytes } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: gpt-oss tokenize [--jsonl] [--lossy] < input

Encodes text read on stdin with o200k_harmony and prints the token ids as a JSON array.
The text is encoded exactly as read (a trailing newline is text too); special-token names
such as <|start|> in the text are encoded as ordinary text. Input that is not valid UTF-8
is refused, naming the first bad byte.

Options:
  --jsonl   each input line is a JSON string; prints one JSON array per line, in order
  --lossy   encode invalid UTF-8 as U+FFFD (as most decoders do) and say on stderr how many bytes were replaced`;

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'Encode text to o200k_harmony token ids',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('tokenize', argv, { jsonl: { type: 'boolean' }, lossy: { type: 'boolean' } });
    if (positionals.length > 0) {
      throw new InvalidArgumentError(`gpt-oss tokenize: unexpected argument '${positionals[0]}' (the text is read on stdin)`);
    }
    const input = decodeUtf8(await readStdinBytes(), values.lossy === true);
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

/** stdin as text: invalid UTF-8 is an error (silently encoding U+FFFD would hide it), or with --lossy replaced and counted. */
function decodeUtf8(bytes: Buffer, lossy: boolean): string {
  let invalid = 0;
  let at = 0;
  while (at < bytes.length) {
    const c = checkUtf8(bytes.subarray(at));
    if (c.valid) break;
    if (!lossy) {
      throw new InvalidArgumentError(`gpt-oss tokenize: invalid UTF-8 at byte ${at + c.validUpTo} of stdin (0x${bytes[at + c.validUpTo]!.toString(16).padStart(2, '0')}); pass --lossy to encode it as U+FFFD`);
    }
    const len = c.errorLen ?? bytes.length - at - c.validUpTo; // undefined: the input ends mid-character
    invalid += len;
    at += c.validUpTo + len;
  }
  if (invalid > 0) process.stderr.write(`gpt-oss tokenize: replaced ${invalid} invalid UTF-8 byte${invalid === 1 ? '' : 's'} with U+FFFD\n`);
  return bytes.toString('utf8');
}

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

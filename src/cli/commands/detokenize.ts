import { InvalidArgumentError, OutOfRangeError } from '../../core/errors.js';
import { getTokenizer } from '../../tokenizer/index.js';
import { parseCommandArgs, readStdin } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: gpt-oss detokenize < ids.json

Reads a JSON array of o200k_harmony token ids on stdin and prints their text exactly
(no newline is added). Special tokens are spelled by name, e.g. <|start|>; invalid UTF-8
becomes U+FFFD.`;

export const detokenizeCommand: Command = {
  name: 'detokenize',
  summary: 'Decode token ids to text',
  usage: USAGE,
  async run(argv) {
    const { positionals } = parseCommandArgs('detokenize', argv, {});
    if (positionals.length > 0) {
      throw new InvalidArgumentError(`gpt-oss detokenize: unexpected argument '${positionals[0]}' (the ids are read on stdin)`);
    }
    const tokenizer = getTokenizer();
    const ids = parseIds(await readStdin(), tokenizer.vocabSize);
    process.stdout.write(tokenizer.decode(ids));
    return 0;
  },
};

function parseIds(input: string, vocabSize: number): number[] {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (e) {
    throw new InvalidArgumentError(`gpt-oss detokenize: stdin is not valid JSON (${(e as Error).message}); expected an array of token ids`);
  }
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError('gpt-oss detokenize: stdin must hold a JSON array of token ids, e.g. [200006, 1428]');
  }
  const items: unknown[] = value;
  items.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      const got = typeof id === 'number' ? String(id) : id === null ? 'null' : Array.isArray(id) ? 'an array' : typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : `a ${typeof id}`;
      throw new InvalidArgumentError(`gpt-oss detokenize: element ${i} is ${got}; expected an integer token id`);
    }
    if (id < 0 || id >= vocabSize) {
      throw new OutOfRangeError(`gpt-oss detokenize: token id ${id} at element ${i} is outside the vocabulary (0..${vocabSize - 1})`);
    }
  });
  return items as number[];
}

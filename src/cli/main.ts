#!/usr/bin/env node
import { isGptOssError } from '../core/errors.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';

function usage(list: readonly Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `gpt-oss: the TypeScript runtime for OpenAI's gpt-oss models\n\nUsage: gpt-oss <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'gpt-oss <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(commands));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`gpt-oss: unknown command '${name}'\n\n${usage(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage.trim()}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isGptOssError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
    } else if (error instanceof Error) {
      process.stderr.write(`error: ${error.message}\n`);
      if (process.env['GPT_OSS_DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
    } else {
      process.stderr.write(`error: ${String(error)}\n`);
    }
    process.exitCode = 1;
  },
);

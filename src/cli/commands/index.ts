import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { detokenizeCommand } from './detokenize.js';
import { harmonyCommand } from './harmony.js';
import { inspectCommand } from './inspect.js';
import { logitsCommand } from './logits.js';
import { listCommand } from './list.js';
import { makeModelCommand } from './make-model.js';
import { pullCommand } from './pull.js';
import { rmCommand } from './rm.js';
import { showCommand } from './show.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { tokenizeCommand } from './tokenize.js';

export const commands: readonly Command[] = [
  runCommand,
  pullCommand,
  listCommand,
  showCommand,
  rmCommand,
  serveCommand,
  benchCommand,
  logitsCommand,
  makeModelCommand,
  inspectCommand,
  harmonyCommand,
  tokenizeCommand,
  detokenizeCommand,
];

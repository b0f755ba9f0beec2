import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const logitsCommand: Command = notImplemented('logits', 'Write the logits of every position of a token sequence as raw float32');

import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const inspectCommand: Command = notImplemented('inspect', 'Show a checkpoint layout, config and tensors');

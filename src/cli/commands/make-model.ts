import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const makeModelCommand: Command = notImplemented('make-model', 'Write a random-weight checkpoint with the real layout');

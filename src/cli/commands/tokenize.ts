import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const tokenizeCommand: Command = notImplemented('tokenize', 'Encode text to o200k_harmony token ids');

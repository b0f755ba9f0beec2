import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const detokenizeCommand: Command = notImplemented('detokenize', 'Decode token ids to text');

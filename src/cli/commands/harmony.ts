import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const harmonyCommand: Command = notImplemented('harmony', 'Render conversations to tokens and parse tokens to messages (harmony)');

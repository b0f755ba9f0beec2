import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const runCommand: Command = notImplemented('run', 'Chat with a model in the terminal, or answer one prompt');

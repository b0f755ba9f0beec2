import type { Command } from '../command.js';
import { notImplemented } from './not-implemented.js';

export const benchCommand: Command = notImplemented('bench', 'Measure load time, prefill and decode speed, peak memory');

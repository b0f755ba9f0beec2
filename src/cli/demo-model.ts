import { resolveDemoModel } from '../engine/index.js';

/** The built-in demo model's directory (unpacked and sha256-checked on first use). */
export async function demoModelDir(): Promise<string | undefined> {
  return resolveDemoModel();
}

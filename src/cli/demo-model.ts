/**
 * The built-in demo model's directory, from the engine (src/engine/demo-model.ts, resolveDemoModel)
 * where this build has it. Imported by a computed specifier so this branch builds before the demo
 * model lands; once both are merged this can become a plain import.
 */
export async function demoModelDir(): Promise<string | undefined> {
  const specifier = '../engine/demo-model.js';
  try {
    const mod = (await import(specifier)) as { resolveDemoModel?: () => Promise<string> };
    return mod.resolveDemoModel ? await mod.resolveDemoModel() : undefined;
  } catch (e) {
    if (e instanceof Error && 'code' in e && (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND')) return undefined;
    throw e;
  }
}

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Tool } from '../tool.js';
import { APPLY_PATCH_INSTRUCTIONS } from './instructions.js';
import { PatchError } from './parse.js';
import { applyPatch } from './workspace.js';

/**
 * `functions.apply_patch` as the reference chat declares it (a string parameter holding the patch),
 * applied inside `workspace` only. The model's answer is `Done!` plus the files changed, or the error.
 */
export function createApplyPatchTool(workspace: string): Tool {
  const root = resolve(workspace);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new InvalidArgumentError(`apply_patch workspace ${workspace}: no such directory`);
  }
  return {
    name: 'apply_patch',
    functionTool: {
      name: 'apply_patch',
      description: 'Patch a file',
      parameters: { type: 'string', description: 'Formatted patch code', default: '*** Begin Patch\n*** End Patch\n' },
    },
    instructions: APPLY_PATCH_INSTRUCTIONS,
    call: async (_recipient, args) => {
      let text = args;
      // The model sometimes wraps the patch in a JSON object or string; the reference unwraps it too.
      if (/^\s*[{"]/.test(text)) {
        try {
          const v: unknown = JSON.parse(text);
          if (typeof v === 'string') text = v;
          else if (typeof v === 'object' && v !== null) {
            const first = Object.values(v)[0];
            if (typeof first === 'string') text = first;
          }
        } catch (e) {
          return `Error parsing JSON: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      try {
        const { summary } = applyPatch(root, text);
        return `Done!\n${summary.join('\n')}`;
      } catch (e) {
        // A file system error is an answer too: the model can react to it, the chat goes on.
        return `Error: ${e instanceof PatchError || e instanceof Error ? e.message : String(e)}`;
      }
    },
  };
}

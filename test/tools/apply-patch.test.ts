// apply_patch: the V4A format of OpenAI's reference (every operation, fuzzy context, end-of-file
// hunks), all-or-nothing application, errors naming the hunk, and paths kept inside the workspace.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createApplyPatchTool } from '../../src/tools/apply-patch/tool.js';
import { applyPatch } from '../../src/tools/apply-patch/workspace.js';

let root: string;
let ws: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gpt-oss-patch-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const read = (p: string): string => readFileSync(join(ws, p), 'utf8');
const write = (p: string, text: string): void => {
  mkdirSync(join(ws, p, '..'), { recursive: true });
  writeFileSync(join(ws, p), text);
};
const patch = (...lines: string[]): string => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

describe('apply_patch operations', () => {
  it('adds, updates (several hunks, @@ anchors), moves and deletes files in one patch', () => {
    write('src/app.py', 'import os\n\ndef greet():\n    print("Hi")\n\ndef other():\n    return 1\n\ndef last():\n    return 2\n');
    write('obsolete.txt', 'old\n');
    const r = applyPatch(
      ws,
      patch(
        '*** Add File: docs/hello.txt',
        '+Hello world',
        '+second line',
        '*** Update File: src/app.py',
        '*** Move to: src/main.py',
        '@@ def greet():',
        '-    print("Hi")',
        '+    print("Hello, world!")',
        '@@ def last():',
        '-    return 2',
        '+    return 3',
        '*** Delete File: obsolete.txt',
      ),
    );
    assert.deepEqual(r.summary, ['A docs/hello.txt', 'R src/app.py -> src/main.py', 'D obsolete.txt']);
    assert.equal(read('docs/hello.txt'), 'Hello world\nsecond line');
    assert.equal(read('src/main.py'), 'import os\n\ndef greet():\n    print("Hello, world!")\n\ndef other():\n    return 1\n\ndef last():\n    return 3\n');
    assert.equal(existsSync(join(ws, 'src/app.py')), false);
    assert.equal(existsSync(join(ws, 'obsolete.txt')), false);
    assert.equal(r.fuzz, 0);
  });

  it('context lines place a change; *** End of File anchors a hunk at the end', () => {
    write('a.txt', 'x\ny\nx\ny\nend\n');
    applyPatch(ws, patch('*** Update File: a.txt', '@@', ' x', ' y', '-end', '+END', ' ', '*** End of File'));
    assert.equal(read('a.txt'), 'x\ny\nx\ny\nEND\n');
    write('b.txt', 'one\ntwo\nthree\n');
    applyPatch(ws, patch('*** Update File: b.txt', '@@', ' one', '+one and a half', ' two'));
    assert.equal(read('b.txt'), 'one\none and a half\ntwo\nthree\n');
  });

  it('fuzzy context: trailing and surrounding whitespace differences still apply, counted as fuzz', () => {
    write('f.py', 'def f():   \n    x = 1\n    return x\n');
    const r = applyPatch(ws, patch('*** Update File: f.py', '@@', ' def f():', '-  x = 1', '+    x = 2', '     return x'));
    assert.equal(read('f.py'), 'def f():   \n    x = 2\n    return x\n');
    assert.ok(r.fuzz >= 100, `whitespace-insensitive match is fuzz >= 100, got ${r.fuzz}`);
  });

  it('the tool answers Done! with the changes, unwraps a JSON-wrapped patch, and answers errors as text', async () => {
    const tool = createApplyPatchTool(ws);
    assert.equal(tool.functionTool?.name, 'apply_patch');
    assert.match(tool.instructions!, /\*\*\* Begin Patch/);
    assert.equal(await tool.call('functions.apply_patch', patch('*** Add File: n.txt', '+n')), 'Done!\nA n.txt');
    assert.equal(await tool.call('functions.apply_patch', JSON.stringify({ patch: patch('*** Add File: m.txt', '+m') })), 'Done!\nA m.txt');
    assert.equal(read('m.txt'), 'm');
    assert.match(await tool.call('functions.apply_patch', 'not a patch'), /^Error: invalid patch: it must start with "\*\*\* Begin Patch"/);
    assert.throws(() => createApplyPatchTool(join(root, 'missing')), /no such directory/);
  });
});

describe('apply_patch conflicts and all-or-nothing', () => {
  it('a hunk whose context is not in the file fails naming the file and the hunk, and nothing is written', () => {
    write('keep.txt', 'keep\n');
    write('c.txt', 'alpha\nbeta\ngamma\n');
    const text = patch(
      '*** Add File: new.txt',
      '+new',
      '*** Delete File: keep.txt',
      '*** Update File: c.txt',
      '@@',
      ' alpha',
      '-beta',
      '+BETA',
      '@@',
      ' delta',
      '-epsilon',
      '+EPSILON',
    );
    assert.throws(() => applyPatch(ws, text), /Update File c\.txt, hunk 2: the context does not match the file[^]*delta\nepsilon/);
    assert.equal(existsSync(join(ws, 'new.txt')), false);
    assert.equal(read('keep.txt'), 'keep\n');
    assert.equal(read('c.txt'), 'alpha\nbeta\ngamma\n');
  });

  it('refuses updates of missing files, adds over existing ones, duplicate sections, malformed lines', () => {
    write('x.txt', 'x\n');
    assert.throws(() => applyPatch(ws, patch('*** Update File: nope.txt', '@@', '-a', '+b')), /Update File nope\.txt: no such file/);
    assert.throws(() => applyPatch(ws, patch('*** Delete File: nope.txt')), /Delete File nope\.txt: no such file/);
    assert.throws(() => applyPatch(ws, patch('*** Add File: x.txt', '+y')), /Add File x\.txt: the file already exists/);
    assert.throws(() => applyPatch(ws, patch('*** Delete File: x.txt', '*** Delete File: x.txt')), /x\.txt appears in more than one section/);
    assert.throws(() => applyPatch(ws, patch('*** Add File: y.txt', 'no plus')), /Add File y\.txt: line 3 does not start with '\+'/);
    assert.throws(() => applyPatch(ws, patch('*** Update File: x.txt', '@@', '?x')), /Update File x\.txt, hunk 1: line 4 must start with ' ', '-' or '\+'/);
    assert.throws(() => applyPatch(ws, '*** Begin Patch\n*** Add File: z.txt\n+z\n'), /end with "\*\*\* End Patch"/);
    assert.throws(() => applyPatch(ws, patch('*** Frobnicate: x.txt')), /unknown line 2/);
    assert.equal(read('x.txt'), 'x\n');
  });
});

describe('apply_patch stays inside the workspace', () => {
  it('refuses absolute paths, .. and symlinks that lead out, before touching anything', () => {
    writeFileSync(join(root, 'outside.txt'), 'secret\n');
    symlinkSync(root, join(ws, 'escape'));
    symlinkSync(join(root, 'outside.txt'), join(ws, 'link.txt'));
    const cases: [string, RegExp][] = [
      [patch(`*** Add File: ${join(root, 'abs.txt')}`, '+x'), /absolute paths are refused/],
      [patch('*** Add File: ../up.txt', '+x'), /'\.\.' is refused/],
      [patch('*** Add File: a/../../up.txt', '+x'), /'\.\.' is refused/],
      [patch('*** Update File: ../outside.txt', '@@', '-secret', '+owned'), /'\.\.' is refused/],
      [patch('*** Add File: escape/new.txt', '+x'), /leads out of the workspace through a symbolic link/],
      [patch('*** Update File: link.txt', '@@', '-secret', '+owned'), /leads out of the workspace through a symbolic link/],
      [patch('*** Delete File: escape/outside.txt'), /leads out of the workspace/],
      [patch('*** Add File: ok.txt', '+x', '*** Update File: link.txt', '*** Move to: ../moved.txt', '@@', '-secret', '+x'), /leads out|'\.\.' is refused/],
    ];
    for (const [text, why] of cases) assert.throws(() => applyPatch(ws, text), why, text);
    assert.equal(readFileSync(join(root, 'outside.txt'), 'utf8'), 'secret\n');
    assert.equal(existsSync(join(root, 'abs.txt')) || existsSync(join(root, 'up.txt')) || existsSync(join(root, 'new.txt')), false);
    assert.equal(existsSync(join(ws, 'ok.txt')), false, 'all or nothing: the good section was not applied either');
  });

  it('a symlink that stays inside the workspace is fine', () => {
    mkdirSync(join(ws, 'real'));
    symlinkSync(join(ws, 'real'), join(ws, 'alias'));
    applyPatch(ws, patch('*** Add File: alias/file.txt', '+inside'));
    assert.equal(read('real/file.txt'), 'inside');
  });
});

/**
 * The V4A patch format of OpenAI's reference `apply_patch` (openai/gpt-oss gpt_oss/tools/apply_patch.py):
 * `*** Begin Patch`, `*** Add File:` / `*** Delete File:` / `*** Update File:` (+ `*** Move to:`),
 * `@@` hunks of ` `/`-`/`+` lines, `*** End of File`, `*** End Patch`. Parsing is a port of the
 * reference's, fuzz levels included (exact, then trailing whitespace, then all surrounding
 * whitespace ignored), so a patch the model learned to write applies here the same way. What differs:
 * errors name the file and the hunk that does not apply.
 */

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

export interface Chunk {
  /** Line index in the original file where the deleted lines start. */
  origIndex: number;
  delLines: string[];
  insLines: string[];
}

export type PatchAction =
  | { type: 'add'; path: string; content: string }
  | { type: 'delete'; path: string }
  | { type: 'update'; path: string; moveTo: string | undefined; chunks: Chunk[] };

const FILE_HEADERS = ['*** End Patch', '*** Update File:', '*** Delete File:', '*** Add File:'] as const;
const norm = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
const startsWithAny = (s: string, prefixes: readonly string[]): boolean => prefixes.some((p) => s.startsWith(p));

/** Files an Update or Delete section needs to read. */
export function filesNeeded(text: string): string[] {
  const out: string[] = [];
  for (const line of splitLines(text)) {
    const l = norm(line);
    if (l.startsWith('*** Update File: ')) out.push(l.slice('*** Update File: '.length));
    else if (l.startsWith('*** Delete File: ')) out.push(l.slice('*** Delete File: '.length));
  }
  return out;
}

/** Python's str.splitlines() for the line breaks patches use (\n, \r\n, \r). */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Parses `text` against the current contents of the files it updates or deletes (`files`, by path
 * as written in the patch). Returns the actions and the total fuzz; throws PatchError.
 */
export function parsePatch(text: string, files: ReadonlyMap<string, string>): { actions: PatchAction[]; fuzz: number } {
  const lines = splitLines(text);
  if (lines.length < 2 || !norm(lines[0]!).startsWith('*** Begin Patch') || norm(lines[lines.length - 1]!) !== '*** End Patch') {
    throw new PatchError('invalid patch: it must start with "*** Begin Patch" and end with "*** End Patch"');
  }
  const p = new Parser(lines, files);
  p.parse();
  return { actions: p.actions, fuzz: p.fuzz };
}

class Parser {
  index = 1;
  fuzz = 0;
  readonly actions: PatchAction[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly lines: string[],
    private readonly files: ReadonlyMap<string, string>,
  ) {}

  private cur(): string {
    const l = this.lines[this.index];
    if (l === undefined) throw new PatchError('invalid patch: unexpected end of input');
    return l;
  }

  private isDone(prefixes: readonly string[]): boolean {
    if (this.index >= this.lines.length) return true;
    return startsWithAny(norm(this.cur()), prefixes);
  }

  private readStr(prefix: string): string {
    if (this.index < this.lines.length && norm(this.cur()).startsWith(prefix)) {
      const text = norm(this.cur()).slice(prefix.length);
      this.index++;
      return text;
    }
    return '';
  }

  parse(): void {
    while (!this.isDone(['*** End Patch'])) {
      let path = this.readStr('*** Update File: ');
      if (path) {
        this.claim(path, 'update');
        const moveTo = this.readStr('*** Move to: ');
        const text = this.files.get(path);
        if (text === undefined) throw new PatchError(`Update File ${path}: no such file`);
        const chunks = this.parseUpdate(path, text);
        this.actions.push({ type: 'update', path, moveTo: moveTo || undefined, chunks });
        continue;
      }
      path = this.readStr('*** Delete File: ');
      if (path) {
        this.claim(path, 'delete');
        if (!this.files.has(path)) throw new PatchError(`Delete File ${path}: no such file`);
        this.actions.push({ type: 'delete', path });
        continue;
      }
      path = this.readStr('*** Add File: ');
      if (path) {
        this.claim(path, 'add');
        this.actions.push({ type: 'add', path, content: this.parseAdd(path) });
        continue;
      }
      throw new PatchError(`invalid patch: unknown line ${this.index + 1}: ${JSON.stringify(this.cur())}`);
    }
    if (!(this.index < this.lines.length && norm(this.cur()).startsWith('*** End Patch'))) {
      throw new PatchError('invalid patch: missing "*** End Patch"');
    }
    this.index++;
  }

  private claim(path: string, op: string): void {
    if (this.seen.has(path)) throw new PatchError(`invalid patch: ${path} appears in more than one section (second one: ${op})`);
    this.seen.add(path);
  }

  private parseAdd(path: string): string {
    const out: string[] = [];
    while (!this.isDone(FILE_HEADERS)) {
      const s = this.cur();
      this.index++;
      if (!s.startsWith('+')) throw new PatchError(`Add File ${path}: line ${this.index} does not start with '+': ${JSON.stringify(s)}`);
      out.push(s.slice(1));
    }
    return out.join('\n');
  }

  private parseUpdate(path: string, text: string): Chunk[] {
    const chunks: Chunk[] = [];
    const fileLines = text.split('\n');
    let index = 0;
    let hunk = 0;
    while (!this.isDone([...FILE_HEADERS, '*** End of File'])) {
      hunk++;
      const defStr = this.readStr('@@ ');
      let sectionStr = '';
      if (!defStr && norm(this.cur()) === '@@') {
        sectionStr = this.cur();
        this.index++;
      }
      if (!(defStr || sectionStr || index === 0)) {
        throw new PatchError(`Update File ${path}, hunk ${hunk}: expected '@@', got ${JSON.stringify(this.cur())}`);
      }
      const label = `Update File ${path}, hunk ${hunk}${defStr ? ` (@@ ${defStr})` : ''}`;
      if (defStr.trim()) {
        // The @@ line names a line (a function or class) to find before the hunk's context.
        let found = false;
        if (!fileLines.slice(0, index).includes(defStr)) {
          const i = fileLines.indexOf(defStr, index);
          if (i >= 0) {
            index = i + 1;
            found = true;
          }
        }
        if (!found && !fileLines.slice(0, index).some((s) => s.trim() === defStr.trim())) {
          for (let i = index; i < fileLines.length; i++) {
            if (fileLines[i]!.trim() === defStr.trim()) {
              index = i + 1;
              this.fuzz++;
              break;
            }
          }
        }
      }
      const section = peekNextSection(this.lines, this.index, label);
      const [at, fuzz] = findContext(fileLines, section.context, index, section.eof);
      if (at === -1) {
        throw new PatchError(
          `${label}: the ${section.eof ? 'end-of-file ' : ''}context does not match the file (searched from line ${index + 1}):\n${section.context.join('\n')}`,
        );
      }
      this.fuzz += fuzz;
      for (const ch of section.chunks) chunks.push({ ...ch, origIndex: ch.origIndex + at });
      index = at + section.context.length;
      this.index = section.end;
    }
    return chunks;
  }
}

function findContextCore(lines: string[], context: string[], start: number): [number, number] {
  if (context.length === 0) return [start, 0];
  const matches = (i: number, f: (s: string) => string): boolean => {
    if (i + context.length > lines.length) return false;
    for (let k = 0; k < context.length; k++) if (f(lines[i + k]!) !== f(context[k]!)) return false;
    return true;
  };
  const levels: [(s: string) => string, number][] = [
    [(s) => s, 0],
    [(s) => s.trimEnd(), 1],
    [(s) => s.trim(), 100],
  ];
  for (const [f, fuzz] of levels) {
    for (let i = Math.max(0, start); i < lines.length; i++) if (matches(i, f)) return [i, fuzz];
  }
  return [-1, 0];
}

function findContext(lines: string[], context: string[], start: number, eof: boolean): [number, number] {
  if (eof) {
    const [i, fuzz] = findContextCore(lines, context, lines.length - context.length);
    if (i !== -1) return [i, fuzz];
    const [j, fuzz2] = findContextCore(lines, context, start);
    return [j, fuzz2 + 10_000];
  }
  return findContextCore(lines, context, start);
}

function peekNextSection(lines: string[], start: number, label: string): { context: string[]; chunks: Chunk[]; end: number; eof: boolean } {
  const old: string[] = [];
  let del: string[] = [];
  let ins: string[] = [];
  const chunks: Chunk[] = [];
  let mode: 'keep' | 'add' | 'delete' = 'keep';
  let index = start;
  while (index < lines.length) {
    let s = lines[index]!;
    if (startsWithAny(s, ['@@', ...FILE_HEADERS, '*** End of File'])) break;
    if (s === '***') break;
    if (s.startsWith('***')) throw new PatchError(`${label}: invalid line ${index + 1}: ${JSON.stringify(s)}`);
    index++;
    const last: 'keep' | 'add' | 'delete' = mode;
    if (s === '') s = ' ';
    if (s[0] === '+') mode = 'add';
    else if (s[0] === '-') mode = 'delete';
    else if (s[0] === ' ') mode = 'keep';
    else throw new PatchError(`${label}: line ${index} must start with ' ', '-' or '+': ${JSON.stringify(s)}`);
    s = s.slice(1);
    if (mode === 'keep' && last !== mode) {
      if (ins.length || del.length) chunks.push({ origIndex: old.length - del.length, delLines: del, insLines: ins });
      del = [];
      ins = [];
    }
    if (mode === 'delete') {
      del.push(s);
      old.push(s);
    } else if (mode === 'add') ins.push(s);
    else old.push(s);
  }
  if (ins.length || del.length) chunks.push({ origIndex: old.length - del.length, delLines: del, insLines: ins });
  if (index < lines.length && lines[index] === '*** End of File') return { context: old, chunks, end: index + 1, eof: true };
  if (index === start) throw new PatchError(`${label}: the hunk is empty`);
  return { context: old, chunks, end: index, eof: false };
}

/** The file's new text after an update's chunks. */
export function applyChunks(text: string, chunks: readonly Chunk[], path: string): string {
  const orig = text.split('\n');
  const dest: string[] = [];
  let at = 0;
  chunks.forEach((chunk, i) => {
    if (chunk.origIndex > orig.length) throw new PatchError(`Update File ${path}: change ${i + 1} starts past the end of the file`);
    if (at > chunk.origIndex) throw new PatchError(`Update File ${path}: change ${i + 1} overlaps the one before it`);
    dest.push(...orig.slice(at, chunk.origIndex));
    dest.push(...chunk.insLines);
    at = chunk.origIndex + chunk.delLines.length;
  });
  dest.push(...orig.slice(at));
  return dest.join('\n');
}

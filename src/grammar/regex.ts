import { ANY, complement, cpChar, cpSet, intersect, union, type CodePointSet } from './codepoints.js';
import { CpNfa } from './cp-nfa.js';
import { GrammarError } from './errors.js';

/**
 * ECMAScript regular expressions (as `new RegExp(source, 'u')` reads them, which is how ajv
 * checks `pattern`) to code point NFAs. Lookaround, backreferences and word boundaries are
 * rejected: they are not regular in this construction. `^`/`$` are allowed at the ends of
 * the top-level alternatives; an unanchored side matches any text, as RegExp.test does.
 */
type Node =
  | { k: 'set'; set: CodePointSet }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; item: Node; min: number; max: number }
  | { k: 'bol' }
  | { k: 'eol' };

const DIGITS = cpSet([0x30, 0x39]);
const WORD = cpSet([0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]);
const SPACE = cpSet(
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
);
const LINE_TERMINATORS = cpSet([0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]);
const DOT = intersect(ANY, complement(LINE_TERMINATORS));

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly path: string,
    private readonly ignoreCase: boolean,
  ) {}

  private fail(problem: string): never {
    throw new GrammarError('bad_pattern', this.path, `pattern ${JSON.stringify(this.src)}: ${problem} (at offset ${this.i})`);
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  parse(): Node {
    const n = this.disjunction();
    if (this.i < this.src.length) this.fail(`unexpected "${this.peek()}"`);
    return n;
  }

  private disjunction(): Node {
    const items = [this.alternative()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.alternative());
    }
    return items.length === 1 ? items[0]! : { k: 'alt', items };
  }

  private alternative(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '^') {
        this.i++;
        items.push({ k: 'bol' });
        continue;
      }
      if (c === '$') {
        this.i++;
        items.push({ k: 'eol' });
        continue;
      }
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { k: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) this.fail('a lone "{" (write \\{ for the character)');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) this.fail('a quantifier {n,m} with m < n');
      if (min > 10000 || (max !== Infinity && max > 10000)) this.fail('a repeat count above 10000');
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.peek() === '?') this.i++; // lazy quantifiers match the same strings
    if (atom.k === 'bol' || atom.k === 'eol') this.fail('a quantifier on an anchor');
    return { k: 'rep', item: atom, min, max };
  }

  private atom(): Node {
    const c = this.peek()!;
    if (c === '(') {
      this.i++;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (this.src.startsWith('?<', this.i) && !this.src.startsWith('?<=', this.i) && !this.src.startsWith('?<!', this.i)) {
        const close = this.src.indexOf('>', this.i);
        if (close < 0) this.fail('an unterminated group name');
        this.i = close + 1;
      } else if (c === '(' && this.peek() === '?') this.fail('lookaround assertions are not supported');
      const inner = this.disjunction();
      if (this.peek() !== ')') this.fail('a missing ")"');
      this.i++;
      return inner;
    }
    if (c === ')') this.fail('an unmatched ")"');
    if (c === '[') return { k: 'set', set: this.fold(this.charClass()) };
    if (c === '.') {
      this.i++;
      return { k: 'set', set: DOT };
    }
    if (c === '\\') return { k: 'set', set: this.fold(this.escape(false)) };
    if (c === '*' || c === '+' || c === '?') this.fail(`nothing to repeat before "${c}"`);
    if (c === '{') this.fail('a lone "{" (write \\{ for the character)');
    if (c === ']' || c === '}') this.fail(`a lone "${c}" (write \\${c} for the character)`);
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return { k: 'set', set: this.fold(cpChar(cp)) };
  }

  /** ASCII case folding for the i flag (what ajv-formats' /i regexes need). */
  private fold(set: CodePointSet): CodePointSet {
    if (!this.ignoreCase) return set;
    const extra: [number, number][] = [];
    for (const [lo, hi] of set) {
      for (let c = Math.max(lo, 0x41); c <= Math.min(hi, 0x5a); c++) extra.push([c + 32, c + 32]);
      for (let c = Math.max(lo, 0x61); c <= Math.min(hi, 0x7a); c++) extra.push([c - 32, c - 32]);
    }
    return union(set, cpSet(...extra));
  }

  private charClass(): CodePointSet {
    this.i++; // [
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    let set: CodePointSet = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) this.fail('an unterminated character class');
      const lo = this.classAtom();
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined) {
        this.i++;
        const hi = this.classAtom();
        const a = singleOf(lo);
        const b = singleOf(hi);
        if (a === undefined || b === undefined) this.fail('a class escape such as \\d used as a range end');
        if (a > b) this.fail('a character range out of order');
        set = union(set, cpSet([a, b]));
      } else set = union(set, lo);
    }
    this.i++; // ]
    return negate ? complement(set) : set;
  }

  private classAtom(): CodePointSet {
    const c = this.peek()!;
    if (c === '\\') return this.escape(true);
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return cpChar(cp);
  }

  private escape(inClass: boolean): CodePointSet {
    this.i++; // backslash
    const c = this.peek();
    if (c === undefined) this.fail('a trailing backslash');
    this.i++;
    switch (c) {
      case 'd':
        return DIGITS;
      case 'D':
        return complement(DIGITS);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 't':
        return cpChar(9);
      case 'n':
        return cpChar(10);
      case 'v':
        return cpChar(11);
      case 'f':
        return cpChar(12);
      case 'r':
        return cpChar(13);
      case '0':
        if (/[0-9]/.test(this.peek() ?? '')) this.fail('an octal escape');
        return cpChar(0);
      case 'b':
        if (inClass) return cpChar(8);
        return this.fail('word boundaries (\\b) are not supported');
      case 'B':
        return this.fail('word boundaries (\\B) are not supported');
      case 'c': {
        const l = this.peek();
        if (l === undefined || !/[A-Za-z]/.test(l)) this.fail('a bad \\c escape');
        this.i++;
        return cpChar(l.charCodeAt(0) % 32);
      }
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
        if (m === null) this.fail('a bad \\x escape');
        this.i += 2;
        return cpChar(parseInt(m[0], 16));
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.i));
        if (braced !== null) {
          this.i += braced[0].length;
          const v = parseInt(braced[1]!, 16);
          if (v > 0x10ffff) this.fail('a code point above U+10FFFF');
          return cpChar(v);
        }
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
        if (m === null) this.fail('a bad \\u escape');
        this.i += 4;
        let v = parseInt(m[0], 16);
        const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(this.src.slice(this.i));
        if (v >= 0xd800 && v <= 0xdbff && low !== null) {
          this.i += 6;
          v = 0x10000 + ((v - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
        }
        return cpChar(v);
      }
      case 'k':
        return this.fail('backreferences are not supported');
      case 'p':
      case 'P':
        return this.fail('Unicode property escapes (\\p{...}) are not supported');
      default:
        if (/[1-9]/.test(c)) this.fail('backreferences are not supported');
        if (/[\^$\\.*+?()[\]{}|/]/.test(c) || (inClass && c === '-')) return cpChar(c.charCodeAt(0));
        return this.fail(`the escape \\${c} is not valid with the u flag`);
    }
  }
}

function singleOf(set: CodePointSet): number | undefined {
  return set.length === 1 && set[0]![0] === set[0]![1] ? set[0]![0] : undefined;
}

/** The strings `source` matches (RegExp.test semantics) as a code point NFA. */
export function regexLanguage(source: string, path: string, ignoreCase = false): CpNfa {
  const ast = new Parser(source, path, ignoreCase).parse();
  const nfa = new CpNfa();
  const start = nfa.state();
  nfa.start = start;
  const end = nfa.state();
  nfa.accepting[end] = true;
  const alternatives = ast.k === 'alt' ? ast.items : [ast];
  for (const alt of alternatives) {
    const items = alt.k === 'seq' ? [...alt.items] : [alt];
    const anchoredStart = items[0]?.k === 'bol';
    if (anchoredStart) items.shift();
    const anchoredEnd = items[items.length - 1]?.k === 'eol';
    if (anchoredEnd) items.pop();
    let at = start;
    if (!anchoredStart) {
      const loop = nfa.state();
      nfa.epsilon(at, loop);
      nfa.edge(loop, ANY, loop);
      at = loop;
    }
    at = emit(nfa, { k: 'seq', items }, at, path, source);
    if (!anchoredEnd) {
      const loop = nfa.state();
      nfa.epsilon(at, loop);
      nfa.edge(loop, ANY, loop);
      at = loop;
    }
    nfa.epsilon(at, end);
  }
  return nfa;
}

function emit(nfa: CpNfa, n: Node, from: number, path: string, source: string): number {
  switch (n.k) {
    case 'set': {
      const to = nfa.state();
      nfa.edge(from, n.set, to);
      return to;
    }
    case 'seq': {
      let at = from;
      for (const it of n.items) at = emit(nfa, it, at, path, source);
      return at;
    }
    case 'alt': {
      const end = nfa.state();
      for (const it of n.items) nfa.epsilon(emit(nfa, it, from, path, source), end);
      return end;
    }
    case 'rep': {
      let at = from;
      for (let i = 0; i < n.min; i++) at = emit(nfa, n.item, at, path, source);
      if (n.max === Infinity) {
        const head = nfa.state();
        nfa.epsilon(at, head);
        nfa.epsilon(emit(nfa, n.item, head, path, source), head);
        return head;
      }
      const end = nfa.state();
      nfa.epsilon(at, end);
      for (let i = n.min; i < n.max; i++) {
        at = emit(nfa, n.item, at, path, source);
        nfa.epsilon(at, end);
      }
      return end;
    }
    case 'bol':
    case 'eol':
      throw new GrammarError('bad_pattern', path, `pattern ${JSON.stringify(source)}: "^" and "$" are supported only at the start and end of the pattern`);
  }
}

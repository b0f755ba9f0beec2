/**
 * A seeded, varied text corpus for tokenizer agreement tests and benchmarks: English with
 * contractions, Korean, Chinese, code, numbers, whitespace runs, emoji and ZWJ sequences,
 * long runs of one character, and random Unicode (combining marks, titlecase, astral planes,
 * lone surrogates).
 */
export type Rng = () => number;

/** mulberry32: small, fast and reproducible. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

const WORDS = [
  'the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'Tokenizer', 'harmony', 'model', 'OpenAI',
  "I'm", "don't", "they're", "we've", "she'll", "he'd", "it's", "YOU'RE", "CAN'T", "Bob's", "o'clock", 'naïve',
  'café', 'résumé', 'Straße', 'ǅemal', 'ſtate', "ſ'ſ", 'HTTPServer', 'camelCase', 'snake_case', 'e.g.', 'U.S.A.',
];
const KOREAN = ['안녕하세요', '세계', '토크나이저', '한국어', '문장입니다', '그리고', '했습니다', '값은'];
const CHINESE = ['你好', '世界', '分词器', '中文文本', '模型', '测试', '，', '。', '「引号」'];
const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'def f(x):\n    return x**2  # square\n',
  'for (let i = 0; i < n; i++) { sum += arr[i] * 2; }',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); }\n',
  '{"key": [1, 2.5, -3e10, null, true], "nested": {"a": "b"}}',
  'SELECT * FROM users WHERE id = 7;\r\n',
  '<|start|>user<|message|>hi<|end|>',
  '    if x != y:\n\t\treturn None\n',
  'https://example.com/path?q=1&r=%20#frag',
];
const EMOJI = [
  '😀', '🎉', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇰🇷', '🇺🇸', '❤️', '🧑🏿‍💻', '👩‍❤️‍💋‍👨', '✨', '🙂‍↔️', '#️⃣',
];
const SPACES = [' ', '  ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\u00a0', '\u3000', '\u2028', '\u0085', '\ufeff', '\u200b', '\v\f'];
const RUN_CHARS = ['a', 'A', ' ', '\n', '한', '😀', '9', '!', '.', '\t', 'é', 'ab', ' a', '\u0301'];

function randomCodePoint(rng: Rng): string {
  const r = rng();
  let cp: number;
  if (r < 0.05) return String.fromCharCode(int(rng, 0xd800, 0xdfff)); // lone surrogate
  if (r < 0.45) cp = int(rng, 0x20, 0x2fff);
  else if (r < 0.75) cp = int(rng, 0x3000, 0xd7ff);
  else if (r < 0.85) cp = int(rng, 0xe000, 0xfffd);
  else cp = int(rng, 0x10000, 0x10ffff);
  return String.fromCodePoint(cp);
}

function segment(rng: Rng): string {
  switch (int(rng, 0, 9)) {
    case 0:
    case 1: {
      const n = int(rng, 3, 25);
      const words = Array.from({ length: n }, () => pick(rng, WORDS));
      return `${words.join(' ')}${pick(rng, ['.', '!', '?', ',', ';', ' —', '...'])}`;
    }
    case 2:
      return Array.from({ length: int(rng, 2, 10) }, () => pick(rng, KOREAN)).join(pick(rng, [' ', '', ', ']));
    case 3:
      return Array.from({ length: int(rng, 2, 12) }, () => pick(rng, CHINESE)).join('');
    case 4:
      return pick(rng, CODE);
    case 5: {
      const parts = [String(int(rng, 0, 1e9)), `${int(rng, 0, 999)}.${int(rng, 0, 99999)}`, '2025-01-31', '1,234,567', '0x1F', '১২৩', '٣٤٥'];
      return parts.slice(0, int(rng, 1, parts.length)).join(pick(rng, [' ', '', '\n']));
    }
    case 6:
      return Array.from({ length: int(rng, 1, 6) }, () => pick(rng, SPACES)).join('');
    case 7:
      return Array.from({ length: int(rng, 1, 8) }, () => pick(rng, EMOJI)).join(pick(rng, ['', ' ']));
    case 8:
      return Array.from({ length: int(rng, 1, 30) }, () => randomCodePoint(rng)).join('');
    default:
      return pick(rng, RUN_CHARS).repeat(int(rng, 2, 300));
  }
}

/** One string of `segments` random segments. */
export function randomText(rng: Rng, segments: number): string {
  let s = '';
  for (let i = 0; i < segments; i++) s += segment(rng) + (rng() < 0.7 ? pick(rng, [' ', '\n', '']) : '');
  return s;
}

/** `count` varied strings; every `longEvery`-th one is a run of `longLength` of one character. */
export function corpus(seed: number, count: number, longEvery = 0, longLength = 20_000): string[] {
  const rng = seededRng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (longEvery > 0 && i % longEvery === longEvery - 1) {
      const c = pick(rng, RUN_CHARS);
      out.push(c.repeat(Math.ceil(longLength / c.length)) + pick(rng, ['', 'x', ' ', '!']));
    }
    else out.push(randomText(rng, int(rng, 1, 8)));
  }
  return out;
}

/** About `bytes` of UTF-8 text made of random segments (no giant runs: the typical-text workload). */
export function benchmarkText(seed: number, bytes: number): string {
  const rng = seededRng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const s = segment(rng) + pick(rng, [' ', '\n', '']);
    parts.push(s);
    size += Buffer.byteLength(s);
  }
  return parts.join('');
}

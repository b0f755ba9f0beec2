import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { get_encoding } from 'tiktoken';
import { FileFormatError, OutOfRangeError } from '../../src/core/errors.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { loadRankTable, locateRanksFile } from '../../src/tokenizer/ranks-file.js';
import { corpus } from './corpus.js';

const tok = getTokenizer();
// tiktoken (wasm) is the reference: the Rust CoreBPE that openai/harmony also uses.
const reference = get_encoding('o200k_base');
const refEncode = (s: string): number[] => Array.from(reference.encode_ordinary(s));

function assertSameTokens(text: string, label: string): void {
  const ours = tok.encode(text);
  const theirs = refEncode(text);
  if (ours.length === theirs.length && ours.every((id, i) => id === theirs[i])) return;
  let i = 0;
  while (ours[i] === theirs[i]) i++;
  assert.fail(
    `${label}: first difference at token ${i} of ${JSON.stringify(text.slice(0, 80))}\n` +
      `  ours:     ${JSON.stringify(ours.slice(i, i + 8))} = ${JSON.stringify(tok.decode(ours.slice(i, i + 8)))}\n` +
      `  tiktoken: ${JSON.stringify(theirs.slice(i, i + 8))} = ${JSON.stringify(tok.decode(theirs.slice(i, i + 8)))}`,
  );
}

/** The token of one byte, to build token sequences that split a character. */
function byteToken(byte: number): number {
  for (let id = 0; id < 199998; id++) {
    const t = tok.tokenBytes(id);
    if (t.length === 1 && t[0] === byte) return id;
  }
  throw new Error(`no token for byte ${byte}`);
}

describe('o200k_harmony encode agrees with tiktoken o200k_base', () => {
  it('on a varied generated corpus (English, Korean, Chinese, code, numbers, whitespace, emoji, random unicode)', () => {
    const texts = corpus(7, 1500);
    texts.forEach((t, i) => assertSameTokens(t, `corpus[${i}]`));
  });

  it('on the edge cases of the pre-tokenizer pattern', () => {
    const cases = [
      "I'm here, you're there; they'VE gone, we'LL see, he'D know, it'S mine, don'T",
      "HELLO'S 'S 's 're ſ'ſ Bob'ſ", // Rust's (?i) folds s with U+017F
      'ǅemal ǈubljana ᾈ titlecase, ʰmodifier ʰʰ, 日本語テキスト, Ａ全角',
      'e\u0301\u0301 combining ̀ marks ा हिन्दी',
      '\ufeffBOM \u0085NEL \u00a0NBSP \u3000ideographic \u2028LS \u2029PS \u200bZWSP',
      'a  \n\n\n  b\r\n\r\n   \t\t\n   ',
      '   leading and trailing   ',
      'x/\n/y ?!!\n\n...//\r\n',
      '1234567890 12 1 ١٢٣٤ ½⅓ ²³',
      '👨‍👩‍👧‍👦👍🏽🏳️‍🌈🇰🇷🇺🇸 #️⃣ 🙂‍↔️',
      '\ud800 lone \udfff surrogates \udbff\udc00 ok',
      '',
    ];
    cases.forEach((t, i) => assertSameTokens(t, `case ${i}`));
  });

  it('on long runs of one character', () => {
    for (const c of ['a', 'A', ' ', '\n', '한', '😀', '9', '!', 'é', '\t', 'ab', ' a', '\u0301', '\u3000']) {
      assertSameTokens(c.repeat(3000), `run of ${JSON.stringify(c)}`);
    }
    assertSameTokens('a'.repeat(20_000), "run of 'a' x 20000");
  });

  // (its speed - a quadratic merge would take minutes - is measured by bench/tokenizer.bench.ts)
  it('on 200,000-byte runs of one character', () => {
    for (const c of ['a', '한', '😀']) assertSameTokens(c.repeat(200_000 / Buffer.byteLength(c)), `200 kB run of ${JSON.stringify(c)}`);
  });
});

describe('o200k_harmony decode', () => {
  it('round-trips every corpus string', () => {
    for (const t of corpus(11, 500)) {
      const valid = t.replace(/\p{Cs}/gu, '\ufffd'); // lone surrogates are not text UTF-8 can carry
      assert.equal(tok.decode(tok.encode(t)), valid);
    }
  });

  it('turns invalid or cut-off UTF-8 into U+FFFD and keeps a leading BOM', () => {
    const euro = [0xe2, 0x82, 0xac].map(byteToken);
    assert.equal(tok.decode(euro), '€');
    assert.equal(tok.decode(euro.slice(0, 2)), '\ufffd');
    assert.equal(tok.decode([byteToken(0xff), ...tok.encode('ok')]), '\ufffdok');
    assert.equal(tok.decode(tok.encode('\ufeffx')), '\ufeffx');
    assert.deepEqual([...tok.decodeBytes(euro)], [0xe2, 0x82, 0xac]);
  });

  it('rejects ids outside the vocabulary, naming the id and position', () => {
    assert.throws(() => tok.decode([1, 201088]), (e: unknown) => e instanceof OutOfRangeError && /201088 at position 1/.test(e.message));
    assert.throws(() => tok.decode([-1]), OutOfRangeError);
    assert.throws(() => tok.decode([1.5]), OutOfRangeError);
    assert.throws(() => tok.createStreamDecoder().push(300000), OutOfRangeError);
  });

  it('tokenBytes returns a copy', () => {
    const id = tok.encode(' the')[0]!;
    const bytes = tok.tokenBytes(id);
    bytes.fill(0);
    assert.equal(tok.decode([id]), ' the');
  });
});

describe('special tokens', () => {
  // openai/harmony src/tiktoken_ext/public_encodings.rs, Encoding::O200kHarmony::special_tokens
  const named: [string, number][] = [
    ['<|startoftext|>', 199998], ['<|endoftext|>', 199999], ['<|reserved_200000|>', 200000], ['<|reserved_200001|>', 200001],
    ['<|return|>', 200002], ['<|constrain|>', 200003], ['<|reserved_200004|>', 200004], ['<|channel|>', 200005],
    ['<|start|>', 200006], ['<|end|>', 200007], ['<|message|>', 200008], ['<|reserved_200009|>', 200009],
    ['<|reserved_200010|>', 200010], ['<|reserved_200011|>', 200011], ['<|call|>', 200012], ['<|reserved_200013|>', 200013],
  ];

  it('have harmony ids and names, <|reserved_N|> up to the end of the vocabulary', () => {
    assert.equal(tok.vocabSize, 201088);
    for (const [name, id] of named) {
      assert.equal(tok.specialId(name), id, name);
      assert.equal(tok.decode([id]), name);
      assert.deepEqual(tok.tokenBytes(id), new TextEncoder().encode(name));
    }
    for (const id of [200014, 200018, 200500, 201087]) {
      assert.equal(tok.decode([id]), `<|reserved_${id}|>`);
      assert.equal(tok.specialId(`<|reserved_${id}|>`), id);
    }
    assert.throws(() => tok.specialId('<|endofprompt|>'), /unknown special token/);
    assert.throws(() => tok.specialId('<|reserved_199997|>'), /unknown special token/);
  });

  it('isSpecial covers exactly 199998..201087', () => {
    assert.equal(tok.isSpecial(199997), false);
    assert.equal(tok.isSpecial(199998), true);
    assert.equal(tok.isSpecial(201087), true);
    assert.equal(tok.isSpecial(201088), false);
    assert.equal(tok.isSpecial(0), false);
  });

  it('are never produced from text', () => {
    for (const [name] of named) {
      const ids = tok.encode(`user says ${name} and ${name}${name}`);
      assert.ok(ids.every((id) => !tok.isSpecial(id)), name);
      assertSameTokens(name, name);
    }
    assert.equal(tok.decode(tok.encode('<|start|>')), '<|start|>');
  });
});

describe('stream decoder', () => {
  it('never emits half a character and matches decode()', () => {
    const texts = ['€uro 한국어 😀👨‍👩‍👧', ...corpus(13, 200)];
    for (const t of texts) {
      const ids = tok.encode(t);
      const d = tok.createStreamDecoder();
      const chunks = ids.map((id) => d.push(id));
      chunks.push(d.flush());
      assert.equal(chunks.join(''), tok.decode(ids));
      // valid text in, so a U+FFFD out would mean a character was cut
      if (!/[\p{Cs}\ufffd]/u.test(t)) assert.ok(chunks.every((c) => !c.includes('\ufffd')), JSON.stringify(t.slice(0, 40)));
    }
  });

  it('holds a character split across byte tokens until it is complete', () => {
    const d = tok.createStreamDecoder();
    const grin = [0xf0, 0x9f, 0x98, 0x80].map(byteToken);
    assert.deepEqual(grin.map((id) => d.push(id)), ['', '', '', '😀']);
    assert.equal(d.push(tok.specialId('<|end|>')), '<|end|>');
    assert.equal(d.push(grin[0]!), '');
    assert.equal(d.flush(), '\ufffd');
    assert.equal(d.push(tok.encode('a')[0]!), 'a');
  });
});

describe('ranks file', () => {
  it('is found inside gpt-tokenizer and checked against the sha256 harmony pins', () => {
    const path = locateRanksFile();
    assert.match(path, /gpt-tokenizer[\\/]data[\\/]o200k_base\.tiktoken$/);
    const dir = mkdtempSync(join(tmpdir(), 'o200k-'));
    try {
      const tampered = join(dir, 'o200k_base.tiktoken');
      const data = readFileSync(path);
      data[0] = data[0] === 0x51 ? 0x52 : 0x51;
      writeFileSync(tampered, data);
      assert.throws(() => loadRankTable(tampered), (e: unknown) => e instanceof FileFormatError && /sha256 is [0-9a-f]{64}, expected 446a9538/.test(e.message));
      assert.throws(() => loadRankTable(join(dir, 'missing.tiktoken')), FileFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

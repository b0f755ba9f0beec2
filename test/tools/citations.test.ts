// Browser citations `【cursor†Lx-Ly】` to url_citation annotations, whole and streamed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CitationStream, normalizeCitations } from '../../src/tools/browser/citations.js';
import type { PageContents } from '../../src/tools/browser/page.js';

const pages: PageContents[] = [
  { url: '', title: 'whales', text: '', urls: {}, snippets: {} }, // a search results page: not citable
  { url: 'https://example.org/whales', title: 'Blue whales', text: '', urls: {} },
  { url: '', title: 'Find results', text: '', urls: {}, snippets: {}, citeAs: { url: 'https://example.org/whales', title: 'Blue whales' } },
];

describe('citations', () => {
  it('become ([domain](url)) with annotations spanning the replacement; unknown cursors stay as written', () => {
    const text = 'Blue whales eat krill【1†L4-L6】 and are big【2†L9】. Searched【0†L1】, nothing【7†L2】.';
    const r = normalizeCitations(text, pages);
    assert.equal(r.text, 'Blue whales eat krill ([example.org](https://example.org/whales))  and are big ([example.org](https://example.org/whales)) . Searched【0†L1】, nothing【7†L2】.');
    assert.equal(r.annotations.length, 2);
    for (const a of r.annotations) {
      assert.equal(r.text.slice(a.start_index, a.end_index), ' ([example.org](https://example.org/whales)) ');
      assert.equal(a.type, 'url_citation');
      assert.equal(a.url, 'https://example.org/whales');
      assert.equal(a.title, 'Blue whales');
    }
  });

  it('streamed in any split, the output and the annotations equal the whole-text result; partial markers are held back', () => {
    const text = 'Krill【1†L4-L6】 is food. More【1†L9】 and【x】 done 【';
    const whole = normalizeCitations(text, pages);
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const s = new CitationStream(() => pages);
      let out = '';
      const annotations = [];
      for (let i = 0; i < text.length; i += size) {
        const r = s.push(text.slice(i, i + size));
        // Nothing shown may end inside a citation that could still complete.
        assert.doesNotMatch(r.text, /【\d*(†[^】]*)?$/);
        out += r.text;
        annotations.push(...r.annotations);
      }
      const end = s.finish();
      out += end.text;
      annotations.push(...end.annotations);
      assert.equal(out, whole.text, `split ${size}`);
      assert.deepEqual(annotations, whole.annotations, `split ${size}`);
    }
  });

  it('holds `【1†L4` until `】` arrives', () => {
    const s = new CitationStream(() => pages);
    assert.equal(s.push('See 【1†L4').text, 'See ');
    const r = s.push('-L5】 ok');
    assert.equal(r.text, ' ([example.org](https://example.org/whales))  ok');
    assert.equal(r.annotations[0]?.start_index, 'See '.length);
  });
});

// The demo model's training data (training/demo/): held-out values really are held out, drills train
// the earlier answers' text and nothing around it, and a seed gives the same data everywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOKEN_IDS } from '../../src/harmony/index.js';
import { getTokenizer } from '../../src/tokenizer/index.js';
import { encodeExample } from '../../training/demo/encode.js';
import { madeUpNames } from '../../training/demo/names.js';
import { Rng } from '../../training/demo/rng.js';
import { CITIES } from '../../training/demo/tables.js';
import { dataOptions, MIX_NAMES, makeExample, phrasingSplits } from '../../training/demo/tasks.js';

const tok = getTokenizer();

describe('demo training data', () => {
  it('held-out made-up names never occur in training, and every token of theirs does', () => {
    const train = madeUpNames('train');
    const heldout = madeUpNames('heldout');
    assert.ok(train.length > 2000 && heldout.length > 500, `${train.length} training, ${heldout.length} held-out names`);
    const trainSet = new Set(train);
    assert.deepEqual(heldout.filter((n) => trainSet.has(n)), []);
    const known = new Set(train.flatMap((n) => [...tok.encode(n), ...tok.encode(` ${n}`)]));
    assert.deepEqual(heldout.filter((n) => tok.encode(n).some((t) => !known.has(t))), []);
  });

  it('weather calls in the held-out split use held-out places only, half of them made up', () => {
    const rng = new Rng(7);
    const trainNames = new Set(madeUpNames('train'));
    const places = Array.from({ length: 200 }, () => makeExample(rng, 'heldout', 'weather'));
    const madeUp = places.filter((e) => e.place === 'made_up');
    assert.ok(madeUp.length > 60 && madeUp.length < 140, `${madeUp.length}/200 made up`);
    for (const e of madeUp) assert.ok(!trainNames.has(String(e.expect.args?.['location'])), String(e.expect.args?.['location']));
  });

  it('in every mix, a held-out real city is never a weather or time argument in training', () => {
    const heldout = new Set(CITIES.slice(CITIES.length - Math.floor(CITIES.length / 5)));
    const saved = dataOptions.mix;
    try {
      for (const mix of MIX_NAMES) {
        dataOptions.mix = mix;
        const rng = new Rng(5);
        let places = 0;
        let quotedHeldout = 0;
        for (let i = 0; i < 3000; i++) {
          const e = makeExample(rng, 'train');
          for (const s of e.steps) {
            if (s.kind !== 'call' || (s.name !== 'get_weather' && s.name !== 'get_time')) continue;
            const v = String(s.args['location'] ?? s.args['city']);
            places++;
            assert.ok(!heldout.has(v), `${mix}: ${s.name} called with held-out ${v}`);
          }
          // where v5 practises the spelling a held-out city has inside a JSON string
          if (e.family === 'json_list') quotedHeldout += [...heldout].filter((c) => e.steps.some((s) => s.kind === 'final' && s.text.includes(`"${c}"`))).length;
        }
        assert.ok(places > 200, `${mix}: ${places} weather/time calls`);
        if (mix === 'v5' || mix === 'v8') assert.ok(quotedHeldout > 10, `${mix}: ${quotedHeldout} held-out cities in JSON lists`);
      }
    } finally {
      dataOptions.mix = saved;
    }
  });

  it('no held-out phrasing is a training phrasing, the v7 additions included, and v7 uses the additions', () => {
    const { train, heldout } = phrasingSplits();
    const norm = (t: string): string => t.toLowerCase().replace(/[^a-z{}]+/g, ' ').trim();
    const trainSet = new Set(train.map(norm));
    assert.deepEqual(heldout.filter((h) => trainSet.has(norm(h))), []);
    const saved = dataOptions.mix;
    try {
      const looking = (mix: (typeof MIX_NAMES)[number]): number => {
        dataOptions.mix = mix;
        const rng = new Rng(9);
        return Array.from({ length: 400 }, () => makeExample(rng, 'train', 'search').user).filter((u) => u.startsWith('I am looking for ')).length;
      };
      assert.ok(looking('v7') > 0, 'v7 draws the added search phrasings');
      assert.equal(looking('v6'), 0, 'v6 is unchanged');
    } finally {
      dataOptions.mix = saved;
    }
  });

  it('an arithmetic drill trains the text of every earlier answer, not its header or <|end|>', () => {
    const ex = makeExample(new Rng(3), 'train', 'arithmetic_drill');
    const seq = encodeExample(ex, tok, true);
    const answers = ex.history.filter((m) => m.role === 'assistant').map((m) => m.content);
    assert.ok(answers.length >= 4);
    // Runs of trained tokens: the earlier answers, then the model's own turn (which starts at <|channel|>).
    const runs: number[][] = [];
    seq.mask.forEach((m, i) => {
      if (m === 1 && seq.mask[i - 1] === 1) runs[runs.length - 1]!.push(seq.tokens[i]!);
      else if (m === 1) runs.push([seq.tokens[i]!]);
    });
    const own = runs.findIndex((r) => r[0] === TOKEN_IDS['<|channel|>']);
    assert.deepEqual(runs.slice(0, own).map((r) => tok.decode(r)), answers);
    const plain = encodeExample({ ...ex, trainHistory: false }, tok);
    assert.deepEqual(plain.tokens, seq.tokens, 'the drill changes what is trained, not the tokens');
    assert.ok(plain.mask.reduce((s, m) => s + m, 0) < seq.mask.reduce((s, m) => s + m, 0));
  });

  it('the same seed gives the same examples', () => {
    const gen = (seed: number): string => {
      const rng = new Rng(seed);
      return JSON.stringify(Array.from({ length: 50 }, () => makeExample(rng, 'train')));
    };
    assert.equal(gen(11), gen(11));
    assert.notEqual(gen(11), gen(12));
  });
});

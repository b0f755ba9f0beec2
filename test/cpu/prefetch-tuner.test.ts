// The streaming kernels' prefetch under auto (native/prefetch-tuner.h): each kind of one-token call times
// l2, l1 and none as the model runs and keeps the cheapest, retrying the others now and then. The policy
// is driven here with set timings (a host's own are too noisy to assert on); a real run shows that the
// decode's calls are timed and reported, and that a mode named in the environment turns the tuning off.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCpuAddon, type PrefetchTuning } from '../../src/backends/cpu/binding.js';
import { loadFixture } from '../model/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const addon = loadCpuAddon();
if (addon instanceof Error) throw addon;
const L2 = 0;
const L1 = 1;
const NONE = 2;

/** costs[3c + m] for `calls` calls from per-mode costs (a function of the call, for a host that changes). */
function timings(calls: number, cost: (call: number) => [number, number, number]): Float32Array {
  const out = new Float32Array(3 * calls);
  for (let c = 0; c < calls; c++) out.set(cost(c), 3 * c);
  return out;
}

function trial(costs: Float32Array): number[] {
  assert.ok(addon instanceof Error === false && addon.prefetchTunerTrial, 'the addon has prefetchTunerTrial');
  return Array.from(addon.prefetchTunerTrial({ costs }));
}

const count = (picks: number[], mode: number) => picks.filter((m) => m === mode).length;

describe('prefetch tuner policy', () => {
  it('times every mode 3 times, then runs the cheapest and retries each other one now and then', () => {
    const picks = trial(timings(400, () => [1.3, 1.0, 1.2]));
    assert.deepEqual([...picks.slice(0, 9)].sort(), [L2, L2, L2, L1, L1, L1, NONE, NONE, NONE]);
    const after = picks.slice(9);
    // l2 (0.3 dearer) every 60 calls, none (0.2 dearer) every 40: each costs about 0.5 %
    assert.ok(count(after, L2) >= 5 && count(after, L2) <= 8, `l2 retried ${count(after, L2)} times in ${after.length}`);
    assert.ok(count(after, NONE) >= 8 && count(after, NONE) <= 11, `none retried ${count(after, NONE)} times in ${after.length}`);
    const extra = count(after, L2) * 0.3 + count(after, NONE) * 0.2;
    assert.ok(extra / after.length < 0.012, `the retries cost ${((100 * extra) / after.length).toFixed(2)} % of the calls' time`);
  });

  it('retries a mode close to the best every 16 calls and a far dearer one every 128', () => {
    const picks = trial(timings(1300, () => [1.02, 1.0, 3.0])).slice(9);
    assert.ok(count(picks, L2) >= 75 && count(picks, L2) <= 81, `l2 (1.02x) retried ${count(picks, L2)} times in ${picks.length}`);
    assert.ok(count(picks, NONE) >= 9 && count(picks, NONE) <= 11, `none (3x) retried ${count(picks, NONE)} times in ${picks.length}`);
  });

  it('follows a host whose fastest mode changes', () => {
    // l2 fastest, then l1 (the slowest before): l2's own calls show the change at once (none, 1.2, takes
    // over), l1's retries (every 17 calls behind none) after 3 of them
    const picks = trial(timings(800, (c) => (c < 400 ? [1.0, 1.3, 1.2] : [1.5, 1.0, 1.2])));
    assert.ok(count(picks.slice(300, 400), L2) >= 90, `before the change l2 ran ${count(picks.slice(300, 400), L2)} of 100`);
    const late = picks.slice(560);
    assert.ok(count(late, L1) >= late.length - Math.ceil(late.length / 16), `after it l1 ran ${count(late, L1)} of ${late.length}`);
  });

  it('keeps the cheaper mode on noisy timings and through a stalled call', () => {
    // deterministic noise of +-20 % on every call, and one call of the best mode 50x slower
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 0.8 + (0.4 * seed) / 2 ** 31;
    };
    const picks = trial(timings(1000, (c) => [1.25 * noise(), (c === 500 ? 50 : 1) * noise(), 1.3 * noise()]));
    const after = picks.slice(9);
    assert.ok(count(after, L1) >= 0.9 * after.length, `l1 ran ${count(after, L1)} of ${after.length}`);
  });

  it('names a bad argument', () => {
    assert.ok(addon instanceof Error === false && addon.prefetchTunerTrial);
    assert.throws(() => addon.prefetchTunerTrial!({ costs: new Float32Array(4) }), /prefetchTunerTrial: costs must hold 3 costs/);
  });
});

describe('prefetch tuning in a run', () => {
  const fixture = loadFixture('tiny-ref-a');
  const bench = (env: Record<string, string>, extra: string[] = []) => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist/cli/main.js'), 'bench', '--model', fixture.dir, '--backend', 'cpu', '--prompt', '4', '--gen', '12', '--repeat', '1', '--threads', '2', '--json', ...extra],
      { cwd: root, encoding: 'utf8', env: { ...process.env, GPT_OSS_PREFETCH: '', GPT_OSS_DENSE_PREFETCH: '', ...env } },
    );
    assert.equal(r.status, 0, r.stderr);
    return { json: JSON.parse(r.stdout) as { prefetch_tuning: PrefetchTuning[] | null }, text: r.stderr };
  };
  // the tuned kernels are the AVX-512 ones (the MoE's 8-bit streaming kernel, the dense 8-bit one-token one)
  const avx512 = addon.kernels['moe-q8'] === 'avx512-vbmi' || addon.kernels['moe-q8'] === 'avx512-vnni';

  it('bench times the decode calls of the MoE and the dense matmuls and prints the picks', { skip: avx512 ? false : 'no AVX-512 kernels here' }, () => {
    const { json, text } = bench({});
    const tuning = json.prefetch_tuning;
    assert.ok(tuning, 'prefetch_tuning is filled');
    const moe = tuning.find((t) => t.kernel === 'moe');
    assert.ok(moe && moe.calls >= 9, JSON.stringify(tuning));
    assert.ok(tuning.some((t) => t.kernel === 'dense' && t.calls >= 9), JSON.stringify(tuning));
    for (const t of tuning) {
      assert.ok(['l2', 'l1', 'none'].includes(t.pick), JSON.stringify(t));
      // after its first 9 calls (each mode 3 times) a tuner runs the mode it has timed cheapest
      const timed = [t.secondsPerGB.l2, t.secondsPerGB.l1, t.secondsPerGB.none];
      if (t.calls >= 9) assert.equal(t.secondsPerGB[t.pick], Math.min(...(timed as number[])), JSON.stringify(t));
    }
    assert.match(text, /^ {2}prefetch \(auto\) +moe (l2|l1|none) \(/m);
  });

  it('batched decode tunes its MoE and dense calls by their number of tokens', { skip: avx512 ? false : 'no AVX-512 kernels here' }, () => {
    const { json, text } = bench({}, ['--parallel', '3']);
    const tuning = json.prefetch_tuning;
    assert.ok(tuning, 'prefetch_tuning is filled');
    const all: PrefetchTuning[] = tuning;
    for (const kernel of ['moe', 'dense']) {
      const three = all.filter((t) => t.kernel === kernel && t.tokens === 3);
      assert.ok(three.some((t) => t.calls >= 9), `${kernel}: ${JSON.stringify(all)}`);
      for (const t of three) {
        const timed = [t.secondsPerGB.l2, t.secondsPerGB.l1, t.secondsPerGB.none];
        if (t.calls >= 9) assert.equal(t.secondsPerGB[t.pick], Math.min(...(timed as number[])), JSON.stringify(t));
      }
    }
    assert.match(text, /moe, 3 tokens (l2|l1|none) \(/);
    assert.match(text, /dense [^;]*, 3 tokens (l2|l1|none) \(/);
  });

  it('a mode named in the environment turns the tuning off', () => {
    const { json, text } = bench({ GPT_OSS_PREFETCH: 'l1', GPT_OSS_DENSE_PREFETCH: 'none' });
    assert.equal(json.prefetch_tuning, null);
    assert.doesNotMatch(text, /prefetch \(auto\)/);
    if (avx512) assert.match(text, /; moe prefetch l1; dense prefetch none$/m);
  });
});

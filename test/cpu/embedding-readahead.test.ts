// After a load that copied the experts, the cpu backend reads the embedding table (read in place, one
// row per token, anywhere in the table) back into the page cache in the background: the copy's
// allocations evict it first, and each token would then read its row from disk. Checked on the page
// cache itself (mincore through python3's ctypes, eviction with posix_fadvise): the table is evicted,
// the model loaded, and the table's pages must come back without a token having been run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCpuAddon } from '../../src/backends/cpu/binding.js';
import { loadModel } from '../../src/engine/load-model.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

// evict FILE: drop its clean pages; resident FILE START END: the fraction of [START, END) in the page cache
const PAGE_CACHE_PY = `
import ctypes, mmap, os, sys
fd = os.open(sys.argv[2], os.O_RDONLY)
if sys.argv[1] == 'evict':
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    sys.exit(0)
start, end = int(sys.argv[3]), int(sys.argv[4])
page = mmap.PAGESIZE
a = start // page * page
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
p = libc.mmap(None, end - a, mmap.PROT_READ, mmap.MAP_SHARED, fd, a)
n = (end - a + page - 1) // page
vec = (ctypes.c_ubyte * n)()
if libc.mincore(ctypes.c_void_p(p), ctypes.c_size_t(end - a), vec) != 0:
    sys.exit('mincore failed')
print(sum(v & 1 for v in vec) / n)
`;

function pageCache(args: string[]): string | null {
  const r = spawnSync('python3', ['-c', PAGE_CACHE_PY, ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** [start, end) of a tensor's bytes in a safetensors file */
function tensorRange(file: string, name: string): [number, number] {
  const fd = openSync(file, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE());
    const header = Buffer.alloc(n);
    readSync(fd, header, 0, n, 8);
    const entry = (JSON.parse(header.toString('utf8')) as Record<string, { data_offsets: [number, number] }>)[name];
    assert.ok(entry, `${file}: no tensor ${name}`);
    return [8 + n + entry.data_offsets[0], 8 + n + entry.data_offsets[1]];
  } finally {
    closeSync(fd);
  }
}

const addon = loadCpuAddon();
const python = spawnSync('python3', ['-c', 'import ctypes, mmap, os'], { encoding: 'utf8' }).status === 0;
const skip = addon instanceof Error ? 'the native addon is not built' : !python ? 'python3 (for mincore and posix_fadvise) is missing' : process.platform !== 'linux' ? 'Linux page cache only' : false;

describe('embedding table read ahead after the expert copy', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gpt-oss-readahead-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  // the tiny preset has the real 201,088-token vocabulary: a 51 MB embedding, several 4 MiB chunks
  const made = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'make-model', '--preset', 'tiny', '--seed', '7', '--out', tmp], { encoding: 'utf8' });
  const file = join(tmp, 'model.safetensors');
  const [start, end] = tensorRange(file, 'embedding.weight');
  const resident = (): number => Number(pageCache(['resident', file, String(start), String(end)]));

  async function residentAfterLoad(experts: 'copy' | 'map'): Promise<{ before: number; after: number }> {
    assert.equal(pageCache(['evict', file]), '');
    const before = resident();
    const model = await loadModel(tmp, { backend: 'cpu', precision: 'fast', threads: 1, experts });
    try {
      // advice: the kernel reads in the background; 51 MB takes well under a second from any disk
      let now = resident();
      for (let i = 0; i < (experts === 'copy' ? 50 : 10) && now < 0.99; i++) {
        await new Promise((r) => setTimeout(r, 100));
        now = resident();
      }
      return { before, after: now };
    } finally {
      model.dispose();
    }
  }

  it('with --experts copy the whole table is back in the page cache after the load', async () => {
    assert.equal(made.status, 0, made.stderr);
    const r = await residentAfterLoad('copy');
    assert.ok(r.before < 0.05, `eviction left ${(100 * r.before).toFixed(1)} % of the table resident`);
    assert.ok(r.after >= 0.99, `only ${(100 * r.after).toFixed(1)} % of the embedding table was read back`);
  });

  it('with --experts map (memory is short) the table is left to be read as tokens need it', async () => {
    assert.equal(made.status, 0, made.stderr);
    const r = await residentAfterLoad('map');
    assert.ok(r.after < 0.5, `${(100 * r.after).toFixed(1)} % of the table was read without a token needing it`);
  });
});

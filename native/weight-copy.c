/*
 * Why pread() rather than memcpy from the mapping: copying the 20b's 10.2 GB of experts into
 * huge-page buffers (2-core AMD EPYC VM, file read into the page cache first, other jobs running)
 * took 71-99 s as memcpy from the mapping (1 or 2 threads, with or without MADV_POPULATE_*; 16-22 s
 * of system time faulting 4 KiB pages in and dropping them again) and 21 s as pread() on 2 threads
 * (10 s of system time), which copies from the page cache without mapping it into the process.
 */
#define _GNU_SOURCE
#include "weight-copy.h"

#include "f32-mxfp4w-moe-q8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Large enough that a syscall per chunk costs nothing, small enough to spread 100 MB over the threads. */
#define COPY_CHUNK ((size_t)8 << 20)

typedef struct {
  char *dst;
  const char *src;
  size_t n;
  int fd;
  off_t foff;
  int release;
  size_t chunk;
  int tile_k;
} copy_ctx;

/*
 * Why give back a copied chunk's page cache when free memory runs low: a 2-core 24 GiB machine holds
 * the 20b's file in its page cache (13.8 GB) or the copied experts and 8-bit weights (12.6 GB), not
 * both. Left to itself, the kernel makes room for the copy by evicting the file's least recently used
 * pages, which are the pages this load reads next (a previous load read them in the same order), so
 * a load read 6-7 GB of them back from disk, or took 30 s. So, with free memory short:
 * - a chunk read from disk is given back (it displaces nothing that was there before);
 * - a chunk that was cached is given back only when little else is cached (other files' pages are what
 *   the kernel should take first): dropping those too left the next process, after another engine's
 *   run, to read all 10 GB of experts from disk.
 * `own` estimates this file's cached bytes: counted once per mapping (mincore, about 0.2 s for the
 * 20b) when free memory is below the file's size, then kept up to date with what the copy reads from
 * disk and gives back.
 */
#define FREE_FLOOR ((long long)768 << 20)
#define OTHERS_FLOOR ((long long)1 << 30)

static struct {
  const void *map;
  size_t size;
  long long cached;
} own;

/* MemFree and Cached of /proc/meminfo in bytes; 0 when unknown (then nothing is given back). */
static int meminfo(long long *free_bytes, long long *cached_bytes) {
  int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char *f = strstr(buf, "MemFree:"), *c = strstr(buf, "\nCached:");
  if (!f || !c) return 0;
  *free_bytes = strtoll(f + 8, NULL, 10) * 1024;
  *cached_bytes = strtoll(c + 8, NULL, 10) * 1024;
  return 1;
}

/* Bytes of [p, p + len) of a file mapping in the page cache (mincore; -1 when unknown). */
static long long resident_bytes(const char *p, size_t len) {
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095, e = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;
  size_t pages = (e - a) / 4096, in = 0;
  unsigned char vec[4096];
  for (size_t at = 0; at < pages; at += sizeof vec) {
    size_t n = pages - at < sizeof vec ? pages - at : sizeof vec;
    if (mincore((void *)(a + at * 4096), n * 4096, vec) != 0) return -1;
    for (size_t i = 0; i < n; i++) in += vec[i] & 1;
  }
  return (long long)in * 4096;
}

static int read_chunk(const copy_ctx *c, size_t at, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = pread(c->fd, c->dst + at + done, len - done, c->foff + (off_t)(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    done += (size_t)r;
  }
  return 1;
}

static void copy_task(void *vctx, int task, int thread) {
  (void)thread;
  const copy_ctx *c = vctx;
  size_t at = (size_t)task * c->chunk, len = c->n - at < c->chunk ? c->n - at : c->chunk;
  /* tiled while the chunk is still in this core's caches */
  int was_cached = c->fd >= 0 && 2 * resident_bytes(c->src + at, len) >= (long long)len;
  if (c->fd >= 0 && read_chunk(c, at, len)) {
    if (c->tile_k) moe_tile16((uint8_t *)c->dst + at, len / ((size_t)c->tile_k / 2), c->tile_k);
    long long free_bytes, cached_bytes;
    int short_now = meminfo(&free_bytes, &cached_bytes) && free_bytes < FREE_FLOOR;
    long long ours = __atomic_load_n(&own.cached, __ATOMIC_RELAXED);
    if (short_now && (!was_cached || cached_bytes - ours < OTHERS_FLOOR)) {
      posix_fadvise(c->fd, c->foff + (off_t)at, (off_t)len, POSIX_FADV_DONTNEED);
      if (was_cached) __atomic_sub_fetch(&own.cached, (long long)len, __ATOMIC_RELAXED);
    } else if (!was_cached) {
      __atomic_add_fetch(&own.cached, (long long)len, __ATOMIC_RELAXED);
    }
    return;
  }
  memcpy(c->dst + at, c->src + at, len);
  if (c->tile_k) moe_tile16((uint8_t *)c->dst + at, len / ((size_t)c->tile_k / 2), c->tile_k);
  if (c->release) {
    /* neighbours' pages refault from the page cache if still needed, so round outwards */
    uintptr_t a = (uintptr_t)(c->src + at) & ~(uintptr_t)4095, e = ((uintptr_t)(c->src + at + len) + 4095) & ~(uintptr_t)4095;
    madvise((void *)a, e - a, MADV_DONTNEED);
  }
}

void go_copy_weights(pool_t *p, void *dst, const void *src, size_t n, int fd, off_t foff, int release, int tile_k,
                     const void *file_map, size_t file_size) {
  /* counted only where this load may run short of memory: where it cannot, nothing is given back */
  long long free_bytes, cached_bytes;
  if (fd >= 0 && file_map && (own.map != file_map || own.size != file_size) && meminfo(&free_bytes, &cached_bytes) &&
      free_bytes < (long long)file_size) {
    long long r = resident_bytes(file_map, file_size);
    own.map = file_map, own.size = file_size, own.cached = r < 0 ? 0 : r;
  }
  /* tiling works on whole rows (K/2 bytes), so a chunk holds whole rows */
  size_t row = tile_k > 0 ? (size_t)tile_k / 2 : 1, chunk = COPY_CHUNK / row * row;
  copy_ctx c = {dst, src, n, fd, foff, release, chunk, tile_k > 0 ? tile_k : 0};
  pool_run(p, copy_task, &c, (int)((n + chunk - 1) / chunk));
}

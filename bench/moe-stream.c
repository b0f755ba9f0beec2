/*
 * The MoE op on synthetic 20b-shaped experts (H = I = 2880) in anonymous huge-page memory, beside a
 * plain vector read of the same expert bytes in the same run: how close the kernel comes to the read
 * bandwidth one pool of `threads` can draw. No checkpoint needed; the working set (LAYERS x the experts
 * touched) is far beyond the last-level cache, so every call reads its experts from DRAM as a decode
 * step does (`--experts copy`).
 *
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moes bench/moe-stream.c native/f32-mxfp4w-moe*.c \
 *       native/pool.c native/tables.c native/dispatch.c native/f32-densew-matmul.c native/q8-dense.c \
 *       native/prefetch-tuner.c -lm
 *   /tmp/moes [n=1] [threads=1] [steps=7] [E=4] [layers=24]
 * E = 4 with top-4 routes every token to every expert (n = 1: one decode token's four experts, each
 * read once; n = 4: four tokens per expert, the batched path). E = 32 routes n tokens at random as the
 * model does (use fewer layers: 32 experts of one layer take 422 MB).
 * TOPK=1 with E=1, layers=1 keeps one expert (13 MB) in the last-level cache: the kernel's compute bound.
 * Prints the median over the passes of ms per layer for the op and for the read, and GB/s of expert bytes touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../native/kernels.h"
#include "../native/f32-mxfp4w-moe-q8.h"
#include "bench-alloc.h"
#include "synthetic-experts.h"

/* One thread: the thread's CPU time, so that time spent descheduled on a shared machine is not counted
   (the caller's thread runs every task of a 1-thread pool). More threads: wall time. */
static clockid_t clock_id = CLOCK_MONOTONIC;
static double now(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* sum of 64-bit words with 512-bit loads where the CPU has them: the read the kernel competes with */
#ifdef GO_X86
__attribute__((target("avx512f"))) static uint64_t read512(const uint8_t *p, size_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t o = 0; o + 256 <= bytes; o += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512((const void *)(p + o)));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512((const void *)(p + o + 64)));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512((const void *)(p + o + 128)));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512((const void *)(p + o + 192)));
  }
  return _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}
#endif
static uint64_t read_plain(const uint8_t *p, size_t bytes) {
  const uint64_t *w = (const uint64_t *)p;
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= bytes / 8; i += 4) s0 += w[i], s1 += w[i + 1], s2 += w[i + 2], s3 += w[i + 3];
  return s0 + s1 + s2 + s3;
}

typedef struct {
  const uint8_t *base;
  size_t bytes;
  int tasks;
  uint64_t sum[64];
} rd_ctx;
static void rd_task(void *v, int t, int thread) {
  (void)thread;
  rd_ctx *c = v;
  size_t part = (c->bytes / c->tasks) & ~(size_t)255;
#ifdef GO_X86
  if (go_cpu.avx512_vnni) {
    c->sum[t] = read512(c->base + part * t, part);
    return;
  }
#endif
  c->sum[t] = read_plain(c->base + part * t, part);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1, threads = argc > 2 ? atoi(argv[2]) : 1, steps = argc > 3 ? atoi(argv[3]) : 7;
  int E = argc > 4 ? atoi(argv[4]) : 4, layers = argc > 5 ? atoi(argv[5]) : 24;
  int H = 2880, k = getenv("TOPK") ? atoi(getenv("TOPK")) : 4;
  go_tables_init();
  if (go_dispatch_init(getenv("GPT_OSS_SIMD")) < 0) return fprintf(stderr, "bad GPT_OSS_SIMD\n"), 2;
  uint8_t **mem = calloc(layers, sizeof *mem);
  size_t tot = 0;
  moe_args *a = mem ? synthetic_experts(layers, n, E, k, mem, &tot) : NULL;
  if (!a) return fprintf(stderr, "out of memory\n"), 1;
  float *x = malloc((size_t)n * H * 4), *out = malloc((size_t)n * H * 4);
  pool_t *p = pool_create(threads);
  if (threads == 1 && !getenv("WALL")) clock_id = CLOCK_THREAD_CPUTIME_ID;
  double expert = (double)(tot / E);
  int touched = n * k < E ? n * k : E; /* for E = 32 an estimate: distinct experts vary with the routing */
  double *tm = calloc(steps, sizeof *tm), *tr = calloc(steps, sizeof *tr);
  double check = 0;
  for (int s = 0; s < steps + 1; s++) {
    double t = 0, r = 0;
    for (int l = 0; l < layers; l++) {
      for (size_t i = 0; i < (size_t)n * H; i++) x[i] = (float)rnd() / (1 << 24) * 2 - 1;
      a[l].x = x;
      a[l].out = out;
      double t0 = now();
      f32_mxfp4w_moe(p, &a[l]);
      t += now() - t0;
      check += out[0] + out[n * H - 1];
    }
    /* the same bytes (E = 4: all of each layer) read plainly, layer after layer */
    for (int l = 0; l < layers; l++) {
      rd_ctx c = {mem[l], (size_t)touched * (tot / E), threads, {0}};
      double t0 = now();
      pool_run(p, rd_task, &c, threads);
      r += now() - t0;
      check += (double)(c.sum[0] & 1);
    }
    if (s > 0) tm[s - 1] = t / layers * 1e3, tr[s - 1] = r / layers * 1e3;
  }
  qsort(tm, steps, sizeof *tm, cmpd);
  qsort(tr, steps, sizeof *tr, cmpd);
  double mt = tm[steps / 2], mr = tr[steps / 2];
  printf("n=%d E=%d threads=%d simd=%s %s: op %.3f ms/layer (%.1f GB/s), read %.3f ms/layer (%.1f GB/s), op/read %.2f  [check %g]\n",
         n, E, threads, go_level_name(go_kernels.moe_q8), clock_id == CLOCK_MONOTONIC ? "wall" : "cpu-time", mt, touched * expert / mt / 1e6, mr, touched * expert / mr / 1e6,
         mr / mt, check);
  pool_destroy(p);
  return 0;
}

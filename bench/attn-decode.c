/*
 * Decode attention over a long KV cache, alone: one token's 64 query heads against N cached
 * positions of a 20b-shaped full-attention layer (8 kv heads, head dim 64, f16 K/V filled with
 * synthetic values), the kernel of this tree against a saved older one, alternating, in one process;
 * wall time of each call on the pool's threads, medians; and the largest difference of their outputs.
 *
 *   git show fb91f24:native/f32-sdpa-sinks-swa.c > /tmp/old-sdpa.c     # the kernel to compare with
 *   gcc -O3 -std=gnu11 -fno-math-errno -Inative -c /tmp/old-sdpa.c -o /tmp/old-sdpa.o \
 *       -Dkv_cache_create=old_kv_cache_create -Dkv_cache_destroy=old_kv_cache_destroy \
 *       -Dkv_cache_fill=old_kv_cache_fill -Df32_sdpa_sinks_swa=old_f32_sdpa_sinks_swa \
 *       -Dgo_f16_to_f32_row_avx2=old_go_f16_to_f32_row_avx2
 *   gcc -O3 -std=gnu11 -fno-math-errno -pthread -Inative -o /tmp/attn-decode bench/attn-decode.c \
 *       /tmp/old-sdpa.o native/f32-sdpa-sinks-swa.c native/pool.c native/dispatch.c native/tables.c -lm
 *   /tmp/attn-decode [positions=32768] [threads=2] [trials=9]
 * GPT_OSS_SIMD as for the addon. The K/V bytes a call reads: positions x 8 x 64 x 2 x 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels.h"

kv_cache *old_kv_cache_create(int layers, int kv_heads, int head_dim, const int *windows, int slots, int capacity,
                              int sliding_capacity, int f16);
void old_kv_cache_fill(kv_cache *c, uint32_t seed);
void old_f32_sdpa_sinks_swa(pool_t *p, float *out, const float *q, const float *k, const float *v, int n,
                            const float *sinks, kv_cache *c, const int *slots, const int *positions, int layer,
                            int heads, int kv_heads, int head_dim, int window, float sm_scale);

/* CPUTIME=1: process CPU time (all threads) instead of wall time, on a machine shared with others */
static double now(void) {
  static int cpu = -1;
  if (cpu < 0) cpu = getenv("CPUTIME") && atoi(getenv("CPUTIME")) == 1;
  struct timespec t;
  clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int N = argc > 1 ? atoi(argv[1]) : 32768, threads = argc > 2 ? atoi(argv[2]) : 2, trials = argc > 3 ? atoi(argv[3]) : 9;
  enum { H = 64, KVH = 8, HD = 64 };
  go_dispatch_init(getenv("GPT_OSS_SIMD"));
  go_tables_init();
  pool_t *p = pool_create(threads);
  int windows[1] = {0};
  kv_cache *cn = kv_cache_create(1, KVH, HD, windows, 1, N, N, 1), *co = old_kv_cache_create(1, KVH, HD, windows, 1, N, N, 1);
  kv_cache_fill(cn, 7);
  old_kv_cache_fill(co, 7);
  float q[H * HD], k[KVH * HD], v[KVH * HD], sinks[H], on[H * HD], oo[H * HD];
  uint32_t s = 12345;
  for (int i = 0; i < H * HD; i++) s = s * 1664525u + 1013904223u, q[i] = ((s >> 8) * (1.0f / 16777216.0f) - 0.5f) * 4;
  for (int i = 0; i < KVH * HD; i++) s = s * 1664525u + 1013904223u, k[i] = v[i] = (s >> 8) * (2.0f / 16777216.0f) - 1;
  for (int i = 0; i < H; i++) sinks[i] = (float)(i % 5) - 2;
  int slot = 0, pos = N - 1;
  double tn[64], to[64];
  if (trials > 64) trials = 64;
  for (int t = -1; t < trials; t++) { /* trial -1 warms up */
    double t0 = now();
    f32_sdpa_sinks_swa(p, on, q, k, v, 1, sinks, cn, &slot, &pos, 0, H, KVH, HD, 0, 0.125f);
    double t1 = now();
    old_f32_sdpa_sinks_swa(p, oo, q, k, v, 1, sinks, co, &slot, &pos, 0, H, KVH, HD, 0, 0.125f);
    double t2 = now();
    if (t >= 0) tn[t] = t1 - t0, to[t] = t2 - t1;
  }
  double maxd = 0, maxv = 0;
  for (int i = 0; i < H * HD; i++) {
    double d = fabs((double)on[i] - oo[i]);
    if (d > maxd || d != d) maxd = d;
    if (fabs(oo[i]) > maxv) maxv = fabs(oo[i]);
  }
  qsort(tn, trials, sizeof(double), cmp);
  qsort(to, trials, sizeof(double), cmp);
  double bytes = (double)N * KVH * HD * 2 * 2, mn = tn[trials / 2], mo = to[trials / 2];
  printf("N=%d threads=%d attention=%s: new %.2f ms (%.1f GB/s of K/V), old %.2f ms (%.1f GB/s), %.1fx; max |new-old| %.2e (max |old| %.2f)\n",
         N, threads, go_level_name(go_kernels.attention), mn * 1e3, bytes / mn / 1e9, mo * 1e3, bytes / mo / 1e9, mo / mn, maxd, maxv);
  kv_cache_destroy(cn);
  pool_destroy(p);
  return 0;
}

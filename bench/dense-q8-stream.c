/*
 * One decode step's 8-bit dense matmuls at gpt-oss-20b shapes (24 layers of q [4096, 2880], k and v
 * [512, 2880], out [2880, 4096], then the [201088, 2880] unembedding: 1.29 GB) through
 * f32_densew_matmul on a pool of `threads`, beside a plain vector read of the same bytes by the same
 * pool, alternated; the weights in huge-page-advised anonymous memory as the backend keeps them.
 * Also the cost of a pool_run that does nothing, after a pause of `gap` microseconds on the caller (the
 * JavaScript between two ops): what each of a step's ~300 ops pays to start and join.
 *
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/dq8 bench/dense-q8-stream.c native/q8-dense.c \
 *       native/f32-densew-matmul.c native/pool.c native/tables.c native/dispatch.c native/prefetch-tuner.c -lm
 *   /tmp/dq8 [threads=1] [steps=7] [gap_us=20]
 * Prints medians over the steps: ms per step and GB/s for each matrix shape, the whole, and the read.
 * HOT=1: all 24 layers read the same matrices (the layer matmuls' compute bound, from the cache).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../native/kernels.h"
#include "bench-alloc.h"

typedef struct {
  const uint8_t *p;
  size_t bytes;
  int tasks;
  uint64_t sums[64];
} read_ctx;

__attribute__((target("avx512f"))) static void read_task(void *vctx, int t, int thread) {
  (void)thread;
  read_ctx *c = vctx;
  size_t chunk = ((c->bytes + c->tasks - 1) / c->tasks + 255) & ~(size_t)255;
  size_t lo = chunk * t > c->bytes ? c->bytes : chunk * t, hi = lo + chunk > c->bytes ? c->bytes : lo + chunk;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t o = lo; o + 256 <= hi; o += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512((const void *)(c->p + o)));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512((const void *)(c->p + o + 64)));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512((const void *)(c->p + o + 128)));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512((const void *)(c->p + o + 192)));
  }
  c->sums[t] = _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}

static void nop_task(void *ctx, int t, int thread) { (void)ctx, (void)t, (void)thread; }

#define SHAPES 5
int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1, steps = argc > 2 ? atoi(argv[2]) : 7;
  double gap_us = argc > 3 ? atof(argv[3]) : 20;
  go_tables_init();
  go_dispatch_init(getenv("GPT_OSS_SIMD"));
  pool_t *p = pool_create(threads);
  const int H = 2880, LAYERS = 24;
  const int Ns[SHAPES] = {4096, 512, 512, 2880, 201088}, Ks[SHAPES] = {H, H, H, 4096, H};
  const char *names[SHAPES] = {"q 4096x2880", "k 512x2880", "v 512x2880", "out 2880x4096", "unembedding"};
  size_t off[LAYERS * 4 + 1], total = 0;
  /* HOT=1: every layer reads layer 0's matrices (28 MB, last-level-cache sized): the compute side */
  int hot = getenv("HOT") && atoi(getenv("HOT"));
  for (int l = 0; l < LAYERS; l++)
    for (int s = 0; s < 4; s++) {
      off[l * 4 + s] = hot && l > 0 ? off[s] : total;
      if (!hot || l == 0) total += (go_q8_bytes(Ns[s], Ks[s]) + 4095) & ~(size_t)4095;
    }
  off[LAYERS * 4] = total;
  size_t step_bytes = go_q8_bytes(Ns[4], Ks[4]);
  for (int s = 0; s < 4; s++) step_bytes += go_q8_bytes(Ns[s], Ks[s]) * LAYERS;
  total += go_q8_bytes(Ns[4], Ks[4]);
  uint8_t *W = huge_alloc(total);
  if (!W) return 1;
  /* random quants; f16 scales ~0.001 */
  for (size_t i = 0; i + 4 <= total; i += 4) {
    unsigned v = rnd() * 2654435761u;
    memcpy(W + i, &v, 4);
  }
  for (int m = 0; m <= LAYERS * 4; m++) {
    int s = m == LAYERS * 4 ? 4 : m % 4;
    size_t nb = (size_t)(Ks[s] + 31) / 32;
    uint16_t *sc = (uint16_t *)(W + off[m] + (size_t)Ns[s] * nb * 32);
    for (size_t i = 0; i < (size_t)Ns[s] * nb; i++) sc[i] = go_f32_to_f16(0.001f * (1 + rnd() % 7));
  }
  float *x = malloc(4096 * 4), *out = malloc((size_t)Ns[4] * 4);
  for (int i = 0; i < 4096; i++) x[i] = (float)((int)(rnd() % 2001) - 1000) * 0.001f;
  double *t_shape[SHAPES], *t_all = calloc(steps, 8), *t_read = calloc(steps, 8);
  for (int s = 0; s < SHAPES; s++) t_shape[s] = calloc(steps, 8);
  read_ctx rc = {W, total, threads, {0}};
  printf("threads %d, %.2f GB of 8-bit weights a step, %.2f GB distinct (dense-q8 level %s)\n", threads, step_bytes / 1e9, total / 1e9, go_level_name(go_kernels.dense_q8));
  for (int st = -1; st < steps; st++) {
    double shape_t[SHAPES] = {0};
    double t0 = wall_seconds();
    for (int l = 0; l < LAYERS; l++)
      for (int s = 0; s < 4; s++) {
        double a = wall_seconds();
        f32_densew_matmul(p, out, x, 1, Ks[s], W + off[l * 4 + s], GO_DT_Q8, Ns[s], NULL);
        shape_t[s] += wall_seconds() - a;
      }
    double a = wall_seconds();
    f32_densew_matmul(p, out, x, 1, H, W + off[LAYERS * 4], GO_DT_Q8, Ns[4], NULL);
    shape_t[4] = wall_seconds() - a;
    double all = wall_seconds() - t0;
    a = wall_seconds();
    pool_run(p, read_task, &rc, threads);
    double rd = wall_seconds() - a;
    if (st < 0) continue;
    for (int s = 0; s < SHAPES; s++) t_shape[s][st] = shape_t[s];
    t_all[st] = all;
    t_read[st] = rd;
  }
  for (int s = 0; s < SHAPES; s++) {
    qsort(t_shape[s], steps, 8, cmpd);
    double ms = t_shape[s][steps / 2] * 1e3;
    size_t bytes = go_q8_bytes(Ns[s], Ks[s]) * (s == 4 ? 1 : LAYERS);
    printf("  %-14s %7.2f ms/step %7.1f MB %6.1f GB/s\n", names[s], ms, bytes / 1e6, bytes / 1e6 / ms);
  }
  qsort(t_all, steps, 8, cmpd);
  qsort(t_read, steps, 8, cmpd);
  printf("  %-14s %7.2f ms/step %7.1f MB %6.1f GB/s\n", "all", t_all[steps / 2] * 1e3, step_bytes / 1e6, step_bytes / 1e6 / (t_all[steps / 2] * 1e3));
  printf("  %-14s %7.2f ms/step %7.1f MB %6.1f GB/s   matmuls / read %.2f\n", "plain read", t_read[steps / 2] * 1e3, total / 1e6,
         total / 1e6 / (t_read[steps / 2] * 1e3), (step_bytes / t_all[steps / 2]) / (total / t_read[steps / 2]));
  /* an empty op after gap_us of caller work */
  int reps = 2000;
  double *lat = calloc(reps, 8);
  for (int r = 0; r < reps; r++) {
    double g0 = wall_seconds();
    while ((wall_seconds() - g0) * 1e6 < gap_us) {
    }
    double a0 = wall_seconds();
    pool_run(p, nop_task, NULL, threads * 2);
    lat[r] = wall_seconds() - a0;
  }
  qsort(lat, reps, 8, cmpd);
  printf("empty pool_run after %.0f us: median %.2f us, p90 %.2f us, max %.1f us\n", gap_us, lat[reps / 2] * 1e6, lat[reps * 9 / 10] * 1e6,
         lat[reps - 1] * 1e6);
  pool_destroy(p);
  return (int)(rc.sums[0] & 0);
}

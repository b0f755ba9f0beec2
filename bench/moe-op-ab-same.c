/*
 * The MoE op of an older commit against this tree's, in one process, on synthetic 20b-shaped experts
 * (H = I = 2880) far beyond the last-level cache, where both commits declare moe_args alike (for older
 * ones, before `tiled`, see moe-op-ab.c): every layer runs both ops on the same input, in an order that
 * alternates by layer and step, so both see the same memory bandwidth on a host whose bandwidth drifts.
 * Prints the medians of ms per layer, their ratio, and how many outputs differ in any bit.
 *
 *   git show 57f3eed~2:native/f32-mxfp4w-moe.c > /tmp/old-moe.c     # the op to compare with
 *   gcc -O3 -std=gnu11 -pthread -Inative -Df32_mxfp4w_moe=old_moe -Dgo_moe_counts=old_counts \
 *       -Dgo_moe_pf_tuner=old_tuner -c /tmp/old-moe.c -o /tmp/old-moe.o
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moe-same bench/moe-op-ab-same.c /tmp/old-moe.o \
 *       native/f32-mxfp4w-moe*.c native/pool.c native/tables.c native/dispatch.c \
 *       native/f32-densew-matmul.c native/q8-dense.c native/prefetch-tuner.c -lm
 *   TILED=1 /tmp/moe-same [n=1] [threads=2] [steps=15] [E=32] [layers=6]
 * E = 32 routes n tokens at random as the model does; TILED=1 lays the experts out as `--experts copy`
 * does. Wall time with 2 or more threads, the thread's CPU time with one.
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

int old_moe(pool_t *p, const moe_args *a);

/* One thread: the thread's CPU time, so that time spent descheduled on a shared machine is not counted
   (the caller's thread runs every task of a 1-thread pool). More threads: wall time. */
static clockid_t clock_id = CLOCK_MONOTONIC;
static double now(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1, threads = argc > 2 ? atoi(argv[2]) : 1, steps = argc > 3 ? atoi(argv[3]) : 7;
  int E = argc > 4 ? atoi(argv[4]) : 32, layers = argc > 5 ? atoi(argv[5]) : 6;
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
  double *tn = calloc(steps, sizeof *tn), *to = calloc(steps, sizeof *to);
  float *out2 = malloc((size_t)n * H * 4);
  long differ = 0;
  for (int s = 0; s < steps + 1; s++) {
    double t_new = 0, t_old = 0;
    for (int l = 0; l < layers; l++) {
      for (size_t i = 0; i < (size_t)n * H; i++) x[i] = (float)rnd() / (1 << 24) * 2 - 1;
      a[l].x = x;
      for (int v = 0; v < 2; v++) {
        int first_new = (s + l) % 2 == 0, is_new = v == 0 ? first_new : !first_new;
        a[l].out = is_new ? out : out2;
        double t0 = now();
        if (is_new) f32_mxfp4w_moe(p, &a[l]);
        else old_moe(p, &a[l]);
        (is_new ? &t_new : &t_old)[0] += now() - t0;
      }
      differ += memcmp(out, out2, (size_t)n * H * 4) != 0;
    }
    if (s > 0) tn[s - 1] = t_new / layers * 1e3, to[s - 1] = t_old / layers * 1e3; /* the first step warms up */
  }
  qsort(tn, steps, sizeof *tn, cmpd);
  qsort(to, steps, sizeof *to, cmpd);
  printf("n=%d E=%d threads=%d %s: this tree %.3f ms/layer, older %.3f ms/layer, time ratio %.3f; calls whose outputs differ: %ld\n", n, E,
         threads, clock_id == CLOCK_MONOTONIC ? "wall" : "cpu-time", tn[steps / 2], to[steps / 2], tn[steps / 2] / to[steps / 2], differ);
  pool_destroy(p);
  return 0;
}

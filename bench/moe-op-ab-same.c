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
  int H = 2880, I = 2880, k = getenv("TOPK") ? atoi(getenv("TOPK")) : 4;
  go_tables_init();
  if (go_dispatch_init(getenv("GPT_OSS_SIMD")) < 0) return fprintf(stderr, "bad GPT_OSS_SIMD\n"), 2;
  size_t nb1 = (size_t)E * 2 * I * H / 2, ns1 = nb1 / 16, nb2 = (size_t)E * H * I / 2, ns2 = nb2 / 16;
  size_t tot = nb1 + ns1 + nb2 + ns2;
  moe_args *a = calloc(layers, sizeof *a);
  uint8_t **mem = calloc(layers, sizeof *mem);
  for (int l = 0; l < layers; l++) {
    uint8_t *c = mem[l] = huge_alloc(tot);
    if (!c) return fprintf(stderr, "out of memory\n"), 1;
    for (size_t i = 0; i < nb1 + ns1 + nb2 + ns2; i += 4) {
      unsigned r = rnd();
      memcpy(c + i, &r, 4);
    }
    /* scales 2^-9 .. 2^-2 as in trained experts */
    for (size_t i = 0; i < ns1; i++) c[nb1 + i] = (uint8_t)(118 + rnd() % 8);
    for (size_t i = 0; i < ns2; i++) c[nb1 + ns1 + nb2 + i] = (uint8_t)(118 + rnd() % 8);
    moe_args *q = &a[l];
    q->n = n, q->H = H, q->I = I, q->E = E, q->k = k, q->limit = 7, q->alpha = 1.702f, q->fast = 1;
    float *gate = malloc((size_t)E * H * 4), *gb = calloc(E, 4), *b1 = malloc((size_t)E * 2 * I * 4), *b2 = malloc((size_t)E * H * 4);
    for (size_t i = 0; i < (size_t)E * H; i++) gate[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * 2 * I; i++) b1[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * H; i++) b2[i] = (float)rnd() / (1 << 24) - 0.5f;
    q->gate = gate, q->gate_dtype = GO_DT_F32, q->gate_bias = gb, q->bias1 = b1, q->bias2 = b2;
    q->b1 = c, q->s1 = c + nb1, q->b2 = c + nb1 + ns1, q->s2 = c + nb1 + ns1 + nb2;
    if (getenv("TILED")) { /* the layout `--experts copy` gives the fast AVX-512 path */
      moe_tile16(c, (size_t)E * 2 * I, H);
      moe_tile16(c + nb1 + ns1, (size_t)E * H, I);
      q->tiled = 3;
    }
  }
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

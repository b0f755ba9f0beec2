/*
 * The MoE op of an older commit against this one, in one process, on synthetic 20b-shaped experts
 * (H = I = 2880) far beyond the last-level cache: steps alternate which goes first, so both see the same
 * memory bandwidth on a host whose bandwidth drifts from minute to minute. The older op reads the experts
 * as the file lays them out; this one reads them as `--experts copy` leaves them (TILED=0: as the file
 * does, i.e. `--experts map`). Prints medians of ms per layer and of the per-step ratio.
 *
 *   git archive 2f101d6 native | tar -x -C /tmp/old      # the op to compare with (before tiled16)
 *   R="-Df32_mxfp4w_moe=old_moe -Dgo_moe_counts=old_counts -Dmoe_rows4_q8_avx512=old_r4 \
 *      -Dmoe_rowsmt_q8_avx512=old_rmt -Dmoe_prep_derived=old_pd -Dmoe_split4=old_s4 \
 *      -Dmoe_expand_bytes=old_eb -Dmoe_expand_avx512=old_ex -Dmoe_tile_q8_avx512=old_tl \
 *      -Dmoe_transpose16=old_t16"
 *   for f in f32-mxfp4w-moe f32-mxfp4w-moe-q8; do
 *     gcc -O3 -std=gnu11 -I/tmp/old/native $R -c /tmp/old/native/$f.c -o /tmp/old-$f.o; done
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moe-ab bench/moe-op-ab.c /tmp/old-*.o native/f32-mxfp4w-moe*.c \
 *       native/pool.c native/tables.c native/dispatch.c native/f32-densew-matmul.c native/q8-dense.c \
 *       native/prefetch-tuner.c -lm
 *   /tmp/moe-ab [n=1] [threads=2] [steps=15] [E=4] [layers=24]
 * E = 4 with top-4: every token reads every expert; E = 32 routes at random as the model does (use
 * fewer layers). TOPK=1 with E=1, layers=1 keeps the one expert (12.4 MB) in the last-level cache: the
 * kernels' compute bound. Wall time with 2 or more threads, the thread's CPU time with one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../native/f32-mxfp4w-moe-q8.h"
#include "../native/kernels.h"
#include "bench-alloc.h"

/* moe_args as 2f101d6 declared it (no `tiled`) */
typedef struct {
  int n, H, I, E, k;
  float limit, alpha;
  int fast;
  const float *x;
  const void *gate;
  int gate_dtype;
  const float *gate_bias;
  const uint8_t *b1, *s1;
  const float *bias1;
  const uint8_t *b2, *s2;
  const float *bias2;
  float *out;
} old_args;
int old_moe(pool_t *p, const old_args *a);

static clockid_t clock_id = CLOCK_MONOTONIC;
static double now(void) {
  struct timespec t;
  clock_gettime(clock_id, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmpd);
  return v[n / 2];
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1, threads = argc > 2 ? atoi(argv[2]) : 2, steps = argc > 3 ? atoi(argv[3]) : 15;
  int E = argc > 4 ? atoi(argv[4]) : 4, layers = argc > 5 ? atoi(argv[5]) : 24, H = 2880, I = 2880;
  int k = getenv("TOPK") ? atoi(getenv("TOPK")) : 4;
  if (k < 1 || k > E) return fprintf(stderr, "TOPK must be in [1, E]\n"), 2;
  int tiled = !getenv("TILED") || atoi(getenv("TILED")) != 0;
  go_tables_init();
  if (go_dispatch_init(getenv("GPT_OSS_SIMD")) < 0) return fprintf(stderr, "bad GPT_OSS_SIMD\n"), 2;
  size_t nb1 = (size_t)E * 2 * I * H / 2, ns1 = nb1 / 16, nb2 = (size_t)E * H * I / 2, ns2 = nb2 / 16;
  size_t tot = nb1 + ns1 + nb2 + ns2;
  moe_args *a = calloc(layers, sizeof *a);
  old_args *o = calloc(layers, sizeof *o);
  for (int l = 0; l < layers; l++) {
    uint8_t *c = huge_alloc(tot), *d = huge_alloc(tot);
    if (!c || !d) return fprintf(stderr, "out of memory\n"), 1;
    for (size_t i = 0; i < tot; i += 4) {
      unsigned r = rnd();
      memcpy(c + i, &r, 4);
    }
    for (size_t i = 0; i < ns1; i++) c[nb1 + i] = (uint8_t)(118 + rnd() % 8); /* scales 2^-9 .. 2^-2 */
    for (size_t i = 0; i < ns2; i++) c[nb1 + ns1 + nb2 + i] = (uint8_t)(118 + rnd() % 8);
    memcpy(d, c, tot);
    if (tiled) {
      moe_tile16(d, (size_t)E * 2 * I, H);
      moe_tile16(d + nb1 + ns1, (size_t)E * H, I);
    }
    float *gate = malloc((size_t)E * H * 4), *gb = calloc(E, 4), *b1 = malloc((size_t)E * 2 * I * 4), *b2 = malloc((size_t)E * H * 4);
    for (size_t i = 0; i < (size_t)E * H; i++) gate[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * 2 * I; i++) b1[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * H; i++) b2[i] = (float)rnd() / (1 << 24) - 0.5f;
    old_args *p = &o[l];
    p->n = n, p->H = H, p->I = I, p->E = E, p->k = k, p->limit = 7, p->alpha = 1.702f, p->fast = 1;
    p->gate = gate, p->gate_dtype = GO_DT_F32, p->gate_bias = gb, p->bias1 = b1, p->bias2 = b2;
    p->b1 = c, p->s1 = c + nb1, p->b2 = c + nb1 + ns1, p->s2 = c + nb1 + ns1 + nb2;
    moe_args *q = &a[l];
    q->n = n, q->H = H, q->I = I, q->E = E, q->k = k, q->limit = 7, q->alpha = 1.702f, q->fast = 1, q->tiled = tiled ? 3 : 0;
    q->gate = gate, q->gate_dtype = GO_DT_F32, q->gate_bias = gb, q->bias1 = b1, q->bias2 = b2;
    q->b1 = d, q->s1 = d + nb1, q->b2 = d + nb1 + ns1, q->s2 = d + nb1 + ns1 + nb2;
  }
  float *x = malloc((size_t)n * H * 4), *out = malloc((size_t)n * H * 4), *out2 = malloc((size_t)n * H * 4);
  pool_t *p = pool_create(threads);
  if (threads == 1) clock_id = CLOCK_THREAD_CPUTIME_ID;
  double *to = calloc(steps, sizeof *to), *tn = calloc(steps, sizeof *tn), *ratio = calloc(steps, sizeof *ratio);
  double maxdiff = 0;
  for (int s = 0; s < steps + 1; s++) {
    double t[2] = {0, 0};
    for (int l = 0; l < layers; l++) {
      for (size_t i = 0; i < (size_t)n * H; i++) x[i] = (float)rnd() / (1 << 24) * 2 - 1;
      for (int j = 0; j < 2; j++) {
        int which = (s + j) % 2; /* 0: old, 1: new; the first alternates from step to step */
        double t0 = now();
        if (which == 0) {
          o[l].x = x, o[l].out = out;
          old_moe(p, &o[l]);
        } else {
          a[l].x = x, a[l].out = out2;
          f32_mxfp4w_moe(p, &a[l]);
        }
        t[which] += now() - t0;
      }
      double dmax = 0, omax = 0;
      for (size_t i = 0; i < (size_t)n * H; i++) {
        double dd = out[i] - out2[i], m = out[i] < 0 ? -out[i] : out[i];
        dd = dd < 0 ? -dd : dd;
        dmax = dd > dmax ? dd : dmax, omax = m > omax ? m : omax;
      }
      if (omax > 0 && dmax / omax > maxdiff) maxdiff = dmax / omax;
    }
    if (s > 0) to[s - 1] = t[0] / layers * 1e3, tn[s - 1] = t[1] / layers * 1e3, ratio[s - 1] = t[0] / t[1];
  }
  double bytes = (double)(tot / E) * (n * k < E ? n * k : E);
  double mo = median(to, steps), mn = median(tn, steps), mr = median(ratio, steps);
  printf("n=%d E=%d threads=%d simd=%s %s, new op on %s experts: old %.3f ms/layer (%.1f GB/s), new %.3f ms/layer (%.1f GB/s), "
         "old/new %.3f (median of per-step ratios; largest |difference| / largest |output| %.2g)\n",
         n, E, threads, go_level_name(go_kernels.moe_q8), clock_id == CLOCK_MONOTONIC ? "wall" : "cpu-time",
         tiled ? "tiled16" : "packed", mo, bytes / mo / 1e6, mn, bytes / mn / 1e6, mr, maxdiff);
  pool_destroy(p);
  return 0;
}

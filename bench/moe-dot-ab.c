/*
 * Two builds of the MoE decode kernel (moe_dot16_q8_avx512) in one process, timed alternately on the same
 * rows and prepared tokens (tiled16 rows, as `--experts copy` lays them), after checking that both give
 * the same bits. A is the working tree's native/f32-mxfp4w-moe-q8.c; B another build of it, e.g. a
 * revision's (both files, since the kernel's body is in the header):
 *
 *   mkdir -p /tmp/moe-b && for f in f32-mxfp4w-moe-q8.c f32-mxfp4w-moe-q8-dot16.h; do \
 *       git show REV:native/$f > /tmp/moe-b/$f; done
 *   gcc -O3 -std=gnu11 -pthread -I/tmp/moe-b -Inative -Dmoe_dot16_q8_avx512=vb_dot16 -c -o /tmp/moe-b.o \
 *       /tmp/moe-b/f32-mxfp4w-moe-q8.c
 *   objcopy --keep-global-symbol=vb_dot16 /tmp/moe-b.o /tmp/moe-b2.o
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moeab bench/moe-dot-ab.c /tmp/moe-b2.o native/f32-mxfp4w-moe-q8.c \
 *       native/pool.c native/tables.c native/dispatch.c native/prefetch-tuner.c -lm
 *   /tmp/moeab ROWS TOKENS REPS THREADS [TRIALS=15] [ROWS_PER_TASK=1024]
 *     ROWS of K = 2880 (16: L1, 600: L2, 400000: 576 MB from DRAM), TOKENS 1-4, THREADS a pool splitting
 *     the rows in runs of ROWS_PER_TASK (as the MoE's work items). GPT_OSS_PREFETCH=l2|l1|none: the mode.
 * Prints GB/s of weights, best and median of the trials, for A and B, and B's median time over A's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "../native/common.h"
#include "../native/f32-mxfp4w-moe-q8.h"
#include "synthetic-rows.h"
#include "../native/pool.h"

typedef void (*dot_fn)(const uint8_t *, const uint8_t *, int, int, int, int, int, const int8_t *const *, const float *const *,
                       const float *const *, float *const *);
void vb_dot16(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, int tiled, int pf, const int8_t *const *xt,
              const float *const *hx, const float *const *cx, float *const *outs);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  dot_fn f;
  const uint8_t *B, *S;
  int rows, K, nt, per, pf;
  int8_t **xt;
  float **hx, **cx, **outs;
} ctx_t;

static void task(void *v, int i, int thread) {
  (void)thread;
  ctx_t *c = v;
  int nb = moe_nb(c->K), r0 = i * c->per, r1 = r0 + c->per < c->rows ? r0 + c->per : c->rows;
  if (r0 >= r1) return;
  float *o[4];
  for (int t = 0; t < 4; t++) o[t] = c->outs[t] + r0;
  c->f(c->B + (size_t)r0 * nb * 16, c->S + (size_t)r0 * nb, r1 - r0, c->K, c->nt, 1, c->pf, (const int8_t *const *)c->xt,
       (const float *const *)c->hx, (const float *const *)c->cx, o);
}

int main(int argc, char **argv) {
  if (argc < 5) return fprintf(stderr, "usage: moeab ROWS TOKENS REPS THREADS [TRIALS] [ROWS_PER_TASK]\n"), 2;
  int rows = atoi(argv[1]), nt = atoi(argv[2]), reps = atoi(argv[3]), P = atoi(argv[4]);
  int trials = argc > 5 ? atoi(argv[5]) : 15, per = argc > 6 ? atoi(argv[6]) : 1024, K = 2880;
  if (rows < 1 || nt < 1 || nt > 4 || reps < 1 || P < 1 || trials < 1 || trials > 64 || per < 1) return fprintf(stderr, "moeab: bad arguments\n"), 2;
  go_dispatch_init(NULL);
  if (go_kernels.moe_q8 < GO_L_AVX512) return fprintf(stderr, "moeab: this CPU has no AVX-512 MoE kernel\n"), 1;
  int pf = go_cpu.prefetch == GO_PF_AUTO ? GO_PF_L2 : go_cpu.prefetch;
  pool_t *p = pool_create(P);
  int nb = moe_nb(K);
  size_t bytes = (size_t)rows * nb * 16;
  uint8_t *B, *S;
  if (synthetic_rows(rows, K, &B, &S) != 0) return perror("moeab: alloc"), 1;
  int8_t *xt[4];
  float *hx[4], *cx[4], *outs[4], *outs2[4];
  for (int t = 0; t < 4; t++) {
    xt[t] = aligned_alloc(64, 2 * (size_t)moe_xt_stride(K));
    hx[t] = aligned_alloc(64, (size_t)moe_nbp(K) * 4 + 64);
    cx[t] = aligned_alloc(64, (size_t)moe_nbp(K) * 4 + 64);
    outs[t] = aligned_alloc(64, (size_t)rows * 4 + 64);
    outs2[t] = aligned_alloc(64, (size_t)rows * 4 + 64);
    for (int i = 0; i < 2 * moe_xt_stride(K); i++) xt[t][i] = (int8_t)((i * 7 + t) % 127 - 63);
    for (int i = 0; i < moe_nbp(K); i++) hx[t][i] = 0.01f * (i % 5 + 1), cx[t][i] = 0.1f * (i % 3);
  }
  ctx_t ca = {moe_dot16_q8_avx512, B, S, rows, K, nt, per, pf, xt, hx, cx, outs}, cb = ca;
  cb.f = vb_dot16;
  cb.outs = outs2;
  int ntask = (rows + per - 1) / per;
  pool_run(p, task, &ca, ntask);
  pool_run(p, task, &cb, ntask);
  for (int t = 0; t < nt; t++)
    for (int r = 0; r < rows; r++)
      if (outs[t][r] != outs2[t][r]) return printf("the builds differ at token %d, row %d: %.9g against %.9g\n", t, r, outs[t][r], outs2[t][r]), 1;
  double ta[64], tb[64];
  for (int tr = 0; tr < trials; tr++) {
    double t0 = now();
    for (int r = 0; r < reps; r++) pool_run(p, task, &ca, ntask);
    ta[tr] = (now() - t0) / reps;
    t0 = now();
    for (int r = 0; r < reps; r++) pool_run(p, task, &cb, ntask);
    tb[tr] = (now() - t0) / reps;
  }
  qsort(ta, trials, sizeof(double), cmp);
  qsort(tb, trials, sizeof(double), cmp);
  printf("%d rows, %d token(s), %d thread(s), GB/s of weights: A best %.1f median %.1f | B best %.1f median %.1f | B/A time %.3f\n", rows, nt,
         P, bytes / ta[0] / 1e9, bytes / ta[trials / 2] / 1e9, bytes / tb[0] / 1e9, bytes / tb[trials / 2] / 1e9, tb[trials / 2] / ta[trials / 2]);
  return 0;
}

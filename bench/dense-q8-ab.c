/*
 * Two builds of the 8-bit dense kernel (go_q8_rows_dot) in one process, timed alternately on the same rows
 * and activations: the host's bandwidth and clock drift from one second to the next, so only an A/B taken
 * in the same moments shows a change of a few percent. First checks that both give the same bits.
 * A is the working tree's native/q8-dense.c; B any other build of it, e.g. a revision's:
 *
 *   git show REV:native/q8-dense.c > /tmp/q8-b.c      (or the working tree's with -D flags)
 *   gcc -O3 -std=gnu11 -pthread -Inative -Dgo_q8_rows_dot=vb_rows_dot -c -o /tmp/q8-b.o /tmp/q8-b.c
 *   objcopy --keep-global-symbol=vb_rows_dot /tmp/q8-b.o /tmp/q8-b2.o
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/dq8ab bench/dense-q8-ab.c /tmp/q8-b2.o native/q8-dense.c \
 *       native/f32-densew-matmul.c native/pool.c native/tables.c native/dispatch.c native/prefetch-tuner.c -lm
 *   /tmp/dq8ab ROWS REPS TOKENS THREADS [TRIALS=15] [PF_A=l2] [PF_B=l2]
 *     ROWS of K = 2880 (8: L1, 256: L2, 4096: L3, 65536: 200 MB from DRAM, 2 MiB pages), TOKENS 1-4,
 *     THREADS a pool splitting the rows 4 runs per thread (as f32_densew_matmul), PF_A / PF_B the prefetch
 *     mode each build runs (l2, l1, none: what the tuner picks from; one build twice compares two modes).
 * Prints GB/s of weights, best and median of the trials, for A and B, and B's median time over A's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../native/kernels.h"
#include "bench-alloc.h"

typedef void (*dot_fn)(const uint8_t *, int, int, int, int, const int8_t *, const float *, const float *, int, float *, size_t, int);
void vb_rows_dot(const uint8_t *wq, int N, int K, int r0, int r1, const int8_t *xq, const float *xd, const float *xc, int n,
                 float *out, size_t ostride, int pf);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int mode(const char *s) { return strcmp(s, "l1") == 0 ? GO_PF_L1 : strcmp(s, "none") == 0 ? GO_PF_NONE : GO_PF_L2; }

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  dot_fn f;
  const uint8_t *q;
  int N, K, rpt, T, pf;
  const int8_t *xq;
  const float *xd, *xc;
  float *out;
} ctx_t;

static void task(void *v, int i, int thread) {
  (void)thread;
  ctx_t *c = v;
  int r0 = i * c->rpt, r1 = r0 + c->rpt < c->N ? r0 + c->rpt : c->N;
  if (r0 < r1) c->f(c->q, c->N, c->K, r0, r1, c->xq, c->xd, c->xc, c->T, c->out, c->N, c->pf);
}

int main(int argc, char **argv) {
  if (argc < 5) return fprintf(stderr, "usage: dq8ab ROWS REPS TOKENS THREADS [TRIALS]\n"), 2;
  int N = atoi(argv[1]), K = 2880, reps = atoi(argv[2]), T = atoi(argv[3]), P = atoi(argv[4]);
  int trials = argc > 5 ? atoi(argv[5]) : 15;
  const char *pfa = argc > 6 ? argv[6] : "l2", *pfb = argc > 7 ? argv[7] : "l2";
  if (N < 1 || reps < 1 || T < 1 || T > 4 || P < 1 || trials < 1 || trials > 64) return fprintf(stderr, "dq8ab: bad arguments\n"), 2;
  go_dispatch_init(NULL);
  pool_t *p = pool_create(P);
  float *w = malloc((size_t)N * K * 4), *x = malloc(4 * (size_t)K * 4);
  float *out = malloc(4 * (size_t)N * 4), *out2 = malloc(4 * (size_t)N * 4);
  size_t bytes = go_q8_bytes(N, K);
  uint8_t *q = huge_alloc(bytes);
  if (!w || !x || !out || !out2 || !q) return fprintf(stderr, "out of memory\n"), 1;
  for (size_t i = 0; i < (size_t)N * K; i++) w[i] = (float)(rnd() % 1000) / 1000.0f - 0.5f;
  for (int i = 0; i < 4 * K; i++) x[i] = (float)(rnd() % 997) / 997.0f - 0.5f;
  go_q8_quantize(p, q, w, GO_DT_F32, N, K, 0);
  free(w);
  int nbk = go_q8_act_blocks(K);
  size_t qs = go_q8_act_stride(K);
  int8_t *xq = aligned_alloc(64, 4 * qs);
  float *xd = aligned_alloc(64, 4 * (size_t)nbk * 4), *xc = aligned_alloc(64, 4 * (size_t)nbk * 4);
  for (int t = 0; t < 4; t++) go_q8_quantize_act(x + (size_t)t * K, K, xq + t * qs, xd + (size_t)t * nbk, xc + (size_t)t * nbk);
  int tasks = P * 4, rpt = ((N + tasks - 1) / tasks + 3) & ~3;
  if (rpt < 16) rpt = 16;
  ctx_t ca = {go_q8_rows_dot, q, N, K, rpt, T, mode(pfa), xq, xd, xc, out}, cb = ca;
  cb.f = vb_rows_dot;
  cb.pf = mode(pfb);
  cb.out = out2;
  int nt = (N + rpt - 1) / rpt;
  pool_run(p, task, &ca, nt);
  pool_run(p, task, &cb, nt);
  for (size_t i = 0; i < (size_t)T * N; i++)
    if (out[i] != out2[i]) return printf("the builds differ at output %zu: %.9g against %.9g\n", i, out[i], out2[i]), 1;
  double ta[64], tb[64];
  for (int tr = 0; tr < trials; tr++) {
    double t0 = now();
    for (int r = 0; r < reps; r++) pool_run(p, task, &ca, nt);
    ta[tr] = (now() - t0) / reps;
    t0 = now();
    for (int r = 0; r < reps; r++) pool_run(p, task, &cb, nt);
    tb[tr] = (now() - t0) / reps;
  }
  qsort(ta, trials, sizeof(double), cmp);
  qsort(tb, trials, sizeof(double), cmp);
  printf("%d rows, %d token(s), %d thread(s), GB/s of weights: A (%s) best %.1f median %.1f | B (%s) best %.1f median %.1f | B/A time %.3f\n",
         N, T, P, pfa, bytes / ta[0] / 1e9, bytes / ta[trials / 2] / 1e9, pfb, bytes / tb[0] / 1e9, bytes / tb[trials / 2] / 1e9,
         tb[trials / 2] / ta[trials / 2]);
  return 0;
}

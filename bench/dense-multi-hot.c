/*
 * The 8-bit dense matmul (f32_densew_matmul on GO_DT_Q8) with 1 to 4 tokens against the same rows, on one
 * thread: N rows of K = 2880 (N = 256: 0.75 MB, from L2; N = 65536: 200 MB, from DRAM), best of 5 trials
 * of `reps` calls each. Prints the time per call and the cycles per 64 bytes of weights at 3.66 GHz (the
 * Zen 4 host's clock; a ratio between rows of one run does not depend on it). The call's fixed cost (the
 * activations' quantization, about 2 us a token) weighs on N = 256 only.
 *
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/dmh bench/dense-multi-hot.c native/q8-dense.c \
 *       native/f32-densew-matmul.c native/pool.c native/tables.c native/dispatch.c native/prefetch-tuner.c -lm
 *   /tmp/dmh [N=256] [reps=2000]; HUGE=1: the rows on 2 MiB pages (bench-alloc.h) instead of malloc's
 * -DQ8_PF_MULTI=1024 builds the multi-token path with the one-token prefetch distance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../native/kernels.h"
#include "bench-alloc.h"

int main(int argc, char **argv) {
  int N = argc > 1 ? atoi(argv[1]) : 256, K = 2880, reps = argc > 2 ? atoi(argv[2]) : 2000;
  int huge = getenv("HUGE") && atoi(getenv("HUGE"));
  go_dispatch_init(NULL);
  pool_t *p = pool_create(1);
  float *w = malloc((size_t)N * K * sizeof(float));
  float *x = malloc((size_t)4 * K * sizeof(float)), *out = malloc((size_t)4 * N * sizeof(float));
  size_t bytes = go_q8_bytes(N, K);
  uint8_t *q = huge ? huge_alloc(bytes) : aligned_alloc(64, (bytes + 63) & ~(size_t)63);
  if (!w || !x || !out || !q) return fprintf(stderr, "out of memory\n"), 1;
  for (size_t i = 0; i < (size_t)N * K; i++) w[i] = (float)(rnd() % 1000) / 1000.0f - 0.5f;
  for (int i = 0; i < 4 * K; i++) x[i] = (float)(rnd() % 997) / 997.0f - 0.5f;
  go_q8_quantize(p, q, w, GO_DT_F32, N, K, 0);
  free(w);
  for (int n = 1; n <= 4; n++) {
    double best = 1e9;
    for (int trial = 0; trial < 5; trial++) {
      double t = wall_seconds();
      for (int k = 0; k < reps; k++) f32_densew_matmul(p, out, x, n, K, q, GO_DT_Q8, N, NULL);
      double dt = (wall_seconds() - t) / reps;
      if (dt < best) best = dt;
    }
    double cyc = best * 3.66e9 / ((double)bytes / 64);
    printf("%d token%s: %8.1f us a call, %5.2f cycles per 64 B of weights, %5.2f per token\n", n, n > 1 ? "s" : " ",
           best * 1e6, cyc, cyc / n);
  }
  return 0;
}

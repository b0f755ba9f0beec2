/*
 * The MoE decode kernel's row loop alone (moe_dot16_q8_avx512: rows of K MXFP4 blocks against one to four
 * prepared tokens), no routing, SwiGLU or pool: how many cycles it spends per 64 bytes of weights when its
 * rows lie in L1/L2 (few rows, many passes) or come from DRAM (hundreds of MB of rows, 2 MiB pages).
 * Beside bench/read-with-compute.c it separates the kernel's arithmetic from how well it overlaps DRAM.
 *
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moedot bench/moe-dot-rows.c native/f32-mxfp4w-moe-q8.c \
 *       native/dispatch.c native/tables.c -lm
 *   /tmp/moedot [rows=16] [tokens=1] [passes=20000] [GHz=3.6]
 *     16 rows (23 KB): L1; 600 rows (864 KB): L2; 400000 rows 1 2 (576 MB): DRAM.
 * Env: K (default 2880, the 20b's), TILED=0 for the file's packed layout (default 1, the copy's tiled16),
 * GPT_OSS_PREFETCH=l2|l1|none: the kernel's prefetch (default l2; the addon's auto picks one as it runs).
 * One thread, CPU time, best of 7; cycles at the GHz given
 * (measure the clock with a dependent add chain: the VM's /proc/cpuinfo shows the base clock).
 * The check is the sum of the outputs to 17 digits: two builds of the kernel that print the same one
 * almost surely give the same bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "../native/common.h"
#include "../native/f32-mxfp4w-moe-q8.h"
#include "synthetic-rows.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int rows = argc > 1 ? atoi(argv[1]) : 16, nt = argc > 2 ? atoi(argv[2]) : 1, reps = argc > 3 ? atoi(argv[3]) : 20000;
  double ghz = argc > 4 ? atof(argv[4]) : 3.6;
  int K = getenv("K") ? atoi(getenv("K")) : 2880, tiled = getenv("TILED") ? atoi(getenv("TILED")) : 1;
  if (rows < 1 || nt < 1 || nt > 4 || reps < 1 || K < 32 || K % 32) {
    fprintf(stderr, "moe-dot-rows: need rows >= 1, 1 <= tokens <= 4, passes >= 1, K a multiple of 32\n");
    return 2;
  }
  go_dispatch_init(NULL);
  int pf = go_cpu.prefetch == GO_PF_AUTO ? GO_PF_L2 : go_cpu.prefetch;
  int nb = moe_nb(K);
  size_t bytes = (size_t)rows * nb * 16;
  uint8_t *B, *S;
  if (synthetic_rows(rows, K, &B, &S) != 0) return perror("moe-dot-rows: alloc"), 1;
  int8_t *xt[4];
  float *hx[4], *cx[4], *outs[4];
  for (int t = 0; t < 4; t++) {
    xt[t] = aligned_alloc(64, 2 * (size_t)moe_xt_stride(K));
    hx[t] = aligned_alloc(64, (size_t)moe_nbp(K) * 4 + 64);
    cx[t] = aligned_alloc(64, (size_t)moe_nbp(K) * 4 + 64);
    outs[t] = aligned_alloc(64, (size_t)rows * 4 + 64);
    for (int i = 0; i < 2 * moe_xt_stride(K); i++) xt[t][i] = (int8_t)((i * 7 + t) % 127 - 63);
    for (int i = 0; i < moe_nbp(K); i++) hx[t][i] = 0.01f * (i % 5 + 1), cx[t][i] = 0.1f * (i % 3);
  }
  double best = 1e30, check = 0;
  for (int k = 0; k < 7; k++) {
    double t0 = now();
    for (int r = 0; r < reps; r++)
      moe_dot16_q8_avx512(B, S, rows, K, nt, tiled, pf, (const int8_t *const *)xt, (const float *const *)hx,
                          (const float *const *)cx, outs);
    double d = now() - t0;
    if (d < best) best = d;
  }
  for (int t = 0; t < nt; t++)
    for (int r = 0; r < rows; r++) check += outs[t][r];
  double moved = (double)bytes * reps;
  printf("rows %d x K %d (%s, prefetch %s), %d token(s): %.2f cycles per 64 B at %.2f GHz, %.1f GB/s of weights  [check %.17g]\n", rows, K,
         tiled ? "tiled16" : "packed", pf == GO_PF_L1 ? "l1" : pf == GO_PF_NONE ? "none" : "l2", nt, best * ghz * 1e9 / (moved / 64), ghz, moved / best / 1e9, check);
  return 0;
}

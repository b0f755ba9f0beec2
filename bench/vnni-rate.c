/*
 * How many AVX-512 VNNI multiply-adds (vpdpbusd zmm) a core starts per cycle, and how long one takes,
 * against the latency of a dependent vaddps chain (2 cycles on Zen 4 and 5: the clock, since a VM's
 * /proc/cpuinfo shows only the base one). The 8-bit kernels' accumulator chains are sized from these.
 *
 *   gcc -O2 -mavx512f -o /tmp/vnni bench/vnni-rate.c && /tmp/vnni
 */
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

#define DP(d) "vpdpbusd %%zmm30, %%zmm31, %%zmm" #d "\n"

int main(void) {
  const long n = 100000000;
  double t0 = now();
  for (long i = 0; i < n; i++)
    __asm__ volatile("vaddps %%zmm30, %%zmm0, %%zmm0\n vaddps %%zmm30, %%zmm0, %%zmm0\n" ::: "xmm0");
  double add = (now() - t0) / (2.0 * n), cycle = add / 2;
  t0 = now();
  for (long i = 0; i < n; i++) __asm__ volatile(DP(0) DP(0) DP(0) DP(0) ::: "xmm0");
  double lat = (now() - t0) / (4.0 * n);
  t0 = now();
  for (long i = 0; i < n; i++)
    __asm__ volatile(DP(0) DP(1) DP(2) DP(3) DP(4) DP(5) DP(6) DP(7) DP(8) DP(9) DP(10) DP(11) DP(12) DP(13) DP(14) DP(15)
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm12", "xmm13", "xmm14", "xmm15");
  double thr16 = (now() - t0) / (16.0 * n);
  t0 = now();
  for (long i = 0; i < n; i++)
    __asm__ volatile(DP(0) DP(1) DP(2) DP(3) DP(4) DP(5) DP(6) DP(7) ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
  double thr8 = (now() - t0) / (8.0 * n);
  t0 = now();
  for (long i = 0; i < n; i++) __asm__ volatile(DP(0) DP(1) DP(2) DP(3) ::: "xmm0", "xmm1", "xmm2", "xmm3");
  double thr4 = (now() - t0) / (4.0 * n);
  printf("clock %.2f GHz (vaddps chain %.3f ns an add, taken as 2 cycles)\n", 1e-9 / cycle, add * 1e9);
  printf("vpdpbusd zmm: latency %.2f cycles; one started every %.2f / %.2f / %.2f cycles with 16 / 8 / 4 independent chains\n",
         lat / cycle, thr16 / cycle, thr8 / cycle, thr4 / cycle);
  return 0;
}

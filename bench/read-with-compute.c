/*
 * How much arithmetic a core can hide under a DRAM stream: two forward streams (as the MoE decode kernel
 * reads two rows at once) of 512-bit loads, each load feeding N vpdpbusd in independent chains, over 1 GiB
 * of 2 MiB pages, beside the same loop on 512 KiB (in L2): the compute rate alone. Where the L2 rate is
 * above the DRAM one, a kernel that overlaps perfectly reads at the DRAM rate; bench/moe-dot-rows.c shows
 * how far the real kernel is from that. OFF (bytes, default 0) misaligns every load, as rows of 1440 bytes
 * are for every other row.
 *
 *   gcc -O3 -o /tmp/rwc bench/read-with-compute.c && /tmp/rwc   (x86-64 with AVX-512 VNNI; one thread, CPU time)
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define SZ ((size_t)1 << 30)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static inline __attribute__((always_inline)) long
stream(const uint8_t *a, size_t bytes, size_t off, const int nops) {
  __m512i acc[8];
  for (int i = 0; i < 8; i++) acc[i] = _mm512_setzero_si512();
  const __m512i x = _mm512_set1_epi8(3);
  const uint8_t *b = a + bytes / 2;
  for (size_t o = 0; o < bytes / 2; o += 64) {
    __m512i p = _mm512_loadu_si512(a + o + off), q = _mm512_loadu_si512(b + o + off);
    for (int k = 0; k < nops; k++) {
      acc[k & 3] = _mm512_dpbusd_epi32(acc[k & 3], p, x);
      acc[4 + (k & 3)] = _mm512_dpbusd_epi32(acc[4 + (k & 3)], q, x);
    }
    if (nops == 0) acc[0] = _mm512_add_epi32(acc[0], p), acc[4] = _mm512_add_epi32(acc[4], q);
  }
  long s = 0;
  for (int i = 0; i < 8; i++) s += _mm512_reduce_add_epi32(acc[i]);
  return s;
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static long run(const uint8_t *a, size_t bytes, size_t off, int nops) {
  switch (nops) {
    case 0: return stream(a, bytes, off, 0);
    case 4: return stream(a, bytes, off, 4);
    case 6: return stream(a, bytes, off, 6);
    case 8: return stream(a, bytes, off, 8);
    case 10: return stream(a, bytes, off, 10);
    default: return stream(a, bytes, off, 12);
  }
}

int main(void) {
  size_t off = getenv("OFF") ? (size_t)atoi(getenv("OFF")) % 64 : 0;
  uint8_t *a = mmap(NULL, SZ + ((size_t)1 << 21), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return perror("read-with-compute: mmap"), 1;
  madvise(a, SZ + ((size_t)1 << 21), MADV_HUGEPAGE);
  memset(a, 1, SZ + ((size_t)1 << 21));
  const int ops[] = {0, 4, 6, 8, 10, 12};
  long check = 0;
  for (int i = 0; i < 6; i++) {
    double dram = 1e30, l2 = 1e30;
    for (int k = 0; k < 3; k++) {
      double t = now();
      check += run(a, SZ, off, ops[i]);
      if (now() - t < dram) dram = now() - t;
    }
    for (int k = 0; k < 20; k++) {
      double t = now();
      check += run(a, (size_t)1 << 19, off, ops[i]);
      if (now() - t < l2) l2 = now() - t;
    }
    printf("%2d vpdpbusd per 64 B, loads %zu bytes off alignment: DRAM %.1f GB/s, L2 %.1f GB/s\n", ops[i], off, SZ / dram / 1e9,
           ((size_t)1 << 19) / l2 / 1e9);
  }
  return check == 42; /* keeps the sums live */
}

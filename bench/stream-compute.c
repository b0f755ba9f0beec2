/*
 * How far one core's streaming and its vector work overlap, and what the MoE kernel's inner loop costs,
 * without the model (issue 13 item 3, one thread).
 *
 *   gcc -O2 -o /tmp/stream-compute bench/stream-compute.c && /tmp/stream-compute [passes=5]
 *
 * 1. Streams 1.5 GB of huge-page memory on one thread with W vpdpbusd per 64 bytes (W = 0: a plain read),
 *    beside the compute speed that W alone allows (1 zmm vpdpbusd a cycle): a kernel whose compute is
 *    near the memory's speed reads at about the slower of the two when they overlap.
 * 2. From L1: the cycles per 64 bytes of MXFP4 nibbles of dot16's inner loop (two lookups, four vpdpbusd
 *    for the two activation planes), with vpermb (VBMI) or vpshufb lookups, or none. Cycles assume the
 *    clock of `dependent adds` (printed first).
 * Prints medians (and best) over the passes. Needs AVX-512 VNNI and VBMI.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-alloc.h"

#define BYTES ((size_t)1536 << 20)
#define ISA __attribute__((target("avx512f,avx512bw,avx512vnni,avx512vl,avx512vbmi"), noinline))

/* W is a constant in each copy: a runtime count would keep the accumulators in memory */
#define STREAM(W)                                                                                   \
  ISA static uint64_t stream_##W(const uint8_t *p, size_t n) {                                      \
    __m512i s[8];                                                                                   \
    for (int j = 0; j < 8; j++) s[j] = _mm512_setzero_si512();                                      \
    const __m512i x = _mm512_set1_epi8(3);                                                          \
    for (size_t i = 0; i < n; i += 256) {                                                           \
      _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {                                         \
        __m512i v = _mm512_load_si512((const void *)(p + i + 64 * j));                              \
        if (W == 0) s[j] = _mm512_add_epi32(s[j], v);                                               \
        _Pragma("GCC unroll 8") for (int w = 0; w < W; w++) s[(2 * j + w) & 7] =                    \
            _mm512_dpbusd_epi32(s[(2 * j + w) & 7], v, x);                                          \
      }                                                                                             \
    }                                                                                               \
    for (int j = 1; j < 8; j++) s[0] = _mm512_add_epi32(s[0], s[j]);                                \
    return (uint64_t)_mm512_reduce_add_epi32(s[0]);                                                 \
  }
STREAM(0)
STREAM(2)
STREAM(4)
STREAM(6)
STREAM(8)

/* dot16's inner loop on one row: per 64 bytes, lo/hi lookups and 2 vpdpbusd per activation plane */
#define INNER(NAME, LOOK)                                                                           \
  ISA static uint64_t NAME(const uint8_t *p, size_t n, int reps) {                                  \
    __m512i s[4];                                                                                   \
    for (int j = 0; j < 4; j++) s[j] = _mm512_setzero_si512();                                      \
    const __m512i lut = _mm512_set1_epi8(5), m = _mm512_set1_epi8(15), xa = _mm512_set1_epi8(3);    \
    (void)lut, (void)m;                                                                             \
    const __m512i xb = _mm512_set1_epi8(7), ya = _mm512_set1_epi8(9), yb = _mm512_set1_epi8(11);    \
    for (int r = 0; r < reps; r++)                                                                  \
      for (size_t i = 0; i < n; i += 256) {                                                         \
        _Pragma("GCC unroll 4") for (int d = 0; d < 4; d++) {                                       \
          __m512i P = _mm512_load_si512((const void *)(p + i + 64 * d)), lo, hi;                    \
          LOOK;                                                                                     \
          int a = 2 * (d & 1);                                                                      \
          s[a] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(s[a], lo, xa), hi, xb);                    \
          s[a + 1] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(s[a + 1], lo, ya), hi, yb);            \
        }                                                                                           \
      }                                                                                             \
    for (int j = 1; j < 4; j++) s[0] = _mm512_add_epi32(s[0], s[j]);                                \
    return (uint64_t)_mm512_reduce_add_epi32(s[0]);                                                 \
  }
INNER(inner_vpermb, (lo = _mm512_permutexvar_epi8(P, lut), hi = _mm512_permutexvar_epi8(_mm512_srli_epi16(P, 4), lut)))
INNER(inner_vpshufb, (lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(P, m)),
                      hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(P, 4), m))))
INNER(inner_none, (lo = P, hi = _mm512_add_epi8(P, m)))

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 5;
  if (passes < 1 || passes > 64) passes = 5;
  uint64_t x = 1;
  double t0 = wall_seconds();
  /* 8 dependent adds an iteration: the chain (1 cycle an add), not the loop, sets the pace */
  for (long i = 0; i < 125000000L; i++)
    __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                     : "+r"(x));
  double ghz = 1.0 / (wall_seconds() - t0);
  printf("dependent adds: %.2f G/s (the clock assumed below)\n", ghz);

  uint8_t *buf = huge_alloc(BYTES);
  if (!buf) return 1;
  memset(buf, 1, BYTES);
  struct {
    uint64_t (*f)(const uint8_t *, size_t);
    int w;
  } s[] = {{stream_0, 0}, {stream_2, 2}, {stream_4, 4}, {stream_6, 6}, {stream_8, 8}};
  double g[5][64];
  volatile uint64_t sink = x;
  for (int r = 0; r < passes; r++)
    for (int i = 0; i < 5; i++) {
      double a = wall_seconds();
      sink += s[i].f(buf, BYTES);
      g[i][r] = BYTES / (wall_seconds() - a) / 1e9;
    }
  for (int i = 0; i < 5; i++) {
    qsort(g[i], passes, sizeof(double), cmpd);
    if (s[i].w == 0) printf("stream, plain read            median %5.1f best %5.1f GB/s\n", g[i][passes / 2], g[i][passes - 1]);
    else printf("stream, %d vpdpbusd / 64 B     median %5.1f best %5.1f GB/s (compute alone: %.0f GB/s)\n", s[i].w, g[i][passes / 2],
                g[i][passes - 1], 64.0 / s[i].w * ghz);
  }

  const size_t l1 = 16384;
  const int reps = 100000;
  struct {
    uint64_t (*f)(const uint8_t *, size_t, int);
    const char *name;
  } k[] = {{inner_vpermb, "vpermb lookups"}, {inner_vpshufb, "vpshufb + mask lookups"}, {inner_none, "no lookup"}};
  double c[3][64];
  for (int r = 0; r < passes; r++)
    for (int i = 0; i < 3; i++) {
      double a = wall_seconds();
      sink += k[i].f(buf, l1, reps);
      c[i][r] = (wall_seconds() - a) * ghz * 1e9 / ((double)l1 / 64 * reps);
    }
  for (int i = 0; i < 3; i++) {
    qsort(c[i], passes, sizeof(double), cmpd);
    printf("L1, %-24s median %.2f cycles per 64 B of nibbles (%.0f GB/s)\n", k[i].name, c[i][passes / 2], 64.0 / c[i][passes / 2] * ghz);
  }
  return sink == 0;
}

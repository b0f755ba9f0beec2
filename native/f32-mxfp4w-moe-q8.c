/* AVX-512 VNNI kernels of the fast MoE path (see f32-mxfp4w-moe-q8.h for the arithmetic). */
#include "f32-mxfp4w-moe-q8.h"

#include <stdlib.h>
#include <string.h>

/* 2*fp4 + 12 for the 16 E2M1 codes: unsigned, so they can be vpdpbusd's first operand */
static const uint8_t lut_u[16] = {12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0};

void moe_prep_derived(const int8_t *xq, const float *d, int K, float *hx, float *cx, float *hxb) {
  int nb = moe_nb(K), nbp = moe_nbp(K), nbe = moe_nbe(K);
  for (int g = 0; g < nbp; g++) {
    float h = 0, c = 0;
    if (g < nb) {
      int s = 0;
      for (int j = 0; j < 32; j++) s += xq[32 * g + j];
      h = 0.5f * d[g];
      c = 12.0f * h * (float)s;
    }
    hx[g] = h;
    cx[g] = c;
    if (g < nbe)
      for (int j = 0; j < 8; j++) hxb[8 * g + j] = h;
  }
}

size_t moe_expand_bytes(int nr, int K) {
  return (size_t)nr * moe_nbe(K) * 32 + (size_t)nr * moe_nbe(K) * 8 * 4 + (size_t)nr * moe_nbp(K) * 4 + 64;
}

#ifdef GO_X86
#define GO_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

#ifndef MOE_PF_ROWS
#define MOE_PF_ROWS 4
#endif

static int avx512_state = -1;

int moe_use_avx512(void) {
  if (avx512_state < 0) {
    const char *force = getenv("GPT_OSS_SIMD");
    __builtin_cpu_init();
    avx512_state = go_use_avx2 && !(force && (strcmp(force, "avx2") == 0 || strcmp(force, "scalar") == 0)) &&
                   __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512vnni");
  }
  return avx512_state;
}

/* 2 packed blocks (32 bytes) -> 64 u8: [lo(b0) | hi(b0) | lo(b1) | hi(b1)], matching split order. */
GO_AVX512 static inline __m512i expand2(__m256i bytes, __m512i perm, __m512i shift, __m512i mask, __m512i lut) {
  __m512i v = _mm512_permutexvar_epi64(perm, _mm512_castsi256_si512(bytes));
  return _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srlv_epi16(v, shift), mask));
}

#define EXPAND_CONSTS                                                                        \
  const __m512i perm = _mm512_set_epi64(3, 2, 3, 2, 1, 0, 1, 0);                             \
  const __m512i shift = _mm512_set_epi64(0x0004000400040004LL, 0x0004000400040004LL, 0, 0,   \
                                         0x0004000400040004LL, 0x0004000400040004LL, 0, 0);  \
  const __m512i mask = _mm512_set1_epi8(15);                                                 \
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u))

/* 2^(e-127) for 16 E8M0 bytes (masked tail: never reads past the row's scales) */
GO_AVX512 static inline __m512 e8m0_16(const uint8_t *s, int left) {
  __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
  __m128i e = _mm_maskz_loadu_epi8(m, s);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu8_epi32(e), 23));
}

GO_AVX512 static inline __attribute__((always_inline)) void rows_n(const uint8_t *B, const uint8_t *S, int K,
                                                                   const int8_t *xq, const float *hx,
                                                                   const float *cx, float *out, size_t os,
                                                                   const int NR) {
  EXPAND_CONSTS;
  int nb = moe_nb(K), nbp = moe_nbp(K);
  size_t rb = (size_t)nb * 16;
  float sc[4][nbp] __attribute__((aligned(64)));
  float corr[4];
  for (int r = 0; r < NR; r++) {
    __m512 c = _mm512_setzero_ps();
    for (int g = 0; g < nbp; g += 16) {
      __m512 sw = e8m0_16(S + (size_t)r * nb + g, nb - g);
      _mm512_store_ps(sc[r] + g, _mm512_mul_ps(sw, _mm512_loadu_ps(hx + g)));
      c = _mm512_fmadd_ps(sw, _mm512_loadu_ps(cx + g), c);
    }
    corr[r] = _mm512_reduce_add_ps(c);
  }
  __m512 acc[4];
  for (int r = 0; r < NR; r++) acc[r] = _mm512_setzero_ps();
  int g = 0;
  for (; g + 2 <= nb; g += 2) {
    __m512i x = _mm512_loadu_si512((const void *)(xq + 32 * g));
    for (int r = 0; r < NR; r++) {
      /* the rows after this group, 1-2 KB ahead per stream: the hardware prefetcher alone keeps
         too few lines in flight when four row streams are consumed at once */
      if (!(g & 3)) _mm_prefetch((const char *)(B + (r + MOE_PF_ROWS) * rb + 16 * g), _MM_HINT_T0);
      __m256i raw = _mm256_loadu_si256((const __m256i *)(B + r * rb + 16 * g));
      __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), expand2(raw, perm, shift, mask, lut), x);
      __m512 s2 = _mm512_mask_broadcastss_ps(_mm512_set1_ps(sc[r][g]), 0xff00, _mm_load_ss(&sc[r][g + 1]));
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), s2, acc[r]);
    }
  }
  if (g < nb) { /* odd block count: the last block alone (x is zero-padded to an even count) */
    __m512i x = _mm512_loadu_si512((const void *)(xq + 32 * g));
    for (int r = 0; r < NR; r++) {
      __m256i raw = _mm256_maskz_loadu_epi8(0x0000ffffu, B + r * rb + 16 * g);
      __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), expand2(raw, perm, shift, mask, lut), x);
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_set1_ps(sc[r][g]), acc[r]);
    }
  }
  for (int r = 0; r < NR; r++) out[r * os] = _mm512_reduce_add_ps(acc[r]) - corr[r];
}

GO_AVX512 void moe_rows_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *xq,
                                  const float *hx, const float *cx, float *out, size_t os) {
  int nb = moe_nb(K), r = 0;
  for (; r + 4 <= nr; r += 4) rows_n(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, xq, hx, cx, out + r * os, os, 4);
  for (; r < nr; r++) rows_n(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, xq, hx, cx, out + r * os, os, 1);
}

GO_AVX512 void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K) {
  EXPAND_CONSTS;
  int nb = moe_nb(K), nbe = moe_nbe(K), nbp = moe_nbp(K);
  uint8_t *wu = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  float *swb = (float *)(wu + (size_t)nr * nbe * 32);
  float *sw = swb + (size_t)nr * nbe * 8;
  for (int r = 0; r < nr; r++) {
    const uint8_t *b = B + (size_t)r * nb * 16, *s = S + (size_t)r * nb;
    uint8_t *w = wu + (size_t)r * nbe * 32;
    for (int g = 0; g < nbe; g += 2) {
      __m256i raw = g + 2 <= nb ? _mm256_loadu_si256((const __m256i *)(b + 16 * g)) : _mm256_maskz_loadu_epi8(0x0000ffffu, b + 16 * g);
      _mm512_store_si512((void *)(w + 32 * g), expand2(raw, perm, shift, mask, lut));
    }
    for (int g = 0; g < nbp; g += 16) _mm512_store_ps(sw + (size_t)r * nbp + g, e8m0_16(s + g, nb - g));
    for (int g = 0; g < nbe; g++) {
      float v = g < nb ? sw[(size_t)r * nbp + g] : 0.0f;
      _mm256_store_ps(swb + (size_t)r * nbe * 8 + 8 * g, _mm256_set1_ps(v));
    }
  }
}

/* NR rows x NT tokens, all of K: 16 accumulators at most, weights reused across the tokens. */
GO_AVX512 static inline __attribute__((always_inline)) void tile_n(const uint8_t *wu, const float *swb,
                                                                   const float *sw, int K, const int8_t *const *xq,
                                                                   const float *const *cx, const float *const *hxb,
                                                                   float *const *outs, int r0, const int NR,
                                                                   const int NT) {
  int nbe = moe_nbe(K), nbp = moe_nbp(K);
  __m512 acc[4][4];
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) acc[r][t] = _mm512_setzero_ps();
  for (int p = 0; p < nbe / 2; p++) {
    __m512i x[4];
    for (int t = 0; t < NT; t++) x[t] = _mm512_loadu_si512((const void *)(xq[t] + 64 * p));
    for (int r = 0; r < NR; r++) {
      __m512i w = _mm512_load_si512((const void *)(wu + (size_t)r * nbe * 32 + 64 * p));
      __m512 s = _mm512_load_ps(swb + (size_t)r * nbe * 8 + 16 * p);
      for (int t = 0; t < NT; t++) {
        __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x[t]);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(s, _mm512_loadu_ps(hxb[t] + 16 * p)), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) {
      __m512 c = _mm512_setzero_ps();
      for (int g = 0; g < nbp; g += 16) c = _mm512_fmadd_ps(_mm512_load_ps(sw + (size_t)r * nbp + g), _mm512_loadu_ps(cx[t] + g), c);
      outs[t][r0 + r] = _mm512_reduce_add_ps(acc[r][t]) - _mm512_reduce_add_ps(c);
    }
}

GO_AVX512 void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xq, const float *const *cx,
                                  const float *const *hxb, float *const *outs) {
  int nbe = moe_nbe(K), nbp = moe_nbp(K);
  const uint8_t *wu = (const uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  const float *swb = (const float *)(wu + (size_t)nr * nbe * 32);
  const float *sw = swb + (size_t)nr * nbe * 8;
#define ROWS(R, rr)                                                                                             \
  {                                                                                                             \
    const uint8_t *w_ = wu + (size_t)(rr) * nbe * 32;                                                           \
    const float *sb_ = swb + (size_t)(rr) * nbe * 8, *s_ = sw + (size_t)(rr) * nbp;                             \
    int t = 0;                                                                                                  \
    for (; t + 4 <= nt; t += 4) tile_n(w_, sb_, s_, K, xq + t, cx + t, hxb + t, outs + t, rr, R, 4);            \
    switch (nt - t) {                                                                                           \
      case 3: tile_n(w_, sb_, s_, K, xq + t, cx + t, hxb + t, outs + t, rr, R, 3); break;                      \
      case 2: tile_n(w_, sb_, s_, K, xq + t, cx + t, hxb + t, outs + t, rr, R, 2); break;                      \
      case 1: tile_n(w_, sb_, s_, K, xq + t, cx + t, hxb + t, outs + t, rr, R, 1); break;                      \
    }                                                                                                           \
  }
  int r = 0;
  for (; r + 4 <= nr; r += 4) ROWS(4, r)
  for (; r < nr; r++) ROWS(1, r)
#undef ROWS
}
#else
int moe_use_avx512(void) { return 0; }
void moe_rows_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *xq, const float *hx,
                        const float *cx, float *out, size_t os) {
  (void)B, (void)S, (void)nr, (void)K, (void)xq, (void)hx, (void)cx, (void)out, (void)os;
}
void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K) {
  (void)mem, (void)B, (void)S, (void)nr, (void)K;
}
void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xq, const float *const *cx,
                        const float *const *hxb, float *const *outs) {
  (void)mem, (void)nr, (void)K, (void)nt, (void)xq, (void)cx, (void)hxb, (void)outs;
}
#endif

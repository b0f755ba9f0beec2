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
      for (int j = 0; j < 32; j++) s += 128 * xq[32 * g + j] + xq[moe_xq_stride(K) + 32 * g + j];
      h = 0.5f * d[g];
      c = 12.0f * h * (float)s;
    }
    hx[g] = h;
    cx[g] = c;
    if (g < nbe)
      for (int j = 0; j < 8; j++) hxb[8 * g + j] = h;
  }
}

void moe_split4(int8_t *q4, const int8_t *xq, int K) {
  int nb = moe_nb(K), ng = (nb + 3) / 4;
  memset(q4, 0, (size_t)ng * 128);
  for (int g = 0; g < nb; g++) {
    int8_t *dst = q4 + (g / 4) * 128 + (g % 4) * 16;
    memcpy(dst, xq + 32 * g, 16);
    memcpy(dst + 64, xq + 32 * g + 16, 16);
  }
}

size_t moe_expand_bytes(int nr, int K) {
  return (size_t)nr * moe_nbe(K) * 32 + (size_t)nr * moe_nbe(K) * 8 * 4 + (size_t)nr * moe_nbp(K) * 4 + 64;
}

#ifdef GO_X86
#define GO_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

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
  __m512i e = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, s));
  __m512 v = _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  /* E8M0 0xFF is NaN (go_e8m0_half[255]); the shift alone would make it +Inf, which swiglu's clamp hides */
  return _mm512_mask_blend_ps(_mm512_cmpeq_epi32_mask(e, _mm512_set1_epi32(255)), v, _mm512_set1_ps(NAN));
}

/*
 * Decode rows, one 64-byte load per 4 blocks: the low and high nibbles go through the lut as they
 * lie and meet the activations of the decode layout; both dpbusd land in the same int32 lanes
 * (lane group b = block b), so one convert and one FMA per 4 blocks with the blocks' scales spread
 * 4 lanes each from a 16-block register. With AVX512-VBMI the lookups need no nibble masks.
 *
 * Prefetch (f32-mxfp4w-moe-q8-rows.h): the hardware streamers stop at every 4 KiB page of a mapping
 * and keep too few misses in flight for one core to stream at DRAM speed while it computes, so the
 * kernel prefetches MOE_PF_BYTES ahead, in address order.
 */
#ifndef MOE_PF_BYTES
#ifndef MOE_PF_BYTES
#define MOE_PF_BYTES 8192
#endif
#endif

/* VBMI: vpermb reads 6 index bits, so a 64-entry table (the 16 codes 4 times) needs no nibble masks */
#define LOOKUP1(raw, lut, mask, lo, hi)                                \
  (void)mask, lo = _mm512_permutexvar_epi8(raw, lut),                  \
              hi = _mm512_permutexvar_epi8(_mm512_srli_epi16(raw, 4), lut)
#define LOOKUP0(raw, lut, mask, lo, hi)                                \
  lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(raw, mask)),          \
  hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(raw, 4), mask))

#define ROWS_NAME rows4_vbmi
#define ROWS_INNER rows4_vbmi_n
#define ROWS_MT_NAME rowsmt_vbmi
#define ROWS_MT_INNER rowsmt_vbmi_n
#define ROWS_ATTR __attribute__((target("avx512vbmi,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define ROWS_LOOKUP LOOKUP1
#include "f32-mxfp4w-moe-q8-rows.h"
#undef ROWS_NAME
#undef ROWS_INNER
#undef ROWS_MT_NAME
#undef ROWS_MT_INNER
#undef ROWS_ATTR
#undef ROWS_LOOKUP
#define ROWS_NAME rows4_bw
#define ROWS_INNER rows4_bw_n
#define ROWS_MT_NAME rowsmt_bw
#define ROWS_MT_INNER rowsmt_bw_n
#define ROWS_ATTR GO_AVX512
#define ROWS_LOOKUP LOOKUP0
#include "f32-mxfp4w-moe-q8-rows.h"
#undef ROWS_NAME
#undef ROWS_INNER
#undef ROWS_MT_NAME
#undef ROWS_MT_INNER
#undef ROWS_ATTR
#undef ROWS_LOOKUP
#undef LOOKUP0
#undef LOOKUP1

GO_AVX512 void moe_rows4_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *q4,
                                   const float *hx, const float *cx, float *out, size_t os) {
  if (go_kernels.moe_q8 >= GO_L_AVX512_VBMI) rows4_vbmi(B, S, nr, K, q4, hx, cx, out, os);
  else rows4_bw(B, S, nr, K, q4, hx, cx, out, os);
}

GO_AVX512 void moe_rowsmt_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, const int8_t *const *q4,
                                    const float *const *hx, const float *const *cx, float *const *out) {
  if (go_kernels.moe_q8 >= GO_L_AVX512_VBMI) rowsmt_vbmi(B, S, nr, K, nt, q4, hx, cx, out);
  else rowsmt_bw(B, S, nr, K, nt, q4, hx, cx, out);
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
  size_t xs = (size_t)moe_xq_stride(K);
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) acc[r][t] = _mm512_setzero_ps();
  for (int p = 0; p < nbe / 2; p++) {
    __m512i x[4], y[4];
    for (int t = 0; t < NT; t++) x[t] = _mm512_loadu_si512((const void *)(xq[t] + 64 * p));
    for (int t = 0; t < NT; t++) y[t] = _mm512_loadu_si512((const void *)(xq[t] + xs + 64 * p));
    for (int r = 0; r < NR; r++) {
      __m512i w = _mm512_load_si512((const void *)(wu + (size_t)r * nbe * 32 + 64 * p));
      __m512 s = _mm512_load_ps(swb + (size_t)r * nbe * 8 + 16 * p);
      for (int t = 0; t < NT; t++) {
        __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, x[t]);
        d = _mm512_add_epi32(_mm512_slli_epi32(d, 7), _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, y[t]));
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
void moe_rows4_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *q4, const float *hx,
                         const float *cx, float *out, size_t os) {
  (void)B, (void)S, (void)nr, (void)K, (void)q4, (void)hx, (void)cx, (void)out, (void)os;
}
void moe_rowsmt_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, const int8_t *const *q4,
                          const float *const *hx, const float *const *cx, float *const *out) {
  (void)B, (void)S, (void)nr, (void)K, (void)nt, (void)q4, (void)hx, (void)cx, (void)out;
}
void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K) {
  (void)mem, (void)B, (void)S, (void)nr, (void)K;
}
void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xq, const float *const *cx,
                        const float *const *hxb, float *const *outs) {
  (void)mem, (void)nr, (void)K, (void)nt, (void)xq, (void)cx, (void)hxb, (void)outs;
}
#endif

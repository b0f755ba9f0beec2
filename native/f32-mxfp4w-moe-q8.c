/* AVX-512 VNNI kernels of the fast MoE path (see f32-mxfp4w-moe-q8.h for the arithmetic). */
#include "f32-mxfp4w-moe-q8.h"

#include <stdlib.h>
#include <string.h>

/* 2*fp4 + 12 for the 16 E2M1 codes: unsigned, so they can be vpdpbusd's first operand */
static const uint8_t lut_u[16] = {12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0};

void moe_prep_derived(const int8_t *xq, const float *d, int K, float *hx, float *cx) {
  int nb = moe_nb(K), nbp = moe_nbp(K);
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
  }
}

void moe_transpose16(int8_t *xt, const int8_t *xq, int K) {
  int nb = moe_nb(K), nbp = moe_nbp(K);
  size_t xs = (size_t)moe_xq_stride(K), ts = (size_t)moe_xt_stride(K);
  for (int plane = 0; plane < 2; plane++) {
    const int8_t *src = xq + plane * xs;
    int8_t *dst = xt + plane * ts;
    for (int b = 0; b < nbp; b++)
      for (int i = 0; i < 8; i++) {
        int8_t *o = dst + (size_t)(b / 16) * 512 + 64 * i + 4 * (b % 16);
        if (b < nb) memcpy(o, src + 32 * (size_t)b + 4 * i, 4);
        else memset(o, 0, 4);
      }
  }
}

void moe_tile16(uint8_t *B, size_t rows, int K) {
  int nb = moe_nb(K);
  for (size_t r = 0; r < rows; r++) {
    uint8_t *row = B + r * (size_t)nb * 16;
    for (int g = 0; g < nb; g += 16) {
      int m = nb - g < 16 ? nb - g : 16;
      uint32_t in[64], out[64];
      memcpy(in, row + 16 * (size_t)g, (size_t)m * 16);
      go_tile_group(out, in, m, 4, 0);
      memcpy(row + 16 * (size_t)g, out, (size_t)m * 16);
    }
  }
}

size_t moe_expand_bytes(int nr, int K) { return (size_t)nr * moe_xt_stride(K) + (size_t)nr * moe_nbp(K) * 4 + 64; }

#ifdef GO_X86
#define GO_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

/* 2^(e-127) for 16 E8M0 bytes (masked tail: never reads past the row's scales) */
GO_AVX512 static inline __m512 e8m0_16(const uint8_t *s, int left) {
  __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
  __m512i e = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, s));
  __m512 v = _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  /* E8M0 0xFF is NaN (go_e8m0_half[255]); the shift alone would make it +Inf, which swiglu's clamp hides */
  return _mm512_mask_blend_ps(_mm512_cmpeq_epi32_mask(e, _mm512_set1_epi32(255)), v, _mm512_set1_ps(NAN));
}

/*
 * Prefetch (f32-mxfp4w-moe-q8-dot16.h): the hardware streamers stop at every 4 KiB page of a mapping
 * and keep too few misses in flight for one core to stream at DRAM speed while it computes, so the
 * streaming kernel prefetches MOE_PF_BYTES ahead, in address order.
 */
#ifndef MOE_PF_BYTES
#define MOE_PF_BYTES 8192
#endif
#ifndef MOE_SPF_BYTES
#define MOE_SPF_BYTES 2048
#endif

/*
 * The 4 vectors of a group of m <= 16 blocks at p, lane j of vector d = bytes 4d..4d+3 of block j, lanes
 * past m zero: gathered from the file's packed layout (4 loads, 6 vpermt2d) or loaded from the copy's
 * tiled16 one (vector d lies at p + 4md). The tile's expansion and the streaming kernel both start here.
 */
GO_AVX512 static inline __attribute__((always_inline)) void group16_packed(const uint8_t *p, int m, __m512i P[4]) {
  /* lanes 0-7: dword 0 (idx01) or 2 (idx23) of blocks 0-7 of a pair of loads; lanes 8-15: dword 1 or 3 */
  const __m512i idx01 = _mm512_set_epi32(29, 25, 21, 17, 13, 9, 5, 1, 28, 24, 20, 16, 12, 8, 4, 0);
  const __m512i idx23 = _mm512_set_epi32(31, 27, 23, 19, 15, 11, 7, 3, 30, 26, 22, 18, 14, 10, 6, 2);
  const __m512i lo8 = _mm512_set_epi32(23, 22, 21, 20, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i hi8 = _mm512_set_epi32(31, 30, 29, 28, 27, 26, 25, 24, 15, 14, 13, 12, 11, 10, 9, 8);
  __m512i L[4];
  if (m == 16) {
    for (int q = 0; q < 4; q++) L[q] = _mm512_loadu_si512((const void *)(p + 64 * q));
  } else {
    for (int q = 0; q < 4; q++) {
      int left = 16 * m - 64 * q;
      __mmask64 mk = left >= 64 ? ~(__mmask64)0 : left <= 0 ? 0 : (((__mmask64)1 << left) - 1);
      L[q] = _mm512_maskz_loadu_epi8(mk, p + 64 * q);
    }
  }
  __m512i a01 = _mm512_permutex2var_epi32(L[0], idx01, L[1]), a23 = _mm512_permutex2var_epi32(L[0], idx23, L[1]);
  __m512i c01 = _mm512_permutex2var_epi32(L[2], idx01, L[3]), c23 = _mm512_permutex2var_epi32(L[2], idx23, L[3]);
  P[0] = _mm512_permutex2var_epi32(a01, lo8, c01), P[1] = _mm512_permutex2var_epi32(a01, hi8, c01);
  P[2] = _mm512_permutex2var_epi32(a23, lo8, c23), P[3] = _mm512_permutex2var_epi32(a23, hi8, c23);
}

GO_AVX512 static inline __attribute__((always_inline)) __m512i group16_tiled(const uint8_t *p, int m, int d) {
  if (m == 16) return _mm512_loadu_si512((const void *)(p + 64 * d));
  return _mm512_maskz_loadu_epi8(((__mmask64)1 << (4 * m)) - 1, p + 4 * m * d);
}

/* VBMI: vpermb reads 6 index bits, so a 64-entry table (the 16 codes 4 times) needs no nibble masks */
#define LOOKUP1(raw, lut, mask, lo, hi)                                \
  (void)mask, lo = _mm512_permutexvar_epi8(raw, lut),                  \
              hi = _mm512_permutexvar_epi8(_mm512_srli_epi16(raw, 4), lut)
#define LOOKUP0(raw, lut, mask, lo, hi)                                \
  lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(raw, mask)),          \
  hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(raw, 4), mask))

#define DOT16_NAME dot16_vbmi
#define DOT16_INNER dot16_vbmi_n
#define DOT16_FN(name) dot16_vbmi_##name
#define DOT16_ATTR __attribute__((target("avx512vbmi,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define DOT16_LOOKUP LOOKUP1
#include "f32-mxfp4w-moe-q8-dot16.h"
#undef DOT16_NAME
#undef DOT16_INNER
#undef DOT16_FN
#undef DOT16_ATTR
#undef DOT16_LOOKUP
#define DOT16_NAME dot16_bw
#define DOT16_INNER dot16_bw_n
#define DOT16_FN(name) dot16_bw_##name
#define DOT16_ATTR GO_AVX512
#define DOT16_LOOKUP LOOKUP0
#include "f32-mxfp4w-moe-q8-dot16.h"
#undef DOT16_NAME
#undef DOT16_INNER
#undef DOT16_FN
#undef DOT16_ATTR
#undef DOT16_LOOKUP
#undef LOOKUP0
#undef LOOKUP1

GO_AVX512 void moe_dot16_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, int tiled, int pf,
                                   const int8_t *const *xt, const float *const *hx, const float *const *cx,
                                   float *const *outs) {
  if (go_kernels.moe_q8 >= GO_L_AVX512_VBMI) dot16_vbmi(B, S, nr, K, nt, tiled, pf, xt, hx, cx, outs);
  else dot16_bw(B, S, nr, K, nt, tiled, pf, xt, hx, cx, outs);
}

/* Per row and group of 16 blocks (256 bytes): the group's 4 vectors (group16_*), whose low nibbles are
   the expanded bytes 4d..4d+3 of every block and whose high nibbles are bytes 16+4d..16+4d+3 (split
   order): 8 vectors of the block-transposed layout. */
GO_AVX512 void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K, int tiled) {
  const __m512i mask = _mm512_set1_epi8(15);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u));
  int nb = moe_nb(K), nbp = moe_nbp(K);
  size_t ts = (size_t)moe_xt_stride(K);
  uint8_t *wt = (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  float *sw = (float *)(wt + (size_t)nr * ts);
  for (int r = 0; r < nr; r++) {
    const uint8_t *b = B + (size_t)r * nb * 16, *s = S + (size_t)r * nb;
    uint8_t *w = wt + (size_t)r * ts;
    for (int g = 0; g < nbp; g += 16) {
      uint8_t *wg = w + (size_t)g * 32;
      int m = nb - g < 16 ? nb - g : 16;
      __m512i P[4];
      if (tiled) /* the copy's layout is already transposed: only the lookups are left */
        for (int d = 0; d < 4; d++) P[d] = group16_tiled(b + 16 * (size_t)g, m, d);
      else
        group16_packed(b + 16 * (size_t)g, m, P);
      for (int d = 0; d < 4; d++) {
        _mm512_store_si512((void *)(wg + 64 * d), _mm512_shuffle_epi8(lut, _mm512_and_si512(P[d], mask)));
        _mm512_store_si512((void *)(wg + 64 * (d + 4)), _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(P[d], 4), mask)));
      }
      _mm512_store_ps(sw + (size_t)r * nbp + g, e8m0_16(s + g, nb - g));
    }
  }
}

/* NR rows x NT tokens, all of K: per group of 16 blocks, 16 vpdpbusd per row and token (8 vectors x 2
   planes) leave the 16 blocks' integer dots in the 16 lanes; then one convert, one FMA with the blocks'
   scales and one for the offset correction (cx). 2 x NR x NT vector registers of accumulators. */
GO_AVX512 static inline __attribute__((always_inline)) void tile_n(const uint8_t *wt, const float *sw, int K,
                                                                   const int8_t *const *xt, const float *const *hx,
                                                                   const float *const *cx, float *const *outs,
                                                                   int r0, const int NR, const int NT) {
  int nbp = moe_nbp(K);
  size_t ts = (size_t)moe_xt_stride(K);
  __m512 acc[4][2];
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) acc[r][t] = _mm512_setzero_ps();
  for (int g = 0; g < nbp; g += 16) {
    __m512i d[4][2];
    for (int r = 0; r < NR; r++)
      for (int t = 0; t < NT; t++) d[r][t] = _mm512_setzero_si512();
    const size_t go = (size_t)g * 32;
    for (int i = 0; i < 8; i++) {
      __m512i x[2];
      for (int t = 0; t < NT; t++) x[t] = _mm512_load_si512((const void *)(xt[t] + go + 64 * i));
      for (int r = 0; r < NR; r++) {
        __m512i w = _mm512_load_si512((const void *)(wt + r * ts + go + 64 * i));
        for (int t = 0; t < NT; t++) d[r][t] = _mm512_dpbusd_epi32(d[r][t], w, x[t]);
      }
    }
    for (int r = 0; r < NR; r++)
      for (int t = 0; t < NT; t++) d[r][t] = _mm512_slli_epi32(d[r][t], 7);
    for (int i = 0; i < 8; i++) {
      __m512i x[2];
      for (int t = 0; t < NT; t++) x[t] = _mm512_load_si512((const void *)(xt[t] + ts + go + 64 * i));
      for (int r = 0; r < NR; r++) {
        __m512i w = _mm512_load_si512((const void *)(wt + r * ts + go + 64 * i));
        for (int t = 0; t < NT; t++) d[r][t] = _mm512_dpbusd_epi32(d[r][t], w, x[t]);
      }
    }
    __m512 h[2], c[2];
    for (int t = 0; t < NT; t++) h[t] = _mm512_loadu_ps(hx[t] + g), c[t] = _mm512_loadu_ps(cx[t] + g);
    for (int r = 0; r < NR; r++) {
      __m512 s = _mm512_load_ps(sw + (size_t)r * nbp + g);
      for (int t = 0; t < NT; t++)
        acc[r][t] = _mm512_fnmadd_ps(s, c[t], _mm512_fmadd_ps(_mm512_cvtepi32_ps(d[r][t]), _mm512_mul_ps(s, h[t]), acc[r][t]));
    }
  }
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) outs[t][r0 + r] = _mm512_reduce_add_ps(acc[r][t]);
}

GO_AVX512 void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xt, const float *const *hx,
                                  const float *const *cx, float *const *outs) {
  int nbp = moe_nbp(K);
  size_t ts = (size_t)moe_xt_stride(K);
  const uint8_t *wt = (const uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
  const float *sw = (const float *)(wt + (size_t)nr * ts);
#define ROWS(R, rr)                                                                                   \
  {                                                                                                   \
    const uint8_t *w_ = wt + (size_t)(rr) * ts;                                                       \
    const float *s_ = sw + (size_t)(rr) * nbp;                                                        \
    int t = 0;                                                                                        \
    for (; t + 2 <= nt; t += 2) tile_n(w_, s_, K, xt + t, hx + t, cx + t, outs + t, rr, R, 2);        \
    if (t < nt) tile_n(w_, s_, K, xt + t, hx + t, cx + t, outs + t, rr, R, 1);                        \
  }
  int r = 0;
  for (; r + 4 <= nr; r += 4) ROWS(4, r)
  for (; r < nr; r++) ROWS(1, r)
#undef ROWS
}
#else
void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K, int tiled) {
  (void)mem, (void)B, (void)S, (void)nr, (void)K, (void)tiled;
}
void moe_dot16_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, int tiled, int pf, const int8_t *const *xt,
                         const float *const *hx, const float *const *cx, float *const *outs) {
  (void)B, (void)S, (void)nr, (void)K, (void)nt, (void)tiled, (void)pf, (void)xt, (void)hx, (void)cx, (void)outs;
}
void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xt, const float *const *hx,
                        const float *const *cx, float *const *outs) {
  (void)mem, (void)nr, (void)K, (void)nt, (void)xt, (void)hx, (void)cx, (void)outs;
}
#endif

/*
 * 8-bit dense weights for the `fast` precision (llama.cpp's Q8_0): each row is padded to
 * Kp = roundup(K, 32) and cut in 32-element blocks of int8 with one f16 scale per block, so a
 * decode step reads ~1.06 bytes per weight instead of 2. Layout of one matrix (go_q8_bytes):
 * quants [N, Kp] int8, then scales [N, Kp / 32] f16. Activations are quantized the same way once
 * per token, and a block's dot product is an integer multiply-add scaled by the two block scales
 * (AVX2: vpmaddubsw with the sign trick; AVX-512 VNNI: vpdpbusd on offset weights, chosen at run time).
 * With AVX-512 VNNI the rows' bytes are tiled at load (kernels.h) so that each lane of a vpdpbusd chain
 * holds one block's whole dot; the activations are tiled to match once per call (go_q8_quantize_act).
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kernels.h"

#define QUANT_ROWS_PER_TASK 512
#ifndef Q8_PF
#define Q8_PF 1024
#endif

size_t go_q8_bytes(int N, int K) {
  size_t nb = (size_t)(K + 31) / 32;
  return (size_t)N * nb * 34;
}

int go_q8_tiled(void) {
#ifdef GO_X86
  return go_kernels.dense_q8 >= GO_L_AVX512;
#else
  return 0;
#endif
}

/* A row of nb plain int8 blocks into the tiled layout (kernels.h), in place. */
static void q8_tile_row(int8_t *row, int nb) {
  uint32_t in[128], out[128];
  for (int g = 0; g < nb; g += 16) {
    int m = nb - g < 16 ? nb - g : 16;
    memcpy(in, row + 32 * (size_t)g, (size_t)32 * m);
    go_tile_group(out, in, m, 8, 0x80808080u);
    memcpy(row + 32 * (size_t)g, out, (size_t)32 * m);
  }
}


/* One 32-block of f32 to int8 with scale amax/127 rounded to f16 first (so q matches what is stored). */
static uint16_t quant_block_scalar(const float *v, int count, int8_t *q) {
  float amax = 0;
  int finite = 1;
  for (int i = 0; i < count; i++) {
    finite &= isfinite(v[i]) != 0;
    amax = fmaxf(amax, fabsf(v[i]));
  }
  if (!finite) {
    memset(q, 0, 32);
    return GO_F16_NAN;
  }
  uint16_t d16 = go_f32_to_f16(amax / 127.0f);
  float d = go_f16_to_f32(d16), id = d > 0 ? 1.0f / d : 0.0f;
  for (int i = 0; i < 32; i++) {
    float r = i < count ? rintf(v[i] * id) : 0.0f;
    q[i] = (int8_t)(r > 127 ? 127 : r < -127 ? -127 : r);
  }
  return d16;
}

/* Activations: 15-bit blocks with an f32 scale, as two int8 planes (kernels.h; quantized per call, precision is free). */
static void quant_act_scalar(const float *x, int K, int8_t *q, float *d) {
  int nb = (K + 31) / 32;
  int8_t *lo = q + (size_t)32 * nb;
  for (int b = 0; b < nb; b++) {
    int count = K - 32 * b < 32 ? K - 32 * b : 32;
    const float *v = x + 32 * b;
    float amax = 0;
    int finite = 1;
    for (int i = 0; i < count; i++) {
      finite &= isfinite(v[i]) != 0;
      amax = fmaxf(amax, fabsf(v[i]));
    }
    float db = finite ? amax / GO_ACT_QMAX : NAN, id = db > 0 ? 1.0f / db : 0.0f; /* NaN > 0 is false */
    for (int i = 0; i < 32; i++) {
      int r = i < count ? (int)rintf(v[i] * id) : 0;
      r = r > 16256 ? 16256 : r < -16256 ? -16256 : r;
      q[32 * b + i] = (int8_t)(r >> 7);
      lo[32 * b + i] = (int8_t)(r & 127);
    }
    d[b] = db;
  }
}

static float dot_q8_scalar(const int8_t *w, const uint16_t *s, const int8_t *xq, const float *xd, int nb) {
  float acc = 0;
  const int8_t *xl = xq + (size_t)32 * nb;
  for (int b = 0; b < nb; b++) {
    int sum = 0;
    for (int i = 0; i < 32; i++) sum += w[32 * b + i] * (128 * xq[32 * b + i] + xl[32 * b + i]);
    acc += (float)sum * (go_f16_to_f32(s[b]) * xd[b]);
  }
  return acc;
}

#ifdef GO_X86
GO_AVX2 static inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* 32 f32 -> 32 int8 (round to nearest even, saturating), in order. */
GO_AVX2 static inline __m256i pack32(__m256 a, __m256 b, __m256 c, __m256 d, __m256 mul) {
  __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(a, mul)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(b, mul));
  __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(c, mul)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(d, mul));
  __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  /* -128 cannot occur (|v * 127 / amax| <= 127), but clamp anyway: sign tricks below need |q| <= 127 */
  return _mm256_max_epi8(p, _mm256_set1_epi8(-127));
}

GO_AVX2 static inline float amax32(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, a), _mm256_andnot_ps(sign, b)),
                           _mm256_max_ps(_mm256_andnot_ps(sign, c), _mm256_andnot_ps(sign, d)));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

/* 1 when all 32 values are finite (NaN and infinities compare unordered or above FLT_MAX). */
GO_AVX2 static inline int finite32(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 sign = _mm256_set1_ps(-0.0f), lim = _mm256_set1_ps(3.40282347e38f);
  __m256 ok = _mm256_and_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, a), lim, _CMP_LE_OQ),
                            _mm256_cmp_ps(_mm256_andnot_ps(sign, b), lim, _CMP_LE_OQ));
  ok = _mm256_and_ps(ok, _mm256_and_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, c), lim, _CMP_LE_OQ),
                                       _mm256_cmp_ps(_mm256_andnot_ps(sign, d), lim, _CMP_LE_OQ)));
  return _mm256_movemask_ps(ok) == 0xff;
}

GO_AVX2 static inline __m256 bf16x8(const uint16_t *w) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)w)), 16));
}

/* Whole blocks only (K % 32 == 0); dtype bf16 or f32. */
GO_AVX2 static void quant_row_avx2(const void *src, int dtype, int K, int8_t *q, uint16_t *s) {
  for (int b = 0; b < K / 32; b++) {
    __m256 a, c, e, f;
    if (dtype == GO_DT_BF16) {
      const uint16_t *w = (const uint16_t *)src + 32 * b;
      a = bf16x8(w), c = bf16x8(w + 8), e = bf16x8(w + 16), f = bf16x8(w + 24);
    } else {
      const float *w = (const float *)src + 32 * b;
      a = _mm256_loadu_ps(w), c = _mm256_loadu_ps(w + 8), e = _mm256_loadu_ps(w + 16), f = _mm256_loadu_ps(w + 24);
    }
    if (!finite32(a, c, e, f)) {
      _mm256_storeu_si256((__m256i *)(q + 32 * b), _mm256_setzero_si256());
      s[b] = GO_F16_NAN;
      continue;
    }
    uint16_t d16 = go_f32_to_f16(amax32(a, c, e, f) / 127.0f);
    float d = go_f16_to_f32(d16), id = d > 0 ? 1.0f / d : 0.0f;
    _mm256_storeu_si256((__m256i *)(q + 32 * b), pack32(a, c, e, f, _mm256_set1_ps(id)));
    s[b] = d16;
  }
}

/* 8 int32 (|v| <= 16256) -> hi = v >> 7 and lo = v & 127, 8 int8 each, into h and l */
GO_AVX2 static inline void split8(__m256i v, int8_t *h, int8_t *l) {
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  __m256i hv = _mm256_shuffle_epi8(_mm256_srai_epi32(v, 7), pick);
  __m256i lv = _mm256_shuffle_epi8(_mm256_and_si256(v, _mm256_set1_epi32(127)), pick);
  uint32_t h0 = (uint32_t)_mm256_extract_epi32(hv, 0), h1 = (uint32_t)_mm256_extract_epi32(hv, 4);
  uint32_t l0 = (uint32_t)_mm256_extract_epi32(lv, 0), l1 = (uint32_t)_mm256_extract_epi32(lv, 4);
  memcpy(h, &h0, 4), memcpy(h + 4, &h1, 4), memcpy(l, &l0, 4), memcpy(l + 4, &l1, 4);
}

GO_AVX2 static void quant_act_avx2(const float *x, int K, int8_t *q, float *d) {
  int nb = (K + 31) / 32, b = 0;
  int8_t *lo = q + (size_t)32 * nb;
  for (; 32 * b + 32 <= K; b++) {
    const float *v = x + 32 * b;
    __m256 a = _mm256_loadu_ps(v), c = _mm256_loadu_ps(v + 8), e = _mm256_loadu_ps(v + 16), f = _mm256_loadu_ps(v + 24);
    if (!finite32(a, c, e, f)) {
      memset(q + 32 * b, 0, 32);
      memset(lo + 32 * b, 0, 32);
      d[b] = NAN;
      continue;
    }
    float db = amax32(a, c, e, f) / GO_ACT_QMAX, id = db > 0 ? 1.0f / db : 0.0f;
    __m256 mul = _mm256_set1_ps(id);
    const __m256i lim = _mm256_set1_epi32(16256), nlim = _mm256_set1_epi32(-16256);
    __m256 parts[4] = {a, c, e, f};
    for (int i = 0; i < 4; i++) {
      __m256i r = _mm256_max_epi32(_mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(parts[i], mul)), lim), nlim);
      split8(r, q + 32 * b + 8 * i, lo + 32 * b + 8 * i);
    }
    d[b] = db;
  }
  if (32 * b < K) {
    /* the tail block through the scalar path, whose lo plane starts one block after its hi block */
    int8_t tmp[64];
    quant_act_scalar(x + 32 * b, K - 32 * b, tmp, d + b);
    memcpy(q + 32 * b, tmp, 32);
    memcpy(lo + 32 * b, tmp + 32, 32);
  }
}

/* sum over blocks of (w . x) * sw * sx for one block pair, as 8 int32 lanes -> f32 */
GO_AVX2 static inline __m256i block_dot_i(__m256i w, __m256i x, __m256i ax) {
  __m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w, x));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}
/* the 15-bit activation: 128 * (w . hi) + (w . lo), lo >= 0 so it is its own absolute value */
GO_AVX2 static inline __m256 block_dot(__m256i w, __m256i xh, __m256i axh, __m256i xl) {
  return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_slli_epi32(block_dot_i(w, xh, axh), 7), block_dot_i(w, xl, xl)));
}

/*
 * R weight rows (any addresses: 4 neighbours, or 2 from different parts of the run, which gives two
 * forward streams whose misses overlap) against one quantized activation: each x block and |x| are
 * loaded once for the R rows; the block scales come 8 at a time (F16C) and are multiplied by the
 * activation's scales, then picked per block with a lane permute. R is a constant where it is inlined.
 */
GO_AVX2 static inline __attribute__((always_inline)) void rows_q8_avx2(int R, const int8_t *const *w,
                                                                      const uint16_t *const *s, int nb,
                                                                      const int8_t *xq, const float *xd, float *out) {
  size_t Kp = (size_t)32 * nb;
  __m256 acc[4], c[4];
  for (int i = 0; i < R; i++) acc[i] = _mm256_setzero_ps();
  int b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m256 xs = _mm256_loadu_ps(xd + b);
    for (int i = 0; i < R; i++) c[i] = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s[i] + b))), xs);
    /* 8 blocks = 256 B = 4 cache lines per row per iteration; fetch them Q8_PF bytes ahead */
    for (int l = 0; l < 256; l += 64)
      for (int i = 0; i < R; i++) _mm_prefetch((const char *)(w[i] + 32 * b + Q8_PF + l), _MM_HINT_T0);
    for (int j = 0; j < 8; j++) {
      size_t o = (size_t)32 * (b + j);
      __m256i x = _mm256_loadu_si256((const __m256i *)(xq + o)), ax = _mm256_sign_epi8(x, x);
      __m256i xl = _mm256_loadu_si256((const __m256i *)(xq + Kp + o));
      __m256i idx = _mm256_set1_epi32(j);
      for (int i = 0; i < R; i++)
        acc[i] = _mm256_fmadd_ps(block_dot(_mm256_loadu_si256((const __m256i *)(w[i] + o)), x, ax, xl),
                                 _mm256_permutevar8x32_ps(c[i], idx), acc[i]);
    }
  }
  for (; b < nb; b++) {
    size_t o = (size_t)32 * b;
    __m256i x = _mm256_loadu_si256((const __m256i *)(xq + o)), ax = _mm256_sign_epi8(x, x);
    __m256i xl = _mm256_loadu_si256((const __m256i *)(xq + Kp + o));
    for (int i = 0; i < R; i++)
      acc[i] = _mm256_fmadd_ps(block_dot(_mm256_loadu_si256((const __m256i *)(w[i] + o)), x, ax, xl),
                               _mm256_set1_ps(go_f16_to_f32(s[i][b]) * xd[b]), acc[i]);
  }
  for (int i = 0; i < R; i++) out[i] = hsum8(acc[i]);
}

GO_AVX2 static void dot4_q8_avx2(const int8_t *w, size_t Kp, const uint16_t *s, int nb, const int8_t *xq,
                                 const float *xd, float out[4]) {
  const int8_t *ws[4] = {w, w + Kp, w + 2 * Kp, w + 3 * Kp};
  const uint16_t *ss[4] = {s, s + nb, s + 2 * nb, s + 3 * nb};
  rows_q8_avx2(4, ws, ss, nb, xq, xd, out);
}

/* one token, two rows from different parts of the run: two forward streams (as rows_q8t_avx512) */
GO_AVX2 static void row2_q8_avx2(const int8_t *w0, const uint16_t *s0, const int8_t *w1, const uint16_t *s1, int nb,
                                 const int8_t *xq, const float *xd, float *o0, float *o1) {
  const int8_t *ws[2] = {w0, w1};
  const uint16_t *ss[2] = {s0, s1};
  float o[2];
  rows_q8_avx2(2, ws, ss, nb, xq, xd, o);
  *o0 = o[0];
  *o1 = o[1];
}

GO_AVX2 static float dot1_q8_avx2(const int8_t *w, const uint16_t *s, int nb, const int8_t *xq, const float *xd) {
  float o;
  rows_q8_avx2(1, &w, &s, nb, xq, xd, &o);
  return o;
}

GO_AVX2 static void dequant_avx2(float *dst, const int8_t *q, const uint16_t *s, int nb) {
  for (int b = 0; b < nb; b++) {
    __m256 d = _mm256_set1_ps(go_f16_to_f32(s[b]));
    for (int i = 0; i < 32; i += 8) {
      __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(q + 32 * b + i)));
      _mm256_storeu_ps(dst + 32 * b + i, _mm256_mul_ps(_mm256_cvtepi32_ps(v), d));
    }
  }
}

/*
 * AVX-512 VNNI, on the tiled layout (kernels.h): vpdpbusd multiplies unsigned by signed bytes, so the
 * weights are stored as w + 128 and the excess 128 * sum(x) of a block is taken back once per block
 * through the activation's precomputed c[b] = -128 * d[b] * sum(q). Per group of 16 blocks, 8 vpdpbusd per
 * activation plane leave each block's integer dot in its own lane, so the float work (convert, scale,
 * offset) is done once per 16 blocks and token instead of once per 2 (about half the vector operations of
 * the plain layout's kernel per weight byte; 2-4 tokens share each weight load and nothing else).
 * Rows are read as one forward stream each, prefetched Q8_PF512 bytes ahead into L2, not L1: an L1
 * prefetch holds one of the core's few L1 miss buffers until the line arrives (bench/dense-q8-stream.c on
 * the Zen 4 host, 2026-12-04, plain layout: one thread 0.89-0.91 of a plain read against 0.84-0.86 with
 * L1, two threads 0.94-1.01 against 0.75-0.94; a longer distance did worse). Where (or whether) it
 * prefetches is the caller's `pf`: on other hosts L1 or none was faster (prefetch-tuner.h).
 */
#ifndef Q8_PF512
#define Q8_PF512 1024
#endif
/* 2-4 tokens take 2-4x the cycles per row, and at Q8_PF512 their rows came in late: one thread over 200 MB
 * of rows took 11.4 / 14.3 / 17.0 ms (2 / 3 / 4 tokens) at 1024 bytes ahead and 7.1-7.9 / 8.5 / 11.0 at 4096,
 * against 7.5-8.3 for one token (bench/dense-multi-hot.c 65536 20; the one-token path stays at Q8_PF512) */
#ifndef Q8_PF_MULTI
#define Q8_PF_MULTI 4096
#endif
GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_rows(const int R, const int T, const int pf,
                                                                          const int8_t *const *w, const uint16_t *const *s,
                                                                          int nb, const int8_t *xq, size_t qs, const float *xd,
                                                                          const float *xc, size_t nbk, float *const *out,
                                                                          size_t ostride) {
  size_t plane = (size_t)32 * nbk;
  __m512 acc[2][4];
  for (int r = 0; r < R; r++)
    for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
  for (int g = 0; g < nb; g += 16) {
    const int m = nb - g < 16 ? nb - g : 16;
    const size_t go = (size_t)32 * g;
    __m512i dh[2][4], dl[2][4];
    for (int r = 0; r < R; r++)
      for (int t = 0; t < T; t++) dh[r][t] = dl[r][t] = _mm512_setzero_si512();
    if (pf == GO_PF_L2)
      for (int r = 0; r < R; r++)
        for (int l = 0; l < 512; l += 64) _mm_prefetch((const char *)(w[r] + go + Q8_PF512 + l), _MM_HINT_T1);
    else if (pf == GO_PF_L1)
      for (int r = 0; r < R; r++)
        for (int l = 0; l < 512; l += 64) _mm_prefetch((const char *)(w[r] + go + Q8_PF512 + l), _MM_HINT_T0);
    for (int i = 0; i < 8; i++) {
      __m512i wv[2];
      for (int r = 0; r < R; r++)
        wv[r] = m == 16 ? _mm512_loadu_si512((const void *)(w[r] + go + 64 * i))
                        : _mm512_maskz_loadu_epi8(((__mmask64)1 << (4 * m)) - 1, w[r] + go + 4 * (size_t)m * i);
      for (int t = 0; t < T; t++) {
        const int8_t *x = xq + t * qs + go + 64 * i;
        __m512i xh = _mm512_loadu_si512((const void *)x), xl = _mm512_loadu_si512((const void *)(x + plane));
        for (int r = 0; r < R; r++) {
          dh[r][t] = _mm512_dpbusd_epi32(dh[r][t], wv[r], xh);
          dl[r][t] = _mm512_dpbusd_epi32(dl[r][t], wv[r], xl);
        }
      }
    }
    const __mmask16 mk = (__mmask16)((1u << m) - 1);
    for (int r = 0; r < R; r++) {
      __m512 sw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, s[r] + g));
      for (int t = 0; t < T; t++) {
        __m512i d = _mm512_add_epi32(_mm512_slli_epi32(dh[r][t], 7), dl[r][t]);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(sw, _mm512_loadu_ps(xd + t * nbk + g)), acc[r][t]);
        acc[r][t] = _mm512_fmadd_ps(sw, _mm512_loadu_ps(xc + t * nbk + g), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int t = 0; t < T; t++) out[r][t * ostride] = _mm512_reduce_add_ps(acc[r][t]);
}

/*
 * Two rows against 2-4 tokens, one group of 16 blocks. Each 64 bytes of a row meet both activation planes
 * in the same pass, into their own accumulators (hi and lo, 4T chains: vpdpbusd takes 4 cycles and the
 * core issues two a cycle, so 8 chains that each take two products per vector, as before, kept it at about
 * one a cycle), each weight vector loaded once. The float sums wait in memory between groups, which leaves
 * the 32 registers to the integer chains (in registers they spilled), and the loop over the group is
 * unrolled by pragma (left to itself GCC rotated the accumulators through register copies). Same integers
 * ((hi << 7) + lo) and the same float work in the same order: the same bits as before and as one token
 * alone. Against the kernel before, in one process (bench/dense-q8-ab.c, Zen 5 host, 2026-12-06): 2 / 3 / 4
 * tokens in 0.79-0.80 / 0.79-0.81 / 0.90-0.91x its time from L1 and L2; from DRAM 0.81-0.91x at 2 tokens,
 * 0.98-1.07x at 3 and 4 (there the prefetch mode weighs more: prefetch-tuner.h picks it per token count).
 */
GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_rows2_multi_group(const int T, const int FULL, const int PF, int m,
                                                                                       const int8_t *const *w,
                                                                                       const uint16_t *const *s, int g,
                                                                                       const int8_t *xq, size_t qs, size_t plane, const float *xd,
                                                                                       const float *xc, size_t nbk, float accm[2][4][16]) {
  const size_t go = (size_t)32 * g;
  const __mmask64 wm = FULL ? ~(__mmask64)0 : ((__mmask64)1 << (4 * m)) - 1;
  const size_t wstep = FULL ? 64 : (size_t)4 * m;
  __m512i dh[2][4], dl[2][4];
  for (int r = 0; r < 2; r++)
    for (int t = 0; t < T; t++) dh[r][t] = dl[r][t] = _mm512_setzero_si512();
  if (Q8_PF_MULTI > 0 && PF != GO_PF_NONE)
    for (int r = 0; r < 2; r++)
      for (int l = 0; l < 512; l += 64)
        _mm_prefetch((const char *)(w[r] + go + Q8_PF_MULTI + l), PF == GO_PF_L1 ? _MM_HINT_T0 : _MM_HINT_T1);
#pragma GCC unroll 8
  for (int i = 0; i < 8; i++) {
    __m512i w0 = FULL ? _mm512_loadu_si512((const void *)(w[0] + go + 64 * i)) : _mm512_maskz_loadu_epi8(wm, w[0] + go + wstep * i);
    __m512i w1 = FULL ? _mm512_loadu_si512((const void *)(w[1] + go + 64 * i)) : _mm512_maskz_loadu_epi8(wm, w[1] + go + wstep * i);
    __asm__("" : "+v"(w0), "+v"(w1));
    for (int t = 0; t < T; t++) {
      const int8_t *x = xq + t * qs + go + 64 * i;
      __m512i xh = _mm512_loadu_si512((const void *)x), xl = _mm512_loadu_si512((const void *)(x + plane));
      __asm__("" : "+v"(xh), "+v"(xl));
      dh[0][t] = _mm512_dpbusd_epi32(dh[0][t], w0, xh);
      dh[1][t] = _mm512_dpbusd_epi32(dh[1][t], w1, xh);
      dl[0][t] = _mm512_dpbusd_epi32(dl[0][t], w0, xl);
      dl[1][t] = _mm512_dpbusd_epi32(dl[1][t], w1, xl);
    }
  }
  const __mmask16 mk = (__mmask16)((1u << m) - 1);
  for (int r = 0; r < 2; r++) {
    __m512 sw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, s[r] + g));
    for (int t = 0; t < T; t++) {
      __m512i d = _mm512_add_epi32(_mm512_slli_epi32(dh[r][t], 7), dl[r][t]);
      __m512 a = _mm512_load_ps(accm[r][t]);
      a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(sw, _mm512_loadu_ps(xd + t * nbk + g)), a);
      a = _mm512_fmadd_ps(sw, _mm512_loadu_ps(xc + t * nbk + g), a);
      _mm512_store_ps(accm[r][t], a);
    }
  }
  __asm__ volatile("" ::: "memory");
}

GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_rows2_multi(const int T, const int PF, const int8_t *const *w,
                                                                                 const uint16_t *const *s, int nb,
                                                                                 const int8_t *xq, size_t qs, const float *xd,
                                                                                 const float *xc, size_t nbk, float *const *out,
                                                                                 size_t ostride) {
  size_t plane = (size_t)32 * nbk;
  float accm[2][4][16] __attribute__((aligned(64)));
  for (int r = 0; r < 2; r++)
    for (int t = 0; t < T; t++) _mm512_store_ps(accm[r][t], _mm512_setzero_ps());
  int full = nb & ~15, g = 0;
  for (; g < full; g += 16) q8t_rows2_multi_group(T, 1, PF, 16, w, s, g, xq, qs, plane, xd, xc, nbk, accm);
  if (g < nb) q8t_rows2_multi_group(T, 0, PF, nb - g, w, s, g, xq, qs, plane, xd, xc, nbk, accm);
  for (int r = 0; r < 2; r++)
    for (int t = 0; t < T; t++) out[r][t * ostride] = _mm512_reduce_add_ps(_mm512_load_ps(accm[r][t]));
}

/*
 * One token (decode), NR rows at a time from NR parts of the run (forward streams whose misses overlap):
 * the one-token case of q8t_rows, in its own small function. Each activation vector and each weight vector is loaded once
 * into a register (the empty asm keeps the compiler from folding a load into every vpdpbusd that uses
 * it, which made 3 loads per 64 bytes of weights where 2 do), and no pointer or counter lives on the stack:
 * inlined among the other shapes of rows_q8t_avx512, the loop spilled both. Same integers, same order of
 * the float work: the same bits as q8t_rows.
 */
#ifndef Q8_ONE_NR
#define Q8_ONE_NR 2
#endif
GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_one_group(const int8_t *const *w, const uint16_t *const *s,
                                                                               int g, const int8_t *x, size_t plane,
                                                                               const float *xd, const float *xc, const int NR,
                                                                               const int FULL, int m, const int pf, __m512 *acc) {
  const size_t go = (size_t)32 * g;
  __m512i dh[4], dl[4];
  for (int r = 0; r < NR; r++) dh[r] = dl[r] = _mm512_setzero_si512();
  if (pf != GO_PF_NONE)
    for (int r = 0; r < NR; r++)
      for (int l = 0; l < 512; l += 64)
        _mm_prefetch((const char *)(w[r] + go + Q8_PF512 + l), pf == GO_PF_L1 ? _MM_HINT_T0 : _MM_HINT_T1);
  const __mmask64 wm = FULL ? ~(__mmask64)0 : ((__mmask64)1 << (4 * m)) - 1;
  const size_t ws = FULL ? 64 : (size_t)4 * m;
  for (int i = 0; i < 8; i++) {
    __m512i xh = _mm512_loadu_si512((const void *)(x + go + 64 * i)), xl = _mm512_loadu_si512((const void *)(x + plane + go + 64 * i));
    __asm__("" : "+v"(xh), "+v"(xl));
    for (int r = 0; r < NR; r++) {
      __m512i wv = FULL ? _mm512_loadu_si512((const void *)(w[r] + go + 64 * i)) : _mm512_maskz_loadu_epi8(wm, w[r] + go + ws * i);
      __asm__("" : "+v"(wv));
      dh[r] = _mm512_dpbusd_epi32(dh[r], wv, xh);
      dl[r] = _mm512_dpbusd_epi32(dl[r], wv, xl);
    }
  }
  const __mmask16 mk = (__mmask16)((1u << m) - 1);
  __m512 d_ = _mm512_loadu_ps(xd + g), c_ = _mm512_loadu_ps(xc + g);
  for (int r = 0; r < NR; r++) {
    __m512 sw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, s[r] + g));
    __m512i d = _mm512_add_epi32(_mm512_slli_epi32(dh[r], 7), dl[r]);
    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(sw, d_), acc[r]);
    acc[r] = _mm512_fmadd_ps(sw, c_, acc[r]);
  }
}

GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_one_rows(const int8_t *const *w, const uint16_t *const *s,
                                                                              int nb, const int8_t *x, size_t plane, const float *xd,
                                                                              const float *xc, const int NR, const int pf,
                                                                              float *const *out) {
  __m512 acc[4];
  for (int r = 0; r < NR; r++) acc[r] = _mm512_setzero_ps();
  int full = nb & ~15, g = 0;
  for (; g < full; g += 16) q8t_one_group(w, s, g, x, plane, xd, xc, NR, 1, 16, pf, acc);
  if (g < nb) q8t_one_group(w, s, g, x, plane, xd, xc, NR, 0, nb - g, pf, acc);
  for (int r = 0; r < NR; r++) *out[r] = _mm512_reduce_add_ps(acc[r]);
}

GO_DENSE_AVX512 static inline __attribute__((always_inline)) void q8t_one_run(const int8_t *q, const uint16_t *s, int nb, int r0,
                                                                             int r1, const int8_t *xq, const float *xd,
                                                                             const float *xc, size_t nbk, float *out, const int pf) {
  size_t Kp = (size_t)32 * nb, plane = (size_t)32 * nbk;
  int part = (r1 - r0) / Q8_ONE_NR, r = r0;
  for (; r < r0 + part; r++) {
    const int8_t *w[4];
    const uint16_t *sr[4];
    float *o[4];
    for (int k = 0; k < Q8_ONE_NR; k++)
      w[k] = q + (size_t)(r + k * part) * Kp, sr[k] = s + (size_t)(r + k * part) * nb, o[k] = out + r + k * part;
    q8t_one_rows(w, sr, nb, xq, plane, xd, xc, Q8_ONE_NR, pf, o);
  }
  for (r = r0 + Q8_ONE_NR * part; r < r1; r++) {
    const int8_t *w[1] = {q + (size_t)r * Kp};
    const uint16_t *sr[1] = {s + (size_t)r * nb};
    float *o[1] = {out + r};
    q8t_one_rows(w, sr, nb, xq, plane, xd, xc, 1, pf, o);
  }
}

GO_DENSE_AVX512 static void q8t_one(const uint8_t *wq, const uint16_t *s, int nb, int r0, int r1, const int8_t *xq, const float *xd,
                                    const float *xc, size_t nbk, float *out, int pf) {
  const int8_t *q = (const int8_t *)wq;
  if (pf == GO_PF_NONE) q8t_one_run(q, s, nb, r0, r1, xq, xd, xc, nbk, out, GO_PF_NONE);
  else if (pf == GO_PF_L1) q8t_one_run(q, s, nb, r0, r1, xq, xd, xc, nbk, out, GO_PF_L1);
  else q8t_one_run(q, s, nb, r0, r1, xq, xd, xc, nbk, out, GO_PF_L2);
}

/* rows [r0, r1) against n <= 4 tokens: one token in q8t_one; more two rows at a time from the two halves
 * of the run (two forward streams, whose misses overlap: measured +5 % on the plain layout), an odd last
 * row alone. */
GO_DENSE_AVX512 static void rows_q8t_avx512(const uint8_t *wq, const uint16_t *s, int nb, int r0, int r1, const int8_t *xq,
                                           size_t qs, const float *xd, const float *xc, size_t nbk, int n, float *out,
                                           size_t ostride, int pf) {
  if (n == 1) {
    q8t_one(wq, s, nb, r0, r1, xq, xd, xc, nbk, out, pf);
    return;
  }
  size_t Kp = (size_t)32 * nb;
  const int8_t *q = (const int8_t *)wq;
  int r = r0;
  int half = (r1 - r0) / 2;
  for (; r < r0 + half; r++) {
    const int8_t *w[2] = {q + (size_t)r * Kp, q + (size_t)(r + half) * Kp};
    const uint16_t *sr[2] = {s + (size_t)r * nb, s + (size_t)(r + half) * nb};
    float *o[2] = {out + r, out + r + half};
#define Q8_MULTI(T)                                                                                        \
  if (pf == GO_PF_L1) q8t_rows2_multi(T, GO_PF_L1, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride);             \
  else if (pf == GO_PF_NONE) q8t_rows2_multi(T, GO_PF_NONE, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride);    \
  else q8t_rows2_multi(T, GO_PF_L2, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride);
    switch (n) {
      case 2: Q8_MULTI(2) break;
      case 3: Q8_MULTI(3) break;
      default: Q8_MULTI(4) break;
    }
#undef Q8_MULTI
  }
  r += half;
  for (; r < r1; r++) {
    const int8_t *w[1] = {q + (size_t)r * Kp};
    const uint16_t *sr[1] = {s + (size_t)r * nb};
    float *o[1] = {out + r};
    switch (n) {
      case 2: q8t_rows(1, 2, pf, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride); break;
      case 3: q8t_rows(1, 3, pf, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride); break;
      default: q8t_rows(1, 4, pf, w, sr, nb, xq, qs, xd, xc, nbk, o, ostride); break;
    }
  }
}
#endif

/* ---- quantization of a whole matrix at load --------------------------------------------------- */

typedef struct {
  uint8_t *dst;
  const void *w;
  int dtype, N, K;
  int release;
} quant_ctx;

static void quant_task(void *vctx, int task, int thread) {
  (void)thread;
  quant_ctx *c = vctx;
  int r0 = task * QUANT_ROWS_PER_TASK, r1 = r0 + QUANT_ROWS_PER_TASK;
  if (r1 > c->N) r1 = c->N;
  int nb = (c->K + 31) / 32, Kp = 32 * nb;
  size_t es = c->dtype == GO_DT_BF16 ? 2 : 4;
  int8_t *q = (int8_t *)c->dst;
  uint16_t *s = (uint16_t *)(c->dst + (size_t)c->N * Kp);
  float tmp[32];
  for (int r = r0; r < r1; r++) {
    const char *src = (const char *)c->w + (size_t)r * c->K * es;
    int8_t *qr = q + (size_t)r * Kp;
    uint16_t *sr = s + (size_t)r * nb;
    int done = 0;
#ifdef GO_X86
    if (go_kernels.dense_q8 >= GO_L_AVX2) {
      done = c->K & ~31;
      quant_row_avx2(src, c->dtype, done, qr, sr);
    }
#endif
    for (int b = done / 32; b < nb; b++) {
      int count = c->K - 32 * b < 32 ? c->K - 32 * b : 32;
      for (int i = 0; i < count; i++)
        tmp[i] = c->dtype == GO_DT_BF16 ? go_bf16_to_f32(((const uint16_t *)src)[32 * b + i]) : ((const float *)src)[32 * b + i];
      sr[b] = quant_block_scalar(tmp, count, qr + 32 * b);
    }
    if (go_q8_tiled()) q8_tile_row(qr, nb);
  }
  if (c->release) {
    /* The source is a read-only shared file mapping: dropping its pages from this process only
     * costs a re-read from the page cache if they are touched again, so round outwards. */
    uintptr_t a = (uintptr_t)((const char *)c->w + (size_t)r0 * c->K * es);
    uintptr_t e = (uintptr_t)((const char *)c->w + (size_t)r1 * c->K * es);
    uintptr_t page = 4096;
    a &= ~(page - 1);
    e = (e + page - 1) & ~(page - 1);
    madvise((void *)a, e - a, MADV_DONTNEED);
  }
}

void go_q8_quantize(pool_t *p, uint8_t *dst, const void *w, int dtype, int N, int K, int release) {
  quant_ctx c = {dst, w, dtype, N, K, release};
  pool_run(p, quant_task, &c, (N + QUANT_ROWS_PER_TASK - 1) / QUANT_ROWS_PER_TASK);
}

/* ---- pieces the dense matmul uses ------------------------------------------------------------- */

void go_q8_quantize_act(const float *x, int K, int8_t *q, float *d, float *c) {
  int nb = (K + 31) / 32, nbk = go_q8_act_blocks(K);
  /* tiled: quantized in plain order here first, then transposed into q */
  static __thread int8_t *plain;
  static __thread size_t plain_bytes;
  int tiled = go_q8_tiled();
  int8_t *p = q;
  if (tiled) {
    size_t need = go_q8_act_stride(K);
    if (plain_bytes < need) {
      free(plain);
      plain = aligned_alloc(64, (need + 63) & ~(size_t)63);
      plain_bytes = plain ? need : 0;
    }
    if (!plain) { /* out of memory: NaN scales, which the engine reports as non-finite logits */
      memset(q, 0, go_q8_act_stride(K));
      for (int b = 0; b < nbk; b++) d[b] = NAN;
      if (c)
        for (int b = 0; b < nbk; b++) c[b] = NAN;
      return;
    }
    p = plain;
  }
#ifdef GO_X86
  if (go_kernels.dense_q8 >= GO_L_AVX2) quant_act_avx2(x, K, p, d);
  else
#endif
    quant_act_scalar(x, K, p, d);
  for (int b = nb; b < nbk; b++) d[b] = 0.0f;
  if (c) {
    for (int b = 0; b < nb; b++) {
      int sum = 0;
      for (int i = 0; i < 32; i++) sum += 128 * p[32 * b + i] + p[(size_t)32 * nb + 32 * b + i];
      c[b] = -128.0f * d[b] * (float)sum;
    }
    for (int b = nb; b < nbk; b++) c[b] = 0.0f;
  }
  if (tiled) {
    /* plane k of the token: [group][run i][lane j] = bytes 4i..4i+3 of block 16g + j, zero past the last block */
    size_t plane = (size_t)32 * nbk;
    memset(q, 0, 2 * plane);
    for (int k = 0; k < 2; k++)
      for (int b = 0; b < nb; b++)
        for (int i = 0; i < 8; i++)
          memcpy(q + k * plane + 32 * (size_t)(b & ~15) + 64 * i + 4 * (b & 15), p + (size_t)k * 32 * nb + 32 * (size_t)b + 4 * i, 4);
  }
}

/* out[t * ostride + r] for rows [r0, r1) and n quantized tokens (xq [n, Kp], xd [n, nb]) */
void go_q8_rows_dot(const uint8_t *wq, int N, int K, int r0, int r1, const int8_t *xq, const float *xd,
                    const float *xc, int n, float *out, size_t ostride, int pf) {
  int nb = (K + 31) / 32, nbk = go_q8_act_blocks(K);
  size_t Kp = (size_t)32 * nb, qs = go_q8_act_stride(K);
  const int8_t *q = (const int8_t *)wq;
  const uint16_t *s = (const uint16_t *)(wq + (size_t)N * Kp);
  int r = r0;
#ifdef GO_X86
  if (go_q8_tiled()) {
    for (int t0 = 0; t0 < n; t0 += 4)
      rows_q8t_avx512(wq, s, nb, r0, r1, xq + (size_t)t0 * qs, qs, xd + (size_t)t0 * nbk, xc + (size_t)t0 * nbk, nbk,
                      n - t0 < 4 ? n - t0 : 4, out + (size_t)t0 * ostride, ostride, pf);
    return;
  }
  if (go_kernels.dense_q8 >= GO_L_AVX2) {
    float o4[4];
    if (n == 1) { /* two streams, as on AVX-512: measured 27 -> 34 GB/s over 4 rows side by side */
      int half = (r1 - r0) / 2;
      for (; r < r0 + half; r++)
        row2_q8_avx2(q + (size_t)r * Kp, s + (size_t)r * nb, q + (size_t)(r + half) * Kp, s + (size_t)(r + half) * nb, nb, xq, xd,
                     out + r, out + r + half);
      r += half;
    }
    for (; r + 4 <= r1; r += 4)
      for (int t = 0; t < n; t++) {
        dot4_q8_avx2(q + (size_t)r * Kp, Kp, s + (size_t)r * nb, nb, xq + (size_t)t * qs, xd + (size_t)t * nbk, o4);
        for (int i = 0; i < 4; i++) out[(size_t)t * ostride + r + i] = o4[i];
      }
    for (; r < r1; r++)
      for (int t = 0; t < n; t++)
        out[(size_t)t * ostride + r] = dot1_q8_avx2(q + (size_t)r * Kp, s + (size_t)r * nb, nb, xq + (size_t)t * qs, xd + (size_t)t * nbk);
    return;
  }
#endif
  for (; r < r1; r++)
    for (int t = 0; t < n; t++)
      out[(size_t)t * ostride + r] = dot_q8_scalar(q + (size_t)r * Kp, s + (size_t)r * nb, xq + (size_t)t * qs, xd + (size_t)t * nbk, nb);
}

/* rows [r0, r0 + nr) decoded to f32 [nr, K] */
void go_q8_rows_to_f32(float *dst, const uint8_t *wq, int N, int K, int r0, int nr) {
  int nb = (K + 31) / 32;
  size_t Kp = (size_t)32 * nb;
  const int8_t *q = (const int8_t *)wq;
  const uint16_t *s = (const uint16_t *)(wq + (size_t)N * Kp);
  for (int r = r0; r < r0 + nr; r++) {
    float *d = dst + (size_t)(r - r0) * K;
    const int8_t *qr = q + (size_t)r * Kp;
    const uint16_t *sr = s + (size_t)r * nb;
    if (go_q8_tiled()) {
      /* a group at a time back to plain order (16 blocks, 512 bytes), then the plain conversion */
      int8_t plain[512];
      uint32_t in[128], out[128];
      for (int g = 0; g < nb; g += 16) {
        int m = nb - g < 16 ? nb - g : 16;
        memcpy(in, qr + 32 * (size_t)g, (size_t)32 * m);
        go_untile_group(out, in, m, 8, 0x80808080u);
        memcpy(plain, out, (size_t)32 * m);
        int whole = 32 * (g + m) <= K ? m : m - 1; /* the row's last block may be padding past K */
#ifdef GO_X86
        if (go_kernels.dense_q8 >= GO_L_AVX2) dequant_avx2(d + 32 * (size_t)g, plain, sr + g, whole);
        else
#endif
          for (int i = 0; i < 32 * whole; i++) d[32 * (size_t)g + i] = plain[i] * go_f16_to_f32(sr[g + i / 32]);
        for (int i = 32 * (g + whole); i < K && i < 32 * (g + m); i++) d[i] = plain[i - 32 * g] * go_f16_to_f32(sr[i / 32]);
      }
      continue;
    }
    int b = 0;
#ifdef GO_X86
    if (go_kernels.dense_q8 >= GO_L_AVX2) {
      dequant_avx2(d, qr, sr, K / 32);
      b = K / 32;
    }
#endif
    for (int i = 32 * b; i < K; i++) d[i] = qr[i] * go_f16_to_f32(sr[i / 32]);
  }
}

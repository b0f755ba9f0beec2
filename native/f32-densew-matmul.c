/*
 * Dense matmul with f32, bf16 or 8-bit (q8-dense.c) weights. Decode (n small): one pass over the
 * weight rows, each row dotted with every token straight from memory; on AVX-512 one row (two for a
 * single token) streams at a time, on AVX2 four rows side by side. Prefill: a task decodes a block
 * of rows to f32 once and runs a 4-row x 3-token register tile over all tokens.
 */
#include <stdlib.h>

#include "kernels.h"
#include "prefetch-tuner.h"

/* rows per prefill task, decoded to f32 once: 64 x 2880 x 4 B = 720 KiB, L2-resident */
#define ROW_BLOCK 64
#define DIRECT_MAX_TOKENS 4
/* software prefetch distance of the matrix-vector kernels, in bf16 elements (bytes / 2) */
#define PF_BF16 512

float go_dot_f32_scalar(const float *a, const float *b, int K) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= K; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < K; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

static float dot_bf16_scalar(const float *x, const uint16_t *w, int K) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= K; i += 4) {
    s0 += x[i] * go_bf16_to_f32(w[i]);
    s1 += x[i + 1] * go_bf16_to_f32(w[i + 1]);
    s2 += x[i + 2] * go_bf16_to_f32(w[i + 2]);
    s3 += x[i + 3] * go_bf16_to_f32(w[i + 3]);
  }
  for (; i < K; i++) s0 += x[i] * go_bf16_to_f32(w[i]);
  return (s0 + s1) + (s2 + s3);
}

#ifdef GO_X86
GO_AVX2 static inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

GO_AVX2 static inline __m256 load_bf16x8(const uint16_t *w) {
  __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)w));
  return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
}

GO_AVX2 static float dot_f32_avx2(const float *a, const float *b, int K) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 32 <= K; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= K; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < K; i++) s += a[i] * b[i];
  return s;
}

GO_AVX2 static float dot_bf16_avx2(const float *x, const uint16_t *w, int K) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 32 <= K; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load_bf16x8(w + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), load_bf16x8(w + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), load_bf16x8(w + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), load_bf16x8(w + i + 24), s3);
  }
  for (; i + 8 <= K; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load_bf16x8(w + i), s0);
  float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < K; i++) s += x[i] * go_bf16_to_f32(w[i]);
  return s;
}

/* 4 bf16 rows against one f32 x (x stays in L1): 8 independent accumulators, one x load per 4 rows. */
GO_AVX2 static void dot4_bf16_avx2(const float *x, const uint16_t *w, size_t stride, int K, float out[4]) {
  const uint16_t *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int i = 0;
  for (; i + 32 <= K; i += 32) {
    _mm_prefetch((const char *)(w0 + i + PF_BF16), _MM_HINT_T0);
    _mm_prefetch((const char *)(w1 + i + PF_BF16), _MM_HINT_T0);
    _mm_prefetch((const char *)(w2 + i + PF_BF16), _MM_HINT_T0);
    _mm_prefetch((const char *)(w3 + i + PF_BF16), _MM_HINT_T0);
    for (int j = 0; j < 32; j += 16) {
      __m256 x0 = _mm256_loadu_ps(x + i + j), x1 = _mm256_loadu_ps(x + i + j + 8);
      a0 = _mm256_fmadd_ps(x0, load_bf16x8(w0 + i + j), a0);
      b0 = _mm256_fmadd_ps(x1, load_bf16x8(w0 + i + j + 8), b0);
      a1 = _mm256_fmadd_ps(x0, load_bf16x8(w1 + i + j), a1);
      b1 = _mm256_fmadd_ps(x1, load_bf16x8(w1 + i + j + 8), b1);
      a2 = _mm256_fmadd_ps(x0, load_bf16x8(w2 + i + j), a2);
      b2 = _mm256_fmadd_ps(x1, load_bf16x8(w2 + i + j + 8), b2);
      a3 = _mm256_fmadd_ps(x0, load_bf16x8(w3 + i + j), a3);
      b3 = _mm256_fmadd_ps(x1, load_bf16x8(w3 + i + j + 8), b3);
    }
  }
  for (; i + 8 <= K; i += 8) {
    __m256 x0 = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(x0, load_bf16x8(w0 + i), a0);
    a1 = _mm256_fmadd_ps(x0, load_bf16x8(w1 + i), a1);
    a2 = _mm256_fmadd_ps(x0, load_bf16x8(w2 + i), a2);
    a3 = _mm256_fmadd_ps(x0, load_bf16x8(w3 + i), a3);
  }
  float r[4] = {hsum256(_mm256_add_ps(a0, b0)), hsum256(_mm256_add_ps(a1, b1)), hsum256(_mm256_add_ps(a2, b2)),
                hsum256(_mm256_add_ps(a3, b3))};
  const uint16_t *wr[4] = {w0, w1, w2, w3};
  for (int k = 0; k < 4; k++) {
    for (int t = i; t < K; t++) r[k] += x[t] * go_bf16_to_f32(wr[k][t]);
    out[k] = r[k];
  }
}

/* 4 weight rows x 3 tokens: 12 accumulators + 3 x loads + 1 w load = 16 ymm registers. */
GO_AVX2 static void tile_4x3_avx2(const float *W, int K, const float *const *xs, float *const *outs, int r0, int K8) {
  const float *w0 = W + (size_t)r0 * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
  const float *x0 = xs[0], *x1 = xs[1], *x2 = xs[2];
  __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
  __m256 a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
  for (int i = 0; i < K8; i += 8) {
    __m256 v0 = _mm256_loadu_ps(x0 + i), v1 = _mm256_loadu_ps(x1 + i), v2 = _mm256_loadu_ps(x2 + i);
    __m256 w = _mm256_loadu_ps(w0 + i);
    a00 = _mm256_fmadd_ps(w, v0, a00);
    a01 = _mm256_fmadd_ps(w, v1, a01);
    a02 = _mm256_fmadd_ps(w, v2, a02);
    w = _mm256_loadu_ps(w1 + i);
    a10 = _mm256_fmadd_ps(w, v0, a10);
    a11 = _mm256_fmadd_ps(w, v1, a11);
    a12 = _mm256_fmadd_ps(w, v2, a12);
    w = _mm256_loadu_ps(w2 + i);
    a20 = _mm256_fmadd_ps(w, v0, a20);
    a21 = _mm256_fmadd_ps(w, v1, a21);
    a22 = _mm256_fmadd_ps(w, v2, a22);
    w = _mm256_loadu_ps(w3 + i);
    a30 = _mm256_fmadd_ps(w, v0, a30);
    a31 = _mm256_fmadd_ps(w, v1, a31);
    a32 = _mm256_fmadd_ps(w, v2, a32);
  }
  float r[4][3] = {{hsum256(a00), hsum256(a01), hsum256(a02)},
                   {hsum256(a10), hsum256(a11), hsum256(a12)},
                   {hsum256(a20), hsum256(a21), hsum256(a22)},
                   {hsum256(a30), hsum256(a31), hsum256(a32)}};
  const float *wr[4] = {w0, w1, w2, w3};
  const float *xr[3] = {x0, x1, x2};
  for (int a = 0; a < 4; a++)
    for (int t = 0; t < 3; t++) {
      float s = r[a][t];
      for (int i = K8; i < K; i++) s += wr[a][i] * xr[t][i];
      outs[t][r0 + a] = s;
    }
}

GO_AVX2 static void tile_f32_avx2(const float *W, int nr, int K, const float *const *xs, int nt, float *const *outs) {
  int K8 = K & ~7;
  int t = 0;
  /* tokens outer: the 3 x rows stay in L1 while the weight rows (L2-resident block) stream past */
  for (; t + 3 <= nt; t += 3) {
    int r = 0;
    for (; r + 4 <= nr; r += 4) tile_4x3_avx2(W, K, xs + t, outs + t, r, K8);
    for (; r < nr; r++)
      for (int u = 0; u < 3; u++) outs[t + u][r] = dot_f32_avx2(W + (size_t)r * K, xs[t + u], K);
  }
  for (; t < nt; t++)
    for (int r = 0; r < nr; r++) outs[t][r] = dot_f32_avx2(W + (size_t)r * K, xs[t], K);
}

/*
 * AVX-512 bf16 rows: 64 bytes of weights are 32 bf16; a shift by 16 gives the even elements as f32
 * and masking the low halves the odd ones, so x is handed over de-interleaved per 32 elements
 * ([16 even][16 odd], zero padded; see deinterleave32) and no widening shuffle is needed. One row
 * at a time against all T tokens, one forward stream per thread (as q8-dense.c's kernels).
 */
#ifndef PF_BF16_512
#define PF_BF16_512 1024
#endif
GO_DENSE_AVX512 static inline __attribute__((always_inline)) void row_bf16_avx512(int T, const uint16_t *w, int K,
                                                                                  const float *xs, size_t xstride,
                                                                                  float *out, size_t ostride) {
  const __m512i hi = _mm512_set1_epi32((int)0xffff0000u);
  __m512 acc[4], acc2[4];
  for (int t = 0; t < T; t++) acc[t] = acc2[t] = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= K; i += 32) {
    _mm_prefetch((const char *)(w + i) + PF_BF16_512, _MM_HINT_T0);
    __m512i v = _mm512_loadu_si512(w + i);
    __m512 even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), odd = _mm512_castsi512_ps(_mm512_and_si512(v, hi));
    for (int t = 0; t < T; t++) {
      acc[t] = _mm512_fmadd_ps(even, _mm512_loadu_ps(xs + t * xstride + i), acc[t]);
      acc2[t] = _mm512_fmadd_ps(odd, _mm512_loadu_ps(xs + t * xstride + i + 16), acc2[t]);
    }
  }
  if (i < K) {
    __m512i v = _mm512_maskz_loadu_epi16((__mmask32)((1ull << (K - i)) - 1), w + i);
    __m512 even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)), odd = _mm512_castsi512_ps(_mm512_and_si512(v, hi));
    for (int t = 0; t < T; t++) {
      acc[t] = _mm512_fmadd_ps(even, _mm512_loadu_ps(xs + t * xstride + i), acc[t]);
      acc2[t] = _mm512_fmadd_ps(odd, _mm512_loadu_ps(xs + t * xstride + i + 16), acc2[t]);
    }
  }
  for (int t = 0; t < T; t++) out[t * ostride] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t], acc2[t]));
}

/* one token, two rows from different parts of the run: two independent streams, so their page walks and
 * misses overlap (measured 21 -> 22.5 GB/s on the mapped checkpoint's unembedding, 30 -> 33 on huge pages) */
GO_DENSE_AVX512 static void row2_bf16_avx512(const uint16_t *w0, const uint16_t *w1, int K, const float *x, float *o0,
                                            float *o1) {
  const __m512i hi = _mm512_set1_epi32((int)0xffff0000u);
  __m512 a0 = _mm512_setzero_ps(), b0 = a0, a1 = a0, b1 = a0;
  int i = 0;
  for (; i + 32 <= K; i += 32) {
    _mm_prefetch((const char *)(w0 + i) + PF_BF16_512, _MM_HINT_T0);
    _mm_prefetch((const char *)(w1 + i) + PF_BF16_512, _MM_HINT_T0);
    __m512i v0 = _mm512_loadu_si512(w0 + i), v1 = _mm512_loadu_si512(w1 + i);
    __m512 xe = _mm512_loadu_ps(x + i), xo = _mm512_loadu_ps(x + i + 16);
    a0 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v0, 16)), xe, a0);
    b0 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v0, hi)), xo, b0);
    a1 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v1, 16)), xe, a1);
    b1 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v1, hi)), xo, b1);
  }
  if (i < K) {
    __mmask32 m = (__mmask32)((1ull << (K - i)) - 1);
    __m512i v0 = _mm512_maskz_loadu_epi16(m, w0 + i), v1 = _mm512_maskz_loadu_epi16(m, w1 + i);
    __m512 xe = _mm512_loadu_ps(x + i), xo = _mm512_loadu_ps(x + i + 16);
    a0 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v0, 16)), xe, a0);
    b0 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v0, hi)), xo, b0);
    a1 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32(v1, 16)), xe, a1);
    b1 = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512(v1, hi)), xo, b1);
  }
  *o0 = _mm512_reduce_add_ps(_mm512_add_ps(a0, b0));
  *o1 = _mm512_reduce_add_ps(_mm512_add_ps(a1, b1));
}

GO_DENSE_AVX512 static void rows_bf16_avx512(const uint16_t *w, int K, int r0, int r1, const float *xs, size_t xstride,
                                            int n, float *out, size_t ostride) {
  for (int t0 = 0; t0 < n; t0 += 4) {
    int T = n - t0 < 4 ? n - t0 : 4;
    const float *x = xs + t0 * xstride;
    float *o = out + t0 * ostride;
    int r = r0;
    if (T == 1) { /* two streams (row2_bf16_avx512) */
      int half = (r1 - r0) / 2;
      for (; r < r0 + half; r++)
        row2_bf16_avx512(w + (size_t)r * K, w + (size_t)(r + half) * K, K, x, o + r, o + r + half);
      r += half;
    }
    for (; r < r1; r++) {
      const uint16_t *wr = w + (size_t)r * K;
      switch (T) {
        case 1: row_bf16_avx512(1, wr, K, x, xstride, o + r, ostride); break;
        case 2: row_bf16_avx512(2, wr, K, x, xstride, o + r, ostride); break;
        case 3: row_bf16_avx512(3, wr, K, x, xstride, o + r, ostride); break;
        default: row_bf16_avx512(4, wr, K, x, xstride, o + r, ostride); break;
      }
    }
  }
}

GO_AVX2 static void bf16_to_f32_avx2(float *dst, const uint16_t *src, int K) {
  int i = 0;
  for (; i + 8 <= K; i += 8) _mm256_storeu_ps(dst + i, load_bf16x8(src + i));
  for (; i < K; i++) dst[i] = go_bf16_to_f32(src[i]);
}
#endif

float go_dot_f32(const float *a, const float *b, int K) {
#ifdef GO_X86
  if (go_kernels.dense >= GO_L_AVX2) return dot_f32_avx2(a, b, K);
#endif
  return go_dot_f32_scalar(a, b, K);
}

static float dot_dense(const float *x, const void *w, int dtype, size_t row, int K) {
  if (dtype == GO_DT_BF16) {
    const uint16_t *wr = (const uint16_t *)w + row * (size_t)K;
#ifdef GO_X86
    if (go_kernels.dense >= GO_L_AVX2) return dot_bf16_avx2(x, wr, K);
#endif
    return dot_bf16_scalar(x, wr, K);
  }
  return go_dot_f32(x, (const float *)w + row * (size_t)K, K);
}

void go_tile_f32(const float *W, int nr, int K, const float *const *xs, int nt, float *const *outs) {
#ifdef GO_X86
  if (go_kernels.dense >= GO_L_AVX2) {
    tile_f32_avx2(W, nr, K, xs, nt, outs);
    return;
  }
#endif
  for (int t = 0; t < nt; t++)
    for (int r = 0; r < nr; r++) outs[t][r] = go_dot_f32_scalar(W + (size_t)r * K, xs[t], K);
}

static void rows_to_f32(float *dst, const void *w, int dtype, int N, size_t row0, int nr, int K) {
  size_t count = (size_t)nr * K;
  if (dtype == GO_DT_Q8) {
    go_q8_rows_to_f32(dst, w, N, K, (int)row0, nr);
    return;
  }
  if (dtype == GO_DT_F32) {
    memcpy(dst, (const float *)w + row0 * K, count * 4);
    return;
  }
  const uint16_t *src = (const uint16_t *)w + row0 * K;
#ifdef GO_X86
  if (go_kernels.dense >= GO_L_AVX2) {
    bf16_to_f32_avx2(dst, src, (int)count);
    return;
  }
#endif
  for (size_t i = 0; i < count; i++) dst[i] = go_bf16_to_f32(src[i]);
}

/* x [K] -> per 32 elements [16 even][16 odd], zero padded to roundup(K, 32) (row_bf16_avx512's order). */
static void deinterleave32(float *dst, const float *x, int K) {
  int Kp = (K + 31) & ~31;
  for (int i = 0; i < Kp; i += 32)
    for (int j = 0; j < 16; j++) {
      dst[i + j] = i + 2 * j < K ? x[i + 2 * j] : 0.0f;
      dst[i + 16 + j] = i + 2 * j + 1 < K ? x[i + 2 * j + 1] : 0.0f;
    }
}

typedef struct {
  pool_t *pool;
  float *out;
  const float *x;
  int n, K, N, dtype, rows_per_task;
  const void *w;
  const float *bias;
  const int8_t *xq; /* q8: the tokens quantized once per call */
  const float *xd, *xc;
  const float *xs; /* bf16 on AVX-512: the tokens de-interleaved, [n, roundup(K, 32)] */
  int pf;          /* q8: where the kernel prefetches its rows (prefetch-tuner.h) */
} mm_ctx;

/* Rows [r0, r1) for every token, weights streamed once; 4 rows at a time where the SIMD path has it. */
static void mm_direct_task(void *vctx, int task, int thread) {
  (void)thread;
  mm_ctx *c = vctx;
  int r0 = task * c->rows_per_task, r1 = r0 + c->rows_per_task;
  if (r1 > c->N) r1 = c->N;
  size_t K = (size_t)c->K, N = (size_t)c->N;
  if (c->dtype == GO_DT_Q8) {
    go_q8_rows_dot(c->w, c->N, c->K, r0, r1, c->xq, c->xd, c->xc, c->n, c->out, N, c->pf);
  } else if (c->xs) {
#ifdef GO_X86
    rows_bf16_avx512(c->w, c->K, r0, r1, c->xs, (size_t)((c->K + 31) & ~31), c->n, c->out, N);
#endif
  } else {
    int r = r0;
#ifdef GO_X86
    if (go_kernels.dense >= GO_L_AVX2 && c->dtype == GO_DT_BF16) {
      float o4[4];
      for (; r + 4 <= r1; r += 4)
        for (int t = 0; t < c->n; t++) {
          dot4_bf16_avx2(c->x + t * K, (const uint16_t *)c->w + r * K, K, c->K, o4);
          for (int i = 0; i < 4; i++) c->out[t * N + r + i] = o4[i];
        }
    }
#endif
    for (; r < r1; r++)
      for (int t = 0; t < c->n; t++) c->out[t * N + r] = dot_dense(c->x + t * K, c->w, c->dtype, (size_t)r, c->K);
  }
  if (c->bias)
    for (int t = 0; t < c->n; t++)
      for (int r = r0; r < r1; r++) c->out[t * N + r] += c->bias[r];
}

static void mm_tiled_task(void *vctx, int task, int thread) {
  mm_ctx *c = vctx;
  int r0 = task * c->rows_per_task, nr = c->rows_per_task;
  if (r0 + nr > c->N) nr = c->N - r0;
  size_t wbytes = (size_t)nr * c->K * sizeof(float);
  size_t pbytes = (size_t)c->n * 2 * sizeof(void *);
  char *mem = pool_scratch(c->pool, thread, wbytes + pbytes);
  float *W = (float *)mem;
  const float **xs = (const float **)(mem + wbytes);
  float **outs = (float **)(xs + c->n);
  rows_to_f32(W, c->w, c->dtype, c->N, (size_t)r0, nr, c->K);
  for (int t = 0; t < c->n; t++) {
    xs[t] = c->x + (size_t)t * c->K;
    outs[t] = c->out + (size_t)t * c->N + r0;
  }
  go_tile_f32(W, nr, c->K, xs, c->n, outs);
  if (c->bias)
    for (int t = 0; t < c->n; t++)
      for (int r = 0; r < nr; r++) outs[t][r] += c->bias[r0 + r];
}

/* the pool's caller thread's: [tokens - 1][size class], for the direct calls of 1 to 4 tokens (larger batches
   take the tiled kernel, which does not prefetch). A call's cost per byte grows with its tokens, so each
   count keeps its own. */
_Static_assert(DIRECT_MAX_TOKENS <= GO_DENSE_PF_TOKENS, "a tuner for every direct call's token count");
static _Thread_local go_pf_tuner dense_pf[GO_DENSE_PF_TOKENS][GO_DENSE_PF_CLASSES];

/* the tuner of a call of n tokens on a matrix of `bytes`: its class is log2 of the size in MiB */
static go_pf_tuner *dense_pf_tuner(size_t bytes, int n) {
  int b = 0;
  for (size_t mib = bytes >> 20; mib > 1 && b < GO_DENSE_PF_CLASSES - 1; mib >>= 1) b++;
  return &dense_pf[(n < GO_DENSE_PF_TOKENS ? n : GO_DENSE_PF_TOKENS) - 1][b];
}

const go_pf_tuner *go_dense_pf_tuner(int n, int b) {
  return n >= 1 && n <= GO_DENSE_PF_TOKENS && b >= 0 && b < GO_DENSE_PF_CLASSES ? &dense_pf[n - 1][b] : NULL;
}

void f32_densew_matmul(pool_t *p, float *out, const float *x, int n, int K, const void *w, int dtype, int N,
                       const float *bias) {
  mm_ctx c = {p, out, x, n, K, N, dtype, 0, w, bias, NULL, NULL, NULL, NULL, GO_PF_L2};
  float *xs_own = NULL;
  if (n <= DIRECT_MAX_TOKENS) {
    if (dtype == GO_DT_Q8) {
      int nbk = go_q8_act_blocks(K);
      size_t qs = go_q8_act_stride(K);
      char *ws = pool_workspace(p, (size_t)n * (qs + (size_t)nbk * 8));
      int8_t *xq = (int8_t *)ws;
      float *xd = (float *)(ws + (size_t)n * qs), *xc = xd + (size_t)n * nbk;
      for (int t = 0; t < n; t++)
        go_q8_quantize_act(x + (size_t)t * K, K, xq + (size_t)t * qs, xd + (size_t)t * nbk, xc + (size_t)t * nbk);
      c.xq = xq;
      c.xd = xd;
      c.xc = xc;
    } else if (dtype == GO_DT_BF16 && go_kernels.dense >= GO_L_AVX512) {
      /* its own buffer, not pool_workspace: the MoE calls this for its router while holding that */
      size_t Kp = (size_t)((K + 31) & ~31);
      xs_own = aligned_alloc(64, (size_t)n * Kp * sizeof(float));
      if (xs_own) { /* else (out of memory) the AVX2 path, which needs no copy */
        for (int t = 0; t < n; t++) deinterleave32(xs_own + t * Kp, x + (size_t)t * K, K);
        c.xs = xs_own;
      }
    }
    /* contiguous runs (whole 4-row groups), several per thread so a slow thread is caught up */
    int tasks = pool_threads(p) * 4;
    int rpt = (N + tasks - 1) / tasks;
    rpt = (rpt + 3) & ~3;
    c.rows_per_task = rpt < 16 ? 16 : rpt;
    /* the 8-bit kernel's prefetch: calls time the modes per number of tokens and size class of matrix, and
       pick. With 2-4 tokens L1 was 1.1-1.3x faster than L2 from DRAM in some minutes and not in others
       (bench/dense-q8-ab.c, Zen 5 host, 2026-12-06), as with one. */
    go_pf_tuner *tuner = dense_pf_tuner(go_q8_bytes(N, K), n);
    int tune = dtype == GO_DT_Q8 && go_q8_tiled() && go_cpu.dense_prefetch == GO_PF_AUTO;
    c.pf = tune ? go_pf_begin(tuner) : go_pf_pick(tuner, go_cpu.dense_prefetch);
    double t0 = tune ? go_pf_now() : 0;
    pool_run(p, mm_direct_task, &c, (N + c.rows_per_task - 1) / c.rows_per_task);
    if (tune) go_pf_end(tuner, c.pf, go_pf_now() - t0, (double)go_q8_bytes(N, K));
    free(xs_own);
  } else {
    c.rows_per_task = ROW_BLOCK;
    pool_run(p, mm_tiled_task, &c, (N + ROW_BLOCK - 1) / ROW_BLOCK);
  }
}

void f32_densew_embed(float *out, const void *table, int dtype, int H, const int *tokens, int n) {
  for (int i = 0; i < n; i++) rows_to_f32(out + (size_t)i * H, table, dtype, 0, (size_t)tokens[i], 1, H);
}

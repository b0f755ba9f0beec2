/*
 * The MoE block after its norm, in one call: router matmul, top-k (ties to the lower index),
 * softmax over the selected logits, then per expert mlp1 (MXFP4) + bias, swiglu with clamp,
 * mlp2 (MXFP4) + bias, and the weighted sum. Tokens are grouped by expert, so each expert's rows
 * are read once per call whatever the batch size.
 *
 * Activations entering an MXFP4 product are first put in "split" order per 32-block (the 16 even
 * elements, then the 16 odd ones) because byte j of a block holds elements 2j (low nibble) and
 * 2j+1 (high nibble): the low nibbles then line up with the first half, the high with the second.
 * exact: split f32 activations, weights decoded exactly (2*fp4 is an integer, 2^(e-128) a power of two).
 * fast: split activations quantized to 15 bits per block (scale amax/GO_ACT_QMAX), kept as two int8 planes
 * (hi = q >> 7, then lo = q & 127 at moe_xq_stride(K) bytes further; kernels.h), integer multiply-add on each.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "f32-mxfp4w-moe-act.h"
#include "f32-mxfp4w-moe-q8.h"
#include "kernels.h"
#include "prefetch-tuner.h"

#ifdef GO_X86
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define ROWS_PER_ITEM 64
/* Experts with few tokens stream their rows once: longer runs per work item keep each thread on a
   contiguous stretch (fewer restarts of the prefetch) at a small cost in end-of-stage balance.
   Measured on the mmapped checkpoint (bench/moe-kernel-harness.c, 20b, n=1, 2 threads): 256 rows
   3.63 ms/layer, 512 3.52, 768-1440 3.45-3.47, 2880 3.51; ending each stage on short items did
   not pay. */
#ifndef STREAM_ROWS_PER_ITEM
#define STREAM_ROWS_PER_ITEM 1024
#endif
#define FUSED_MAX_TOKENS 2
/* fast + AVX-512: experts with at most this many tokens stream their rows once for all of them
   (moe_dot16_q8_avx512); more expand the rows first (the tile). Both give a token the same bits. */
#define ROWS_MAX_TOKENS 4

typedef struct {
  int e, r0, nr;
} item_t;

typedef struct {
  const moe_args *a;
  pool_t *pool;
  int stage; /* 1: mlp1, 2: mlp2 */
  const item_t *items;
  const int *order; /* assignment ids grouped by expert */
  const int *offs;  /* [E+1] */
  /* inputs of the current stage, split order: exact f32 or fast int8 + per-block scales */
  const float *inf;
  const int8_t *inq;
  const float *ind;
  const float *inhx, *incx; /* fast + AVX-512: per-block derived scales (f32-mxfp4w-moe-q8.h) */
  const int8_t *inxt;        /* fast + AVX-512: the block-transposed layout of the tiles (moe_transpose16) */
  int in_per_assignment; /* 1: indexed by assignment (mlp2), 0: by token (mlp1) */
  int K, R; /* input length, rows per expert */
  const uint8_t *blocks, *scales;
  const float *bias;
  float *outp; /* [n*k, R] */
  int pf;      /* the streaming kernel's prefetch (prefetch-tuner.h) */
} stage_ctx;

/* ---- portable kernels ---------------------------------------------------------------------- */

static float dot_mxfp4_f32_scalar(const uint8_t *b, const uint8_t *s, const float *xp, int nb) {
  float acc = 0;
  for (int g = 0; g < nb; g++) {
    float v = 0;
    const uint8_t *bg = b + 16 * g;
    const float *xg = xp + 32 * g;
    for (int j = 0; j < 16; j++) v += go_fp4_x2[bg[j] & 15] * xg[j] + go_fp4_x2[bg[j] >> 4] * xg[16 + j];
    acc += v * go_e8m0_half[s[g]];
  }
  return acc;
}

static float dot_q8_scalar(const int8_t *wq, const float *ws, const int8_t *xq, const float *xd, int nb) {
  float acc = 0;
  const int8_t *xl = xq + moe_xq_stride(32 * nb);
  for (int g = 0; g < nb; g++) {
    int sum = 0;
    for (int j = 0; j < 32; j++) sum += wq[32 * g + j] * (128 * xq[32 * g + j] + xl[32 * g + j]);
    acc += (float)sum * (ws[g] * xd[g]);
  }
  return acc;
}

static float dot_mxfp4_q8_scalar(const uint8_t *b, const uint8_t *s, const int8_t *xq, const float *xd, int nb) {
  float acc = 0;
  const int8_t *xl = xq + moe_xq_stride(32 * nb);
  for (int g = 0; g < nb; g++) {
    int sum = 0;
    const uint8_t *bg = b + 16 * g;
    const int8_t *xg = xq + 32 * g, *lg = xl + 32 * g;
    for (int j = 0; j < 16; j++)
      sum += go_fp4_x2[bg[j] & 15] * (128 * xg[j] + lg[j]) + go_fp4_x2[bg[j] >> 4] * (128 * xg[16 + j] + lg[16 + j]);
    acc += (float)sum * (go_e8m0_half[s[g]] * xd[g]);
  }
  return acc;
}

#ifdef GO_X86
GO_AVX2 static inline float hsum256m(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* 16 packed bytes -> 32 int8 (2*fp4): low nibbles in the low lane, high nibbles in the high lane. */
GO_AVX2 static inline __m256i unpack_fp4x2(const uint8_t *b, __m128i lut, __m128i mask) {
  __m128i bytes = _mm_loadu_si128((const __m128i *)b);
  __m128i lo = _mm_shuffle_epi8(lut, _mm_and_si128(bytes, mask));
  __m128i hi = _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(bytes, 4), mask));
  return _mm256_set_m128i(hi, lo);
}

GO_AVX2 static inline __m256i dot_i8x32_i(__m256i w, __m256i x) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(p16, ones);
}

/* w . (128 * hi + lo) for one 32-block; lo lies moe_xq_stride(K) bytes after hi (xs) */
GO_AVX2 static inline __m256 dot_i8x32(__m256i w, const int8_t *x, size_t xs) {
  __m256i h = dot_i8x32_i(w, _mm256_loadu_si256((const __m256i *)x));
  __m256i l = dot_i8x32_i(w, _mm256_loadu_si256((const __m256i *)(x + xs)));
  return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_slli_epi32(h, 7), l));
}

GO_AVX2 static float dot_mxfp4_f32_avx2(const uint8_t *b, const uint8_t *s, const float *xp, int nb) {
  const __m128i lut = _mm_loadu_si128((const __m128i *)go_fp4_x2), mask = _mm_set1_epi8(15);
  __m256 acc = _mm256_setzero_ps();
  for (int g = 0; g < nb; g++) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)(b + 16 * g));
    __m128i lo = _mm_shuffle_epi8(lut, _mm_and_si128(bytes, mask));
    __m128i hi = _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(bytes, 4), mask));
    const float *xg = xp + 32 * g;
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), _mm256_loadu_ps(xg));
    v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), _mm256_loadu_ps(xg + 8), v);
    v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), _mm256_loadu_ps(xg + 16), v);
    v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), _mm256_loadu_ps(xg + 24), v);
    acc = _mm256_fmadd_ps(v, _mm256_set1_ps(go_e8m0_half[s[g]]), acc);
  }
  return hsum256m(acc);
}

GO_AVX2 static float dot_mxfp4_q8_avx2(const uint8_t *b, const uint8_t *s, const int8_t *xq, const float *xd, int nb) {
  const __m128i lut = _mm_loadu_si128((const __m128i *)go_fp4_x2), mask = _mm_set1_epi8(15);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
  size_t xs = (size_t)moe_xq_stride(32 * nb);
  int g = 0;
  for (; g + 2 <= nb; g += 2) {
    __m256i w0 = unpack_fp4x2(b + 16 * g, lut, mask), w1 = unpack_fp4x2(b + 16 * g + 16, lut, mask);
    acc0 = _mm256_fmadd_ps(dot_i8x32(w0, xq + 32 * g, xs), _mm256_set1_ps(go_e8m0_half[s[g]] * xd[g]), acc0);
    acc1 = _mm256_fmadd_ps(dot_i8x32(w1, xq + 32 * g + 32, xs), _mm256_set1_ps(go_e8m0_half[s[g + 1]] * xd[g + 1]), acc1);
  }
  for (; g < nb; g++) {
    __m256i w0 = unpack_fp4x2(b + 16 * g, lut, mask);
    acc0 = _mm256_fmadd_ps(dot_i8x32(w0, xq + 32 * g, xs), _mm256_set1_ps(go_e8m0_half[s[g]] * xd[g]), acc0);
  }
  return hsum256m(_mm256_add_ps(acc0, acc1));
}

GO_AVX2 static float dot_q8_avx2(const int8_t *wq, const float *ws, const int8_t *xq, const float *xd, int nb) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
  size_t xs = (size_t)moe_xq_stride(32 * nb);
  int g = 0;
  for (; g + 2 <= nb; g += 2) {
    __m256i w0 = _mm256_loadu_si256((const __m256i *)(wq + 32 * g)), w1 = _mm256_loadu_si256((const __m256i *)(wq + 32 * g + 32));
    acc0 = _mm256_fmadd_ps(dot_i8x32(w0, xq + 32 * g, xs), _mm256_set1_ps(ws[g] * xd[g]), acc0);
    acc1 = _mm256_fmadd_ps(dot_i8x32(w1, xq + 32 * g + 32, xs), _mm256_set1_ps(ws[g + 1] * xd[g + 1]), acc1);
  }
  for (; g < nb; g++) {
    __m256i w0 = _mm256_loadu_si256((const __m256i *)(wq + 32 * g));
    acc0 = _mm256_fmadd_ps(dot_i8x32(w0, xq + 32 * g, xs), _mm256_set1_ps(ws[g] * xd[g]), acc0);
  }
  return hsum256m(_mm256_add_ps(acc0, acc1));
}
#endif

static float dot_mxfp4_f32(const uint8_t *b, const uint8_t *s, const float *xp, int nb) {
#ifdef GO_X86
  if (go_kernels.moe >= GO_L_AVX2) return dot_mxfp4_f32_avx2(b, s, xp, nb);
#endif
  return dot_mxfp4_f32_scalar(b, s, xp, nb);
}

static float dot_mxfp4_q8(const uint8_t *b, const uint8_t *s, const int8_t *xq, const float *xd, int nb) {
#ifdef GO_X86
  if (go_kernels.moe_q8 >= GO_L_AVX2) return dot_mxfp4_q8_avx2(b, s, xq, xd, nb);
#endif
  return dot_mxfp4_q8_scalar(b, s, xq, xd, nb);
}

static float dot_q8(const int8_t *wq, const float *ws, const int8_t *xq, const float *xd, int nb) {
#ifdef GO_X86
  if (go_kernels.moe_q8 >= GO_L_AVX2) return dot_q8_avx2(wq, ws, xq, xd, nb);
#endif
  return dot_q8_scalar(wq, ws, xq, xd, nb);
}

/* ---- activation preparation ---------------------------------------------------------------- */

static void split_f32(float *dst, const float *x, int K) {
  for (int g = 0; g < K; g += 32)
    for (int j = 0; j < 16; j++) {
      dst[g + j] = x[g + 2 * j];
      dst[g + 16 + j] = x[g + 2 * j + 1];
    }
}

static void split_q8(int8_t *dst, float *d, const float *x, int K) {
  int8_t *lo = dst + moe_xq_stride(K);
  for (int g = 0; g < K; g += 32) {
    float amax = 0;
    int finite = 1;
    for (int j = 0; j < 32; j++) {
      finite &= isfinite(x[g + j]) != 0;
      amax = fmaxf(amax, fabsf(x[g + j]));
    }
    if (!finite) { /* see GO_F16_NAN in common.h */
      d[g / 32] = NAN;
      memset(dst + g, 0, 32);
      memset(lo + g, 0, 32);
      continue;
    }
    float scale = amax / GO_ACT_QMAX, inv = amax > 0 ? GO_ACT_QMAX / amax : 0.0f;
    d[g / 32] = scale;
    for (int j = 0; j < 32; j++) {
      int src = j < 16 ? 2 * j : 2 * (j - 16) + 1;
      int q = (int)lrintf(x[g + src] * inv);
      q = q > 16256 ? 16256 : q < -16256 ? -16256 : q;
      dst[g + j] = (int8_t)(q >> 7);
      lo[g + j] = (int8_t)(q & 127);
    }
  }
}

/* ---- one work item: rows [r0, r0+nr) of expert e for every assignment routed to e ----------- */

static void stage_task(void *vctx, int task, int thread) {
  stage_ctx *c = vctx;
  const moe_args *a = c->a;
  item_t it = c->items[task];
  int K = c->K, nb = K / 32;
  const int *as = c->order + c->offs[it.e];
  int cnt = c->offs[it.e + 1] - c->offs[it.e];
  size_t row0 = (size_t)it.e * c->R + it.r0;
  const uint8_t *B = c->blocks + row0 * nb * 16;
  const uint8_t *S = c->scales + row0 * nb;
  const float *bias = c->bias + row0;

#define IN_INDEX(asg) ((size_t)(c->in_per_assignment ? (asg) : (asg) / a->k))
  size_t qs = 2 * (size_t)moe_xq_stride(K), ps = (size_t)moe_nbp(K), xts = 2 * (size_t)moe_xt_stride(K);
  if (a->fast && go_kernels.moe_q8 >= GO_L_AVX512) {
    if (cnt <= ROWS_MAX_TOKENS) {
      const int8_t *xs[ROWS_MAX_TOKENS] = {0};
      const float *hx[ROWS_MAX_TOKENS] = {0}, *cx[ROWS_MAX_TOKENS] = {0};
      float *outs[ROWS_MAX_TOKENS] = {0};
      for (int t = 0; t < cnt; t++) {
        size_t ix = IN_INDEX(as[t]);
        xs[t] = c->inxt + ix * xts;
        hx[t] = c->inhx + ix * ps;
        cx[t] = c->incx + ix * ps;
        outs[t] = c->outp + (size_t)as[t] * c->R + it.r0;
      }
      moe_dot16_q8_avx512(B, S, it.nr, K, cnt, (a->tiled >> (c->stage - 1)) & 1, c->pf, xs, hx, cx, outs);
      for (int t = 0; t < cnt; t++)
        for (int r = 0; r < it.nr; r++) outs[t][r] += bias[r];
      return;
    }
    size_t wbytes = (moe_expand_bytes(it.nr, K) + 63) & ~(size_t)63;
    char *mem = pool_scratch(c->pool, thread, wbytes + (size_t)cnt * 4 * sizeof(void *));
    const int8_t **xs = (const int8_t **)(mem + wbytes);
    const float **hxs = (const float **)(xs + cnt), **cxs = hxs + cnt;
    float **outs = (float **)(cxs + cnt);
    for (int t = 0; t < cnt; t++) {
      size_t ix = IN_INDEX(as[t]);
      xs[t] = c->inxt + ix * xts;
      hxs[t] = c->inhx + ix * ps;
      cxs[t] = c->incx + ix * ps;
      outs[t] = c->outp + (size_t)as[t] * c->R + it.r0;
    }
    moe_expand_avx512(mem, B, S, it.nr, K, (a->tiled >> (c->stage - 1)) & 1);
    moe_tile_q8_avx512(mem, it.nr, K, cnt, xs, hxs, cxs, outs);
    for (int t = 0; t < cnt; t++)
      for (int r = 0; r < it.nr; r++) outs[t][r] += bias[r];
    return;
  }
  if (cnt <= FUSED_MAX_TOKENS) {
    for (int r = 0; r < it.nr; r++)
      for (int t = 0; t < cnt; t++) {
        size_t ix = IN_INDEX(as[t]);
        float v = a->fast ? dot_mxfp4_q8(B + (size_t)r * nb * 16, S + (size_t)r * nb, c->inq + ix * qs, c->ind + ix * nb, nb)
                          : dot_mxfp4_f32(B + (size_t)r * nb * 16, S + (size_t)r * nb, c->inf + ix * K, nb);
        c->outp[(size_t)as[t] * c->R + it.r0 + r] = v + bias[r];
      }
    return;
  }

  if (a->fast) {
    char *mem = pool_scratch(c->pool, thread, (size_t)it.nr * K + (size_t)it.nr * nb * sizeof(float));
    int8_t *wq = (int8_t *)mem;
    float *ws = (float *)(mem + (size_t)it.nr * K);
    for (int r = 0; r < it.nr; r++)
      for (int g = 0; g < nb; g++) {
        const uint8_t *bg = B + ((size_t)r * nb + g) * 16;
        int8_t *dst = wq + (size_t)r * K + 32 * g;
        for (int j = 0; j < 16; j++) {
          dst[j] = go_fp4_x2[bg[j] & 15];
          dst[16 + j] = go_fp4_x2[bg[j] >> 4];
        }
        ws[(size_t)r * nb + g] = go_e8m0_half[S[(size_t)r * nb + g]];
      }
    for (int t = 0; t < cnt; t++) {
      size_t ix = IN_INDEX(as[t]);
      const int8_t *xq = c->inq + ix * qs;
      const float *xd = c->ind + ix * nb;
      float *o = c->outp + (size_t)as[t] * c->R + it.r0;
      for (int r = 0; r < it.nr; r++) o[r] = dot_q8(wq + (size_t)r * K, ws + (size_t)r * nb, xq, xd, nb) + bias[r];
    }
    return;
  }

  size_t wbytes = (size_t)it.nr * K * sizeof(float);
  char *mem = pool_scratch(c->pool, thread, wbytes + (size_t)cnt * 2 * sizeof(void *));
  float *W = (float *)mem;
  const float **xs = (const float **)(mem + wbytes);
  float **outs = (float **)(xs + cnt);
  for (int r = 0; r < it.nr; r++)
    for (int g = 0; g < nb; g++) {
      const uint8_t *bg = B + ((size_t)r * nb + g) * 16;
      float sc = go_e8m0_half[S[(size_t)r * nb + g]];
      float *dst = W + (size_t)r * K + 32 * g;
      for (int j = 0; j < 16; j++) {
        dst[j] = (float)go_fp4_x2[bg[j] & 15] * sc;
        dst[16 + j] = (float)go_fp4_x2[bg[j] >> 4] * sc;
      }
    }
  for (int t = 0; t < cnt; t++) {
    xs[t] = c->inf + IN_INDEX(as[t]) * K;
    outs[t] = c->outp + (size_t)as[t] * c->R + it.r0;
  }
  go_tile_f32(W, it.nr, K, xs, cnt, outs);
  for (int t = 0; t < cnt; t++)
    for (int r = 0; r < it.nr; r++) outs[t][r] += bias[r];
#undef IN_INDEX
}

/* Bump allocation inside one workspace. */
typedef struct {
  char *base;
  size_t used;
} bump_t;
static void *bump(bump_t *b, size_t bytes) {
  void *p = b->base ? b->base + b->used : NULL;
  b->used += (bytes + 63) & ~(size_t)63;
  return p;
}

/* Prepared inputs of one stage: f32 split (exact) or int8 split + scales (fast), one vector per index. */
typedef struct {
  int K;
  float *f;
  int8_t *q, *xt;
  float *d, *hx, *cx;
} vecs_t;

static void prepare(const vecs_t *v, size_t i, const float *x, int fast) {
  int K = v->K;
  if (!fast) {
    split_f32(v->f + i * K, x, K);
    return;
  }
  size_t qs = (size_t)moe_xq_stride(K);
  int8_t *q = v->q + i * 2 * qs;
  float *d = v->d + i * (K / 32);
  if (go_kernels.moe_q8 >= GO_L_AVX512) {
    moe_split_prep_avx512(q, d, v->hx + i * moe_nbp(K), v->cx + i * moe_nbp(K), x, K);
    if (v->xt) moe_transpose16(v->xt + i * 2 * (size_t)moe_xt_stride(K), q, K);
    return;
  }
  split_q8(q, d, x, K);
  memset(q + K, 0, qs - (size_t)K);
  memset(q + qs + K, 0, qs - (size_t)K);
}

typedef struct {
  const moe_args *a;
  const float *h1;
  float *act;
  vecs_t out;
} swiglu_ctx;

static void swiglu_task(void *vctx, int asg, int thread) {
  (void)thread;
  swiglu_ctx *c = vctx;
  const moe_args *a = c->a;
  int I = a->I;
  const float *h = c->h1 + (size_t)asg * 2 * I;
  float *o = c->act + (size_t)asg * I;
  if (go_kernels.moe_q8 >= GO_L_AVX512) moe_swiglu_avx512(o, h, I, a->limit, a->alpha);
  else
    for (int i = 0; i < I; i++) o[i] = moe_swiglu1(h[2 * i], h[2 * i + 1], a->limit, a->alpha);
  prepare(&c->out, (size_t)asg, o, a->fast);
}

typedef struct {
  const moe_args *a;
  vecs_t out;
} prep_ctx;

/* A stage's context: what both stages share, then its items, inputs (mlp1's indexed by token, mlp2's by
   assignment), shape and weights. */
static stage_ctx stage_of(stage_ctx c, int stage, const item_t *items, const vecs_t *in, int K, int R,
                          const uint8_t *blocks, const uint8_t *scales, const float *bias, float *outp) {
  c.stage = stage;
  c.items = items;
  c.inf = in->f;
  c.inq = in->q;
  c.ind = in->d;
  c.inhx = in->hx;
  c.incx = in->cx;
  c.inxt = in->xt;
  c.in_per_assignment = stage == 2;
  c.K = K;
  c.R = R;
  c.blocks = blocks;
  c.scales = scales;
  c.bias = bias;
  c.outp = outp;
  return c;
}

/* mlp1, swiglu and mlp2 in one parallel-for: the mlp1 items of every expert first, then the mlp2 ones.
   The thread that finishes an expert's last mlp1 item runs the swiglu of its assignments and marks it
   ready; an mlp2 item waits for its expert's mark. Items are handed out in order, so every mlp1 item
   has been taken (and runs) before any mlp2 item is: a wait always ends. A thread that ran out of mlp1
   items goes on to mlp2 instead of idling at a barrier until the other finishes its last 1.5 MB item
   (two threads: half an item per stage on average, ~3 % of the op), and the swiglu's own parallel-for
   and its wake-up go too. */
typedef struct {
  stage_ctx *s1, *s2;
  int count1;
  swiglu_ctx *w;
  atomic_int *left;  /* [E]: an expert's mlp1 items not finished */
  atomic_int *ready; /* [E]: its activations are prepared for mlp2 */
} experts_ctx;

static void experts_task(void *vctx, int task, int thread) {
  experts_ctx *f = vctx;
  if (task < f->count1) {
    stage_task(f->s1, task, thread);
    int e = f->s1->items[task].e;
    /* acq_rel: the last one to finish sees every other thread's rows of h1 */
    if (atomic_fetch_sub_explicit(&f->left[e], 1, memory_order_acq_rel) == 1) {
      for (int i = f->s1->offs[e]; i < f->s1->offs[e + 1]; i++) swiglu_task(f->w, f->s1->order[i], thread);
      atomic_store_explicit(&f->ready[e], 1, memory_order_release);
    }
    return;
  }
  int t = task - f->count1, e = f->s2->items[t].e;
  while (!atomic_load_explicit(&f->ready[e], memory_order_acquire)) cpu_relax();
  stage_task(f->s2, t, thread);
}

static void prep_task(void *vctx, int t, int thread) {
  (void)thread;
  prep_ctx *c = vctx;
  prepare(&c->out, (size_t)t, c->a->x + (size_t)t * c->a->H, c->a->fast);
}

/* Carves the prepared vectors of `count` inputs of length K out of the workspace. */
static vecs_t carve_vecs(bump_t *b, size_t count, int K) {
  vecs_t v = {K, NULL, NULL, NULL, NULL, NULL, NULL};
  size_t qs = 2 * (size_t)moe_xq_stride(K);
  char *in = bump(b, count * (qs > (size_t)K * 4 ? qs : (size_t)K * 4));
  v.f = (float *)in;
  v.q = (int8_t *)in;
  v.d = bump(b, count * (K / 32) * 4);
  v.hx = bump(b, count * moe_nbp(K) * 4);
  v.cx = bump(b, count * moe_nbp(K) * 4);
  v.xt = bump(b, count * 2 * moe_xt_stride(K));
  return v;
}


static int make_items(item_t *items, const int *offs, int E, int R, int fast_avx512) {
  int count = 0;
  for (int e = 0; e < E; e++) {
    int cnt = offs[e + 1] - offs[e];
    if (cnt == 0) continue;
    int stream = cnt <= (fast_avx512 ? ROWS_MAX_TOKENS : FUSED_MAX_TOKENS);
    int step = stream ? STREAM_ROWS_PER_ITEM : ROWS_PER_ITEM;
    if (stream) {
      /* items of equal size (a multiple of the kernel's 4 rows): a decode token's 4 experts then make
         24 equal mlp1 items and 12 mlp2 ones at the 20b's shapes, which 2 threads share evenly, where
         1024-row items left one thread a 640- or 832-row item to finish alone */
      int parts = (R + step - 1) / step;
      step = ((R + parts - 1) / parts + 3) & ~3;
    }
    for (int r0 = 0; r0 < R; r0 += step) {
      int nr = R - r0 < step ? R - r0 : step;
      if (items) items[count] = (item_t){e, r0, nr};
      count++;
    }
  }
  return count;
}

/* the pool's caller thread's: [tokens - 1], calls of 1 to GO_MOE_PF_TOKENS tokens (a decode step of as many
   sequences); a call's experts and their tokens differ with its token count, so each count keeps its own */
static _Thread_local go_pf_tuner moe_pf[GO_MOE_PF_TOKENS];

const go_pf_tuner *go_moe_pf_tuner(int n) { return n >= 1 && n <= GO_MOE_PF_TOKENS ? &moe_pf[n - 1] : NULL; }

static uint64_t moe_calls, moe_experts_read; /* the op runs on the pool's caller thread: no atomics */

void go_moe_counts(double *calls, double *experts) {
  *calls = (double)moe_calls;
  *experts = (double)moe_experts_read;
}

int f32_mxfp4w_moe(pool_t *p, const moe_args *a) {
  int n = a->n, H = a->H, I = a->I, E = a->E, k = a->k, nk = n * k;
  if (a->tiled && !(a->fast && go_kernels.moe_q8 >= GO_L_AVX512)) return -2; /* only those kernels read tiled16 */
  int max_items = E * ((2 * I + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM + (H + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM);

  /* Two passes over the layout: measure, then carve the workspace. */
  bump_t b = {NULL, 0};
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      b.base = pool_workspace(p, b.used);
      if (!b.base) return -1;
      b.used = 0;
    }
    bump(&b, (size_t)n * E * 4);      /* logits */
    bump(&b, (size_t)nk * 4);         /* sel_e */
    bump(&b, (size_t)nk * 4);         /* sel_w */
    bump(&b, (size_t)(E + 1) * 4);    /* offs */
    bump(&b, (size_t)(E + 1) * 4);    /* fill */
    bump(&b, (size_t)nk * 4);         /* order */
    bump(&b, (size_t)max_items * sizeof(item_t));
    bump(&b, (size_t)2 * E * sizeof(atomic_int)); /* left, ready */
    carve_vecs(&b, (size_t)n, H);     /* x prepared */
    bump(&b, (size_t)nk * 2 * I * 4); /* h1 */
    bump(&b, (size_t)nk * I * 4);     /* act */
    carve_vecs(&b, (size_t)nk, I);    /* act prepared */
    bump(&b, (size_t)nk * H * 4);     /* y */
  }
  b.used = 0;
  float *logits = bump(&b, (size_t)n * E * 4);
  int *sel_e = bump(&b, (size_t)nk * 4);
  float *sel_w = bump(&b, (size_t)nk * 4);
  int *offs = bump(&b, (size_t)(E + 1) * 4);
  int *fill = bump(&b, (size_t)(E + 1) * 4);
  int *order = bump(&b, (size_t)nk * 4);
  item_t *items = bump(&b, (size_t)max_items * sizeof(item_t));
  atomic_int *left = bump(&b, (size_t)2 * E * sizeof(atomic_int)), *ready = left + E;
  vecs_t xin = carve_vecs(&b, (size_t)n, H);
  float *h1 = bump(&b, (size_t)nk * 2 * I * 4);
  float *act = bump(&b, (size_t)nk * I * 4);
  vecs_t actin = carve_vecs(&b, (size_t)nk, I);
  float *y = bump(&b, (size_t)nk * H * 4);

  /* router */
  f32_densew_matmul(p, logits, a->x, n, H, a->gate, a->gate_dtype, E, a->gate_bias);
  for (int t = 0; t < n; t++) {
    const float *g = logits + (size_t)t * E;
    int *se = sel_e + (size_t)t * k;
    for (int j = 0; j < k; j++) {
      int best = -1;
      for (int e = 0; e < E; e++) {
        int taken = 0;
        for (int q = 0; q < j; q++) taken |= se[q] == e;
        if (taken) continue;
        if (best < 0 || g[e] > g[best]) best = e; /* strict >: ties keep the lower index */
      }
      se[j] = best;
    }
    double m = g[se[0]], denom = 0;
    for (int j = 0; j < k; j++) denom += exp((double)g[se[j]] - m);
    for (int j = 0; j < k; j++) sel_w[(size_t)t * k + j] = (float)(exp((double)g[se[j]] - m) / denom);
  }
  memset(offs, 0, (size_t)(E + 1) * 4);
  for (int i = 0; i < nk; i++) offs[sel_e[i] + 1]++;
  for (int e = 0; e < E; e++) offs[e + 1] += offs[e];
  memcpy(fill, offs, (size_t)(E + 1) * 4);
  for (int i = 0; i < nk; i++) order[fill[sel_e[i]]++] = i;
  int experts_read = 0;
  for (int e = 0; e < E; e++) experts_read += offs[e + 1] > offs[e];
  moe_calls++;
  moe_experts_read += (uint64_t)experts_read;

  prep_ctx pc = {a, xin};
  pool_run(p, prep_task, &pc, n);

  /* The streaming kernel's prefetch: decode steps' calls (1 to GO_MOE_PF_TOKENS tokens, one per sequence)
     time the modes per token count, over the bytes of the experts they read, and pick; larger calls
     (prefill, whose experts mostly take the tile kernel) take the one-token pick. Batched decode used to
     take it too, so a run of batched steps alone stayed on l2, untuned, where the one-token calls of the
     same minutes ran l1 1.25x faster (bench/compare.mjs, Zen 5 host, 2026-12-06). */
  int fast_avx512 = a->fast && go_kernels.moe_q8 >= GO_L_AVX512;
  go_pf_tuner *tuner = &moe_pf[n <= GO_MOE_PF_TOKENS ? n - 1 : 0];
  int tune = fast_avx512 && n <= GO_MOE_PF_TOKENS && go_cpu.prefetch == GO_PF_AUTO;
  stage_ctx common = {0};
  common.pf = tune ? go_pf_begin(tuner) : go_pf_pick(tuner, go_cpu.prefetch);
  double t0 = tune ? go_pf_now() : 0;
  common.a = a;
  common.pool = p;
  common.order = order;
  common.offs = offs;
  /* mlp1: [2I rows, K = H] per expert, input indexed by token; mlp2: [H rows, K = I], by assignment */
  int count1 = make_items(items, offs, E, 2 * I, fast_avx512);
  stage_ctx sc = stage_of(common, 1, items, &xin, H, 2 * I, a->b1, a->s1, a->bias1, h1);
  int count2 = make_items(items + count1, offs, E, H, fast_avx512);
  stage_ctx sc2 = stage_of(common, 2, items + count1, &actin, I, H, a->b2, a->s2, a->bias2, y);

  swiglu_ctx wc = {a, h1, act, actin};
  for (int e = 0; e < E; e++) {
    atomic_init(&ready[e], 0);
    atomic_init(&left[e], 0);
  }
  for (int i = 0; i < count1; i++) atomic_fetch_add_explicit(&left[items[i].e], 1, memory_order_relaxed);
  experts_ctx ec = {&sc, &sc2, count1, &wc, left, ready};
  pool_run(p, experts_task, &ec, count1 + count2);
  if (tune) {
    double expert_bytes = 2.0 * I * (H / 32) * 17 + (double)H * (I / 32) * 17; /* mlp1 and mlp2: blocks and scales */
    go_pf_end(tuner, sc.pf, go_pf_now() - t0, experts_read * expert_bytes);
  }

  for (int t = 0; t < n; t++) {
    float *o = a->out + (size_t)t * H;
    for (int c = 0; c < H; c++) o[c] = 0;
    for (int j = 0; j < k; j++) {
      float w = sel_w[(size_t)t * k + j];
      const float *yr = y + ((size_t)t * k + j) * H;
      for (int c = 0; c < H; c++) o[c] += w * yr[c];
    }
  }
  return 0;
}

/* For a test: the AVX-512 element-wise steps against the portable loops above. x (K floats) is split both
   ways and the arrays that differ in any bit (q, d, hx, cx) are counted; h (2I floats) goes through both
   swiglus, the outputs that differ counted and the largest difference in units in the last place kept
   (NaN against NaN is the same; against a number, or a sign flip, 1 << 30). Returns -1 where the CPU lacks those kernels. */
int go_moe_act_check(const float *x, int K, const float *h, int I, float limit, float alpha, int *split_differ,
                     int *swiglu_differ, int *max_ulps) {
  if (go_kernels.moe_q8 < GO_L_AVX512 || K % 32) return -1;
  int nb = K / 32, nbp = moe_nbp(K);
  size_t qs = (size_t)moe_xq_stride(K);
  char *m = calloc(1, 2 * (2 * qs + (size_t)nb * 4 + 2 * (size_t)nbp * 4) + 2 * (size_t)I * 4);
  if (!m) return -2;
  int8_t *q1 = (int8_t *)m, *q2 = q1 + 2 * qs;
  float *f = (float *)(q2 + 2 * qs), *d1 = f, *d2 = d1 + nb, *h1 = d2 + nb, *h2 = h1 + nbp, *c1 = h2 + nbp, *c2 = c1 + nbp;
  float *o1 = c2 + nbp, *o2 = o1 + I;
  split_q8(q1, d1, x, K);
  moe_prep_derived(q1, d1, K, h1, c1);
  moe_split_prep_avx512(q2, d2, h2, c2, x, K);
  *split_differ = (memcmp(q1, q2, 2 * qs) != 0) + (memcmp(d1, d2, (size_t)nb * 4) != 0) +
                  (memcmp(h1, h2, (size_t)nbp * 4) != 0) + (memcmp(c1, c2, (size_t)nbp * 4) != 0);
  for (int i = 0; i < I; i++) o1[i] = moe_swiglu1(h[2 * i], h[2 * i + 1], limit, alpha);
  moe_swiglu_avx512(o2, h, I, limit, alpha);
  *swiglu_differ = 0, *max_ulps = 0;
  for (int i = 0; i < I; i++) {
    int32_t a, b;
    memcpy(&a, &o1[i], 4), memcpy(&b, &o2[i], 4);
    if (a == b || (isnan(o1[i]) && isnan(o2[i]))) continue;
    ++*swiglu_differ;
    int ulps = isnan(o1[i]) || isnan(o2[i]) || (a < 0) != (b < 0) ? 1 << 30 : abs(a - b);
    if (ulps > *max_ulps) *max_ulps = ulps;
  }
  free(m);
  return 0;
}

/*
 * Attention with sinks and an optional sliding window over a KV cache of several slots.
 * Each token's k/v are first written at (slot, pos) (ring index pos % capacity on sliding layers);
 * then the query heads of each kv head's group score the visible keys (pos - window < kpos <= pos),
 * take a softmax whose denominator also holds exp(sink), and sum the values.
 *
 * Cache layout, per layer: K [slot][kv head][cap / 16][head_dim][16] (16 positions side by side, so
 * one vector load holds one dimension of 16 keys and the scores need no transpose), V [slot][kv head]
 * [cap][head_dim]. cap is a multiple of 32, so an aligned run of 32 positions is contiguous, on the
 * sliding layers' ring too, and each kv head's keys and values are two sequential streams.
 *
 * The order of the sums, which fixes the results' bits: a query row takes its keys in chunks of CH
 * positions aligned at multiples of CH, inside a chunk in blocks of KB aligned positions, with a
 * running max, denominator and output (online softmax) started empty at the chunk; the chunks'
 * partials are then folded, in order, into a state that starts from the sink. A row's bits thus
 * depend on its own query and keys only, not on the other rows of the call (batch invariance) nor
 * on how chunks are spread over tasks: a task takes a block of rows over all their chunks, or, for
 * long contexts with few rows (decode), one chunk of them, merged afterwards (flash-decoding).
 * Scores are kept in base 2 (q scaled by sm_scale * log2 e) so that each weight is one exp2.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kernels.h"

#define KB 32     /* keys per block (a multiple of 16: two K layout groups) */
#define CH 1024   /* keys per chunk (a multiple of KB) */
#define SG 8      /* query rows per register tile */
#define Q_ROWS 64 /* query rows per task block (tokens x the group's heads) */
#define LOG2E 1.44269504088896341f

static int round_up(int x, int m) { return (x + m - 1) / m * m; }

/*
 * Huge pages for the far part of each (slot, kv head) stream: at 131k positions a full layer's K and V
 * are 268 MB of 4 KiB pages, whose page-table entries (6 MB over the 12 layers) no longer stay in cache,
 * and decode read them at a third of the speed of a 32k cache. The first 2 MiB of each stream keep
 * small pages, so a short context does not take 2 MiB per stream (384 MiB a slot on the 20b).
 */
static void huge_tails(void *k, void *v, int streams, size_t stream_bytes) {
  const uintptr_t H = (uintptr_t)2 << 20;
  if (stream_bytes < 2 * H) return;
  void *bases[2] = {k, v};
  for (int b = 0; b < 2; b++)
    for (int s = 0; s < streams; s++) {
      uintptr_t start = (uintptr_t)bases[b] + (size_t)s * stream_bytes, end = start + stream_bytes;
      uintptr_t from = (start + 2 * H - 1) & ~(H - 1), to = end & ~(H - 1);
      if (to > from) madvise((void *)from, to - from, MADV_HUGEPAGE); /* advice only: without THP it all still works */
    }
}

kv_cache *kv_cache_create(int layers, int kv_heads, int head_dim, const int *windows, int slots, int capacity,
                          int sliding_capacity, int f16) {
  kv_cache *c = calloc(1, sizeof(kv_cache));
  if (!c) return NULL;
  c->layers = layers;
  c->kv_heads = kv_heads;
  c->head_dim = head_dim;
  c->slots = slots;
  c->capacity = capacity;
  c->sliding_capacity = sliding_capacity;
  c->f16 = f16;
  c->windows = calloc((size_t)layers, sizeof(int));
  c->layer_cap = calloc((size_t)layers, sizeof(int));
  c->k = calloc((size_t)layers, sizeof(void *));
  c->v = calloc((size_t)layers, sizeof(void *));
  c->bytes = calloc((size_t)layers, sizeof(size_t));
  if (!c->windows || !c->layer_cap || !c->k || !c->v || !c->bytes) {
    kv_cache_destroy(c);
    return NULL;
  }
  for (int l = 0; l < layers; l++) {
    c->windows[l] = windows[l];
    /* a longer ring only keeps more positions; the multiple of KB keeps aligned blocks contiguous */
    c->layer_cap[l] = round_up(windows[l] > 0 ? sliding_capacity : capacity, KB);
    /* Anonymous mappings: pages cost memory only once a position is written, so a long context is cheap until used. */
    size_t bytes = (size_t)slots * c->layer_cap[l] * kv_heads * head_dim * (f16 ? 2 : 4);
    c->bytes[l] = bytes;
    void *k = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *v = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    c->k[l] = k == MAP_FAILED ? NULL : k;
    c->v[l] = v == MAP_FAILED ? NULL : v;
    if (!c->k[l] || !c->v[l]) {
      kv_cache_destroy(c);
      return NULL;
    }
    huge_tails(c->k[l], c->v[l], slots * kv_heads, (size_t)c->layer_cap[l] * head_dim * (f16 ? 2 : 4));
  }
  return c;
}

void kv_cache_destroy(kv_cache *c) {
  if (!c) return;
  for (int l = 0; l < c->layers && c->k && c->v && c->bytes; l++) {
    if (c->k[l]) munmap(c->k[l], c->bytes[l]);
    if (c->v[l]) munmap(c->v[l], c->bytes[l]);
  }
  free(c->windows);
  free(c->layer_cap);
  free(c->k);
  free(c->v);
  free(c->bytes);
  free(c);
}

/*
 * Writes pseudo-random keys and values in [-1, 1) over every row of every layer and slot, for
 * benchmarks of decode at a long context without the hours of prefill that would write them: the
 * pages of rows never written map the kernel's one zero page, which would be read from cache and
 * make the attention look faster than a real long context. A 1 MiB random block is generated once
 * and copied over (the rows' bytes need not differ, only their pages).
 */
void kv_cache_fill(kv_cache *c, uint32_t seed) {
  enum { BLOCK = 1 << 20 };
  static uint8_t block[BLOCK];
  uint32_t x = seed ? seed : 0x9e3779b9u;
  size_t elem = c->f16 ? 2 : 4;
  for (size_t i = 0; i + elem <= BLOCK; i += elem) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
    float f = (float)(x >> 8) * (2.0f / 16777216.0f) - 1.0f;
    if (c->f16) {
      uint16_t h = go_f32_to_f16(f);
      memcpy(block + i, &h, 2);
    } else {
      memcpy(block + i, &f, 4);
    }
  }
  for (int l = 0; l < c->layers; l++) {
    void *bufs[2] = {c->k[l], c->v[l]};
    for (int b = 0; b < 2; b++)
      for (size_t at = 0; at < c->bytes[l]; at += BLOCK) {
        size_t n = c->bytes[l] - at < BLOCK ? c->bytes[l] - at : BLOCK;
        memcpy((uint8_t *)bufs[b] + at, block, n);
      }
  }
}

/* Ring index of a position in a layer. */
static inline int kv_index(const kv_cache *c, int layer, int pos) {
  return c->windows[layer] > 0 ? pos % c->layer_cap[layer] : pos;
}

/* Element offset of kv head g's data at ring index idx: the V row there, and, for idx a multiple of
 * 16, the K group of 16 keys starting there (both layouts put 16 * head_dim elements per 16 rows). */
static inline size_t kv_at(const kv_cache *c, int layer, int slot, int g, int idx) {
  return (((size_t)slot * c->kv_heads + g) * c->layer_cap[layer] + idx) * c->head_dim;
}

static void store_kv(kv_cache *c, int layer, int slot, int pos, const float *k, const float *v) {
  int hd = c->head_dim, idx = kv_index(c, layer, pos);
  for (int g = 0; g < c->kv_heads; g++) {
    const float *kr = k + (size_t)g * hd, *vr = v + (size_t)g * hd;
    size_t kb = kv_at(c, layer, slot, g, idx & ~15) + (idx & 15), vb = kv_at(c, layer, slot, g, idx);
    if (c->f16) {
      uint16_t *K = c->k[layer], *V = c->v[layer];
      for (int d = 0; d < hd; d++) K[kb + (size_t)d * 16] = go_f32_to_f16(kr[d]);
      for (int d = 0; d < hd; d++) V[vb + d] = go_f32_to_f16(vr[d]);
    } else {
      float *K = c->k[layer], *V = c->v[layer];
      for (int d = 0; d < hd; d++) K[kb + (size_t)d * 16] = kr[d];
      memcpy(V + vb, vr, (size_t)hd * 4);
    }
  }
}

/* ---- one block of KB keys for SG query rows ----------------------------------------------------
 * qs [SG][hd] scaled queries; lo/hi the rows' visible keys; m [SG] running max, lv [SG][16] running
 * denominator by lane, acc [SG][hdp] running output; s [SG][KB] scratch (scores, then weights);
 * Kb the block's K ([2][hd][16]), Vb its V rows ([KB][hd]); keys k0..k0+KB-1; jlo..jhi the keys any
 * row sees (the values read). Each level sums in its own fixed order. */
typedef struct {
  const float *qs;
  const int *lo, *hi;
  float *m, *lv, *acc, *s;
  const void *Kb, *Vb;
  /* The next block's K and V (NULL: none), fetched into L1 a line or two of each per dimension of the
   * scores. Spread out, the fetches overlap the scoring; issued all at once at the block's start (as
   * before) they stalled it until the lines came, and the step took the sum of its compute and its
   * reads: 26 ms against 16 for one 131k layer on one thread, no faster than no prefetch at all. */
  const char *pk, *pv;
  int k0, jlo, jhi, hd, hdp;
} blk;

/* The row's new max after a block whose visible scores peak at bm (NaN wins, so it propagates);
 * rescales its denominator and output. 0: the row has seen no finite score yet, its weights are 0. */
static inline int row_max_update(float *m, float bm, float *lv, float *acc, int hdp) {
  float mo = *m, mn = bm > mo || bm != bm ? bm : mo;
  if (mn == -INFINITY) return 0;
  if (mn != mo && mo != -INFINITY) { /* before the first finite score lv and acc are 0 */
    float alpha = exp2f(mo - mn);
    for (int i = 0; i < 16; i++) lv[i] *= alpha;
    for (int d = 0; d < hdp; d++) acc[d] *= alpha;
  }
  *m = mn;
  return 1;
}

static inline int row_sees(const blk *b, int r) { return b->hi[r] >= b->k0 && b->lo[r] <= b->k0 + KB - 1; }
static inline int key_seen(const blk *b, int r, int j) { return b->k0 + j >= b->lo[r] && b->k0 + j <= b->hi[r]; }

/* Part d of hd of the next block's K and V: KB * elem bytes of each (the blocks are KB * hd * elem long). */
static inline void prefetch_part(const blk *b, int d, int f16) {
  if (!b->pk) return;
  size_t step = (size_t)KB * (f16 ? 2 : 4);
  for (size_t i = 0; i < step; i += 64) {
    __builtin_prefetch(b->pk + (size_t)d * step + i, 0, 3);
    __builtin_prefetch(b->pv + (size_t)d * step + i, 0, 3);
  }
}

static inline float load_f(const void *base, size_t at, int f16) {
  return f16 ? go_f16_to_f32(((const uint16_t *)base)[at]) : ((const float *)base)[at];
}

static void block_scalar(const blk *b, int f16) {
  int hd = b->hd;
  for (int r = 0; r < SG; r++) {
    float *pr = b->s + r * KB, bm = -INFINITY;
    if (!row_sees(b, r)) {
      memset(pr, 0, KB * sizeof(float));
      continue;
    }
    for (int j = 0; j < KB; j++) {
      if (!key_seen(b, r, j)) continue;
      float t = 0;
      size_t at = (size_t)(j / 16) * hd * 16 + (j & 15);
      for (int d = 0; d < hd; d++) t += b->qs[r * hd + d] * load_f(b->Kb, at + (size_t)d * 16, f16);
      pr[j] = t;
      if (t > bm || t != t) bm = t != t || bm != bm ? NAN : t;
    }
    if (!row_max_update(b->m + r, bm, b->lv + r * 16, b->acc + (size_t)r * b->hdp, b->hdp)) {
      memset(pr, 0, KB * sizeof(float));
      continue;
    }
    for (int j = 0; j < KB; j++) {
      pr[j] = key_seen(b, r, j) ? exp2f(pr[j] - b->m[r]) : 0.0f;
      b->lv[r * 16] += pr[j];
    }
  }
  for (int r = 0; r < SG; r++)
    for (int j = b->jlo; j <= b->jhi; j++) {
      float p = b->s[r * KB + j], *a = b->acc + (size_t)r * b->hdp;
      if (p == 0.0f) continue; /* what the vector paths add is +-0 * v: the same unless v is not finite */
      for (int d = 0; d < hd; d++) a[d] += p * load_f(b->Vb, (size_t)j * hd + d, f16);
    }
}

#ifdef GO_X86
/* 2^x for x <= 0 (NaN stays NaN): 2^round(x) times a degree-6 polynomial of the remainder (rel. error < 2e-7). */
#define EXP2_POLY(F, FMA, SET1)                                                                                      \
  FMA(FMA(FMA(FMA(FMA(FMA(SET1(1.5403530393381609e-4f), F, SET1(1.3333558146428443e-3f)), F,                   \
                      SET1(9.6181291076284772e-3f)),                                                            \
                  F, SET1(5.5504108664821580e-2f)),                                                             \
              F, SET1(2.4022650695910071e-1f)),                                                                 \
          F, SET1(6.9314718055994531e-1f)),                                                                     \
      F, SET1(1.0f))

GO_AVX2 static inline __m256 exp2_avx2(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-126.0f), x); /* max_ps returns its second operand for NaN */
  __m256 n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), f = _mm256_sub_ps(x, n);
  __m256 y = EXP2_POLY(f, _mm256_fmadd_ps, _mm256_set1_ps);
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

GO_AVX2 static inline float hmax_avx2(__m256 v) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

GO_AVX2 static inline __attribute__((always_inline)) void block_avx2_body(const blk *b, int f16) {
  int hd = b->hd;
  /* scores: 16 keys (one K group) x 4 rows per pass, 8 accumulators */
  for (int h = 0; h < 2; h++) {
    const uint16_t *kh = (const uint16_t *)b->Kb + (size_t)h * hd * 16;
    const float *kf = (const float *)b->Kb + (size_t)h * hd * 16;
    for (int r0 = 0; r0 < SG; r0 += 4) {
      __m256 a[4][2];
      for (int i = 0; i < 4; i++) a[i][0] = a[i][1] = _mm256_setzero_ps();
      for (int d = 0; d < hd; d++) {
        __m256 k0, k1;
        if (h == 0 && r0 == 0) prefetch_part(b, d, f16);
        if (f16) {
          k0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kh + d * 16)));
          k1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kh + d * 16 + 8)));
        } else {
          k0 = _mm256_loadu_ps(kf + d * 16);
          k1 = _mm256_loadu_ps(kf + d * 16 + 8);
        }
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
          __m256 qb = _mm256_broadcast_ss(b->qs + (r0 + i) * hd + d);
          a[i][0] = _mm256_fmadd_ps(qb, k0, a[i][0]);
          a[i][1] = _mm256_fmadd_ps(qb, k1, a[i][1]);
        }
      }
      for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(b->s + (r0 + i) * KB + h * 16, a[i][0]);
        _mm256_storeu_ps(b->s + (r0 + i) * KB + h * 16 + 8, a[i][1]);
      }
    }
  }
  /* softmax update: invisible keys' scores become -inf, their weights 0 */
  __m256 ninf = _mm256_set1_ps(-INFINITY);
  for (int r = 0; r < SG; r++) {
    float *pr = b->s + r * KB;
    if (!row_sees(b, r)) {
      memset(pr, 0, KB * sizeof(float));
      continue;
    }
    if (b->lo[r] > b->k0 || b->hi[r] < b->k0 + KB - 1)
      for (int j = 0; j < KB; j++)
        if (!key_seen(b, r, j)) pr[j] = -INFINITY;
    __m256 x[4], mx;
    for (int i = 0; i < 4; i++) x[i] = _mm256_loadu_ps(pr + 8 * i);
    mx = _mm256_max_ps(_mm256_max_ps(x[0], x[1]), _mm256_max_ps(x[2], x[3]));
    float *lv = b->lv + r * 16;
    if (!row_max_update(b->m + r, hmax_avx2(mx), lv, b->acc + (size_t)r * b->hdp, b->hdp)) {
      memset(pr, 0, KB * sizeof(float));
      continue;
    }
    __m256 vm = _mm256_set1_ps(b->m[r]), l = _mm256_loadu_ps(lv);
    for (int i = 0; i < 4; i++) {
      __m256 keep = _mm256_cmp_ps(x[i], ninf, _CMP_NEQ_UQ);
      __m256 p = _mm256_and_ps(exp2_avx2(_mm256_sub_ps(x[i], vm)), keep);
      _mm256_storeu_ps(pr + 8 * i, p);
      l = _mm256_add_ps(l, p);
    }
    _mm256_storeu_ps(lv, l);
  }
  /* values: 8 dims x 8 rows per pass */
  const uint16_t *vh = b->Vb;
  const float *vf = b->Vb;
  int d0 = 0;
  for (; d0 + 8 <= hd; d0 += 8) {
    __m256 c[SG];
    for (int r = 0; r < SG; r++) c[r] = _mm256_loadu_ps(b->acc + (size_t)r * b->hdp + d0);
    for (int j = b->jlo; j <= b->jhi; j++) {
      __m256 v = f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vh + (size_t)j * hd + d0))) : _mm256_loadu_ps(vf + (size_t)j * hd + d0);
#pragma GCC unroll 8
      for (int r = 0; r < SG; r++) c[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(b->s + r * KB + j), v, c[r]);
    }
    for (int r = 0; r < SG; r++) _mm256_storeu_ps(b->acc + (size_t)r * b->hdp + d0, c[r]);
  }
  for (; d0 < hd; d0++)
    for (int r = 0; r < SG; r++) {
      float *a = b->acc + (size_t)r * b->hdp + d0;
      for (int j = b->jlo; j <= b->jhi; j++) *a = fmaf(b->s[r * KB + j], load_f(b->Vb, (size_t)j * hd + d0, f16), *a);
    }
}

GO_AVX2 static void block_avx2_f16(const blk *b) { block_avx2_body(b, 1); }
GO_AVX2 static void block_avx2_f32(const blk *b) { block_avx2_body(b, 0); }

GO_DENSE_AVX512 static inline __m512 exp2_avx512(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-150.0f), x); /* max_ps returns its second operand for NaN */
  __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), f = _mm512_sub_ps(x, n);
  return _mm512_scalef_ps(EXP2_POLY(f, _mm512_fmadd_ps, _mm512_set1_ps), n);
}

GO_DENSE_AVX512 static inline __attribute__((always_inline)) void block_avx512_body(const blk *b, int f16) {
  int hd = b->hd;
  /* scores: 32 keys (two K groups) x 8 rows, 16 accumulators */
  {
    const uint16_t *kh = b->Kb;
    const float *kf = b->Kb;
    size_t second = (size_t)hd * 16;
    __m512 a0[SG], a1[SG];
    for (int r = 0; r < SG; r++) a0[r] = a1[r] = _mm512_setzero_ps();
    for (int d = 0; d < hd; d++) {
      __m512 k0, k1;
      prefetch_part(b, d, f16);
      if (f16) {
        k0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kh + d * 16)));
        k1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(kh + second + d * 16)));
      } else {
        k0 = _mm512_loadu_ps(kf + d * 16);
        k1 = _mm512_loadu_ps(kf + second + d * 16);
      }
#pragma GCC unroll 8
      for (int r = 0; r < SG; r++) {
        __m512 qb = _mm512_set1_ps(b->qs[r * hd + d]);
        a0[r] = _mm512_fmadd_ps(qb, k0, a0[r]);
        a1[r] = _mm512_fmadd_ps(qb, k1, a1[r]);
      }
    }
    for (int r = 0; r < SG; r++) {
      _mm512_storeu_ps(b->s + r * KB, a0[r]);
      _mm512_storeu_ps(b->s + r * KB + 16, a1[r]);
    }
  }
  /* softmax update */
  __m512 ninf = _mm512_set1_ps(-INFINITY);
  for (int r = 0; r < SG; r++) {
    float *pr = b->s + r * KB;
    if (!row_sees(b, r)) {
      _mm512_storeu_ps(pr, _mm512_setzero_ps());
      _mm512_storeu_ps(pr + 16, _mm512_setzero_ps());
      continue;
    }
    uint32_t bits = 0xffffffffu;
    if (b->lo[r] > b->k0 || b->hi[r] < b->k0 + KB - 1) {
      int a = b->lo[r] - b->k0 > 0 ? b->lo[r] - b->k0 : 0, e = b->hi[r] - b->k0 < KB - 1 ? b->hi[r] - b->k0 : KB - 1;
      bits = (e - a + 1 >= 32 ? 0xffffffffu : (1u << (e - a + 1)) - 1) << a;
    }
    __mmask16 m0 = (__mmask16)bits, m1 = (__mmask16)(bits >> 16);
    __m512 x0 = _mm512_mask_blend_ps(m0, ninf, _mm512_loadu_ps(pr));
    __m512 x1 = _mm512_mask_blend_ps(m1, ninf, _mm512_loadu_ps(pr + 16));
    float *lv = b->lv + r * 16;
    if (!row_max_update(b->m + r, _mm512_reduce_max_ps(_mm512_max_ps(x0, x1)), lv, b->acc + (size_t)r * b->hdp, b->hdp)) {
      _mm512_storeu_ps(pr, _mm512_setzero_ps());
      _mm512_storeu_ps(pr + 16, _mm512_setzero_ps());
      continue;
    }
    __m512 vm = _mm512_set1_ps(b->m[r]);
    __m512 p0 = _mm512_maskz_mov_ps(m0, exp2_avx512(_mm512_sub_ps(x0, vm)));
    __m512 p1 = _mm512_maskz_mov_ps(m1, exp2_avx512(_mm512_sub_ps(x1, vm)));
    _mm512_storeu_ps(pr, p0);
    _mm512_storeu_ps(pr + 16, p1);
    _mm512_storeu_ps(lv, _mm512_add_ps(_mm512_add_ps(_mm512_loadu_ps(lv), p0), p1));
  }
  /* values: 32 dims x 8 rows per pass, 16 accumulators (acc rows are hdp >= d0 + 32 long) */
  const uint16_t *vh = b->Vb;
  const float *vf = b->Vb;
  for (int d0 = 0; d0 < hd; d0 += 32) {
    int rem = hd - d0;
    __mmask16 md0 = rem >= 16 ? 0xffff : (__mmask16)((1u << rem) - 1);
    __mmask16 md1 = rem >= 32 ? 0xffff : rem > 16 ? (__mmask16)((1u << (rem - 16)) - 1) : 0;
    __m512 c0[SG], c1[SG];
    for (int r = 0; r < SG; r++) {
      c0[r] = _mm512_loadu_ps(b->acc + (size_t)r * b->hdp + d0);
      c1[r] = _mm512_loadu_ps(b->acc + (size_t)r * b->hdp + d0 + 16);
    }
    for (int j = b->jlo; j <= b->jhi; j++) {
      __m512 v0, v1;
      if (f16 && rem >= 32) { /* AMD's masked loads are slower: plain ones where the row is long enough */
        v0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vh + (size_t)j * hd + d0)));
        v1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vh + (size_t)j * hd + d0 + 16)));
      } else if (f16) {
        v0 = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(md0, vh + (size_t)j * hd + d0));
        v1 = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(md1, vh + (size_t)j * hd + d0 + 16));
      } else if (rem >= 32) {
        v0 = _mm512_loadu_ps(vf + (size_t)j * hd + d0);
        v1 = _mm512_loadu_ps(vf + (size_t)j * hd + d0 + 16);
      } else {
        v0 = _mm512_maskz_loadu_ps(md0, vf + (size_t)j * hd + d0);
        v1 = _mm512_maskz_loadu_ps(md1, vf + (size_t)j * hd + d0 + 16);
      }
#pragma GCC unroll 8
      for (int r = 0; r < SG; r++) {
        __m512 pb = _mm512_set1_ps(b->s[r * KB + j]);
        c0[r] = _mm512_fmadd_ps(pb, v0, c0[r]);
        c1[r] = _mm512_fmadd_ps(pb, v1, c1[r]);
      }
    }
    for (int r = 0; r < SG; r++) {
      _mm512_storeu_ps(b->acc + (size_t)r * b->hdp + d0, c0[r]);
      _mm512_storeu_ps(b->acc + (size_t)r * b->hdp + d0 + 16, c1[r]);
    }
  }
}

GO_DENSE_AVX512 static void block_avx512_f16(const blk *b) { block_avx512_body(b, 1); }
GO_DENSE_AVX512 static void block_avx512_f32(const blk *b) { block_avx512_body(b, 0); }
#endif

static void run_block(const blk *b, int level, int f16) {
#ifdef GO_X86
  if (level >= GO_L_AVX512) {
    if (f16) block_avx512_f16(b);
    else block_avx512_f32(b);
    return;
  }
  if (level >= GO_L_AVX2) {
    if (f16) block_avx2_f16(b);
    else block_avx2_f32(b);
    return;
  }
#endif
  (void)level;
  block_scalar(b, f16);
}

/* ---- chunk partials and their fold (one copy of each, so every path rounds alike) -------------- */

/* The chunk's denominator: its lanes summed in one fixed order. */
__attribute__((noinline)) static float lanes_sum(const float *lv) {
  float t = 0;
  for (int i = 0; i < 16; i++) t += lv[i];
  return t;
}

/* state (m, l, acc) += the partial of one chunk (mc, lc, ac); mc = -inf: the row saw no key there. */
__attribute__((noinline)) static void fold(float *m, float *l, float *acc, float mc, float lc, const float *ac, int hd) {
  if (mc == -INFINITY) return;
  float mo = *m, mn = mc > mo || mc != mc ? mc : mo;
  float a = exp2f(mo - mn), b = exp2f(mc - mn);
  *l = *l * a + lc * b;
  for (int d = 0; d < hd; d++) acc[d] = acc[d] * a + ac[d] * b;
  *m = mn;
}

__attribute__((noinline)) static void finish(float *o, float l, const float *acc, int hd) {
  float inv = 1.0f / l;
  for (int d = 0; d < hd; d++) o[d] = acc[d] * inv;
}

typedef struct {
  float *out;
  const float *q;
  const float *sinks;
  kv_cache *c;
  const int *slots, *positions;
  const int *blocks; /* first batch row of each block, then n */
  const int *cfirst; /* each block's first chunk */
  const int *cbase;  /* each block's first entry among all (block, chunk) pairs, then their count */
  int nb, layer, heads, kv_heads, hd, hdp, window, level, rmax, split;
  float qscale;
  float *part; /* split: per (block, chunk) pair, kv head and row: m, l, acc[hd] */
  pool_t *pool;
} attn_ctx;

static inline float *part_at(const attn_ctx *x, int pair, int g, int r) {
  return x->part + (((size_t)pair * x->kv_heads + g) * x->rmax + r) * (size_t)(x->hd + 2);
}

/* Block b, kv head g, chunks c0..c1 of the block: partials into x->part (split), or folded here and written out. */
static void attn_rows(const attn_ctx *x, int b, int g, int c0, int c1, int thread) {
  int i0 = x->blocks[b], nt = x->blocks[b + 1] - i0;
  int hd = x->hd, hdp = x->hdp, group = x->heads / x->kv_heads, R = nt * group, R8 = round_up(R, SG);
  int slot = x->slots[i0], f16 = x->c->f16, elem = f16 ? 2 : 4;
  const char *K = x->c->k[x->layer], *V = x->c->v[x->layer];

  size_t hda = (size_t)round_up(hd, 16);
  size_t floats = (size_t)R8 * hda + 2 * (size_t)R8 + (size_t)R8 + (size_t)R8 * 16 + (size_t)R8 * hdp + SG * KB +
                  2 * (size_t)R8 + (size_t)R8 * hda;
  float *qs = pool_scratch(x->pool, thread, floats * sizeof(float));
  int *lo = (int *)(qs + (size_t)R8 * hda), *hi = lo + R8;
  float *m = (float *)(hi + R8), *lv = m + R8, *acc = lv + (size_t)R8 * 16, *s = acc + (size_t)R8 * hdp;
  float *tm = s + SG * KB, *tl = tm + R8, *tacc = tl + R8;

  int kmin = INT32_MAX, kmax = -1;
  for (int r = 0; r < R8; r++) {
    float *qr = qs + (size_t)r * hd;
    if (r >= R) { /* padding rows see nothing */
      memset(qr, 0, (size_t)hd * sizeof(float));
      lo[r] = INT32_MAX, hi[r] = -1;
      continue;
    }
    int t = r / group, h = g * group + r % group, pos = x->positions[i0 + t];
    const float *src = x->q + (size_t)(i0 + t) * x->heads * hd + (size_t)h * hd;
    for (int d = 0; d < hd; d++) qr[d] = src[d] * x->qscale;
    lo[r] = x->window > 0 && pos - x->window + 1 > 0 ? pos - x->window + 1 : 0;
    hi[r] = pos;
    if (lo[r] < kmin) kmin = lo[r];
    if (hi[r] > kmax) kmax = hi[r];
    tm[r] = x->sinks[h] * LOG2E;
    tl[r] = 1.0f;
    memset(tacc + (size_t)r * hd, 0, (size_t)hd * sizeof(float));
  }

  for (int c = c0; c <= c1; c++) {
    int cs = c * CH > kmin ? c * CH : kmin, ce = c * CH + CH - 1 < kmax ? c * CH + CH - 1 : kmax;
    for (int r = 0; r < R8; r++) m[r] = -INFINITY;
    memset(lv, 0, (size_t)R8 * 16 * sizeof(float));
    memset(acc, 0, (size_t)R8 * hdp * sizeof(float));
    for (int k0 = cs & ~(KB - 1); k0 <= ce; k0 += KB) {
      size_t at = kv_at(x->c, x->layer, slot, g, kv_index(x->c, x->layer, k0));
      const char *pk = NULL, *pv = NULL;
      if (k0 + KB <= ce) { /* the next block's K and V, fetched while this one is scored (see blk) */
        size_t an = kv_at(x->c, x->layer, slot, g, kv_index(x->c, x->layer, k0 + KB)) * elem;
        pk = K + an, pv = V + an;
      }
      for (int r0 = 0; r0 < R8; r0 += SG) {
        int jlo = KB, jhi = -1;
        for (int r = r0; r < r0 + SG; r++) {
          if (hi[r] < k0 || lo[r] > k0 + KB - 1) continue;
          int a = lo[r] - k0 > 0 ? lo[r] - k0 : 0, e = hi[r] - k0 < KB - 1 ? hi[r] - k0 : KB - 1;
          if (a < jlo) jlo = a;
          if (e > jhi) jhi = e;
        }
        if (jhi < 0) continue;
        blk bl = {qs + (size_t)r0 * hd, lo + r0, hi + r0, m + r0, lv + (size_t)r0 * 16, acc + (size_t)r0 * hdp, s,
                  K + at * elem, V + at * elem, r0 == 0 ? pk : NULL, r0 == 0 ? pv : NULL, k0, jlo, jhi, hd, hdp};
        run_block(&bl, x->level, f16);
      }
    }
    for (int r = 0; r < R; r++) {
      float lc = lanes_sum(lv + (size_t)r * 16);
      if (x->split) {
        float *pp = part_at(x, x->cbase[b] + (c - x->cfirst[b]), g, r);
        pp[0] = m[r];
        pp[1] = lc;
        memcpy(pp + 2, acc + (size_t)r * hdp, (size_t)hd * sizeof(float));
      } else {
        fold(tm + r, tl + r, tacc + (size_t)r * hd, m[r], lc, acc + (size_t)r * hdp, hd);
      }
    }
  }
  if (x->split) return;
  for (int r = 0; r < R; r++) {
    int t = r / group, h = g * group + r % group;
    finish(x->out + (size_t)(i0 + t) * x->heads * hd + (size_t)h * hd, tl[r], tacc + (size_t)r * hd, hd);
  }
}

static void attn_task(void *vctx, int task, int thread) {
  const attn_ctx *x = vctx;
  if (!x->split) {
    int b = task / x->kv_heads, g = task % x->kv_heads;
    attn_rows(x, b, g, x->cfirst[b], x->cfirst[b] + x->cbase[b + 1] - x->cbase[b] - 1, thread);
    return;
  }
  int pair = task / x->kv_heads, g = task % x->kv_heads, b = 0;
  while (x->cbase[b + 1] <= pair) b++;
  int c = x->cfirst[b] + pair - x->cbase[b];
  attn_rows(x, b, g, c, c, thread);
}

/* split: block b, kv head g: the sink, then each chunk's partial in order, and the output */
static void merge_task(void *vctx, int task, int thread) {
  const attn_ctx *x = vctx;
  (void)thread;
  int b = task / x->kv_heads, g = task % x->kv_heads;
  int i0 = x->blocks[b], nt = x->blocks[b + 1] - i0, hd = x->hd, group = x->heads / x->kv_heads;
  float acc[hd > 0 ? hd : 1];
  for (int r = 0; r < nt * group; r++) {
    int t = r / group, h = g * group + r % group;
    float m = x->sinks[h] * LOG2E, l = 1.0f;
    memset(acc, 0, (size_t)hd * sizeof(float));
    for (int pair = x->cbase[b]; pair < x->cbase[b + 1]; pair++) {
      const float *pp = part_at(x, pair, g, r);
      fold(&m, &l, acc, pp[0], pp[1], pp + 2, hd);
    }
    finish(x->out + (size_t)(i0 + t) * x->heads * hd + (size_t)h * hd, l, acc, hd);
  }
}

void f32_sdpa_sinks_swa(pool_t *p, float *out, const float *q, const float *k, const float *v, int n,
                        const float *sinks, kv_cache *c, const int *slots, const int *positions, int layer,
                        int heads, int kv_heads, int head_dim, int window, float sm_scale) {
  int rowlen = kv_heads * head_dim;
  for (int i = 0; i < n; i++)
    store_kv(c, layer, slots[i], positions[i], k + (size_t)i * rowlen, v + (size_t)i * rowlen);
  /* blocks: runs of consecutive rows of one slot, at most Q_ROWS query rows each */
  int group = heads / kv_heads, per = Q_ROWS / group > 0 ? Q_ROWS / group : 1;
  int stack[3 * 129];
  int *blocks = n < 128 ? stack : malloc(3 * ((size_t)n + 1) * sizeof(int));
  if (!blocks) {
    /* out of memory for 3n + 3 ints: one row at a time needs none (its k/v are stored again, the same) */
    for (int i = 0; i < n; i++) f32_sdpa_sinks_swa(p, out + (size_t)i * heads * head_dim, q + (size_t)i * heads * head_dim,
                                                     k + (size_t)i * rowlen, v + (size_t)i * rowlen, 1, sinks, c, slots + i,
                                                     positions + i, layer, heads, kv_heads, head_dim, window, sm_scale);
    return;
  }
  int *cfirst = blocks + n + 1, *cbase = cfirst + n + 1;
  int nb = 0, rmax = 0;
  cbase[0] = 0;
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && j - i < per && slots[j] == slots[i]) j++;
    int kmin = INT32_MAX, kmax = -1;
    for (int t = i; t < j; t++) {
      int lo = window > 0 && positions[t] - window + 1 > 0 ? positions[t] - window + 1 : 0;
      if (lo < kmin) kmin = lo;
      if (positions[t] > kmax) kmax = positions[t];
    }
    blocks[nb] = i;
    cfirst[nb] = kmin / CH;
    cbase[nb + 1] = cbase[nb] + kmax / CH - kmin / CH + 1;
    if ((j - i) * group > rmax) rmax = (j - i) * group;
    nb++;
    i = j;
  }
  blocks[nb] = n;
  attn_ctx x = {out, q, sinks, c, slots, positions, blocks, cfirst, cbase, nb, layer, heads, kv_heads, head_dim,
                round_up(head_dim, 32), window, go_kernels.attention, rmax, 0, sm_scale * LOG2E, NULL, p};
  /* Few tasks over long key ranges: one task per chunk, so that every thread has work. Either way
   * gives the same bits; the partials' buffer is bounded. */
  size_t part_bytes = (size_t)cbase[nb] * kv_heads * rmax * (head_dim + 2) * sizeof(float);
  if (cbase[nb] > nb && nb * kv_heads < 8 * pool_threads(p) && part_bytes <= ((size_t)64 << 20)) {
    x.part = pool_workspace(p, part_bytes);
    x.split = x.part != NULL;
  }
  if (x.split) {
    pool_run(p, attn_task, &x, cbase[nb] * kv_heads);
    pool_run(p, merge_task, &x, nb * kv_heads);
  } else {
    pool_run(p, attn_task, &x, nb * kv_heads);
  }
  if (blocks != stack) free(blocks);
}

/*
 * Attention with sinks and an optional sliding window over a KV cache of several slots.
 * Each token's k/v are first written at (slot, pos) (ring index pos % capacity on sliding layers);
 * then, per (token, kv head), the query heads of that group score the visible keys
 * (pos - window < kpos <= pos), take a softmax whose denominator also holds exp(sink), and sum the
 * values. One task per (token, kv head) reads each key row once for all its query heads.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kernels.h"

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
    c->layer_cap[l] = windows[l] > 0 ? sliding_capacity : capacity;
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

static inline size_t kv_row(const kv_cache *c, int layer, int slot, int pos) {
  int cap = c->layer_cap[layer];
  int index = c->windows[layer] > 0 ? pos % cap : pos;
  return ((size_t)slot * cap + index) * c->kv_heads * c->head_dim;
}

static void store_row(void *dst, const float *src, int count, int f16) {
  if (!f16) {
    memcpy(dst, src, (size_t)count * 4);
    return;
  }
  uint16_t *d = dst;
  for (int i = 0; i < count; i++) d[i] = go_f32_to_f16(src[i]);
}

/*
 * Flash-style tiling: a task takes one kv head and a block of consecutive batch rows of one slot
 * (up to Q_ROWS query rows = tokens x the heads of the group) and walks the keys they can see in
 * tiles of TK, keeping a running max, denominator and output per query row (online softmax), so
 * each key/value row is converted from the cache once per block and scores never need a
 * [rows, keys] buffer. The running state starts from the sink: max = sink, denominator = 1.
 */
#define Q_ROWS 64
#define TK 32

typedef struct {
  float *out;
  const float *q;
  const float *sinks;
  kv_cache *c;
  const int *slots, *positions;
  const int *blocks; /* first batch row of each block, then n */
  int layer, heads, kv_heads, hd, window;
  float sm_scale;
  pool_t *pool;
} attn_ctx;

static void load_row_f32(float *dst, const void *cache, size_t at, int count, int f16) {
  if (!f16) {
    memcpy(dst, (const float *)cache + at, (size_t)count * 4);
    return;
  }
  const uint16_t *s = (const uint16_t *)cache + at;
#ifdef GO_X86
  if (go_kernels.attention >= GO_L_AVX2) {
    extern void go_f16_to_f32_row_avx2(float *dst, const uint16_t *src, int count);
    go_f16_to_f32_row_avx2(dst, s, count);
    return;
  }
#endif
  for (int i = 0; i < count; i++) dst[i] = go_f16_to_f32(s[i]);
}

/* s[j] = q . Kt[:, j] for the TK keys of a tile; Kt is [hd][TK]. */
static void tile_scores_scalar(float *s, const float *q, const float *kt, int hd) {
  for (int j = 0; j < TK; j++) s[j] = 0;
  for (int d = 0; d < hd; d++)
    for (int j = 0; j < TK; j++) s[j] += q[d] * kt[(size_t)d * TK + j];
}

/* p[j] = exp(s[j] - m) where s[j] is finite, else 0; returns the sum. */
static float tile_exp_scalar(float *p, const float *s, float m) {
  float sum = 0;
  for (int j = 0; j < TK; j++) {
    p[j] = s[j] == -INFINITY ? 0.0f : expf(s[j] - m);
    sum += p[j];
  }
  return sum;
}

#ifdef GO_X86
GO_AVX2 void go_f16_to_f32_row_avx2(float *dst, const uint16_t *src, int count) {
  int i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
  for (; i < count; i++) dst[i] = go_f16_to_f32(src[i]);
}

GO_AVX2 static void tile_scores_avx2(float *s, const float *q, const float *kt, int hd) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int d = 0; d < hd; d++) {
    __m256 qd = _mm256_broadcast_ss(q + d);
    const float *k = kt + (size_t)d * TK;
    a0 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k), a0);
    a1 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 8), a1);
    a2 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 16), a2);
    a3 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(k + 24), a3);
  }
  _mm256_storeu_ps(s, a0);
  _mm256_storeu_ps(s + 8, a1);
  _mm256_storeu_ps(s + 16, a2);
  _mm256_storeu_ps(s + 24, a3);
}

/* exp(x) for x <= 0 (Cephes-style: 2^n * a degree-6 polynomial of the remainder; rel. error ~2e-7). */
GO_AVX2 static __m256 exp_le0_avx2(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-87.0f), x); /* max_ps returns its second operand for NaN: keep it */
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

GO_AVX2 static float tile_exp_avx2(float *p, const float *s, float m) {
  __m256 vm = _mm256_set1_ps(m), ninf = _mm256_set1_ps(-INFINITY), sum = _mm256_setzero_ps();
  for (int j = 0; j < TK; j += 8) {
    __m256 x = _mm256_loadu_ps(s + j);
    __m256 keep = _mm256_cmp_ps(x, ninf, _CMP_NEQ_UQ); /* unordered: a NaN score stays NaN */
    __m256 e = _mm256_and_ps(exp_le0_avx2(_mm256_sub_ps(x, vm)), keep);
    _mm256_storeu_ps(p + j, e);
    sum = _mm256_add_ps(sum, e);
  }
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}
#endif

/* acc[0..hd) += sum over j < nk of p[j] * vt[j][0..hd): the accumulators stay in registers over the tile. */
static void tile_pv_scalar(float *acc, const float *p, const float *vt, int nk, int hd) {
  for (int j = 0; j < nk; j++)
    if (p[j] != 0.0f)
      for (int d = 0; d < hd; d++) acc[d] += p[j] * vt[(size_t)j * hd + d];
}

#ifdef GO_X86
GO_AVX2 static void tile_pv_avx2(float *acc, const float *p, const float *vt, int nk, int hd) {
  int d0 = 0;
  for (; d0 + 32 <= hd; d0 += 32) {
    __m256 a0 = _mm256_loadu_ps(acc + d0), a1 = _mm256_loadu_ps(acc + d0 + 8);
    __m256 a2 = _mm256_loadu_ps(acc + d0 + 16), a3 = _mm256_loadu_ps(acc + d0 + 24);
    for (int j = 0; j < nk; j++) {
      __m256 pj = _mm256_broadcast_ss(p + j);
      const float *v = vt + (size_t)j * hd + d0;
      a0 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v), a0);
      a1 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v + 8), a1);
      a2 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v + 16), a2);
      a3 = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v + 24), a3);
    }
    _mm256_storeu_ps(acc + d0, a0);
    _mm256_storeu_ps(acc + d0 + 8, a1);
    _mm256_storeu_ps(acc + d0 + 16, a2);
    _mm256_storeu_ps(acc + d0 + 24, a3);
  }
  for (; d0 + 8 <= hd; d0 += 8) {
    __m256 a0 = _mm256_loadu_ps(acc + d0);
    for (int j = 0; j < nk; j++) a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(p + j), _mm256_loadu_ps(vt + (size_t)j * hd + d0), a0);
    _mm256_storeu_ps(acc + d0, a0);
  }
  for (; d0 < hd; d0++)
    for (int j = 0; j < nk; j++) acc[d0] += p[j] * vt[(size_t)j * hd + d0];
}
#endif

static void attn_task(void *vctx, int task, int thread) {
  attn_ctx *c = vctx;
  int b = task / c->kv_heads, g = task % c->kv_heads;
  int i0 = c->blocks[b], nt = c->blocks[b + 1] - i0;
  int hd = c->hd, group = c->heads / c->kv_heads, R = nt * group;
  int slot = c->slots[i0];
  const void *K = c->c->k[c->layer], *V = c->c->v[c->layer];
  int f16 = c->c->f16;
#ifdef GO_X86
  int simd = go_kernels.attention >= GO_L_AVX2;
#else
  int simd = 0;
#endif

  /* scratch: Kt [hd][TK], Vt [TK][hd], one converted row, p [R][TK], s [TK], acc [R][hd], m/l [R], lo/hi [nt] */
  size_t floats = (size_t)hd * TK * 2 + hd + (size_t)R * TK + TK + (size_t)R * hd + 2 * (size_t)R;
  float *kt = pool_scratch(c->pool, thread, floats * sizeof(float) + 2 * (size_t)nt * sizeof(int));
  float *vt = kt + (size_t)hd * TK, *row = vt + (size_t)TK * hd, *p = row + hd, *s = p + (size_t)R * TK;
  float *acc = s + TK, *mx = acc + (size_t)R * hd, *den = mx + R;
  int *lo = (int *)(den + R), *hi = lo + nt;

  int kmin = INT32_MAX, kmax = -1;
  for (int t = 0; t < nt; t++) {
    int pos = c->positions[i0 + t];
    lo[t] = c->window > 0 && pos - c->window + 1 > 0 ? pos - c->window + 1 : 0;
    hi[t] = pos;
    if (lo[t] < kmin) kmin = lo[t];
    if (hi[t] > kmax) kmax = hi[t];
  }
  for (int r = 0; r < R; r++) {
    mx[r] = c->sinks[g * group + r % group];
    den[r] = 1.0f;
  }
  memset(acc, 0, (size_t)R * hd * sizeof(float));

  for (int k0 = kmin; k0 <= kmax; k0 += TK) {
    int nk = kmax - k0 + 1 < TK ? kmax - k0 + 1 : TK;
    for (int j = 0; j < nk; j++) {
      size_t at = kv_row(c->c, c->layer, slot, k0 + j) + (size_t)g * hd;
      load_row_f32(row, K, at, hd, f16);
      for (int d = 0; d < hd; d++) kt[(size_t)d * TK + j] = row[d];
      load_row_f32(vt + (size_t)j * hd, V, at, hd, f16);
    }
    for (int j = nk; j < TK; j++)
      for (int d = 0; d < hd; d++) kt[(size_t)d * TK + j] = 0;

    for (int r = 0; r < R; r++) {
      int t = r / group;
      if (hi[t] < k0 || lo[t] > k0 + nk - 1) {
        for (int j = 0; j < TK; j++) p[(size_t)r * TK + j] = 0;
        continue;
      }
      const float *qr = c->q + (size_t)(i0 + t) * c->heads * hd + (size_t)(g * group + r % group) * hd;
#ifdef GO_X86
      if (simd) tile_scores_avx2(s, qr, kt, hd);
      else
#endif
        tile_scores_scalar(s, qr, kt, hd);
      float m = mx[r];
      for (int j = 0; j < TK; j++) {
        int kp = k0 + j;
        s[j] = j < nk && kp >= lo[t] && kp <= hi[t] ? s[j] * c->sm_scale : -INFINITY;
        if (s[j] > m) m = s[j];
      }
      float *pr = p + (size_t)r * TK;
      float sum;
#ifdef GO_X86
      if (simd) sum = tile_exp_avx2(pr, s, m);
      else
#endif
        sum = tile_exp_scalar(pr, s, m);
      if (m > mx[r]) {
        float alpha = expf(mx[r] - m);
        den[r] *= alpha;
        float *a = acc + (size_t)r * hd;
        for (int d = 0; d < hd; d++) a[d] *= alpha;
        mx[r] = m;
      }
      den[r] += sum;
    }
    for (int r = 0; r < R; r++) {
      int t = r / group;
      if (hi[t] < k0 || lo[t] > k0 + nk - 1) continue; /* no key of this tile is visible to the row */
      const float *pr = p + (size_t)r * TK;
      float *a = acc + (size_t)r * hd;
#ifdef GO_X86
      if (simd) tile_pv_avx2(a, pr, vt, nk, hd);
      else
#endif
        tile_pv_scalar(a, pr, vt, nk, hd);
    }
  }
  for (int r = 0; r < R; r++) {
    int t = r / group;
    float *o = c->out + (size_t)(i0 + t) * c->heads * hd + (size_t)(g * group + r % group) * hd;
    float inv = 1.0f / den[r];
    for (int d = 0; d < hd; d++) o[d] = acc[(size_t)r * hd + d] * inv;
  }
}

void f32_sdpa_sinks_swa(pool_t *p, float *out, const float *q, const float *k, const float *v, int n,
                        const float *sinks, kv_cache *c, const int *slots, const int *positions, int layer,
                        int heads, int kv_heads, int head_dim, int window, float sm_scale) {
  int rowlen = kv_heads * head_dim;
  for (int i = 0; i < n; i++) {
    size_t at = kv_row(c, layer, slots[i], positions[i]);
    if (c->f16) {
      store_row((uint16_t *)c->k[layer] + at, k + (size_t)i * rowlen, rowlen, 1);
      store_row((uint16_t *)c->v[layer] + at, v + (size_t)i * rowlen, rowlen, 1);
    } else {
      store_row((float *)c->k[layer] + at, k + (size_t)i * rowlen, rowlen, 0);
      store_row((float *)c->v[layer] + at, v + (size_t)i * rowlen, rowlen, 0);
    }
  }
  /* blocks: runs of consecutive rows of one slot, at most Q_ROWS query rows each */
  int group = heads / kv_heads, per = Q_ROWS / group > 0 ? Q_ROWS / group : 1;
  int stack_blocks[129];
  int *blocks = n < 129 ? stack_blocks : malloc(((size_t)n + 1) * sizeof(int));
  if (!blocks) {
    /* out of memory for n + 1 ints: one row per block needs none */
    for (int i = 0; i < n; i++) f32_sdpa_sinks_swa(p, out + (size_t)i * heads * head_dim, q + (size_t)i * heads * head_dim,
                                                     k + (size_t)i * rowlen, v + (size_t)i * rowlen, 1, sinks, c, slots + i,
                                                     positions + i, layer, heads, kv_heads, head_dim, window, sm_scale);
    return;
  }
  int nb = 0;
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && j - i < per && slots[j] == slots[i]) j++;
    blocks[nb++] = i;
    i = j;
  }
  blocks[nb] = n;
  attn_ctx ctx = {out, q, sinks, c, slots, positions, blocks, layer, heads, kv_heads, head_dim, window, sm_scale, p};
  pool_run(p, attn_task, &ctx, nb * kv_heads);
  if (blocks != stack_blocks) free(blocks);
}

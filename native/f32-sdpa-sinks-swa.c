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

typedef struct {
  float *out;
  const float *q;
  const float *sinks;
  kv_cache *c;
  const int *slots, *positions;
  int layer, heads, kv_heads, hd, window, n;
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
  if (go_use_avx2) {
    extern void go_f16_to_f32_row_avx2(float *dst, const uint16_t *src, int count);
    go_f16_to_f32_row_avx2(dst, s, count);
    return;
  }
#endif
  for (int i = 0; i < count; i++) dst[i] = go_f16_to_f32(s[i]);
}

#ifdef GO_X86
GO_AVX2 void go_f16_to_f32_row_avx2(float *dst, const uint16_t *src, int count) {
  int i = 0;
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
  for (; i < count; i++) dst[i] = go_f16_to_f32(src[i]);
}

GO_AVX2 static void axpy_avx2(float *y, float a, const float *x, int count) {
  int i = 0;
  __m256 va = _mm256_set1_ps(a);
  for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < count; i++) y[i] += a * x[i];
}
#endif

static void axpy(float *y, float a, const float *x, int count) {
#ifdef GO_X86
  if (go_use_avx2) {
    axpy_avx2(y, a, x, count);
    return;
  }
#endif
  for (int i = 0; i < count; i++) y[i] += a * x[i];
}

static void attn_task(void *vctx, int task, int thread) {
  attn_ctx *c = vctx;
  int i = task / c->kv_heads, g = task % c->kv_heads;
  int hd = c->hd, group = c->heads / c->kv_heads;
  int slot = c->slots[i], qpos = c->positions[i];
  int first = c->window > 0 ? qpos - c->window + 1 : 0;
  if (first < 0) first = 0;
  int nkeys = qpos - first + 1;
  /* scores [group, nkeys] + one converted key/value row + f64-free accumulators [group, hd] */
  float *scores = pool_scratch(c->pool, thread, ((size_t)group * nkeys + hd + (size_t)group * hd) * sizeof(float));
  float *row = scores + (size_t)group * nkeys;
  float *acc = row + hd;
  const float *q = c->q + (size_t)i * c->heads * hd + (size_t)g * group * hd;
  const void *K = c->c->k[c->layer], *V = c->c->v[c->layer];
  int f16 = c->c->f16;
  float maxs[64], sums[64];
  float *mx = group <= 64 ? maxs : malloc((size_t)group * 2 * sizeof(float));
  float *sm = group <= 64 ? sums : mx + group;
  for (int m = 0; m < group; m++) mx[m] = c->sinks[g * group + m];
  for (int j = 0; j < nkeys; j++) {
    size_t at = kv_row(c->c, c->layer, slot, first + j) + (size_t)g * hd;
    load_row_f32(row, K, at, hd, f16);
    for (int m = 0; m < group; m++) {
      float s = go_dot_f32(q + (size_t)m * hd, row, hd) * c->sm_scale;
      scores[(size_t)m * nkeys + j] = s;
      if (s > mx[m]) mx[m] = s;
    }
  }
  for (int m = 0; m < group; m++) {
    double d = exp((double)c->sinks[g * group + m] - mx[m]);
    float *sc = scores + (size_t)m * nkeys;
    for (int j = 0; j < nkeys; j++) {
      float e = expf(sc[j] - mx[m]);
      sc[j] = e;
      d += e;
    }
    sm[m] = (float)(1.0 / d);
  }
  memset(acc, 0, (size_t)group * hd * sizeof(float));
  for (int j = 0; j < nkeys; j++) {
    size_t at = kv_row(c->c, c->layer, slot, first + j) + (size_t)g * hd;
    load_row_f32(row, V, at, hd, f16);
    for (int m = 0; m < group; m++) axpy(acc + (size_t)m * hd, scores[(size_t)m * nkeys + j], row, hd);
  }
  float *o = c->out + (size_t)i * c->heads * hd + (size_t)g * group * hd;
  for (int m = 0; m < group; m++)
    for (int d = 0; d < hd; d++) o[(size_t)m * hd + d] = acc[(size_t)m * hd + d] * sm[m];
  if (mx != maxs) free(mx);
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
  attn_ctx ctx = {out, q, sinks, c, slots, positions, layer, heads, kv_heads, head_dim, window, n, sm_scale, p};
  pool_run(p, attn_task, &ctx, n * kv_heads);
}

/* RMSNorm, RoPE, residual add and the memory-bandwidth probe. */
#include <stdlib.h>
#include <time.h>

#include "kernels.h"

typedef struct {
  float *out;
  const float *x;
  int cols;
  const float *scale;
  float eps;
} norm_ctx;

static void norm_task(void *vctx, int i, int thread) {
  (void)thread;
  norm_ctx *c = vctx;
  const float *x = c->x + (size_t)i * c->cols;
  float *o = c->out + (size_t)i * c->cols;
  double ss = 0;
  for (int j = 0; j < c->cols; j++) ss += (double)x[j] * x[j];
  float r = (float)(1.0 / sqrt((double)(float)(ss / c->cols) + c->eps));
  for (int j = 0; j < c->cols; j++) o[j] = (x[j] * r) * c->scale[j];
}

void f32_rmsnorm(pool_t *p, float *out, const float *x, int n, int cols, const float *scale, float eps) {
  norm_ctx c = {out, x, cols, scale, eps};
  pool_run(p, norm_task, &c, n);
}

typedef struct {
  float *x;
  int heads, hd;
  const int *positions;
  const float *inv_freq;
  float conc;
} rope_ctx;

static void rope_task(void *vctx, int i, int thread) {
  (void)thread;
  rope_ctx *c = vctx;
  int half = c->hd / 2;
  float cs[512], sn[512];
  float pos = (float)c->positions[i];
  for (int j = 0; j < half && j < 512; j++) {
    float angle = pos * c->inv_freq[j];
    cs[j] = (float)cos((double)angle) * c->conc;
    sn[j] = (float)sin((double)angle) * c->conc;
  }
  float *x = c->x + (size_t)i * c->heads * c->hd;
  for (int h = 0; h < c->heads; h++) {
    float *a = x + (size_t)h * c->hd, *b = a + half;
    for (int j = 0; j < half; j++) {
      float x1 = a[j], x2 = b[j];
      a[j] = x1 * cs[j] - x2 * sn[j];
      b[j] = x2 * cs[j] + x1 * sn[j];
    }
  }
}

void f32_rope(pool_t *p, float *x, int n, int heads, int head_dim, const int *positions, const float *inv_freq,
              float concentration) {
  rope_ctx c = {x, heads, head_dim, positions, inv_freq, concentration};
  pool_run(p, rope_task, &c, n);
}

void f32_add(pool_t *p, float *out, const float *a, const float *b, size_t count) {
  (void)p;
  for (size_t i = 0; i < count; i++) out[i] = a[i] + b[i];
}

typedef struct {
  float *a, *b, *c;
  size_t count;
  int tasks;
} triad_ctx;

static void triad_task(void *vctx, int t, int thread) {
  (void)thread;
  triad_ctx *c = vctx;
  size_t chunk = (c->count + c->tasks - 1) / c->tasks, lo = chunk * t, hi = lo + chunk > c->count ? c->count : lo + chunk;
  for (size_t i = lo; i < hi; i++) c->a[i] = c->b[i] + 3.0f * c->c[i];
}

static void fill_task(void *vctx, int t, int thread) {
  (void)thread;
  triad_ctx *c = vctx;
  size_t chunk = (c->count + c->tasks - 1) / c->tasks, lo = chunk * t, hi = lo + chunk > c->count ? c->count : lo + chunk;
  for (size_t i = lo; i < hi; i++) {
    c->a[i] = 0;
    c->b[i] = 1;
    c->c[i] = 2;
  }
}

double go_triad(pool_t *p, size_t bytes, int reps) {
  size_t count = bytes / 3 / sizeof(float);
  triad_ctx c = {malloc(count * 4), malloc(count * 4), malloc(count * 4), count, pool_threads(p)};
  if (!c.a || !c.b || !c.c) {
    free(c.a);
    free(c.b);
    free(c.c);
    return -1;
  }
  pool_run(p, fill_task, &c, c.tasks); /* first touch by the threads that will stream it */
  double best = 0;
  for (int r = 0; r < reps; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pool_run(p, triad_task, &c, c.tasks);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double gbs = (double)count * 3 * 4 / s / 1e9; /* STREAM counts the bytes of a, b and c */
    if (gbs > best) best = gbs;
  }
  free(c.a);
  free(c.b);
  free(c.c);
  return best;
}

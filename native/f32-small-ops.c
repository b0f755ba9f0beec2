/* RMSNorm, RoPE, residual add and the memory-bandwidth probe. */
#include <stdlib.h>
#include <sys/mman.h>
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

typedef struct {
  const double *a;
  size_t count;
  int tasks, vector;
  double *sums; /* one per task, so the reads cannot be optimised away */
} read_ctx;

#ifdef GO_X86
/* 256 bytes per step in 8 independent accumulators: the loads, not the adds, set the pace */
GO_AVX2 static double read_avx2(const double *a, size_t n) {
  __m256d s[8];
  for (int j = 0; j < 8; j++) s[j] = _mm256_setzero_pd();
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 8; j++) s[j] = _mm256_add_pd(s[j], _mm256_load_pd(a + i + 4 * j));
  for (int j = 1; j < 8; j++) s[0] = _mm256_add_pd(s[0], s[j]);
  double out[4];
  _mm256_storeu_pd(out, s[0]);
  double r = out[0] + out[1] + out[2] + out[3];
  for (; i < n; i++) r += a[i];
  return r;
}
#endif

/* STREAM-style plain C. Integer sums of the words, not double ones: four chains of dependent double
 * adds (3-4 cycles each) cap a core at 8 bytes a cycle, below what one core of some hosts reads, while
 * integer adds, which the compiler vectorises, leave the loads to set the pace. Built for AVX2 where
 * the host has it, as STREAM built for the host would be: with baseline SSE2's 16-byte loads one Zen 5
 * thread read 34-35 GB/s of plain memory, with AVX2's 37-40, the vector probe 41-43. */
#define PLAIN_READ_BODY                                                   \
  {                                                                       \
    const uint64_t *w = (const uint64_t *)a;                              \
    uint64_t s[8] = {0};                                                  \
    size_t i = 0;                                                         \
    for (; i + 8 <= n; i += 8)                                            \
      for (int j = 0; j < 8; j++) s[j] += w[i + j];                       \
    for (; i < n; i++) s[0] += w[i];                                      \
    uint64_t total = 0;                                                   \
    for (int j = 0; j < 8; j++) total += s[j];                            \
    return (double)total;                                                 \
  }
static double plain_read_base(const double *a, size_t n) PLAIN_READ_BODY
#ifdef GO_X86
GO_AVX2 static double plain_read_avx2(const double *a, size_t n) PLAIN_READ_BODY
#endif
static double plain_read(const double *a, size_t n) {
#ifdef GO_X86
  if (go_cpu.avx2) return plain_read_avx2(a, n);
#endif
  return plain_read_base(a, n);
}

static void read_task(void *vctx, int t, int thread) {
  (void)thread;
  read_ctx *c = vctx;
  size_t chunk = ((c->count + c->tasks - 1) / c->tasks + 31) & ~(size_t)31;
  size_t lo = chunk * t > c->count ? c->count : chunk * t, hi = lo + chunk > c->count ? c->count : lo + chunk;
  const double *a = c->a + lo;
  size_t n = hi - lo;
#ifdef GO_X86
  if (c->vector && go_cpu.avx2) {
    c->sums[t] = read_avx2(a, n);
    return;
  }
#endif
  c->sums[t] = plain_read(a, n);
}

static void read_fill_task(void *vctx, int t, int thread) {
  (void)thread;
  read_ctx *c = vctx;
  size_t chunk = ((c->count + c->tasks - 1) / c->tasks + 31) & ~(size_t)31;
  size_t lo = chunk * t > c->count ? c->count : chunk * t, hi = lo + chunk > c->count ? c->count : lo + chunk;
  double *a = (double *)c->a;
  for (size_t i = lo; i < hi; i++) a[i] = 1.0;
}

/* Passes alternate between the vector probe (as the decode reads) and the STREAM-like plain C loop,
 * on one buffer: this host's bandwidth drifts from one second to the next, so the two figures are only
 * comparable when taken in the same moments and from the same pages. gbs[2r] is the probe's pass r,
 * gbs[2r+1] the STREAM-like one. `huge` 1 backs the buffer with 2 MiB pages, as the weights are;
 * 0 with plain memory, whose 4 KiB pages cost a page walk every 4 KiB (more in a VM). */
int go_read_bandwidth(pool_t *p, size_t bytes, int passes, int huge, double *gbs) {
  const size_t align = (size_t)2 << 20;
  size_t size = (bytes + align - 1) & ~(align - 1);
  char *raw = NULL, *base;
  if (huge) {
    raw = mmap(NULL, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return -1;
    base = (char *)(((uintptr_t)raw + align - 1) & ~(align - 1));
    madvise(base, size, MADV_HUGEPAGE);
  } else {
    base = malloc(size);
    if (!base) return -1;
  }
  int tasks = pool_threads(p);
  double sums[1024];
  if (tasks > 1024) tasks = 1024;
  read_ctx c = {(const double *)base, size / sizeof(double), tasks, 1, sums};
  pool_run(p, read_fill_task, &c, tasks); /* first touch by the threads that will read it */
  pool_run(p, read_task, &c, tasks);      /* one pass unmeasured: page tables and caches settle */
  for (int r = 0; r < 2 * passes; r++) {
    c.vector = (r & 1) == 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pool_run(p, read_task, &c, tasks);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    gbs[r] = (double)size / s / 1e9;
  }
  if (huge) munmap(raw, size + align);
  else free(base);
  return 0;
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

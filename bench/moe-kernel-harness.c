/*
 * The MoE kernel alone in C (no Node), on a real 20b-shaped safetensors checkpoint mapped read-only,
 * cycling over all layers so the experts come from DRAM as in a decode step. For perf/callgrind.
 *
 *   gcc -O3 -std=gnu11 -pthread -Inative -o /tmp/moeh bench/moe-kernel-harness.c native/f32-mxfp4w-moe*.c \
 *       native/pool.c native/tables.c native/dispatch.c native/f32-densew-matmul.c native/q8-dense.c \
 *       native/prefetch-tuner.c -lm
 *   PRETOUCH=1 /tmp/moeh /work/models/20b/model.safetensors [n=1] [steps=5] [fast=1] [threads=2] [madvise=0]
 * Without PRETOUCH every pass faults in the pages of newly routed experts (4 KiB at a time) and the
 * timings measure the page faults; with it they are close to bench/moe-kernel.ts. COPY=1 reads the
 * experts from anonymous THP copies instead (LAYERS=8 keeps them within free memory).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../native/kernels.h"

static const char *hdr;
static const uint8_t *data;

static const void *find(const char *name, size_t *len) {
  char key[128];
  snprintf(key, sizeof key, "\"%s\"", name);
  const char *p = strstr(hdr, key);
  if (!p) {
    fprintf(stderr, "missing %s\n", name);
    exit(1);
  }
  p = strstr(p, "data_offsets");
  unsigned long long a, b;
  if (sscanf(strchr(p, '[') + 1, "%llu , %llu", &a, &b) != 2) exit(1);
  if (len) *len = b - a;
  return data + a;
}

static float *bf16_vec(const char *name) {
  size_t len;
  const uint16_t *s = find(name, &len);
  float *v = malloc(len / 2 * 4);
  for (size_t i = 0; i < len / 2; i++) v[i] = go_bf16_to_f32(s[i]);
  return v;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/work/models/20b/model.safetensors";
  int n = argc > 2 ? atoi(argv[2]) : 1, steps = argc > 3 ? atoi(argv[3]) : 5, fast = argc > 4 ? atoi(argv[4]) : 1;
  int threads = argc > 5 ? atoi(argv[5]) : 2, adv = argc > 6 ? atoi(argv[6]) : 0;
  int layers = getenv("LAYERS") ? atoi(getenv("LAYERS")) : 24;
  go_tables_init();
  go_dispatch_init(getenv("GPT_OSS_SIMD")); /* e.g. GPT_OSS_SIMD=scalar */
  int fd = open(path, O_RDONLY);
  struct stat st;
  fstat(fd, &st);
  uint8_t *m = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (adv & 1) madvise(m, st.st_size, MADV_HUGEPAGE);
  if (adv & 2) madvise(m, st.st_size, MADV_WILLNEED);
  uint64_t hl;
  memcpy(&hl, m, 8);
  char *h = malloc(hl + 1);
  memcpy(h, m + 8, hl);
  h[hl] = 0;
  hdr = h;
  data = m + 8 + hl;
  int H = 2880, I = 2880, E = 32, k = 4;
  moe_args a[64];
  char nm[128];
  for (int l = 0; l < layers; l++) {
    moe_args *q = &a[l];
    memset(q, 0, sizeof *q);
    q->n = n, q->H = H, q->I = I, q->E = E, q->k = k, q->limit = 7, q->alpha = 1.702f, q->fast = fast;
#define F(s) (snprintf(nm, sizeof nm, "block.%d.mlp.%s", l, s), nm)
    q->gate = find(F("gate.weight"), NULL);
    q->gate_dtype = GO_DT_BF16;
    q->gate_bias = bf16_vec(F("gate.bias"));
    q->b1 = find(F("mlp1_weight.blocks"), NULL);
    q->s1 = find(F("mlp1_weight.scales"), NULL);
    q->bias1 = bf16_vec(F("mlp1_bias"));
    q->b2 = find(F("mlp2_weight.blocks"), NULL);
    q->s2 = find(F("mlp2_weight.scales"), NULL);
    q->bias2 = bf16_vec(F("mlp2_bias"));
  }
  if (getenv("COPY")) { /* experts copied into anonymous THP memory, as dense weights are at load: the mapping's cost */
    for (int l = 0; l < layers; l++) {
      size_t nb1 = (size_t)E * 2 * I * H / 2, ns1 = nb1 / 16, nb2 = (size_t)E * H * I / 2, ns2 = nb2 / 16;
      size_t tot = nb1 + ns1 + nb2 + ns2;
      uint8_t *c = mmap(NULL, tot, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      madvise(c, tot, MADV_HUGEPAGE);
      memcpy(c, a[l].b1, nb1), a[l].b1 = c, c += nb1;
      memcpy(c, a[l].s1, ns1), a[l].s1 = c, c += ns1;
      memcpy(c, a[l].b2, nb2), a[l].b2 = c, c += nb2;
      memcpy(c, a[l].s2, ns2), a[l].s2 = c;
    }
  }
  if (getenv("PRETOUCH")) { /* fault every page of the mapping in first: steady state of a long run */
    volatile uint8_t sink = 0;
    for (size_t o = 0; o < (size_t)st.st_size; o += 4096) sink ^= m[o];
    (void)sink;
  }
  float *x = malloc((size_t)n * H * 4), *out = malloc((size_t)n * H * 4);
  pool_t *p = pool_create(threads);
  unsigned seed = 1;
  double best = 1e9, sum = 0;
  for (int s = 0; s < steps + 1; s++) {
    double t = 0;
    for (int l = 0; l < layers; l++) {
      if (!getenv("FIXED") || s == 0)
        for (size_t i = 0; i < (size_t)n * H; i++) x[i] = (float)((seed = seed * 1103515245u + 12345u) >> 8) / (1 << 24) * 2 - 1;
      a[l].x = x;
      a[l].out = out;
      double t0 = now();
      f32_mxfp4w_moe(p, &a[l]);
      t += now() - t0;
    }
    t = t / layers * 1e3;
    if (s > 0) {
      sum += t;
      if (t < best) best = t;
    }
    fprintf(stderr, "pass %d: %.3f ms/layer\n", s, t);
  }
  double expert = (2.0 * I * H / 2 + 2.0 * I * H / 32 + (double)H * I / 2 + (double)H * I / 32);
  int touched = n * k < E ? n * k : E;
  printf("n=%d fast=%d threads=%d: mean %.3f ms/layer, best %.3f; %.1f GB/s; %.1f ms per 24-layer step; checksum %g\n", n, fast,
         threads, sum / steps, best, touched * expert / (sum / steps / 1e3) / 1e9, sum / steps * 24, out[0] + out[n * H - 1]);
  pool_destroy(p);
  return 0;
}

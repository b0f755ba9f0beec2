/* Helpers shared by the standalone C benchmarks in bench/: a seeded generator for their synthetic
   weights, 2 MiB-aligned anonymous buffers that ask for huge pages, as the addon's expert copy does,
   wall-clock seconds, and a qsort comparator for the medians they print. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

static unsigned seed = 1;
static inline unsigned rnd(void) { return (seed = seed * 1103515245u + 12345u) >> 8; }

static inline void *huge_alloc(size_t bytes) {
  size_t align = (size_t)2 << 20, size = (bytes + align - 1) & ~(align - 1);
  char *raw = mmap(NULL, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  char *base = (char *)(((uintptr_t)raw + align - 1) & ~(align - 1));
  madvise(base, size, MADV_HUGEPAGE);
  return base;
}

static inline double wall_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

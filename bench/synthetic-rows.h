/* Synthetic MXFP4 rows for the row-kernel benchmarks (moe-dot-rows.c, moe-dot-ab.c): `rows` rows of K in
   huge-page memory (8 KiB of slack past the end for the kernels' prefetch), hashed bytes, scales
   2^-7 .. 2^0. Needs sys/mman.h, stdlib.h and f32-mxfp4w-moe-q8.h included first. 0, or -1 when out of
   memory. */
#pragma once

static int synthetic_rows(int rows, int K, uint8_t **blocks, uint8_t **scales) {
  int nb = moe_nb(K);
  size_t bytes = (size_t)rows * nb * 16, huge = (size_t)1 << 21, bsz = (bytes + 8192 + huge) & ~(huge - 1);
  uint8_t *B = mmap(NULL, bsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t *S = malloc((size_t)rows * nb + 64);
  if (B == MAP_FAILED || !S) return -1;
  madvise(B, bsz, MADV_HUGEPAGE);
  for (size_t i = 0; i < bytes + 8192; i++) B[i] = (uint8_t)(i * 2654435761u >> 13);
  for (size_t i = 0; i < (size_t)rows * nb; i++) S[i] = (uint8_t)(120 + i % 8);
  *blocks = B, *scales = S;
  return 0;
}

/*
 * The decode rows kernel of f32-mxfp4w-moe-q8.c, included once per target (ROWS_NAME, ROWS_INNER,
 * ROWS_ATTR, ROWS_LOOKUP): GCC will not inline VBMI code into an AVX-512BW-only function, and the
 * BW-only copy must not contain VBMI instructions. Not a header of its own.
 *
 * Per 64-byte load of packed weights (4 blocks) and row: 2 lookups (3 with the shift), 4 vpdpbusd
 * (two nibble halves x two activation planes; the hi plane's sum is shifted by 7 inside the chain, so
 * no separate add), one convert, one scale permute and one FMA. A full 16-block chunk is unrolled with
 * constant permutes and plain loads; only the last, partial chunk uses masks. Per lane the float work
 * and its order are those of the kernel before (bf8dc57), so the results are bit-identical.
 *
 * Prefetch: the 4 rows of a call lie back to back (4 x 1440 bytes at the 20b's shapes), so the lines
 * are fetched in address order, MOE_PF_BYTES ahead of the row group's position: one stream, which
 * the hardware prefetchers and DRAM pages follow, instead of 4 interleaved ones. L1 (T0) or L2 (T1)
 * by go_cpu.prefetch_l1 (see dispatch.c).
 */

ROWS_ATTR static inline __attribute__((always_inline)) void ROWS_INNER(const uint8_t *B, const uint8_t *S, int K,
                                                                     const int8_t *q4, const float *hx,
                                                                     const float *cx, float *out, size_t os,
                                                                     const int NR, const int L1) {
  const __m512i mask = _mm512_set1_epi8(15);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u));
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  (void)mask;
  int nb = moe_nb(K), full = nb & ~15;
  size_t rb = (size_t)nb * 16, q4s = (size_t)moe_q4_stride(K);
  __m512 acc[4], s16[4];
  /* in memory rather than registers: used once per 16 blocks, and 4 fewer live registers keep the
     group loop free of spills */
  float corr[4][16] __attribute__((aligned(64)));
  for (int r = 0; r < NR; r++) {
    acc[r] = _mm512_setzero_ps();
    _mm512_store_ps(corr[r], _mm512_setzero_ps());
  }
/* one group (4 blocks at g) of every row, block scales spread from s16 by idx */
#define ROWS_GROUP(g, idx, LOAD)                                                                          \
  {                                                                                                       \
    const int8_t *xg_ = q4 + 32 * (size_t)(g);                                                            \
    __m512i xl = _mm512_loadu_si512((const void *)xg_), xh = _mm512_loadu_si512((const void *)(xg_ + 64)); \
    __m512i yl = _mm512_loadu_si512((const void *)(xg_ + q4s));                                            \
    __m512i yh = _mm512_loadu_si512((const void *)(xg_ + q4s + 64));                                       \
    for (int r = 0; r < NR; r++) {                                                                        \
      const uint8_t *p = B + r * rb + 16 * (size_t)(g);                                                   \
      const char *pf = (const char *)B + MOE_PF_BYTES + 16 * (size_t)(g) * NR + 64 * r;                   \
      if (L1) _mm_prefetch(pf, _MM_HINT_T0);                                                              \
      else _mm_prefetch(pf, _MM_HINT_T1);                                                                 \
      __m512i raw = LOAD(p), lo, hi;                                                                      \
      ROWS_LOOKUP(raw, lut, mask, lo, hi);                                                                \
      __m512i d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xl), hi, xh);       \
      d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_slli_epi32(d, 7), lo, yl), hi, yh);              \
      acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(idx, s16[r]), acc[r]);        \
    }                                                                                                     \
  }
#define ROWS_SCALES(c)                                                                                  \
  for (int r = 0; r < NR; r++) {                                                                        \
    __m512 sw = e8m0_16(S + (size_t)r * nb + (c), nb - (c));                                             \
    s16[r] = _mm512_mul_ps(sw, _mm512_loadu_ps(hx + (c)));                                               \
    _mm512_store_ps(corr[r], _mm512_fmadd_ps(sw, _mm512_loadu_ps(cx + (c)), _mm512_load_ps(corr[r])));   \
  }
#define ROWS_PLAIN(p) _mm512_loadu_si512((const void *)(p))
#define ROWS_MASKED(p) _mm512_maskz_loadu_epi8(m, (p))
  for (int c = 0; c < full; c += 16) {
    ROWS_SCALES(c)
    ROWS_GROUP(c, spread, ROWS_PLAIN)
    ROWS_GROUP(c + 4, _mm512_add_epi32(spread, _mm512_set1_epi32(4)), ROWS_PLAIN)
    ROWS_GROUP(c + 8, _mm512_add_epi32(spread, _mm512_set1_epi32(8)), ROWS_PLAIN)
    ROWS_GROUP(c + 12, _mm512_add_epi32(spread, _mm512_set1_epi32(12)), ROWS_PLAIN)
  }
  if (full < nb) {
    ROWS_SCALES(full)
    for (int g = full; g < nb; g += 4) {
      __mmask64 m = nb - g >= 4 ? ~(__mmask64)0 : (((__mmask64)1 << (16 * (nb - g))) - 1);
      ROWS_GROUP(g, _mm512_add_epi32(spread, _mm512_set1_epi32(g - full)), ROWS_MASKED)
    }
  }
#undef ROWS_GROUP
#undef ROWS_SCALES
#undef ROWS_PLAIN
#undef ROWS_MASKED
  for (int r = 0; r < NR; r++) out[r * os] = _mm512_reduce_add_ps(acc[r]) - _mm512_reduce_add_ps(_mm512_load_ps(corr[r]));
}

ROWS_ATTR static void ROWS_NAME(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *q4, const float *hx,
                                const float *cx, float *out, size_t os) {
  int nb = moe_nb(K), r = 0;
  if (go_cpu.prefetch_l1) {
    for (; r + 4 <= nr; r += 4) ROWS_INNER(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, q4, hx, cx, out + r * os, os, 4, 1);
    for (; r < nr; r++) ROWS_INNER(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, q4, hx, cx, out + r * os, os, 1, 1);
  } else {
    for (; r + 4 <= nr; r += 4) ROWS_INNER(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, q4, hx, cx, out + r * os, os, 4, 0);
    for (; r < nr; r++) ROWS_INNER(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, q4, hx, cx, out + r * os, os, 1, 0);
  }
}

/*
 * NT tokens (2..4) against one row at a time, each weight byte read and looked up once for all of
 * them: what an expert with a few tokens (batched decode, short prefills) costs is then one read of
 * its rows. Per token, the lanes see the same operations in the same order as in ROWS_INNER, so a
 * token's result does not depend on which other tokens share its experts.
 */
ROWS_ATTR static inline __attribute__((always_inline)) void ROWS_MT_INNER(const uint8_t *B, const uint8_t *S, int K,
                                                                        const int8_t *const *q4, const float *const *hx,
                                                                        const float *const *cx, float *const *out,
                                                                        int row, const int NT, const int L1) {
  const __m512i mask = _mm512_set1_epi8(15);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u));
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  (void)mask;
  int nb = moe_nb(K), full = nb & ~15;
  size_t q4s = (size_t)moe_q4_stride(K);
  __m512 acc[4], s16[4];
  float corr[4][16] __attribute__((aligned(64)));
  for (int t = 0; t < NT; t++) {
    acc[t] = _mm512_setzero_ps();
    _mm512_store_ps(corr[t], _mm512_setzero_ps());
  }
#define MT_GROUP(g, idx, LOAD)                                                                            \
  {                                                                                                       \
    const uint8_t *p = B + 16 * (size_t)(g);                                                              \
    if (L1) _mm_prefetch((const char *)p + MOE_PF_BYTES, _MM_HINT_T0);                                    \
    else _mm_prefetch((const char *)p + MOE_PF_BYTES, _MM_HINT_T1);                                       \
    __m512i raw = LOAD(p), lo, hi;                                                                        \
    ROWS_LOOKUP(raw, lut, mask, lo, hi);                                                                  \
    for (int t = 0; t < NT; t++) {                                                                        \
      const int8_t *xg_ = q4[t] + 32 * (size_t)(g);                                                       \
      __m512i d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512((const void *)xg_)), \
                                      hi, _mm512_loadu_si512((const void *)(xg_ + 64)));                  \
      d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_slli_epi32(d, 7), lo, _mm512_loadu_si512((const void *)(xg_ + q4s))), \
                              hi, _mm512_loadu_si512((const void *)(xg_ + q4s + 64)));                    \
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(idx, s16[t]), acc[t]);        \
    }                                                                                                     \
  }
#define MT_SCALES(c)                                                                                    \
  {                                                                                                     \
    __m512 sw = e8m0_16(S + (c), nb - (c));                                                              \
    for (int t = 0; t < NT; t++) {                                                                      \
      s16[t] = _mm512_mul_ps(sw, _mm512_loadu_ps(hx[t] + (c)));                                          \
      _mm512_store_ps(corr[t], _mm512_fmadd_ps(sw, _mm512_loadu_ps(cx[t] + (c)), _mm512_load_ps(corr[t]))); \
    }                                                                                                   \
  }
#define MT_PLAIN(p) _mm512_loadu_si512((const void *)(p))
#define MT_MASKED(p) _mm512_maskz_loadu_epi8(m, (p))
  for (int c = 0; c < full; c += 16) {
    MT_SCALES(c)
    MT_GROUP(c, spread, MT_PLAIN)
    MT_GROUP(c + 4, _mm512_add_epi32(spread, _mm512_set1_epi32(4)), MT_PLAIN)
    MT_GROUP(c + 8, _mm512_add_epi32(spread, _mm512_set1_epi32(8)), MT_PLAIN)
    MT_GROUP(c + 12, _mm512_add_epi32(spread, _mm512_set1_epi32(12)), MT_PLAIN)
  }
  if (full < nb) {
    MT_SCALES(full)
    for (int g = full; g < nb; g += 4) {
      __mmask64 m = nb - g >= 4 ? ~(__mmask64)0 : (((__mmask64)1 << (16 * (nb - g))) - 1);
      MT_GROUP(g, _mm512_add_epi32(spread, _mm512_set1_epi32(g - full)), MT_MASKED)
    }
  }
#undef MT_GROUP
#undef MT_SCALES
#undef MT_PLAIN
#undef MT_MASKED
  for (int t = 0; t < NT; t++) out[t][row] = _mm512_reduce_add_ps(acc[t]) - _mm512_reduce_add_ps(_mm512_load_ps(corr[t]));
}

ROWS_ATTR static void ROWS_MT_NAME(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, const int8_t *const *q4,
                                   const float *const *hx, const float *const *cx, float *const *out) {
  int nb = moe_nb(K);
#define MT_ROWS(NT, L1)                                                                                  \
  for (int r = 0; r < nr; r++) ROWS_MT_INNER(B + (size_t)r * nb * 16, S + (size_t)r * nb, K, q4, hx, cx, out, r, NT, L1)
  if (go_cpu.prefetch_l1) {
    if (nt == 2) MT_ROWS(2, 1);
    else if (nt == 3) MT_ROWS(3, 1);
    else MT_ROWS(4, 1);
  } else {
    if (nt == 2) MT_ROWS(2, 0);
    else if (nt == 3) MT_ROWS(3, 0);
    else MT_ROWS(4, 0);
  }
#undef MT_ROWS
}

/*
 * The streaming kernel of f32-mxfp4w-moe-q8.c (1 to 4 tokens against rows read once for all of them),
 * included once per target (DOT16_NAME, DOT16_INNER, DOT16_FN, DOT16_ATTR, DOT16_LOOKUP): GCC will not inline
 * VBMI code into an AVX-512BW-only function, and the BW-only copy must hold no VBMI instruction.
 * Not a header of its own.
 *
 * Per group of 16 blocks and row: 4 vectors whose lane j holds bytes 4d..4d+3 of block j, loaded as
 * they lie (tiled16, the copy's layout) or gathered from 4 packed loads by 6 vpermt2d (the file's
 * layout, parked in L1); 2 lookups each and 16 vpdpbusd per token (8 per activation plane, one chain
 * per plane) against the block-transposed activations (moe_transpose16). Each lane then holds one
 * block's whole integer dot, so the float work is one convert, one scale and two FMAs per 16 blocks:
 * the prefill tile's, in its order. Every path (one token, a few, the tile; copy or map) gives a token
 * the same bits. From cache that is about 1.25x the bytes per cycle of the kernel before (4 blocks per
 * load, scales spread per lane) on tiled16 rows, and the same on packed ones (BENCHMARKS.md).
 *
 * Reads: two rows at a time from the two halves of the call's rows, each one forward stream with lines
 * prefetched MOE_PF_BYTES ahead into L2 or L1, or not at all (the caller's `pf`: prefetch-tuner.h): the hardware prefetchers keep up
 * with such streams, where 4 rows side by side (4 streams 1,440 bytes apart) read 12-17 % slower from
 * DRAM on a Zen 4 host (bench/moe-op-ab.c).
 */

DOT16_ATTR static inline __attribute__((always_inline)) void DOT16_INNER(const uint8_t *B, const uint8_t *S, int K,
                                                                       const int8_t *const *xt, const float *const *hx,
                                                                       const float *const *cx, float *const *outs,
                                                                       int r0, int rs, const int NR, const int NT,
                                                                       const int TILED, const int PF) {
  const __m512i mask = _mm512_set1_epi8(15);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u));
  (void)mask;
  int nb = moe_nb(K);
  size_t rb = (size_t)nb * 16 * rs, ts = (size_t)moe_xt_stride(K);
  __m512 acc[2][4];
  uint8_t tmp[2][4][64] __attribute__((aligned(64)));
  (void)tmp;
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) acc[r][t] = _mm512_setzero_ps();
  for (int g = 0; g < nb; g += 16) {
    const int m = nb - g < 16 ? nb - g : 16;
    const size_t go = (size_t)g * 32;
    __m512i dh[2][4], dl[2][4];
    for (int r = 0; r < NR; r++)
      for (int t = 0; t < NT; t++) dh[r][t] = dl[r][t] = _mm512_setzero_si512();
    if (MOE_PF_BYTES > 0 && PF != GO_PF_NONE) /* -DMOE_PF_BYTES=0 or pf none: none (BENCHMARKS.md compares) */
    for (int r = 0; r < NR; r++)
      for (int i = 0; i < 4; i++) {
        const char *pf = (const char *)B + r * rb + MOE_PF_BYTES + (size_t)g * 16 + 64 * i;
        if (PF == GO_PF_L1) _mm_prefetch(pf, _MM_HINT_T0);
        else _mm_prefetch(pf, _MM_HINT_T1);
      }
    /* The rows' scales are streams of their own, 90 bytes a row beside 1,440 of blocks: too slow-moving for
       the hardware prefetchers to run ahead of, so without this each new line of them stalled the kernel
       on DRAM (1.2x the kernel's DRAM rate with it on a Zen 5 host, bench/moe-dot-rows.c). One
       prefetch per group: its 16 bytes, MOE_SPF_BYTES (about 22 rows) ahead. */
    if (MOE_SPF_BYTES > 0 && PF != GO_PF_NONE)
      for (int r = 0; r < NR; r++) _mm_prefetch((const char *)S + (size_t)r * rs * nb + g + MOE_SPF_BYTES, _MM_HINT_T0);
    /* the file's layout: each row's 4 vectors gathered first, kept in L1 for the loop below */
    if (!TILED)
      for (int r = 0; r < NR; r++) {
        __m512i P[4];
        group16_packed(B + r * rb + 16 * (size_t)g, m, P);
        for (int d = 0; d < 4; d++) _mm512_store_si512((void *)tmp[r][d], P[d]);
      }
    /* vector d of every row, then the next d: each activation vector is loaded once for the NR rows */
    if (NR == 1) {
      /* one row (3 or 4 tokens): each activation vector is used once, so it is loaded where it is used
         (vpdpbusd's memory operand) instead of held in 16 registers beside the 8 accumulators, which
         spilled: 1.02-1.10x from L2 at 3 tokens and 1.09-1.17x at 4, the same bits */
      for (int d = 0; d < 4; d++) {
        __m512i P = TILED ? group16_tiled(B + 16 * (size_t)g, m, d) : _mm512_load_si512((const void *)tmp[0][d]), lo, hi;
        DOT16_LOOKUP(P, lut, mask, lo, hi);
        for (int t = 0; t < NT; t++) {
          const int8_t *x = xt[t] + go;
          dh[0][t] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dh[0][t], lo, _mm512_load_si512((const void *)(x + 64 * d))), hi,
                                         _mm512_load_si512((const void *)(x + 64 * (d + 4))));
          dl[0][t] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dl[0][t], lo, _mm512_load_si512((const void *)(x + ts + 64 * d))), hi,
                                         _mm512_load_si512((const void *)(x + ts + 64 * (d + 4))));
        }
      }
    } else
    for (int d = 0; d < 4; d++) {
      __m512i xa[4], xb[4], ya[4], yb[4];
      for (int t = 0; t < NT; t++) {
        const int8_t *x = xt[t] + go;
        xa[t] = _mm512_load_si512((const void *)(x + 64 * d));
        xb[t] = _mm512_load_si512((const void *)(x + 64 * (d + 4)));
        ya[t] = _mm512_load_si512((const void *)(x + ts + 64 * d));
        yb[t] = _mm512_load_si512((const void *)(x + ts + 64 * (d + 4)));
      }
      for (int r = 0; r < NR; r++) {
        __m512i P = TILED ? group16_tiled(B + r * rb + 16 * (size_t)g, m, d) : _mm512_load_si512((const void *)tmp[r][d]), lo, hi;
        DOT16_LOOKUP(P, lut, mask, lo, hi);
        for (int t = 0; t < NT; t++) {
          dh[r][t] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dh[r][t], lo, xa[t]), hi, xb[t]);
          dl[r][t] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dl[r][t], lo, ya[t]), hi, yb[t]);
        }
      }
    }
    for (int r = 0; r < NR; r++) {
      __m512 s = e8m0_16(S + (size_t)r * rs * nb + g, m);
      for (int t = 0; t < NT; t++) {
        __m512i d = _mm512_add_epi32(_mm512_slli_epi32(dh[r][t], 7), dl[r][t]);
        __m512 h = _mm512_loadu_ps(hx[t] + g), c = _mm512_loadu_ps(cx[t] + g);
        acc[r][t] = _mm512_fnmadd_ps(s, c, _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(s, h), acc[r][t]));
      }
    }
  }
  for (int r = 0; r < NR; r++)
    for (int t = 0; t < NT; t++) outs[t][r0 + r * rs] = _mm512_reduce_add_ps(acc[r][t]);
}

/*
 * One token (a decode step's MoE): DOT16_INNER's NR = 2, NT = 1 case in its own small functions, on
 * tiled16 rows (`--experts copy`) or the file's (`map`, each row's group gathered in registers). Each activation and weight vector is loaded once into a register: the
 * empty asm keeps the compiler from folding a load into every instruction that uses it, as it did in the
 * generic loop (each activation vector loaded once per row, each weight vector twice), and whole groups
 * run without a branch on their size. The same integers and float work in the same order: the same bits
 * as DOT16_INNER. 1.14-1.16x DOT16_INNER's bytes per second from L1, L2 and DRAM on a Zen 5 host
 * (bench/moe-dot-rows.c, BENCHMARKS.md).
 */
DOT16_ATTR static inline __attribute__((always_inline)) void DOT16_FN(one_group)(const uint8_t *const *w, const uint8_t *const *sc,
                                                                               int g, const int8_t *x, const float *hx,
                                                                               const float *cx, size_t ts, const int TILED,
                                                                               const int FULL, int m, const int PF, __m512 *acc,
                                                                               __m512i *emax) {
  const __m512i mask = _mm512_set1_epi8(15);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lut_u));
  (void)mask;
  const size_t go = (size_t)g * 16;
  __m512i dh[2], dl[2];
  for (int r = 0; r < 2; r++) dh[r] = dl[r] = _mm512_setzero_si512();
  if (MOE_PF_BYTES > 0 && PF != GO_PF_NONE) {
    for (int r = 0; r < 2; r++)
      for (int i = 0; i < 4; i++)
        _mm_prefetch((const char *)w[r] + go + MOE_PF_BYTES + 64 * i, PF == GO_PF_L1 ? _MM_HINT_T0 : _MM_HINT_T1);
    if (MOE_SPF_BYTES > 0)
      for (int r = 0; r < 2; r++) _mm_prefetch((const char *)sc[r] + g + MOE_SPF_BYTES, _MM_HINT_T0);
  }
  const __mmask64 wm = FULL ? ~(__mmask64)0 : ((__mmask64)1 << (4 * m)) - 1;
  const size_t ws = FULL ? 64 : (size_t)4 * m;
  x += 2 * go;
  __m512i P[2][4]; /* the file's layout: each row's 4 vectors gathered in registers first */
  if (!TILED)
    for (int r = 0; r < 2; r++) group16_packed(w[r] + go, FULL ? 16 : m, P[r]);
  for (int d = 0; d < 4; d++) {
    __m512i x0 = _mm512_load_si512((const void *)(x + 64 * d)), x1 = _mm512_load_si512((const void *)(x + 64 * (d + 4)));
    __m512i y0 = _mm512_load_si512((const void *)(x + ts + 64 * d)), y1 = _mm512_load_si512((const void *)(x + ts + 64 * (d + 4)));
    __asm__("" : "+v"(x0), "+v"(x1), "+v"(y0), "+v"(y1));
    for (int r = 0; r < 2; r++) {
      __m512i p = !TILED ? P[r][d]
                  : FULL ? _mm512_loadu_si512((const void *)(w[r] + go + 64 * d))
                         : _mm512_maskz_loadu_epi8(wm, w[r] + go + ws * d),
              lo, hi;
      __asm__("" : "+v"(p));
      DOT16_LOOKUP(p, lut, mask, lo, hi);
      dh[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dh[r], lo, x0), hi, x1);
      dl[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dl[r], lo, y0), hi, y1);
    }
  }
  const __mmask16 sm = FULL ? (__mmask16)0xffff : (__mmask16)((1u << m) - 1);
  __m512 h = _mm512_loadu_ps(hx + g), c = _mm512_loadu_ps(cx + g);
  for (int r = 0; r < 2; r++) {
    __m512i e = _mm512_cvtepu8_epi32(FULL ? _mm_loadu_si128((const __m128i *)(sc[r] + g)) : _mm_maskz_loadu_epi8(sm, sc[r] + g));
    emax[r] = _mm512_max_epu32(emax[r], e); /* E8M0 0xFF (NaN) is looked for once per row, after the loop */
    __m512 s = _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
    __m512i d = _mm512_add_epi32(_mm512_slli_epi32(dh[r], 7), dl[r]);
    acc[r] = _mm512_fnmadd_ps(s, c, _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(s, h), acc[r]));
  }
}

/* rows r and r + nr/2 (two streams) for r < nr/2; an odd last row by DOT16_INNER */
DOT16_ATTR static inline __attribute__((always_inline)) void DOT16_FN(one_rows)(const uint8_t *B, const uint8_t *S, int nr, int K,
                                                                              const int8_t *x, const float *hx, const float *cx,
                                                                              float *out, const int TILED, const int PF) {
  int nb = moe_nb(K), half = nr / 2, full = nb & ~15;
  size_t rb = (size_t)nb * 16, ts = (size_t)moe_xt_stride(K);
  for (int r = 0; r < half; r++) {
    const uint8_t *w[2] = {B + r * rb, B + (r + half) * rb}, *sc[2] = {S + (size_t)r * nb, S + (size_t)(r + half) * nb};
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    __m512i emax[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
    int g = 0;
    for (; g < full; g += 16) DOT16_FN(one_group)(w, sc, g, x, hx, cx, ts, TILED, 1, 16, PF, acc, emax);
    if (g < nb) DOT16_FN(one_group)(w, sc, g, x, hx, cx, ts, TILED, 0, nb - g, PF, acc, emax);
    for (int k = 0; k < 2; k++) {
      if (_mm512_cmpeq_epi32_mask(emax[k], _mm512_set1_epi32(255))) acc[k] = _mm512_set1_ps(NAN);
      out[r + k * half] = _mm512_reduce_add_ps(acc[k]);
    }
  }
  if (nr & 1) {
    const int8_t *xt[1] = {x};
    const float *h[1] = {hx}, *c[1] = {cx};
    float *o[1] = {out};
    DOT16_INNER(B + (size_t)(nr - 1) * rb, S + (size_t)(nr - 1) * nb, K, xt, h, c, o, nr - 1, 1, 1, 1, TILED, PF);
  }
}

/* One token: DOT16_FN(one_rows). Two: rows r and r + nr/2 together (two streams); three or four: one row at
   a time (their accumulators must fit the 32 vector registers). An odd last row alone. */
DOT16_ATTR static void DOT16_NAME(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, int tiled, int pf,
                                  const int8_t *const *xt, const float *const *hx, const float *const *cx,
                                  float *const *outs) {
  size_t rb = (size_t)moe_nb(K) * 16, sb = (size_t)moe_nb(K);
#define DOT16_ROWS(G, NT, TL, PF)                                                                          \
  {                                                                                                        \
    int r = 0;                                                                                             \
    if ((G) == 2) { /* two streams: row r and row r + half */                                              \
      int half = nr / 2;                                                                                   \
      for (; r < half; r++) DOT16_INNER(B + r * rb, S + r * sb, K, xt, hx, cx, outs, r, half, 2, NT, TL, PF);    \
      r += half;                                                                                           \
    }                                                                                                      \
    for (; r < nr; r++) DOT16_INNER(B + r * rb, S + r * sb, K, xt, hx, cx, outs, r, 1, 1, NT, TL, PF);      \
  }
#define DOT16_NT(TL, PF)                                                                                   \
  if (nt == 2) DOT16_ROWS(2, 2, TL, PF)                                                               \
  else if (nt == 3) DOT16_ROWS(1, 3, TL, PF)                                                               \
  else DOT16_ROWS(1, 4, TL, PF)
#define DOT16_PF(TL)                                                                                       \
  if (pf == GO_PF_L1) DOT16_NT(TL, GO_PF_L1)                                                               \
  else if (pf == GO_PF_NONE) DOT16_NT(TL, GO_PF_NONE)                                                      \
  else DOT16_NT(TL, GO_PF_L2)
#define DOT16_ONE(TL)                                                                                       \
  if (pf == GO_PF_L1) DOT16_FN(one_rows)(B, S, nr, K, xt[0], hx[0], cx[0], outs[0], TL, GO_PF_L1);                 \
  else if (pf == GO_PF_NONE) DOT16_FN(one_rows)(B, S, nr, K, xt[0], hx[0], cx[0], outs[0], TL, GO_PF_NONE);          \
  else DOT16_FN(one_rows)(B, S, nr, K, xt[0], hx[0], cx[0], outs[0], TL, GO_PF_L2);
  if (nt == 1) {
    if (tiled) {
      DOT16_ONE(1)
    } else {
      DOT16_ONE(0)
    }
  } else if (tiled) {
    DOT16_PF(1)
  } else {
    DOT16_PF(0)
  }
#undef DOT16_ONE
#undef DOT16_PF
#undef DOT16_NT
#undef DOT16_ROWS
}

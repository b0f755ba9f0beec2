/*
 * The MoE's element-wise steps with AVX-512: the swiglu between mlp1 and mlp2, and the 15-bit split of
 * an activation vector that the fast kernels read (f32-mxfp4w-moe.c has the portable loops, which
 * these must match). Scalar, they took 6-7 % of a one-thread MoE op on a Zen 4 host: 11,520 expf calls
 * and as many lrintf a layer, where the op streams its experts at memory speed otherwise.
 */
#include "f32-mxfp4w-moe-act.h"

#ifdef GO_X86
#define GO_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))

/* exp of 8 doubles to ~1e-16 relative (degree-12 Taylor on |r| <= ln2/2, then 2^n by scalef, which
   gives +inf above and 0 below the range); NaN stays NaN (min/max return their second operand then) */
GO_AVX512 static inline __m512d exp_pd(__m512d x) {
  x = _mm512_max_pd(_mm512_set1_pd(-746.0), _mm512_min_pd(_mm512_set1_pd(710.0), x));
  __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(6.93147180369123816490e-01), x);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(1.90821492927058770002e-10), r);
  static const double inv_fact[13] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
                                      1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600};
  __m512d p = _mm512_set1_pd(inv_fact[12]);
  for (int k = 11; k >= 0; k--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(inv_fact[k]));
  return _mm512_scalef_pd(p, n);
}

/* expf of 16 floats through double: the float nearest the exact value, as glibc's expf gives */
GO_AVX512 static inline __m512 expf_ps(__m512 z) {
  __m256 lo = _mm512_cvtpd_ps(exp_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(z))));
  __m256 hi = _mm512_cvtpd_ps(exp_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(z, 1))));
  return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

GO_AVX512 void moe_swiglu_avx512(float *o, const float *h, int I, float limit, float alpha) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512 lim = _mm512_set1_ps(limit), nlim = _mm512_set1_ps(-limit), al = _mm512_set1_ps(alpha), one = _mm512_set1_ps(1.0f);
  int i = 0;
  for (; i + 16 <= I; i += 16) {
    __m512 a = _mm512_loadu_ps(h + 2 * i), b = _mm512_loadu_ps(h + 2 * i + 16);
    __m512 g = _mm512_permutex2var_ps(a, even, b), l = _mm512_permutex2var_ps(a, odd, b);
    /* the scalar clamps' comparisons, false for NaN, so NaN passes through */
    __m512 glu = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(g, lim, _CMP_GT_OQ), g, lim);
    __m512 lin = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(l, lim, _CMP_GT_OQ), l, lim);
    lin = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(l, nlim, _CMP_LT_OQ), lin, nlim);
    __m512 e = expf_ps(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(al, glu)));
    __m512 out_glu = _mm512_mul_ps(glu, _mm512_div_ps(one, _mm512_add_ps(one, e)));
    _mm512_storeu_ps(o + i, _mm512_mul_ps(out_glu, _mm512_add_ps(lin, one)));
  }
  for (; i < I; i++) o[i] = moe_swiglu1(h[2 * i], h[2 * i + 1], limit, alpha);
}

GO_AVX512 void moe_split_prep_avx512(int8_t *q, float *d, float *hx, float *cx, const float *x, int K) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i qmax = _mm512_set1_epi32(16256), qmin = _mm512_set1_epi32(-16256), low7 = _mm512_set1_epi32(127);
  int nb = moe_nb(K), nbp = moe_nbp(K);
  size_t qs = (size_t)moe_xq_stride(K);
  int8_t *lo = q + qs;
  for (int g = 0; g < nb; g++) {
    __m512 a = _mm512_loadu_ps(x + 32 * g), b = _mm512_loadu_ps(x + 32 * g + 16);
    /* NaN or infinity anywhere in the block: a NaN scale and zero quants (common.h, GO_F16_NAN) */
    if (_mm512_fpclass_ps_mask(a, 0x99) | _mm512_fpclass_ps_mask(b, 0x99)) {
      d[g] = NAN;
      memset(q + 32 * g, 0, 32);
      memset(lo + 32 * g, 0, 32);
      hx[g] = 0.5f * d[g];
      cx[g] = 12.0f * hx[g] * 0.0f;
      continue;
    }
    float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
    float scale = amax / GO_ACT_QMAX, inv = amax > 0 ? GO_ACT_QMAX / amax : 0.0f;
    __m512 vi = _mm512_set1_ps(inv);
    __m512i qe = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_permutex2var_ps(a, even, b), vi));
    __m512i qo = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_permutex2var_ps(a, odd, b), vi));
    qe = _mm512_max_epi32(qmin, _mm512_min_epi32(qmax, qe));
    qo = _mm512_max_epi32(qmin, _mm512_min_epi32(qmax, qo));
    _mm_storeu_si128((__m128i *)(q + 32 * g), _mm512_cvtepi32_epi8(_mm512_srai_epi32(qe, 7)));
    _mm_storeu_si128((__m128i *)(q + 32 * g + 16), _mm512_cvtepi32_epi8(_mm512_srai_epi32(qo, 7)));
    _mm_storeu_si128((__m128i *)(lo + 32 * g), _mm512_cvtepi32_epi8(_mm512_and_si512(qe, low7)));
    _mm_storeu_si128((__m128i *)(lo + 32 * g + 16), _mm512_cvtepi32_epi8(_mm512_and_si512(qo, low7)));
    int s = _mm512_reduce_add_epi32(_mm512_add_epi32(qe, qo)); /* = sum(128 * hi + lo), as moe_prep_derived sums */
    d[g] = scale;
    hx[g] = 0.5f * scale;
    cx[g] = 12.0f * hx[g] * (float)s;
  }
  for (int g = nb; g < nbp; g++) hx[g] = cx[g] = 0;
  memset(q + K, 0, qs - (size_t)K);
  memset(lo + K, 0, qs - (size_t)K);
}
#else
void moe_swiglu_avx512(float *o, const float *h, int I, float limit, float alpha) {
  (void)o, (void)h, (void)I, (void)limit, (void)alpha;
}
void moe_split_prep_avx512(int8_t *q, float *d, float *hx, float *cx, const float *x, int K) {
  (void)q, (void)d, (void)hx, (void)cx, (void)x, (void)K;
}
#endif

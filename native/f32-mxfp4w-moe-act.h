/* The MoE's element-wise steps: swiglu (portable, one element) and the AVX-512 loops of f32-mxfp4w-moe-act.c. */
#ifndef GPT_OSS_MOE_ACT_H
#define GPT_OSS_MOE_ACT_H
#include <math.h>
#include <string.h>

#include "f32-mxfp4w-moe-q8.h"

/* swiglu of one (gate, linear) pair with the reference's clamps, which keep NaN (fminf/fmaxf would drop
   it and hide a broken layer), as torch.clamp does */
static inline float moe_swiglu1(float g, float l, float limit, float alpha) {
  float glu = g > limit ? limit : g;
  float lin = l > limit ? limit : l < -limit ? -limit : l;
  float out_glu = glu * (1.0f / (1.0f + expf(-(alpha * glu))));
  return out_glu * (lin + 1.0f);
}

/* o[i] = moe_swiglu1(h[2i], h[2i+1]) for i < I. The exponential is computed in double and rounded once,
   so each output is the scalar loop's in all but the rare cases where glibc's expf is not the float
   nearest the exact value. AVX-512 CPUs only (go_kernels.moe_q8 >= GO_L_AVX512). */
void moe_swiglu_avx512(float *o, const float *h, int I, float limit, float alpha);

/* The fast path's prepared vector of x (K floats): both int8 planes of q (padding zeroed), the block scales d,
   and hx, cx (moe_nbp(K) each): the bits of split_q8 then moe_prep_derived. AVX-512 CPUs only. */
void moe_split_prep_avx512(int8_t *q, float *d, float *hx, float *cx, const float *x, int K);

#endif

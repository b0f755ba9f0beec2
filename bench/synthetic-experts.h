/* 20b-shaped synthetic MoE layers for the standalone C benchmarks (moe-stream.c, moe-op-ab-same.c): random
   MXFP4 experts with trained-like scales in huge-page memory, f32 router and biases; TILED in the
   environment lays the experts out as `--experts copy` does. Needs kernels.h, f32-mxfp4w-moe-q8.h and
   bench-alloc.h included first. */
#pragma once

/* layers moe_args of E experts (H = I = 2880, top-k), inputs and outputs left to the caller; mem[l] is
   layer l's expert block of *tot bytes. NULL when out of memory. */
static moe_args *synthetic_experts(int layers, int n, int E, int k, uint8_t **mem, size_t *tot) {
  const int H = 2880, I = 2880;
  size_t nb1 = (size_t)E * 2 * I * H / 2, ns1 = nb1 / 16, nb2 = (size_t)E * H * I / 2, ns2 = nb2 / 16;
  *tot = nb1 + ns1 + nb2 + ns2;
  moe_args *a = calloc(layers, sizeof *a);
  if (!a) return NULL;
  for (int l = 0; l < layers; l++) {
    uint8_t *c = mem[l] = huge_alloc(*tot);
    if (!c) return NULL;
    for (size_t i = 0; i < *tot; i += 4) {
      unsigned r = rnd();
      memcpy(c + i, &r, 4);
    }
    /* scales 2^-9 .. 2^-2 as in trained experts */
    for (size_t i = 0; i < ns1; i++) c[nb1 + i] = (uint8_t)(118 + rnd() % 8);
    for (size_t i = 0; i < ns2; i++) c[nb1 + ns1 + nb2 + i] = (uint8_t)(118 + rnd() % 8);
    moe_args *q = &a[l];
    q->n = n, q->H = H, q->I = I, q->E = E, q->k = k, q->limit = 7, q->alpha = 1.702f, q->fast = 1;
    float *gate = malloc((size_t)E * H * 4), *gb = calloc(E, 4), *b1 = malloc((size_t)E * 2 * I * 4), *b2 = malloc((size_t)E * H * 4);
    if (!gate || !gb || !b1 || !b2) return NULL;
    for (size_t i = 0; i < (size_t)E * H; i++) gate[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * 2 * I; i++) b1[i] = (float)rnd() / (1 << 24) - 0.5f;
    for (size_t i = 0; i < (size_t)E * H; i++) b2[i] = (float)rnd() / (1 << 24) - 0.5f;
    q->gate = gate, q->gate_dtype = GO_DT_F32, q->gate_bias = gb, q->bias1 = b1, q->bias2 = b2;
    q->b1 = c, q->s1 = c + nb1, q->b2 = c + nb1 + ns1, q->s2 = c + nb1 + ns1 + nb2;
    if (getenv("TILED")) { /* the layout `--experts copy` gives the fast AVX-512 path */
      moe_tile16(c, (size_t)E * 2 * I, H);
      moe_tile16(c + nb1 + ns1, (size_t)E * H, I);
      q->tiled = 3;
    }
  }
  return a;
}

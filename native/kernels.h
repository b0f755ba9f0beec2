/* The cpu backend's kernels, named by dtype signature as in gpt-oss's metal kernels. All run on a pool. */
#ifndef GPT_OSS_KERNELS_H
#define GPT_OSS_KERNELS_H
#include "common.h"
#include "pool.h"

/* ---- dense: out[n, N] = x[n, K] W[N, K]^T (+ bias) with W f32 or bf16 ------------------------- */
void f32_densew_matmul(pool_t *p, float *out, const float *x, int n, int K, const void *w, int dtype, int N,
                       const float *bias);
/* dot products of the f32 rows needed by several kernels */
float go_dot_f32(const float *a, const float *b, int K);
/* f32 rows x f32 rows, register-tiled: outs[t][r] = W[r] . xs[t] */
void go_tile_f32(const float *W, int nr, int K, const float *const *xs, int nt, float *const *outs);

#ifdef GO_X86
#define GO_DENSE_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#endif

/* ---- 8-bit dense weights (q8-dense.c): [N, roundup(K,32)] int8, then [N, roundup(K,32)/32] f16 scales.
 * With the AVX-512 VNNI kernels (go_q8_tiled) each row's bytes are tiled instead: per group of 16 blocks
 * (the row's last group may hold m < 16), 8 runs of m dwords, dword j of run i = bytes 4i..4i+3 of block j,
 * each byte stored as w + 128 (u8). A vpdpbusd chain over the 8 runs then leaves each block's whole dot in
 * its own lane; the same bytes in the same space as the plain layout. */
size_t go_q8_bytes(int N, int K);
/* Converts a bf16/f32 matrix; release: madvise(DONTNEED) the source rows once done (file mappings only). */
void go_q8_quantize(pool_t *p, uint8_t *dst, const void *w, int dtype, int N, int K, int release);
/* Activations are quantized to 15 bits per 32-block (q = rint(x / d), d = amax / GO_ACT_QMAX) and stored as two
 * int8 planes of roundup(K,32) bytes each: hi = q >> 7 in [-127, 127], then lo = q & 127 in [0, 127], so
 * q = 128 * hi + lo and every int8 product kernel runs twice (8-bit activations cost more accuracy than
 * the reference's bf16 run, issue 13 item 8). c[b] = -128 * d[b] * sum(q of block b) (the AVX-512 kernel's
 * offset term). One token takes go_q8_act_stride(K) bytes of q. */
#define GO_ACT_QMAX 16256.0f
int go_q8_tiled(void);
/* Blocks per token in d and c (zero padded to whole groups of 16), and bytes per token of q (two planes of
 * that many blocks: plain order, or with go_q8_tiled the weights' tiled order over whole groups). */
static inline int go_q8_act_blocks(int K) { return (((K + 31) / 32) + 15) & ~15; }
static inline size_t go_q8_act_stride(int K) { return (size_t)2 * 32 * go_q8_act_blocks(K); }
void go_q8_quantize_act(const float *x, int K, int8_t *q, float *d, float *c);
/* rows [r0, r1) of wq against n tokens; pf: where the AVX-512 kernel prefetches the rows (GO_PF_L2, GO_PF_L1
 * or GO_PF_NONE; the same bits) */
void go_q8_rows_dot(const uint8_t *wq, int N, int K, int r0, int r1, const int8_t *xq, const float *xd,
                    const float *xc, int n, float *out, size_t ostride, int pf);
void go_q8_rows_to_f32(float *dst, const uint8_t *wq, int N, int K, int r0, int nr);

/* ---- mixture of experts (router, top-k, softmax, MXFP4 mlp1, swiglu, MXFP4 mlp2, weighted sum) --- */
typedef struct {
  int n, H, I, E, k;
  float limit, alpha;
  int fast; /* 8-bit activations for the MXFP4 dot products */
  int tiled; /* bit 0: b1, bit 1: b2 in the copy's tiled16 layout (moe_tile16; fast with AVX-512 only);
               one per matrix, since a copy made after the load swaps them in one at a time */
  const float *x;
  const void *gate;
  int gate_dtype;
  const float *gate_bias;
  const uint8_t *b1, *s1;
  const float *bias1;
  const uint8_t *b2, *s2;
  const float *bias2;
  float *out;
} moe_args;
/* Returns 0, -1 when out of memory, -2 for tiled experts without the fast AVX-512 kernels. */
int f32_mxfp4w_moe(pool_t *p, const moe_args *a);
/* Since the process started: MoE calls made and the experts they read (each expert with at least one
   token counts once per call): what a batched step reads depends on how its tokens route. */
void go_moe_counts(double *calls, double *experts);
/* a test's comparison of the MoE's AVX-512 element-wise steps with the portable ones (f32-mxfp4w-moe.c) */
int go_moe_act_check(const float *x, int K, const float *h, int I, float limit, float alpha, int *split_differ,
                     int *swiglu_differ, int *max_ulps);

/* ---- attention with sinks and sliding window over a ring-indexed multi-slot KV cache ------------ */
typedef struct {
  int layers, kv_heads, head_dim, slots, capacity, sliding_capacity;
  int f16; /* 16-bit K/V */
  int *windows;
  int *layer_cap;
  void **k, **v; /* per layer [slots, layer_cap, kv_heads, head_dim] */
  size_t *bytes;
} kv_cache;
kv_cache *kv_cache_create(int layers, int kv_heads, int head_dim, const int *windows, int slots, int capacity,
                          int sliding_capacity, int f16);
void kv_cache_destroy(kv_cache *c);
void kv_cache_fill(kv_cache *c, uint32_t seed);
void f32_sdpa_sinks_swa(pool_t *p, float *out, const float *q, const float *k, const float *v, int n,
                        const float *sinks, kv_cache *c, const int *slots, const int *positions, int layer,
                        int heads, int kv_heads, int head_dim, int window, float sm_scale);

/* ---- small ops -------------------------------------------------------------------------------- */
void f32_rmsnorm(pool_t *p, float *out, const float *x, int n, int cols, const float *scale, float eps);
void f32_rope(pool_t *p, float *x, int n, int heads, int head_dim, const int *positions, const float *inv_freq,
              float concentration);
void f32_add(pool_t *p, float *out, const float *a, const float *b, size_t count);
void f32_densew_embed(float *out, const void *table, int dtype, int H, const int *tokens, int n);

/* STREAM-like triad a = b + s*c over `bytes` in total; returns GB/s of the best of `reps`. */
double go_triad(pool_t *p, size_t bytes, int reps);
/* Read bandwidth, GB/s of each of `passes` passes over `bytes`, all threads each reading its own
 * contiguous part. huge: a 2 MiB-aligned anonymous buffer advised for huge pages, read with vector
 * loads as the decode kernels read their weights; else a plain malloc buffer summed by a scalar loop
 * (the STREAM-like check). Returns 0 on success, -1 when the memory cannot be had. */
int go_read_bandwidth(pool_t *p, size_t bytes, int passes, int huge, double *gbs);
/* Every pool thread reads the clock in a loop for `seconds`; out[3t..3t+2] for thread task t: seconds
 * spun, seconds lost in gaps longer than `gap_s` (the thread did not run: preempted), the largest gap. */
void go_preemption_probe(pool_t *p, double seconds, double gap_s, double *out);

#endif

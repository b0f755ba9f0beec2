/*
 * The `fast` MXFP4 x int8 kernels of the MoE op for CPUs with AVX-512 VNNI (chosen at run time).
 *
 * vpdpbusd multiplies unsigned by signed bytes, so FP4 codes expand to u = 2*fp4 + 12 in [0, 24]
 * (one 16-entry shuffle) and the offset comes back per block as 12 * sum(xq):
 *   block dot = 2^(e-127) * (hx * sum(u * xq) - cx),  hx = d/2, cx = 12 * hx * sum(xq)
 * where d is the activation block's scale. The 2^(e-127) are made from the E8M0 byte by a shift
 * into the float exponent (e = 0 gives 0 instead of 2^-127: negligible at 8-bit precision).
 */
#ifndef GPT_OSS_MOE_Q8_H
#define GPT_OSS_MOE_Q8_H
#include "common.h"

/* One prepared activation vector: 15 bits as two int8 planes in split order (hi = q >> 7, then lo = q & 127
 * xq_stride(K) bytes further, both zero padded; kernels.h), hx and cx per block (nbp(K) floats, zero padded). */
static inline int moe_nb(int K) { return K / 32; }
static inline int moe_nbp(int K) { return (K / 32 + 15) & ~15; }
static inline int moe_nbe(int K) { return (K / 32 + 1) & ~1; }
static inline int moe_xq_stride(int K) { return moe_nbe(K) * 32; }

/* Block-transposed layout for the prefill tile: per group of 16 blocks (512 bytes a plane), 8 vectors of
 * 16 dwords, dword j of vector i = bytes 4i..4i+3 of block 16g+j (split order). A vpdpbusd chain over the
 * 8 vectors then leaves each block's whole integer dot in its own lane, so the float work (convert,
 * scale, add) is done once per block instead of once per 4 bytes. Blocks past K/32 are zero. */
static inline int moe_xt_stride(int K) { return moe_nbp(K) * 32; }
/* xt (2 * moe_xt_stride(K) bytes: hi plane, then lo) from a prepared vector xq (both planes). */
void moe_transpose16(int8_t *xt, const int8_t *xq, int K);

/* Weights of nr rows expanded once to u8 in the block-transposed layout (wt [nr][nbp*32]) with their
 * per-block scales (sw [nr][nbp]), in caller memory of moe_expand_bytes(nr, K). */
size_t moe_expand_bytes(int nr, int K);
void moe_expand_avx512(void *mem, const uint8_t *B, const uint8_t *S, int nr, int K, int tiled);

/* tiled16, the layout of copied experts: per row and group of 16 blocks (the row's last group may hold
 * fewer, m), 4 runs of m dwords, dword j of run d = bytes 4d..4d+3 of block j. The same bytes in the same
 * space as the file's packed rows, already in the lanes the kernels want. In place, rows of K/32 blocks. */
void moe_tile16(uint8_t *B, size_t rows, int K);

/* outs[t][r] = row r . token t for r < nr, t < nt (1..4), rows read once for all tokens; packed (tiled 0)
 * or tiled16 (1) weights; tokens block-transposed (moe_transpose16); rows prefetched as pf says (GO_PF_L2,
 * GO_PF_L1 or GO_PF_NONE: the same bits). Per token, the bits of moe_tile_q8_avx512. */
void moe_dot16_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, int nt, int tiled, int pf, const int8_t *const *xt,
                         const float *const *hx, const float *const *cx, float *const *outs);

/* outs[t][r] = row r . token t for r < nr, t < nt, from expanded weights; xt[t] points at token t's
 * block-transposed vector (moe_transpose16), hx/cx given as per-token pointers too. */
void moe_tile_q8_avx512(const void *mem, int nr, int K, int nt, const int8_t *const *xt, const float *const *hx,
                        const float *const *cx, float *const *outs);

/* Fills hx, cx of one vector from its int8 blocks and their scales d (portable). */
void moe_prep_derived(const int8_t *xq, const float *d, int K, float *hx, float *cx);
#include "kernels.h"

#endif

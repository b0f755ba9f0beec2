/* Shared definitions of the cpu backend's kernels: dtypes, SIMD selection, scalar conversions. */
#ifndef GPT_OSS_COMMON_H
#define GPT_OSS_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define GO_X86 1
#include <immintrin.h>
/* Kernels compiled for AVX2 + FMA + F16C; called only when the CPU reports all three at run time. */
#define GO_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

/* Weight element types as the binding passes them (binding.ts WEIGHT_DTYPE). */
/* GO_DT_Q8: the 8-bit block layout of q8-dense.c (fast precision, converted at load). */
enum { GO_DT_F32 = 0, GO_DT_BF16 = 1, GO_DT_Q8 = 2 };

/* Kernel levels, lowest first (dispatch.c). GO_L_AVX512: AVX-512 F/BW/VL/DQ + VNNI; GO_L_AVX512_VBMI: and VBMI. */
enum { GO_L_SCALAR = 0, GO_L_AVX2 = 1, GO_L_AVX512 = 2, GO_L_AVX512_VBMI = 3 };
/* software prefetch of the streaming kernels; GO_PF_AUTO: chosen per kind of call while running (prefetch-tuner.h) */
enum { GO_PF_L2 = 0, GO_PF_L1 = 1, GO_PF_NONE = 2, GO_PF_AUTO = 3 };
/* What this CPU has (avx2 means AVX2 + FMA + F16C), detected once at module load. */
typedef struct {
  int avx2, avx512_vnni, avx512_vbmi, best;
  /* where the MoE decode kernel prefetches its rows: GO_PF_AUTO unless GPT_OSS_PREFETCH names a mode */
  int prefetch;
  /* where the 8-bit dense one-token kernel prefetches its rows: GO_PF_AUTO unless GPT_OSS_DENSE_PREFETCH
     names a mode */
  int dense_prefetch;
} go_cpu_t;
/* The dispatch table: the level each kernel family runs at (never above what the CPU has). */
typedef struct {
  int dense;     /* f32/bf16 dense matmul */
  int dense_q8;  /* 8-bit dense matmul and its activation quantizer */
  int moe;       /* MXFP4 MoE, exact (f32 activations) */
  int moe_q8;    /* MXFP4 MoE, fast (8-bit activations) */
  int attention; /* attention over the KV cache, f16 rows */
} go_kernels_t;
extern go_cpu_t go_cpu;
extern go_kernels_t go_kernels;
extern int go_level; /* the level asked for: the CPU's best unless GPT_OSS_SIMD lowers it */
/* Detects the CPU and fills go_kernels; `requested` is GPT_OSS_SIMD (NULL: the best). -1: unknown name. */
int go_dispatch_init(const char *requested);
/* GPT_OSS_PREFETCH as taken: "auto", "l2", "l1" or "none" */
const char *go_prefetch_name(void);
/* the dense kernel's, as taken */
const char *go_dense_prefetch_name(void);
const char *go_level_name(int level);
int go_level_from_name(const char *name); /* -1 for NULL/empty, -2 for an unknown name */
int go_family_count(void);
const char *go_family_name(int i);
int go_family_level(int i);

static inline float go_bf16_to_f32(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* IEEE half <-> single, portable (the F16C instructions do the same where available). */
static inline float go_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, u;
  if (exp == 0) {
    float f = ldexpf((float)man, -24);
    return sign ? -f : f;
  }
  if (exp == 31) u = sign | 0x7f800000u | (man << 13);
  else u = sign | ((exp + 112) << 23) | (man << 13);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static inline uint16_t go_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0));
  if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* overflow to inf */
  if (ax < 0x38800000u) { /* subnormal half: round to nearest even via float arithmetic */
    float a;
    memcpy(&a, &ax, 4);
    return (uint16_t)(sign | (uint16_t)lrintf(a * 16777216.0f));
  }
  uint32_t r = ax + 0xfff + ((ax >> 13) & 1) - (112u << 23);
  return (uint16_t)(sign | (r >> 13));
}

/*
 * 8-bit quantizers (q8-dense.c, the MoE's split_q8) keep non-finite values visible: a block with a
 * NaN or an infinity gets a NaN scale and zero quants (a float-to-int8 cast of NaN is undefined), so
 * every product with it is NaN, as it is in f32. GO_F16_NAN is that scale stored as f16.
 */
#define GO_F16_NAN ((uint16_t)0x7e00)

/*
 * The group tiling shared by the copied experts (4 dwords a block) and the 8-bit dense rows (8): a group
 * of m <= 16 blocks of `runs` dwords each becomes `runs` runs of m dwords, dword j of run i = dword i of
 * block j, so that a vector load of run i holds one dword of every block (one block per lane). `flip` is
 * xored into every dword (the dense rows store w + 128). go_untile_group is the inverse.
 */
static inline void go_tile_group(uint32_t *out, const uint32_t *in, int m, int runs, uint32_t flip) {
  for (int j = 0; j < m; j++)
    for (int i = 0; i < runs; i++) out[i * m + j] = in[runs * j + i] ^ flip;
}
static inline void go_untile_group(uint32_t *out, const uint32_t *in, int m, int runs, uint32_t flip) {
  for (int j = 0; j < m; j++)
    for (int i = 0; i < runs; i++) out[runs * j + i] = in[i * m + j] ^ flip;
}

/* FP4 E2M1 codes times two (exact small integers), and 2^(e-128) so that value = code2 * scale_half[e]. */
extern const int8_t go_fp4_x2[16];
extern float go_e8m0_half[256];
void go_tables_init(void);

#endif

/*
 * The one place where kernels are chosen: CPU features are detected once into go_cpu, GPT_OSS_SIMD
 * may lower the level (to test the other paths on one machine), and each kernel family runs the
 * highest level it implements that is no higher (go_kernels). Kernels only ever read go_kernels.
 */
#include <stdlib.h>

#include "common.h"

go_cpu_t go_cpu;
go_kernels_t go_kernels;
int go_level;

static const char *const level_names[] = {"scalar", "avx2", "avx512-vnni", "avx512-vbmi"};

/* Families, the highest level each implements, and where its level lives in go_kernels. */
static const struct {
  const char *name;
  int max;
  size_t at;
} families[] = {
    {"dense", GO_L_AVX512, offsetof(go_kernels_t, dense)},
    {"dense-q8", GO_L_AVX512, offsetof(go_kernels_t, dense_q8)},
    {"moe", GO_L_AVX2, offsetof(go_kernels_t, moe)},
    {"moe-q8", GO_L_AVX512_VBMI, offsetof(go_kernels_t, moe_q8)},
    {"attention", GO_L_AVX512, offsetof(go_kernels_t, attention)},
};

const char *go_level_name(int level) { return level >= 0 && level <= GO_L_AVX512_VBMI ? level_names[level] : "unknown"; }

int go_level_from_name(const char *name) {
  if (!name || !*name) return -1;
  for (int l = 0; l <= GO_L_AVX512_VBMI; l++)
    if (strcmp(name, level_names[l]) == 0) return l;
  if (strcmp(name, "avx512bw") == 0 || strcmp(name, "avx512") == 0) return GO_L_AVX512; /* older spellings */
  return -2;
}

int go_family_count(void) { return (int)(sizeof families / sizeof families[0]); }
const char *go_family_name(int i) { return families[i].name; }
int go_family_level(int i) { return *(const int *)((const char *)&go_kernels + families[i].at); }

#ifdef GO_X86
/* l2, l1 or none from the environment variable `name`; anything else (auto, or unset) leaves it to the
   kernels' tuners */
static int prefetch_from_env(const char *name) {
  const char *v = getenv(name);
  if (!v) return GO_PF_AUTO;
  return strcmp(v, "l2") == 0 ? GO_PF_L2 : strcmp(v, "l1") == 0 ? GO_PF_L1 : strcmp(v, "none") == 0 ? GO_PF_NONE : GO_PF_AUTO;
}
#endif

static void detect(void) {
  memset(&go_cpu, 0, sizeof go_cpu);
#ifdef GO_X86
  __builtin_cpu_init();
  go_cpu.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  go_cpu.avx512_vnni = go_cpu.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                       __builtin_cpu_supports("avx512vnni");
  go_cpu.avx512_vbmi = go_cpu.avx512_vnni && __builtin_cpu_supports("avx512vbmi");
  /* The MoE decode kernel and the 8-bit dense one-token kernel stream their rows with software prefetch
     ahead of them, into L2 (T1), into L1 (T0), or none. Which is fastest has moved between hosts of one
     kind and between days on them (Zen 5 hosts: L1 chosen on a busy one; L2 1.7-2.1x faster on a quiet
     one on 2026-12-04; none 1.1x faster for the MoE and 15 % faster for the dense kernel on 2026-12-05;
     L1 1.13-1.18x faster for both later that day; L2 1-7 % ahead on Zen 4 and Intel hosts), so unless
     GPT_OSS_PREFETCH or GPT_OSS_DENSE_PREFETCH names a mode, each kind of call picks its own from its
     timings as the model runs (prefetch-tuner.h). */
  go_cpu.prefetch = prefetch_from_env("GPT_OSS_PREFETCH");
  go_cpu.dense_prefetch = prefetch_from_env("GPT_OSS_DENSE_PREFETCH");
#endif
  go_cpu.best = go_cpu.avx512_vbmi ? GO_L_AVX512_VBMI : go_cpu.avx512_vnni ? GO_L_AVX512 : go_cpu.avx2 ? GO_L_AVX2 : GO_L_SCALAR;
}

static const char *pf_name(int pf) { return pf == GO_PF_L1 ? "l1" : pf == GO_PF_NONE ? "none" : pf == GO_PF_L2 ? "l2" : "auto"; }
const char *go_prefetch_name(void) { return pf_name(go_cpu.prefetch); }
const char *go_dense_prefetch_name(void) { return pf_name(go_cpu.dense_prefetch); }

int go_dispatch_init(const char *requested) {
  detect();
  int want = go_level_from_name(requested);
  go_level = want >= 0 && want < go_cpu.best ? want : go_cpu.best;
  for (int i = 0; i < go_family_count(); i++)
    *(int *)((char *)&go_kernels + families[i].at) = families[i].max < go_level ? families[i].max : go_level;
  return want == -2 ? -1 : 0;
}

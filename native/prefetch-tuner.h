/*
 * The streaming kernels' software prefetch (into L2, into L1, or none: the hardware prefetchers alone)
 * chosen while the model runs, from the kernels' own timings. Which one is fastest has changed from host
 * to host and from day to day on hosts of one kind: on Zen 5 hosts of this project L1 was measured
 * fastest, then L2 at 1.7-2.1x, then none at 1.1x, then L1 again at 1.16x (dispatch.c, BENCHMARKS.md).
 * No fixed choice holds, and the prefetch changes no result, only the time: so each kind of call keeps
 * every mode's cost and runs the cheapest, trying the others now and then to follow a host that changes.
 *
 * A tuner serves one kind of call whose calls read about the same bytes (one kernel, one shape class);
 * it lives in the thread that calls the kernels (the pool's caller), so it takes no lock.
 */
#ifndef GPT_OSS_PREFETCH_TUNER_H
#define GPT_OSS_PREFETCH_TUNER_H

#include "common.h"

#define GO_PF_MODES 3  /* GO_PF_L2, GO_PF_L1, GO_PF_NONE */
#define GO_PF_WINDOW 5 /* a mode's cost: the median of its last 5 calls' seconds per byte */

typedef struct {
  double recent[GO_PF_MODES][GO_PF_WINDOW];
  unsigned seen[GO_PF_MODES];
  unsigned long long calls;
  unsigned long long due[GO_PF_MODES]; /* the call at which a mode other than the cheapest is tried next */
} go_pf_tuner;

/* The mode of a call to be timed (under GO_PF_AUTO): the cheapest, or now and then another one. */
int go_pf_begin(go_pf_tuner *t);
/* The mode of a call not timed: `fixed` where GPT_OSS_PREFETCH / GPT_OSS_DENSE_PREFETCH named one, else
   the tuner's cheapest. */
int go_pf_pick(const go_pf_tuner *t, int fixed);
/* How long the call that go_pf_begin answered took, and the bytes it read. */
void go_pf_end(go_pf_tuner *t, int mode, double seconds, double bytes);
/* The cheapest mode so far (GO_PF_L2 before every mode has been timed). */
int go_pf_best(const go_pf_tuner *t);
/* A mode's cost, seconds per byte (0 before it has been timed). */
double go_pf_cost(const go_pf_tuner *t, int mode);
double go_pf_now(void);

/* The calling thread's tuners, for reports: the MoE decode kernel's for calls of n tokens (1 to
   GO_MOE_PF_TOKENS), and the 8-bit dense kernel's for calls of n tokens (1 to GO_DENSE_PF_TOKENS) on
   matrices of [2^b, 2^(b+1)) MiB (b < GO_DENSE_PF_CLASSES; the last class takes every larger one); NULL
   past those. */
#define GO_MOE_PF_TOKENS 4
#define GO_DENSE_PF_CLASSES 12
#define GO_DENSE_PF_TOKENS 4
const go_pf_tuner *go_moe_pf_tuner(int n);
const go_pf_tuner *go_dense_pf_tuner(int n, int b);

#endif

#include "prefetch-tuner.h"

#include <time.h>

/* Each mode is timed WARMUP times first; then every EXPLORE-th call runs one of the other modes in turn:
   where both are 1.3x slower than the best, the trials cost about 2 % (0.3 of one call in 16). A mode's
   cost is the median of its last GO_PF_WINDOW calls, not a mean: on a shared host a call now and then
   takes several times its usual time (another tenant on the core, a page fault), and an average over a
   mode retried only every 32 calls swung the choice to a mode 1.1x slower (2 threads, Zen 5). A host
   whose best mode changes is followed once 3 of its last 5 calls in a mode say so. */
enum { WARMUP = 3, EXPLORE = 16 };

double go_pf_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double go_pf_cost(const go_pf_tuner *t, int mode) {
  if (mode < 0 || mode >= GO_PF_MODES || t->seen[mode] == 0) return 0;
  int n = t->seen[mode] < GO_PF_WINDOW ? (int)t->seen[mode] : GO_PF_WINDOW;
  double v[GO_PF_WINDOW];
  for (int i = 0; i < n; i++) v[i] = t->recent[mode][i];
  for (int i = 1; i < n; i++) /* insertion sort of at most 5 */
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double x = v[j];
      v[j] = v[j - 1];
      v[j - 1] = x;
    }
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int go_pf_best(const go_pf_tuner *t) {
  int best = GO_PF_L2;
  for (int m = 0; m < GO_PF_MODES; m++)
    if (t->seen[m] < WARMUP) return GO_PF_L2;
  for (int m = 1; m < GO_PF_MODES; m++)
    if (go_pf_cost(t, m) < go_pf_cost(t, best)) best = m;
  return best;
}

int go_pf_pick(const go_pf_tuner *t, int fixed) { return fixed != GO_PF_AUTO ? fixed : go_pf_best(t); }

int go_pf_begin(go_pf_tuner *t) {
  unsigned long long c = t->calls++;
  for (int m = 0; m < GO_PF_MODES; m++)
    if (t->seen[m] < WARMUP) return m;
  int best = go_pf_best(t);
  if (c % EXPLORE != EXPLORE - 1) return best;
  int other = (int)(c / EXPLORE % (GO_PF_MODES - 1)); /* the 1st or 2nd mode that is not the best */
  return other < best ? other : other + 1;
}

void go_pf_end(go_pf_tuner *t, int mode, double seconds, double bytes) {
  if (mode < 0 || mode >= GO_PF_MODES || !(bytes > 0) || !(seconds > 0)) return;
  t->recent[mode][t->seen[mode]++ % GO_PF_WINDOW] = seconds / bytes;
}

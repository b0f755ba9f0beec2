#include "prefetch-tuner.h"

#include <time.h>

/* Each mode is timed WARMUP times first; then each other mode is tried again every so many calls, fewer
   the dearer it is: (ratio - 1) / TRIAL_COST calls after its last trial (between EXPLORE_MIN and
   EXPLORE_MAX), so that its trials cost about 0.5 % of the time whatever its ratio. A fixed one call in 16
   cost 2 % where both other modes were 1.3x slower (the common case on Zen 5), and a mode within 1.1x of
   the best is still tried every 16-20 calls, as often as before. A mode's cost is the median of its last
   GO_PF_WINDOW calls, not a mean: on a shared host a call now and then takes several times its usual
   time (another tenant on the core, a page fault), and an average over a mode retried only every 32
   calls swung the choice to a mode 1.1x slower (2 threads, Zen 5). A host whose best mode changes is
   followed once 3 of its last 5 calls in a mode say so: at once where the best one slows down (it runs
   every call), after at most 3 x EXPLORE_MAX calls where another speeds up (a decode step of the 20b
   makes 24 MoE calls and 24 of each dense size class). */
enum { WARMUP = 3, EXPLORE_MIN = 16, EXPLORE_MAX = 128 };
#define TRIAL_COST 0.005

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

/* calls until a mode whose cost is `ratio` times the best one's is tried again */
static unsigned long long trial_interval(double ratio) {
  double calls = (ratio - 1.0) / TRIAL_COST;
  if (!(calls > EXPLORE_MIN)) return EXPLORE_MIN; /* NaN too */
  return calls < EXPLORE_MAX ? (unsigned long long)calls : EXPLORE_MAX;
}

int go_pf_begin(go_pf_tuner *t) {
  unsigned long long c = t->calls++;
  for (int m = 0; m < GO_PF_MODES; m++)
    if (t->seen[m] < WARMUP) return m;
  int best = go_pf_best(t), next = -1;
  double base = go_pf_cost(t, best);
  for (int m = 0; m < GO_PF_MODES; m++) {
    if (m == best) continue;
    if (t->due[m] == 0) t->due[m] = c + trial_interval(go_pf_cost(t, m) / base); /* first time behind the best */
    if (c >= t->due[m] && (next < 0 || t->due[m] < t->due[next])) next = m;
  }
  if (next < 0) return best;
  t->due[next] = c + trial_interval(go_pf_cost(t, next) / base);
  return next;
}

void go_pf_end(go_pf_tuner *t, int mode, double seconds, double bytes) {
  if (mode < 0 || mode >= GO_PF_MODES || !(bytes > 0) || !(seconds > 0)) return;
  t->recent[mode][t->seen[mode]++ % GO_PF_WINDOW] = seconds / bytes;
}

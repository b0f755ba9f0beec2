/*
 * How much of its threads' time the host takes while every thread of the pool is busy. On the 2-vCPU
 * virtual machines of this project the hypervisor runs work of its own on our vCPUs: with one of them
 * idle it goes there, with both busy it preempts one of ours for milliseconds, and a parallel-for then
 * waits at its end for the thread that was stopped. The guest's /proc/stat shows no steal time for it,
 * so the only trace is a gap in time: each thread reads the clock in a loop until a common deadline and
 * sums the gaps between consecutive readings longer than `gap_s` (time it did not run).
 */
#define _GNU_SOURCE
#include <time.h>

#include "kernels.h"

typedef struct {
  double deadline, gap;
  double *out; /* per task: seconds spun, seconds lost in gaps, largest gap */
} probe_ctx;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void probe_task(void *vctx, int task, int thread) {
  (void)thread;
  probe_ctx *c = vctx;
  double start = now_s(), last = start, lost = 0, largest = 0;
  while (last < c->deadline) {
    double t = now_s(), gap = t - last;
    if (gap > c->gap) {
      lost += gap;
      if (gap > largest) largest = gap;
    }
    last = t;
  }
  /* a task that began after the deadline (its thread took another first) spun for no time */
  double *o = c->out + 3 * task;
  o[0] = last > start ? last - start : 0;
  o[1] = lost;
  o[2] = largest;
}

void go_preemption_probe(pool_t *p, double seconds, double gap_s, double *out) {
  int tasks = pool_threads(p);
  probe_ctx c = {now_s() + seconds, gap_s, out};
  pool_run(p, probe_task, &c, tasks);
}

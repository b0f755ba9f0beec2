/*
 * Whether the host stops this VM's vCPUs one at a time or all together (issue 13, BENCHMARKS.md): one
 * thread pinned to each of the first THREADS CPUs reads the clock in a loop for SECONDS and records every
 * gap over 50 us with its start and end; prints each thread's lost share and longest gap, with two threads
 * the share of the time both were stopped at once, and a histogram of the gaps' lengths. Where both stop
 * together, a parallel-for's wait is not what the stops cost: the whole VM is off the CPUs.
 *
 *   gcc -O2 -pthread -o /tmp/vcpu-gaps bench/vcpu-gaps.c && /tmp/vcpu-gaps [SECONDS=5] [THREADS=2]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_GAPS 200000
#define MAX_THREADS 8

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  int cpu;
  double seconds;
  int n;
  double start[MAX_GAPS], end[MAX_GAPS];
} spinner;

static void *spin(void *arg) {
  spinner *s = arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(s->cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  double t0 = now(), last = t0;
  for (;;) {
    double t = now();
    if (t - last > 50e-6 && s->n < MAX_GAPS) {
      s->start[s->n] = last;
      s->end[s->n] = t;
      s->n++;
    }
    last = t;
    if (t - t0 > s->seconds) return NULL;
  }
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5;
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  if (threads < 1 || threads > MAX_THREADS) return fprintf(stderr, "THREADS must be 1 to %d\n", MAX_THREADS), 2;
  spinner *s = calloc(threads, sizeof(spinner));
  pthread_t id[MAX_THREADS];
  for (int i = 0; i < threads; i++) {
    s[i].cpu = i;
    s[i].seconds = seconds;
    pthread_create(&id[i], NULL, spin, &s[i]);
  }
  for (int i = 0; i < threads; i++) pthread_join(id[i], NULL);
  for (int i = 0; i < threads; i++) {
    double lost = 0, longest = 0;
    for (int g = 0; g < s[i].n; g++) {
      double d = s[i].end[g] - s[i].start[g];
      lost += d;
      if (d > longest) longest = d;
    }
    printf("thread %d: %d gaps, lost %.2f %%, longest %.2f ms\n", i, s[i].n, 100 * lost / seconds, longest * 1e3);
  }
  if (threads != 2) return 0;
  double both = 0;
  for (int a = 0; a < s[0].n; a++)
    for (int b = 0; b < s[1].n; b++) {
      double from = s[0].start[a] > s[1].start[b] ? s[0].start[a] : s[1].start[b];
      double to = s[0].end[a] < s[1].end[b] ? s[0].end[a] : s[1].end[b];
      if (to > from) both += to - from;
    }
  printf("both stopped at once: %.2f %% of the time\n", 100 * both / seconds);
  const double edges[] = {0.1e-3, 0.5e-3, 1e-3, 5e-3, 10e-3, 50e-3};
  const char *names[] = {"<0.1 ms", "<0.5", "<1", "<5", "<10", "<50", "longer"};
  int count[7] = {0};
  double total[7] = {0};
  for (int i = 0; i < 2; i++)
    for (int g = 0; g < s[i].n; g++) {
      double d = s[i].end[g] - s[i].start[g];
      int k = 0;
      while (k < 6 && d > edges[k]) k++;
      count[k]++;
      total[k] += d;
    }
  printf("gap lengths (both threads):");
  for (int k = 0; k < 7; k++) printf(" %s %d (%.1f ms)%s", names[k], count[k], total[k] * 1e3, k < 6 ? "," : "\n");
  return 0;
}

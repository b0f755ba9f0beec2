/*
 * Workers spin briefly after each parallel-for, because the next op of a forward step usually
 * follows within microseconds, then sleep on a condition variable so an idle pool costs nothing.
 */
#define _GNU_SOURCE
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle worker spins before it sleeps, in microseconds (GPT_OSS_POOL_SPIN_US overrides). It was
   4000 pauses: 75 us on a Zen 5 host (a pause there takes 19 ns), several times that where a pause is
   slower. A sleeping worker is woken through the kernel, and a VM's halted vCPU wakes slowly: a 4-row
   RMSNorm on two threads took 17.5 us after a 200 us pause of the caller with the 75 us spin, 7.0 us with
   this one, and 44-51 us after a 2 ms pause with either (bench/small-ops.ts --gap, Zen 5 host, 2026-12-06).
   In a batched decode step that was 0.5-1.3 ms of 150 (bench/op-profile.ts). A millisecond outlasts the
   JavaScript between two ops of a forward pass and the single-threaded stretches inside them, and an
   idle engine still stops using the core at once. */
#ifndef SPIN_US
#define SPIN_US 1000
#endif

typedef struct {
  void *ptr;
  size_t size;
  char pad[48];
} scratch_t;

struct pool {
  int n;
  pthread_t *threads;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_uint gen;
  atomic_int next;
  atomic_int remaining;
  atomic_int sleeping;
  atomic_int stop;
  double spin_us;
  int ntasks;
  pool_task_fn fn;
  void *ctx;
  scratch_t *scratch;
  scratch_t workspace;
};

typedef struct {
  pool_t *p;
  int index;
} worker_arg;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

static void run_tasks(pool_t *p, int thread) {
  for (;;) {
    int i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    if (i >= p->ntasks) break;
    p->fn(p->ctx, i, thread);
  }
}

static void *worker(void *arg) {
  worker_arg a = *(worker_arg *)arg;
  free(arg);
  pool_t *p = a.p;
  unsigned seen = 0;
  for (;;) {
    unsigned g;
    int spins = 0;
    double until = now_us() + p->spin_us;
    while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
      if (atomic_load(&p->stop)) return NULL;
      /* the clock is read every 64 pauses (about 1 us) */
      if ((++spins & 63) != 0 || now_us() < until) {
        cpu_relax();
        continue;
      }
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleeping, 1);
      while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
      atomic_fetch_sub(&p->sleeping, 1);
      pthread_mutex_unlock(&p->mu);
      until = now_us() + p->spin_us;
    }
    seen = g;
    if (atomic_load(&p->stop)) return NULL;
    run_tasks(p, a.index);
    atomic_fetch_sub_explicit(&p->remaining, 1, memory_order_release);
  }
}

pool_t *pool_create(int threads) {
  if (threads < 1) threads = 1;
  pool_t *p = calloc(1, sizeof(pool_t));
  if (!p) return NULL;
  p->n = threads;
  p->scratch = calloc((size_t)threads, sizeof(scratch_t));
  p->threads = calloc((size_t)threads, sizeof(pthread_t));
  if (!p->scratch || !p->threads) {
    free(p->scratch);
    free(p->threads);
    free(p);
    return NULL;
  }
  const char *spin = getenv("GPT_OSS_POOL_SPIN_US");
  p->spin_us = spin && atof(spin) >= 0 ? atof(spin) : SPIN_US;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  for (int i = 1; i < threads; i++) {
    worker_arg *a = malloc(sizeof(worker_arg));
    a->p = p;
    a->index = i;
    if (pthread_create(&p->threads[i], NULL, worker, a) != 0) {
      free(a);
      p->n = i; /* run with the threads we got */
      break;
    }
  }
  return p;
}

void pool_destroy(pool_t *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
  for (int i = 0; i < p->n; i++) free(p->scratch[i].ptr);
  free(p->workspace.ptr);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->scratch);
  free(p->threads);
  free(p);
}

int pool_threads(const pool_t *p) { return p->n; }

void pool_run(pool_t *p, pool_task_fn fn, void *ctx, int ntasks) {
  if (ntasks <= 0) return;
  if (p->n == 1 || ntasks == 1) {
    for (int i = 0; i < ntasks; i++) fn(ctx, i, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->ntasks = ntasks;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  atomic_store_explicit(&p->remaining, p->n - 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
  if (atomic_load(&p->sleeping) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  run_tasks(p, 0);
  while (atomic_load_explicit(&p->remaining, memory_order_acquire) > 0) cpu_relax();
}

void *pool_scratch(pool_t *p, int thread, size_t bytes) {
  scratch_t *s = &p->scratch[thread];
  if (s->size < bytes) {
    free(s->ptr);
    size_t size = (bytes + 63) & ~(size_t)63;
    s->ptr = aligned_alloc(64, size);
    s->size = s->ptr ? size : 0;
  }
  return s->ptr;
}

void *pool_workspace(pool_t *p, size_t bytes) {
  scratch_t *s = &p->workspace;
  if (s->size < bytes) {
    free(s->ptr);
    size_t size = (bytes + 4095) & ~(size_t)4095;
    s->ptr = aligned_alloc(64, size);
    s->size = s->ptr ? size : 0;
  }
  return s->ptr;
}

int go_physical_cores(void) {
  cpu_set_t set;
  int allowed = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) allowed = CPU_COUNT(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (allowed <= 0) allowed = online > 0 ? (int)online : 1;
  /* Count distinct sibling groups among the CPUs we may run on. */
  char seen[256][64];
  int groups = 0;
  for (int cpu = 0; cpu < 1024 && groups < 256; cpu++) {
    if (!CPU_ISSET(cpu, &set)) continue;
    char path[128], buf[64] = {0};
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
    FILE *f = fopen(path, "r");
    if (!f) return allowed;
    if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
    fclose(f);
    int dup = 0;
    for (int g = 0; g < groups; g++)
      if (strcmp(seen[g], buf) == 0) dup = 1;
    if (!dup) memcpy(seen[groups++], buf, sizeof buf);
  }
  return groups > 0 ? groups : allowed;
}

/* A fixed pool of worker threads running one parallel-for at a time (the caller's thread works too). */
#ifndef GPT_OSS_POOL_H
#define GPT_OSS_POOL_H
#include <stddef.h>

typedef void (*pool_task_fn)(void *ctx, int task, int thread);
typedef struct pool pool_t;

pool_t *pool_create(int threads);
void pool_destroy(pool_t *p);
int pool_threads(const pool_t *p);
/* Runs fn(ctx, i, thread) for i in [0, ntasks) across the pool and returns when all are done. */
void pool_run(pool_t *p, pool_task_fn fn, void *ctx, int ntasks);
/* Per-thread scratch memory of at least `bytes`, 64-byte aligned, kept between calls. NULL on OOM. */
void *pool_scratch(pool_t *p, int thread, size_t bytes);
/* One shared buffer of at least `bytes` for an op's intermediates (not thread-safe; callers own it per op). */
void *pool_workspace(pool_t *p, size_t bytes);
/* Physical cores usable by this process (sibling hyper-threads counted once). */
int go_physical_cores(void);

#endif

/*
 * Node-API surface of the cpu backend. Every export is declared once, typed, in
 * src/backends/cpu/binding.ts, with the same option names as read here. Arguments are checked here (types and that
 * every buffer is long enough for the shapes given), so a wrong call throws instead of reading
 * out of bounds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels.h"
#include "prefetch-tuner.h"
#include "weight-copy.h"

#define ADDON_VERSION 4
#define MAGIC_POOL 0x504f4f4cu
#define MAGIC_KV 0x4b564341u
#define MAGIC_MAP 0x4d415050u

typedef struct {
  uint32_t magic;
  void *ptr;
} handle_t;

/*
 * The calls made once (a load, a probe) take one options object ({ pool, dst, src, ... }, named as in
 * binding.ts); the ops of a forward pass take the same values as arguments in the order of their
 * table below (binding.ts's *Args tuples). Either way a missing or wrong value throws naming it
 * ("cpu addon attention: window must be an integer >= 0, got -1"). The few one-value calls
 * (createPool(threads), destroy(handle), ...) take that value alone.
 *
 * Why the ops are positional: in decode each op starts with cold caches (the weights' stream before it
 * evicted them), and each napi_get_named_property then walks V8's string table and the object's layout
 * through cache misses. On a Zen 5 host a 5-value `add` right after a 64 MiB stream took 16 us with its
 * options object and 5-9 us positional (bench/cold-call.mjs); a 20b decode step passes some 2,700 values.
 */
#define MAX_ARGS 24
typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  napi_value obj;
  const char *const *names; /* the positional form: argv[i] is names[i] */
  const char *fn;
  int failed;
} args_t;

static int get_args(napi_env env, napi_callback_info info, args_t *a, const char *fn, size_t need) {
  a->env = env;
  a->fn = fn;
  a->failed = 0;
  a->obj = NULL;
  a->names = NULL;
  a->argc = MAX_ARGS;
  napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL);
  if (a->argc < need) {
    char msg[160];
    snprintf(msg, sizeof msg, "cpu addon %s: expected %zu arguments, got %zu", fn, need, a->argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

/* The options-object form: argv[0] must be an object. */
static int get_opts(napi_env env, napi_callback_info info, args_t *a, const char *fn) {
  if (!get_args(env, info, a, fn, 1)) return 0;
  napi_valuetype t;
  napi_typeof(env, a->argv[0], &t);
  if (t != napi_object) {
    char msg[160];
    snprintf(msg, sizeof msg, "cpu addon %s: expected one options object", fn);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  a->obj = a->argv[0];
  return 1;
}

/* The positional form: exactly as many arguments as `names` holds. */
static int get_pos(napi_env env, napi_callback_info info, args_t *a, const char *fn, const char *const *names) {
  size_t need = 0;
  while (names[need]) need++;
  if (!get_args(env, info, a, fn, need)) return 0;
  if (a->argc != need) {
    char msg[160];
    snprintf(msg, sizeof msg, "cpu addon %s: expected %zu arguments, got %zu", fn, need, a->argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  a->names = names;
  return 1;
}

/* The ops' arguments, in order (binding.ts's *Args tuples). */
static const char *const EMBED_ARGS[] = {"out", "table", "dtype", "H", "vocab", "tokens", NULL};
static const char *const RMS_NORM_ARGS[] = {"pool", "out", "x", "n", "cols", "scale", "eps", NULL};
static const char *const MATMUL_ARGS[] = {"pool", "out", "x", "n", "K", "w", "dtype", "N", "bias", NULL};
static const char *const ROPE_ARGS[] = {"pool", "x", "n", "heads", "headDim", "positions", "invFreq", "concentration", NULL};
static const char *const ATTENTION_ARGS[] = {"pool",  "out",   "q",       "k",      "v",     "n",       "sinks",  "cache",
                                             "slots", "positions", "layer", "heads", "kvHeads", "headDim", "window", "smScale", NULL};
static const char *const MOE_ARGS[] = {"pool",       "out",        "x",          "n",          "H",          "I",
                                       "E",          "k",          "swigluLimit", "swigluAlpha", "fast",       "gate",
                                       "gateDtype",  "gateBias",   "mlp1Blocks", "mlp1Scales", "mlp1Bias",   "mlp2Blocks",
                                       "mlp2Scales", "mlp2Bias",   "tiled",      NULL};
static const char *const ADD_ARGS[] = {"pool", "out", "a", "b", "count", NULL};

static void fail(args_t *a, const char *name, const char *what) {
  if (a->failed) return;
  char msg[240];
  snprintf(msg, sizeof msg, "cpu addon %s: %s %s", a->fn, name, what);
  napi_throw_type_error(a->env, NULL, msg);
  a->failed = 1;
}

/* The value named `name`: an op's argument of that name, else the option (argv[0] itself for the one-value calls,
   where obj is NULL). */
static napi_value get(args_t *a, const char *name) {
  if (a->names) {
    /* the same literal is usually one pointer (merged constants): compare those first */
    for (size_t i = 0; a->names[i]; i++)
      if (a->names[i] == name) return a->argv[i];
    for (size_t i = 0; a->names[i]; i++)
      if (strcmp(a->names[i], name) == 0) return a->argv[i];
    return NULL;
  }
  if (!a->obj) return a->argv[0];
  napi_value v = NULL;
  if (napi_get_named_property(a->env, a->obj, name, &v) != napi_ok) return NULL;
  return v;
}

static double arg_num(args_t *a, const char *name) {
  double v = 0;
  if (a->failed) return 0;
  napi_value x = get(a, name);
  if (!x || napi_get_value_double(a->env, x, &v) != napi_ok) fail(a, name, "must be a number");
  else if (!isfinite(v)) {
    char what[80];
    snprintf(what, sizeof what, "must be a finite number, got %g", v);
    fail(a, name, what);
  }
  return v;
}

static int arg_int(args_t *a, const char *name, int min) {
  double v = arg_num(a, name);
  if (a->failed) return 0;
  if (v != (double)(int)v || v < min) {
    char what[100];
    snprintf(what, sizeof what, "must be an integer >= %d, got %g", min, v);
    fail(a, name, what);
  }
  return (int)v;
}

/* An ArrayBuffer over `len` bytes at p, freed by `fin`; false (and no exception left pending) in runtimes
   that refuse external buffers, the caller then owning p again. */
static bool external_buffer(napi_env env, void *p, size_t len, napi_finalize fin, void *hint, napi_value *out) {
  if (napi_create_external_arraybuffer(env, p, len, fin, hint, out) == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value e;
    napi_get_and_clear_last_exception(env, &e);
  }
  return false;
}

static int is_null(args_t *a, const char *name) {
  napi_value x = get(a, name);
  napi_valuetype t = napi_undefined;
  if (x) napi_typeof(a->env, x, &t);
  return t == napi_null || t == napi_undefined;
}

/* A typed array of `type` holding at least `min_elems` elements (nullable: null or absent gives NULL). */
static void *arg_ta_len(args_t *a, const char *name, napi_typedarray_type type, size_t min_elems, int nullable,
                        size_t *len_out) {
  if (a->failed) return NULL;
  if (nullable && is_null(a, name)) return NULL;
  napi_value x = get(a, name);
  bool ok = false;
  if (x) napi_is_typedarray(a->env, x, &ok);
  if (!ok) {
    fail(a, name, "must be a typed array");
    return NULL;
  }
  napi_typedarray_type t;
  size_t len;
  void *data;
  napi_get_typedarray_info(a->env, x, &t, &len, &data, NULL, NULL);
  if (t != type) {
    fail(a, name, type == napi_float32_array ? "must be a Float32Array" : type == napi_int32_array ? "must be an Int32Array" : "must be a Uint8Array");
    return NULL;
  }
  if (len < min_elems) {
    char what[120];
    snprintf(what, sizeof what, "has %zu elements, needs at least %zu", len, min_elems);
    fail(a, name, what);
    return NULL;
  }
  if (data == NULL && min_elems > 0) {
    fail(a, name, "is detached (was its file mapping closed?)");
    return NULL;
  }
  if (len_out) *len_out = len;
  return data;
}

static void *arg_ta(args_t *a, const char *name, napi_typedarray_type type, size_t min_elems, int nullable) {
  return arg_ta_len(a, name, type, min_elems, nullable, NULL);
}

static void *arg_handle(args_t *a, const char *name, uint32_t magic) {
  if (a->failed) return NULL;
  void *p = NULL;
  napi_value x = get(a, name);
  if (!x || napi_get_value_external(a->env, x, &p) != napi_ok || !p || ((handle_t *)p)->magic != magic ||
      !((handle_t *)p)->ptr) {
    fail(a, name, magic == MAGIC_POOL ? "must be a live thread pool" : magic == MAGIC_KV ? "must be a live KV cache" : "must be a live mapping");
    return NULL;
  }
  return ((handle_t *)p)->ptr;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static size_t dtype_bytes(int dtype) { return dtype == GO_DT_BF16 ? 2 : 4; }

/* ---- handles ---------------------------------------------------------------------------------- */

static void pool_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  if (h->ptr) pool_destroy(h->ptr);
  free(h);
}

static napi_value js_create_pool(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "createPool", 1)) return NULL;
  int threads = arg_int(&a, "threads", 1);
  if (a.failed) return NULL;
  handle_t *h = malloc(sizeof(handle_t));
  h->magic = MAGIC_POOL;
  h->ptr = pool_create(threads);
  if (!h->ptr) {
    free(h);
    napi_throw_error(env, NULL, "cpu addon createPool: cannot start threads");
    return NULL;
  }
  napi_value ext;
  napi_create_external(env, h, pool_finalize, NULL, &ext);
  return ext;
}

static napi_value js_destroy_handle(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "destroy", 1)) return NULL;
  handle_t *h = NULL;
  napi_get_value_external(env, a.argv[0], (void **)&h);
  if (!h || !h->ptr) return undefined(env);
  if (h->magic == MAGIC_POOL) pool_destroy(h->ptr);
  else if (h->magic == MAGIC_KV) kv_cache_destroy(h->ptr);
  h->ptr = NULL;
  return undefined(env);
}

static napi_value js_pool_threads(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "poolThreads", 1)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  if (a.failed) return NULL;
  napi_value r;
  napi_create_int32(env, pool_threads(p), &r);
  return r;
}

static void kv_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_t *h = data;
  if (h->ptr) kv_cache_destroy(h->ptr);
  free(h);
}

static napi_value js_create_kv_cache(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "createKvCache")) return NULL;
  int layers = arg_int(&a, "layers", 1), kv_heads = arg_int(&a, "kvHeads", 1), head_dim = arg_int(&a, "headDim", 1);
  const int *windows = arg_ta(&a, "windows", napi_int32_array, (size_t)layers, 0);
  int slots = arg_int(&a, "slots", 1), capacity = arg_int(&a, "capacity", 1), sliding = arg_int(&a, "slidingCapacity", 1);
  bool f16 = false;
  napi_value f16v = a.failed ? NULL : get(&a, "f16");
  if (!a.failed && (!f16v || napi_get_value_bool(env, f16v, &f16) != napi_ok)) fail(&a, "f16", "must be a boolean");
  for (int l = 0; l < layers && !a.failed; l++)
    if (windows[l] < 0) fail(&a, "windows", "must hold no negative window");
  if (a.failed) return NULL;
  handle_t *h = malloc(sizeof(handle_t));
  h->magic = MAGIC_KV;
  h->ptr = kv_cache_create(layers, kv_heads, head_dim, windows, slots, capacity, sliding, f16);
  if (!h->ptr) {
    free(h);
    napi_throw_error(env, NULL, "cpu addon createKvCache: out of memory (address space) for the KV cache");
    return NULL;
  }
  napi_value ext;
  napi_create_external(env, h, kv_finalize, NULL, &ext);
  return ext;
}

static napi_value js_kv_cache_fill(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "kvCacheFill")) return NULL;
  kv_cache *c = arg_handle(&a, "cache", MAGIC_KV);
  int seed = arg_int(&a, "seed", 0);
  if (a.failed) return NULL;
  kv_cache_fill(c, (uint32_t)seed);
  return undefined(env);
}

/* ---- file mapping ---------------------------------------------------------------------------- */

/*
 * Node 20 builds external ArrayBuffers through Buffer, which stops at 4 GiB, so a bigger file is
 * exposed as several overlapping windows of one mmap: window k starts at k * MAP_STRIDE and spans
 * up to MAP_WINDOW bytes, hence any range of at most MAP_WINDOW - MAP_STRIDE bytes lies whole in
 * the window where it starts.
 */
#define MAP_STRIDE ((size_t)1 << 31)
#define MAP_WINDOW (((size_t)1 << 32) - 4096)

typedef struct mapping {
  handle_t h; /* ptr = mapping address while mapped */
  size_t size;
  int refs; /* live buffers + the handle */
  int fd; /* kept open so copyWeights can pread() from it */
  struct mapping *next_live; /* live mappings, so quantizeQ8 knows which sources it may madvise away */
} mapping_t;

static mapping_t *live_mappings;

static void mapping_release(mapping_t *m) {
  if (m->h.ptr) {
    for (mapping_t **l = &live_mappings; *l; l = &(*l)->next_live)
      if (*l == m) {
        *l = m->next_live;
        break;
      }
    munmap(m->h.ptr, m->size);
    if (m->fd >= 0) close(m->fd);
  }
  m->h.ptr = NULL;
}

/* The live read-only file mapping of ours that holds [p, p + len), or NULL. */
static mapping_t *live_mapping_of(const void *p, size_t len) {
  for (mapping_t *m = live_mappings; m; m = m->next_live) {
    const char *b = m->h.ptr;
    if ((const char *)p >= b && (const char *)p + len <= b + m->size) return m;
  }
  return NULL;
}

static int in_live_mapping(const void *p, size_t len) { return live_mapping_of(p, len) != NULL; }

static void mapping_unref(mapping_t *m) {
  if (--m->refs > 0) return;
  mapping_release(m);
  free(m);
}

static void map_buffer_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping_unref(hint);
}

static void map_handle_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  mapping_unref(data);
}

/* mapFile(path) -> { handle, size, stride, buffers: ArrayBuffer[] } | null */
static napi_value js_map_file(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "mapFile", 1)) return NULL;
  char path[4096];
  size_t len;
  if (napi_get_value_string_utf8(env, a.argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "cpu addon mapFile: path must be a string");
    return NULL;
  }
  napi_value null;
  napi_get_null(env, &null);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return null;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return null;
  }
  size_t size = (size_t)st.st_size;
  void *ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  if (ptr == MAP_FAILED) {
    close(fd);
    return null;
  }
  mapping_t *m = calloc(1, sizeof(mapping_t));
  m->fd = fd;
  m->h.magic = MAGIC_MAP;
  m->h.ptr = ptr;
  m->size = size;
  m->refs = 1;
  m->next_live = live_mappings;
  live_mappings = m;
  napi_value handle, buffers, result, v;
  napi_create_external(env, m, map_handle_finalize, NULL, &handle);
  napi_create_array(env, &buffers);
  uint32_t count = 0;
  for (size_t start = 0; start < size; start += MAP_STRIDE) {
    size_t wlen = size - start < MAP_WINDOW ? size - start : MAP_WINDOW;
    napi_value buffer;
    if (!external_buffer(env, (char *)ptr + start, wlen, map_buffer_finalize, m, &buffer)) {
      if (getenv("GPT_OSS_DEBUG")) fprintf(stderr, "mapFile: external buffer of %zu bytes refused\n", wlen);
      /* runtimes that forbid external buffers: the caller reads positionally; the handle's finalizer unmaps */
      return null;
    }
    m->refs++;
    napi_set_element(env, buffers, count++, buffer);
    if (start + wlen >= size) break;
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "handle", handle);
  napi_set_named_property(env, result, "buffers", buffers);
  napi_create_double(env, (double)size, &v);
  napi_set_named_property(env, result, "size", v);
  napi_create_double(env, (double)MAP_STRIDE, &v);
  napi_set_named_property(env, result, "stride", v);
  return result;
}

/* unmapFile(handle, buffers): detaches the buffers (later views read as empty) and unmaps now. */
static napi_value js_unmap_file(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "unmapFile", 2)) return NULL;
  mapping_t *m = NULL;
  napi_get_value_external(env, a.argv[0], (void **)&m);
  if (!m || m->h.magic != MAGIC_MAP) {
    napi_throw_type_error(env, NULL, "cpu addon unmapFile: handle must be a mapping handle");
    return NULL;
  }
  if (m->h.ptr) {
    uint32_t n = 0;
    napi_get_array_length(env, a.argv[1], &n);
    for (uint32_t i = 0; i < n; i++) {
      napi_value b;
      napi_get_element(env, a.argv[1], i, &b);
      napi_detach_arraybuffer(env, b);
    }
    mapping_release(m);
  }
  return undefined(env);
}

/* ---- weight memory ---------------------------------------------------------------------------- */

/*
 * Converted weights (fast precision's 8-bit copies) live in anonymous memory the addon maps with
 * MADV_HUGEPAGE: a decode step streams ~1.3 GB of them, and with 4 KiB pages the page walks cost
 * about a quarter of the bandwidth (measured: 19 -> 25 GB/s on the attention matrices). Small
 * matrices share 64 MiB chunks, bump-allocated, so rounding each to 2 MiB wastes nothing; a chunk
 * is unmapped when its last buffer is collected.
 */
#define ARENA_ALIGN ((size_t)2 << 20)
#define ARENA_CHUNK ((size_t)64 << 20)

typedef struct {
  char *base;
  size_t size, used;
  int refs; /* live buffers, + 1 while it is the chunk new buffers come from */
} arena_t;

static arena_t *arena_current;
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;

/* A 2 MiB-aligned anonymous mapping of `size` (a multiple of 2 MiB) asking for huge pages. */
static arena_t *arena_create(size_t size) {
  char *raw = mmap(NULL, size + ARENA_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  char *base = (char *)(((uintptr_t)raw + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1));
  if (base > raw) munmap(raw, (size_t)(base - raw));
  if (base + size < raw + size + ARENA_ALIGN) munmap(base + size, (size_t)(raw + size + ARENA_ALIGN - (base + size)));
  madvise(base, size, MADV_HUGEPAGE); /* advice only: without THP the memory still works */
  arena_t *a = calloc(1, sizeof(arena_t));
  if (!a) {
    munmap(base, size);
    return NULL;
  }
  a->base = base;
  a->size = size;
  return a;
}

/* Drops one reference (caller holds arena_lock). */
static void arena_unref_locked(arena_t *a) {
  if (--a->refs > 0) return;
  munmap(a->base, a->size);
  free(a);
}

static void arena_buffer_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  pthread_mutex_lock(&arena_lock);
  arena_unref_locked(hint);
  pthread_mutex_unlock(&arena_lock);
}

/* `bytes` of zeroed memory, 64-byte aligned, in an arena (a new one of its own when large); sets *owner. */
static void *arena_alloc(size_t bytes, arena_t **owner) {
  size_t need = (bytes + 63) & ~(size_t)63;
  arena_t *a;
  if (need > ARENA_CHUNK / 4) {
    a = arena_create((need + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1));
    if (!a) return NULL;
  } else {
    if (!arena_current || arena_current->used + need > arena_current->size) {
      arena_t *fresh = arena_create(ARENA_CHUNK);
      if (!fresh) return NULL;
      if (arena_current) arena_unref_locked(arena_current);
      fresh->refs = 1;
      arena_current = fresh;
    }
    a = arena_current;
  }
  void *p = a->base + a->used;
  a->used += need;
  a->refs++;
  *owner = a;
  return p;
}

/* Option "bytes": a whole byte count in [1, 4 GiB) (the largest buffer one window of a mapping spans). */
static size_t arg_byte_count(args_t *a) {
  double bytes = arg_num(a, "bytes");
  if (!a->failed && (bytes < 1 || bytes > (double)MAP_WINDOW || bytes != (double)(size_t)bytes)) fail(a, "bytes", "must be a byte count in [1, 4 GiB)");
  return a->failed ? 0 : (size_t)bytes;
}

/* allocWeights(bytes) -> ArrayBuffer in huge-page-advised memory, or null where that cannot be made. */
static napi_value js_alloc_weights(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "allocWeights", 1)) return NULL;
  size_t bytes = arg_byte_count(&a);
  if (a.failed) return NULL;
  napi_value null, buffer;
  napi_get_null(env, &null);
  arena_t *owner = NULL;
  pthread_mutex_lock(&arena_lock);
  void *p = arena_alloc(bytes, &owner);
  pthread_mutex_unlock(&arena_lock);
  if (!p) return null;
  if (!external_buffer(env, p, bytes, arena_buffer_finalize, owner, &buffer)) {
    pthread_mutex_lock(&arena_lock);
    arena_unref_locked(owner);
    pthread_mutex_unlock(&arena_lock);
    return null;
  }
  return buffer;
}

/*
 * freeWeights(buffer) -> whether it was detached. The memory of allocWeights is otherwise given back only
 * when the garbage collector finalizes its buffer, which a process that loads another model right after
 * disposing one may not see in time (three 20b loads in a row were killed for memory). Detaching leaves
 * every view of the buffer empty (the ops then refuse them); its pages are dropped here, and its
 * finalizer unmaps the memory on a later turn of the event loop.
 */
static napi_value js_free_weights(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "freeWeights", 1)) return NULL;
  bool is_ab = false;
  napi_is_arraybuffer(env, a.argv[0], &is_ab);
  if (!is_ab) {
    napi_throw_type_error(env, NULL, "freeWeights: buffer must be an ArrayBuffer made by allocWeights");
    return NULL;
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, a.argv[0], &detached);
  void *data = NULL;
  size_t len = 0;
  if (!detached) napi_get_arraybuffer_info(env, a.argv[0], &data, &len);
  int ok = !detached && napi_detach_arraybuffer(env, a.argv[0]) == napi_ok;
  if (ok && data && len > 0) {
    /* No view can reach these bytes now: their pages go back at once, the mapping with the finalizer
       (only whole pages inside the buffer: a small one shares its arena's pages with others). */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t b = ((uintptr_t)data + page - 1) & ~(page - 1), e = ((uintptr_t)data + len) & ~(page - 1);
    if (e > b) madvise((void *)b, e - b, MADV_DONTNEED);
  }
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

/*
 * allocRecycled(bytes) -> ArrayBuffer of unspecified contents, or null. For the copies Backend.read makes
 * (a decode step's logits: 804 KB on the 20b): a fresh buffer of that size each step often came from
 * fresh memory, and faulting its 197 pages in took 2.2-2.4 ms of a 55-60 ms step on a 2-core VM. So a
 * block whose buffer has been collected goes back to a list, pages and all, for the next request of the
 * same size (past RECYCLE_KEEP blocks or RECYCLE_KEEP_BYTES it is freed); a fresh block comes from the
 * C heap, as V8's own buffers do, without their zero fill. V8 is told of the blocks' bytes, so that it
 * collects the buffers as they pile up; their finalizers run on the event loop, so a caller that yields
 * to it between steps (the engine's scheduler does) gets its blocks back, and one that does not (`bench`)
 * pays what a fresh array costs. The finalizer runs only once no view of the buffer is left, so a block
 * is never handed out twice; it only locks and frees, so any thread may run it, and what it frees is
 * told to V8 at the next call. (Populating a fresh mapping in one mmap call took 1.1-1.3 ms, more than
 * the heap's 0.1 ms when it had room; huge pages beside a loaded model, 4 ms of compaction.)
 */
/* Small since the engine's decode steps write into the logits they gave back (Backend.read's `into`)
   and take no block: blocks now come back far more often than they are asked for, and up to 96 MB of
   them (the limit before) would be held for requests that seldom come. */
#define RECYCLE_KEEP 16
#define RECYCLE_KEEP_BYTES ((size_t)16 << 20)

static struct {
  void *ptr;
  size_t size;
} recycle_list[RECYCLE_KEEP];
static int recycle_count;
static pthread_mutex_t recycle_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t recycle_bytes;   /* held in the list */
static size_t recycle_unmapped; /* freed since V8 was last told */

static void recycled_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  size_t size = (size_t)(uintptr_t)hint;
  pthread_mutex_lock(&recycle_lock);
  int kept = recycle_count < RECYCLE_KEEP && recycle_bytes + size <= RECYCLE_KEEP_BYTES;
  if (kept) {
    recycle_list[recycle_count].ptr = data;
    recycle_list[recycle_count].size = size;
    recycle_count++;
    recycle_bytes += size;
  } else recycle_unmapped += size;
  pthread_mutex_unlock(&recycle_lock);
  if (!kept) free(data);
}

/* dropRecycled() -> bytes freed: the blocks waiting in the list go back (a backend's dispose). */
static napi_value js_drop_recycled(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&recycle_lock);
  size_t dropped = 0;
  for (int i = 0; i < recycle_count; i++) {
    free(recycle_list[i].ptr);
    dropped += recycle_list[i].size;
  }
  recycle_count = 0;
  recycle_bytes = 0;
  pthread_mutex_unlock(&recycle_lock);
  int64_t ignored;
  if (dropped) napi_adjust_external_memory(env, -(int64_t)dropped, &ignored);
  napi_value r;
  napi_create_double(env, (double)dropped, &r);
  return r;
}

static napi_value js_alloc_recycled(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_args(env, info, &a, "allocRecycled", 1)) return NULL;
  size_t bytes = arg_byte_count(&a);
  if (a.failed) return NULL;
  size_t size = (bytes + 63) & ~(size_t)63;
  void *p = NULL;
  pthread_mutex_lock(&recycle_lock);
  for (int i = recycle_count - 1; i >= 0; i--)
    if (recycle_list[i].size == size) {
      p = recycle_list[i].ptr;
      recycle_bytes -= size;
      recycle_list[i] = recycle_list[--recycle_count];
      break;
    }
  size_t unmapped = recycle_unmapped;
  recycle_unmapped = 0;
  pthread_mutex_unlock(&recycle_lock);
  int64_t ignored;
  if (unmapped) napi_adjust_external_memory(env, -(int64_t)unmapped, &ignored);
  napi_value null, buffer;
  napi_get_null(env, &null);
  if (!p) {
    p = aligned_alloc(64, size);
    if (!p) return null;
    napi_adjust_external_memory(env, (int64_t)size, &ignored);
  }
  if (!external_buffer(env, p, bytes, recycled_finalize, (void *)(uintptr_t)size, &buffer)) {
    free(p);
    napi_adjust_external_memory(env, -(int64_t)size, &ignored);
    return null;
  }
  return buffer;
}

/* ---- ops ------------------------------------------------------------------------------------- */

static napi_value js_embed(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "embed", EMBED_ARGS)) return NULL;
  int dtype = arg_int(&a, "dtype", 0), H = arg_int(&a, "H", 1), vocab = arg_int(&a, "vocab", 1);
  if (!a.failed && dtype > GO_DT_BF16) fail(&a, "dtype", "must be 0 (f32) or 1 (bf16)");
  size_t n = 0;
  const int *tokens = arg_ta_len(&a, "tokens", napi_int32_array, 0, 0, &n);
  float *out = arg_ta(&a, "out", napi_float32_array, n * H, 0);
  const void *table = arg_ta(&a, "table", napi_uint8_array, (size_t)vocab * H * dtype_bytes(dtype), 0);
  if (a.failed) return NULL;
  for (size_t i = 0; i < n; i++)
    if (tokens[i] < 0 || tokens[i] >= vocab) {
      char msg[120];
      snprintf(msg, sizeof msg, "token id %d is outside the vocabulary [0, %d)", tokens[i], vocab);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  f32_densew_embed(out, table, dtype, H, tokens, (int)n);
  return undefined(env);
}

static napi_value js_rms_norm(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "rmsNorm", RMS_NORM_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int n = arg_int(&a, "n", 0), cols = arg_int(&a, "cols", 1);
  float *out = arg_ta(&a, "out", napi_float32_array, (size_t)n * cols, 0);
  const float *x = arg_ta(&a, "x", napi_float32_array, (size_t)n * cols, 0);
  const float *scale = arg_ta(&a, "scale", napi_float32_array, (size_t)cols, 0);
  double eps = arg_num(&a, "eps");
  if (a.failed) return NULL;
  f32_rmsnorm(p, out, x, n, cols, scale, (float)eps);
  return undefined(env);
}

static napi_value js_matmul(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "matmul", MATMUL_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int n = arg_int(&a, "n", 0), K = arg_int(&a, "K", 1), dtype = arg_int(&a, "dtype", 0), N = arg_int(&a, "N", 1);
  float *out = arg_ta(&a, "out", napi_float32_array, (size_t)n * N, 0);
  const float *x = arg_ta(&a, "x", napi_float32_array, (size_t)n * K, 0);
  if (!a.failed && dtype > GO_DT_Q8) fail(&a, "dtype", "must be a weight dtype code (0 f32, 1 bf16, 2 q8)");
  size_t wbytes = dtype == GO_DT_Q8 ? go_q8_bytes(N, K) : (size_t)N * K * dtype_bytes(dtype);
  const void *w = arg_ta(&a, "w", napi_uint8_array, wbytes, 0);
  const float *bias = arg_ta(&a, "bias", napi_float32_array, (size_t)N, 1);
  if (a.failed) return NULL;
  f32_densew_matmul(p, out, x, n, K, w, dtype, N, bias);
  return undefined(env);
}

/* quantizeQ8(pool, dst, src, dtype, N, K) -> whether the source's pages were released (mapped sources only) */
static napi_value js_quantize_q8(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "quantizeQ8")) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int dtype = arg_int(&a, "dtype", 0), N = arg_int(&a, "N", 1), K = arg_int(&a, "K", 1);
  if (!a.failed && dtype > GO_DT_BF16) fail(&a, "dtype", "must be 0 (f32) or 1 (bf16)");
  size_t sbytes = (size_t)N * K * dtype_bytes(dtype);
  uint8_t *dst = arg_ta(&a, "dst", napi_uint8_array, go_q8_bytes(N, K), 0);
  const void *src = arg_ta(&a, "src", napi_uint8_array, sbytes, 0);
  if (a.failed) return NULL;
  int release = in_live_mapping(src, sbytes);
  go_q8_quantize(p, dst, src, dtype, N, K, release);
  napi_value r;
  napi_get_boolean(env, release, &r);
  return r;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/*
 * The pages of the one argument `view` (a Uint8Array) rounded outwards into [*b, *e): 1 when the view is
 * non-empty and lies in a live file mapping, 0 when not (nothing to do), -1 with a JS exception pending.
 * The shared start of prefault, readAhead and release.
 */
static int mapped_view_pages(napi_env env, napi_callback_info info, const char *name, uintptr_t *b, uintptr_t *e) {
  args_t a;
  if (!get_args(env, info, &a, name, 1)) return -1;
  size_t len = 0;
  const uint8_t *v = arg_ta_len(&a, "view", napi_uint8_array, 0, 0, &len);
  if (a.failed) return -1;
  if (len == 0 || !in_live_mapping(v, len)) return 0;
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  *b = (uintptr_t)v & ~(page - 1);
  *e = ((uintptr_t)v + len + page - 1) & ~(page - 1);
  return 1;
}

/* madvise(advice) over the whole view's pages -> whether it ran (prefault, release) */
static napi_value advise_view(napi_env env, napi_callback_info info, const char *fn, int advice) {
  uintptr_t b = 0, e = 0;
  int in = mapped_view_pages(env, info, fn, &b, &e);
  if (in < 0) return NULL;
  napi_value r;
  napi_get_boolean(env, in && madvise((void *)b, e - b, advice) == 0, &r);
  return r;
}

/*
 * prefault(view) -> whether it ran: maps the pages of a view of a live file mapping into this process
 * now (MADV_POPULATE_READ, Linux 5.14+), in one pass over the page cache, instead of one page fault at
 * a time when a kernel first reads them (the first decode steps, which touch new experts every step).
 */
static napi_value js_prefault(napi_env env, napi_callback_info info) {
  return advise_view(env, info, "prefault", MADV_POPULATE_READ);
}

/*
 * readAhead(view) -> bytes advised (0 where it did not run): asks the kernel to read a view of a live file
 * mapping into the page cache now, in the background (MADV_WILLNEED), without mapping it here. One
 * call over a range reads at most the device's largest request (a few MiB on Linux 6), so the view
 * goes in chunks of 4 MiB: about 0.2 s of calls for 1.2 GB that must come from disk.
 */
static napi_value js_read_ahead(napi_env env, napi_callback_info info) {
  uintptr_t b = 0, e = 0, chunk = (uintptr_t)4 << 20;
  int in = mapped_view_pages(env, info, "readAhead", &b, &e);
  if (in < 0) return NULL;
  double advised = 0;
  for (uintptr_t c = b; in && c < e; c += chunk) {
    uintptr_t n = e - c < chunk ? e - c : chunk;
    if (madvise((void *)c, n, MADV_WILLNEED) == 0) advised += (double)n;
  }
  napi_value r;
  napi_create_double(env, advised, &r);
  return r;
}

/* release(view): the view's pages (rounded outwards; neighbours refault from the page cache if read
 * again) dropped from this process with MADV_DONTNEED, once its bytes were copied elsewhere. */
static napi_value js_release(napi_env env, napi_callback_info info) {
  return advise_view(env, info, "release", MADV_DONTNEED);
}

/*
 * copyWeights({pool, dst, src, tileK?}) -> 'read' | 'copy': src's bytes into dst on every thread. A view
 * of a live file mapping is read from the file with pread() ('read'; its pages never enter this process),
 * anything else copied ('copy'). tileK: MXFP4 blocks of rows of that K, left in the tiled16 layout.
 */
static napi_value js_copy_weights(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "copyWeights")) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  size_t n = 0;
  const uint8_t *src = arg_ta_len(&a, "src", napi_uint8_array, 0, 0, &n);
  uint8_t *dst = arg_ta(&a, "dst", napi_uint8_array, n, 0);
  int tile_k = is_null(&a, "tileK") ? 0 : arg_int(&a, "tileK", 0);
  if (!a.failed && tile_k && (tile_k % 32 || n % ((size_t)tile_k / 2))) fail(&a, "tileK", "must be a multiple of 32 whose rows (tileK/2 bytes) divide src");
  if (!a.failed && tile_k && go_kernels.moe_q8 < GO_L_AVX512) fail(&a, "tileK", "needs the AVX-512 MoE kernels (none of this CPU's, or GPT_OSS_SIMD lowered them)");
  if (a.failed) return NULL;
  mapping_t *m = n > 0 ? live_mapping_of(src, n) : NULL;
  int fd = m ? m->fd : -1;
  go_copy_weights(p, dst, src, n, fd, m ? (off_t)(src - (const uint8_t *)m->h.ptr) : 0, m != NULL, tile_k, m ? m->h.ptr : NULL,
                  m ? m->size : 0);
  napi_value r;
  napi_create_string_utf8(env, fd >= 0 ? "read" : "copy", NAPI_AUTO_LENGTH, &r);
  return r;
}

static napi_value js_rope(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "rope", ROPE_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int n = arg_int(&a, "n", 0), heads = arg_int(&a, "heads", 1), hd = arg_int(&a, "headDim", 2);
  if (!a.failed && (hd % 2 != 0 || hd > 1024)) fail(&a, "headDim", "must be even and at most 1024");
  float *x = arg_ta(&a, "x", napi_float32_array, (size_t)n * heads * hd, 0);
  const int *positions = arg_ta(&a, "positions", napi_int32_array, (size_t)n, 0);
  const float *inv = arg_ta(&a, "invFreq", napi_float32_array, (size_t)hd / 2, 0);
  double conc = arg_num(&a, "concentration");
  if (a.failed) return NULL;
  f32_rope(p, x, n, heads, hd, positions, inv, (float)conc);
  return undefined(env);
}

static napi_value js_attention(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "attention", ATTENTION_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int n = arg_int(&a, "n", 0);
  kv_cache *c = arg_handle(&a, "cache", MAGIC_KV);
  int layer = arg_int(&a, "layer", 0), heads = arg_int(&a, "heads", 1), kvh = arg_int(&a, "kvHeads", 1);
  int hd = arg_int(&a, "headDim", 1), window = arg_int(&a, "window", 0);
  double sm = arg_num(&a, "smScale");
  float *out = arg_ta(&a, "out", napi_float32_array, (size_t)n * heads * hd, 0);
  const float *q = arg_ta(&a, "q", napi_float32_array, (size_t)n * heads * hd, 0);
  const float *k = arg_ta(&a, "k", napi_float32_array, (size_t)n * kvh * hd, 0);
  const float *v = arg_ta(&a, "v", napi_float32_array, (size_t)n * kvh * hd, 0);
  const float *sinks = arg_ta(&a, "sinks", napi_float32_array, (size_t)heads, 0);
  const int *slots = arg_ta(&a, "slots", napi_int32_array, (size_t)n, 0);
  const int *positions = arg_ta(&a, "positions", napi_int32_array, (size_t)n, 0);
  if (a.failed) return NULL;
  char msg[200] = {0};
  if (layer >= c->layers) snprintf(msg, sizeof msg, "layer %d is outside the cache's %d layers", layer, c->layers);
  else if (kvh != c->kv_heads || hd != c->head_dim || window != c->windows[layer] || heads % kvh != 0)
    snprintf(msg, sizeof msg, "layer %d's heads %d / kv heads %d / head dim %d / window %d disagree with the KV cache", layer, heads, kvh, hd, window);
  for (int i = 0; i < n && !msg[0]; i++) {
    if (slots[i] < 0 || slots[i] >= c->slots) snprintf(msg, sizeof msg, "slot %d is outside [0, %d)", slots[i], c->slots);
    else if (positions[i] < 0 || positions[i] >= c->capacity)
      snprintf(msg, sizeof msg, "position %d is outside [0, %d)", positions[i], c->capacity);
  }
  if (msg[0]) {
    char full[260];
    snprintf(full, sizeof full, "cpu attention: %s", msg);
    napi_throw_range_error(env, NULL, full);
    return NULL;
  }
  f32_sdpa_sinks_swa(p, out, q, k, v, n, sinks, c, slots, positions, layer, heads, kvh, hd, window, (float)sm);
  return undefined(env);
}

static napi_value js_moe(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "moe", MOE_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  moe_args m = {0};
  m.n = arg_int(&a, "n", 0);
  m.H = arg_int(&a, "H", 32);
  m.I = arg_int(&a, "I", 32);
  m.E = arg_int(&a, "E", 1);
  m.k = arg_int(&a, "k", 1);
  m.limit = (float)arg_num(&a, "swigluLimit");
  m.alpha = (float)arg_num(&a, "swigluAlpha");
  m.fast = arg_int(&a, "fast", 0);
  m.gate_dtype = arg_int(&a, "gateDtype", 0);
  m.tiled = is_null(&a, "tiled") ? 0 : arg_int(&a, "tiled", 0);
  if (!a.failed && (m.tiled < 0 || m.tiled > 3)) fail(&a, "tiled", "must be 0 to 3 (bit 0: mlp1 tiled16, bit 1: mlp2)");
  if (!a.failed && m.tiled && !(m.fast && go_kernels.moe_q8 >= GO_L_AVX512)) fail(&a, "tiled", "experts need fast precision and the AVX-512 MoE kernels");
  if (!a.failed && m.H % 32) fail(&a, "H", "must be a multiple of 32");
  if (!a.failed && m.I % 32) fail(&a, "I", "must be a multiple of 32");
  if (!a.failed && m.k > m.E) fail(&a, "k", "must be at most E");
  if (!a.failed && m.gate_dtype > GO_DT_BF16) fail(&a, "gateDtype", "must be 0 (f32) or 1 (bf16)");
  size_t H = m.H, I = m.I, E = m.E, n = m.n;
  m.out = arg_ta(&a, "out", napi_float32_array, n * H, 0);
  m.x = arg_ta(&a, "x", napi_float32_array, n * H, 0);
  m.gate = arg_ta(&a, "gate", napi_uint8_array, E * H * dtype_bytes(m.gate_dtype), 0);
  m.gate_bias = arg_ta(&a, "gateBias", napi_float32_array, E, 0);
  m.b1 = arg_ta(&a, "mlp1Blocks", napi_uint8_array, E * 2 * I * (H / 32) * 16, 0);
  m.s1 = arg_ta(&a, "mlp1Scales", napi_uint8_array, E * 2 * I * (H / 32), 0);
  m.bias1 = arg_ta(&a, "mlp1Bias", napi_float32_array, E * 2 * I, 0);
  m.b2 = arg_ta(&a, "mlp2Blocks", napi_uint8_array, E * H * (I / 32) * 16, 0);
  m.s2 = arg_ta(&a, "mlp2Scales", napi_uint8_array, E * H * (I / 32), 0);
  m.bias2 = arg_ta(&a, "mlp2Bias", napi_float32_array, E * H, 0);
  if (a.failed) return NULL;
  if (m.n == 0) return undefined(env);
  if (f32_mxfp4w_moe(p, &m) != 0) {
    napi_throw_error(env, NULL, "cpu moe: out of memory for the intermediates");
    return NULL;
  }
  return undefined(env);
}

static napi_value js_add(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_pos(env, info, &a, "add", ADD_ARGS)) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  int count = arg_int(&a, "count", 0);
  float *out = arg_ta(&a, "out", napi_float32_array, (size_t)count, 0);
  const float *x = arg_ta(&a, "a", napi_float32_array, (size_t)count, 0);
  const float *y = arg_ta(&a, "b", napi_float32_array, (size_t)count, 0);
  if (a.failed) return NULL;
  f32_add(p, out, x, y, (size_t)count);
  return undefined(env);
}

static napi_value js_triad(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "triad")) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  double bytes = arg_num(&a, "bytes");
  int reps = arg_int(&a, "reps", 1);
  if (!a.failed && bytes < 3 * 64) fail(&a, "bytes", "must be at least 192");
  if (a.failed) return NULL;
  double gbs = go_triad(p, (size_t)bytes, reps);
  if (gbs < 0) {
    napi_throw_error(env, NULL, "cpu triad: out of memory");
    return NULL;
  }
  napi_value r;
  napi_create_double(env, gbs, &r);
  return r;
}

/* readBandwidth({pool, bytes, passes, huge}) -> Float64Array of 2 x passes GB/s, the probe's and the
 * STREAM-like loop's passes interleaved (go_read_bandwidth) */
static napi_value js_read_bandwidth(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "readBandwidth")) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  double bytes = arg_num(&a, "bytes");
  int passes = arg_int(&a, "passes", 1), huge = arg_int(&a, "huge", 0);
  if (!a.failed && (bytes < (double)(4 << 20) || bytes > (double)((size_t)64 << 30))) fail(&a, "bytes", "must be in [4 MiB, 64 GiB]");
  if (!a.failed && (passes < 1 || passes > 1000)) fail(&a, "passes", "must be in [1, 1000]");
  if (a.failed) return NULL;
  napi_value ab, arr;
  double *out;
  napi_create_arraybuffer(env, (size_t)passes * 2 * sizeof(double), (void **)&out, &ab);
  if (go_read_bandwidth(p, (size_t)bytes, passes, huge, out) < 0) {
    napi_throw_error(env, NULL, "cpu readBandwidth: out of memory");
    return NULL;
  }
  napi_create_typedarray(env, napi_float64_array, (size_t)passes * 2, ab, 0, &arr);
  return arr;
}

/* preemptionProbe({pool, ms}) -> Float64Array of 3 x threads: each thread's seconds spun, seconds lost
 * in gaps over 50 us, largest gap (go_preemption_probe) */
static napi_value js_preemption_probe(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "preemptionProbe")) return NULL;
  pool_t *p = arg_handle(&a, "pool", MAGIC_POOL);
  double ms = arg_num(&a, "ms");
  if (!a.failed && !(ms >= 1 && ms <= 60000)) fail(&a, "ms", "must be in [1, 60000]");
  if (a.failed) return NULL;
  int n = pool_threads(p);
  napi_value ab, arr;
  double *out;
  napi_create_arraybuffer(env, (size_t)n * 3 * sizeof(double), (void **)&out, &ab);
  go_preemption_probe(p, ms / 1000, 50e-6, out);
  napi_create_typedarray(env, napi_float64_array, (size_t)n * 3, ab, 0, &arr);
  return arr;
}

/* moeCounts() -> Float64Array [calls, experts read] since the process started (go_moe_counts) */
static napi_value js_moe_counts(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value ab, arr;
  double *out;
  napi_create_arraybuffer(env, 2 * sizeof(double), (void **)&out, &ab);
  go_moe_counts(out, out + 1);
  napi_create_typedarray(env, napi_float64_array, 2, ab, 0, &arr);
  return arr;
}

/* ---- module ---------------------------------------------------------------------------------- */

static void set_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

static napi_value tuner_object(napi_env env, const char *kernel, int size_class, int tokens, const go_pf_tuner *t) {
  static const char *names[GO_PF_MODES] = {"l2", "l1", "none"};
  napi_value o, v, costs;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, kernel, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "kernel", v);
  if (size_class >= 0) {
    napi_create_double(env, (double)((size_t)1 << size_class), &v);
    napi_set_named_property(env, o, "fromMiB", v);
  }
  if (tokens > 0) {
    napi_create_int32(env, tokens, &v);
    napi_set_named_property(env, o, "tokens", v);
  }
  unsigned samples = 0;
  napi_create_object(env, &costs);
  for (int m = 0; m < GO_PF_MODES; m++) {
    samples += t->seen[m];
    if (t->seen[m]) napi_create_double(env, go_pf_cost(t, m) * 1e9, &v); /* seconds per GB */
    else napi_get_null(env, &v);
    napi_set_named_property(env, costs, names[m], v);
  }
  napi_set_named_property(env, o, "secondsPerGB", costs);
  napi_create_double(env, (double)samples, &v);
  napi_set_named_property(env, o, "calls", v);
  napi_create_string_utf8(env, names[go_pf_best(t)], NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "pick", v);
  return o;
}

/* prefetchTuning() -> [{kernel: 'moe' | 'dense', fromMiB?, tokens?, calls, secondsPerGB: {l2, l1, none}, pick}]: what
   this thread's prefetch tuners (prefetch-tuner.h) have timed, for the kinds of call that ran. */
static napi_value js_prefetch_tuning(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (int n = 1; n <= GO_MOE_PF_TOKENS; n++) {
    const go_pf_tuner *m = go_moe_pf_tuner(n);
    if (m && m->calls) napi_set_element(env, arr, i++, tuner_object(env, "moe", -1, n, m));
  }
  for (int n = 1; n <= GO_DENSE_PF_TOKENS; n++)
    for (int b = 0; b < GO_DENSE_PF_CLASSES; b++) {
      const go_pf_tuner *d = go_dense_pf_tuner(n, b);
      if (d && d->calls) napi_set_element(env, arr, i++, tuner_object(env, "dense", b, n, d));
    }
  return arr;
}

/* prefetchTunerTrial({costs}) -> Int32Array: a fresh tuner driven by costs[3c + m], the seconds per byte
   call c takes in mode m (GO_PF_L2, GO_PF_L1, GO_PF_NONE): the mode it ran each call in. The tuner's policy
   on a host whose timings the caller sets. */
static napi_value js_prefetch_tuner_trial(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "prefetchTunerTrial")) return NULL;
  size_t len = 0;
  const float *costs = arg_ta_len(&a, "costs", napi_float32_array, GO_PF_MODES, 0, &len);
  if (!a.failed && len % GO_PF_MODES) fail(&a, "costs", "must hold 3 costs (l2, l1, none) per call");
  if (a.failed) return NULL;
  size_t calls = len / GO_PF_MODES;
  napi_value ab, arr;
  int32_t *out;
  napi_create_arraybuffer(env, calls * sizeof(int32_t), (void **)&out, &ab);
  go_pf_tuner t;
  memset(&t, 0, sizeof t);
  for (size_t c = 0; c < calls; c++) {
    int m = go_pf_begin(&t);
    go_pf_end(&t, m, costs[GO_PF_MODES * c + m], 1.0);
    out[c] = m;
  }
  napi_create_typedarray(env, napi_int32_array, calls, ab, 0, &arr);
  return arr;
}

/* moeActCheck({x, h, limit, alpha}) -> {splitDiffer, swigluDiffer, maxUlps} or null where the CPU has no
   AVX-512 MoE kernels: the vectorized swiglu and activation split against the portable loops (a test's). */
static napi_value js_moe_act_check(napi_env env, napi_callback_info info) {
  args_t a;
  if (!get_opts(env, info, &a, "moeActCheck")) return NULL;
  size_t K = 0, I2 = 0;
  const float *x = arg_ta_len(&a, "x", napi_float32_array, 32, 0, &K);
  const float *h = arg_ta_len(&a, "h", napi_float32_array, 2, 0, &I2);
  double limit = arg_num(&a, "limit"), alpha = arg_num(&a, "alpha");
  if (!a.failed && K % 32) fail(&a, "x", "must hold a multiple of 32 floats");
  if (!a.failed && I2 % 2) fail(&a, "h", "must hold (gate, linear) pairs");
  if (a.failed) return NULL;
  int split = 0, swiglu = 0, ulps = 0;
  int rc = go_moe_act_check(x, (int)K, h, (int)(I2 / 2), (float)limit, (float)alpha, &split, &swiglu, &ulps);
  napi_value o, v;
  if (rc == -1) {
    napi_get_null(env, &o);
    return o;
  }
  if (rc < 0) {
    napi_throw_error(env, NULL, "moeActCheck: out of memory");
    return NULL;
  }
  napi_create_object(env, &o);
  napi_create_int32(env, split, &v);
  napi_set_named_property(env, o, "splitDiffer", v);
  napi_create_int32(env, swiglu, &v);
  napi_set_named_property(env, o, "swigluDiffer", v);
  napi_create_int32(env, ulps, &v);
  napi_set_named_property(env, o, "maxUlps", v);
  return o;
}

/* { dense: 'avx512-vnni', ... }: the level each kernel family runs at (dispatch.c). */
static napi_value kernels_object(napi_env env) {
  napi_value o, v;
  napi_create_object(env, &o);
  for (int i = 0; i < go_family_count(); i++) {
    napi_create_string_utf8(env, go_level_name(go_family_level(i)), NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, o, go_family_name(i), v);
  }
  return o;
}

static napi_value bool_value(napi_env env, int b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static int initialised = 0, bad_request = 0;
  if (!initialised) {
    go_tables_init();
    bad_request = go_dispatch_init(getenv("GPT_OSS_SIMD")) != 0;
    initialised = 1;
  }
  napi_value v;
  napi_create_int32(env, ADDON_VERSION, &v);
  napi_set_named_property(env, exports, "version", v);
  /* simd: the level asked for (GPT_OSS_SIMD or the CPU's best); kernels: what each family runs */
  napi_create_string_utf8(env, go_level_name(go_level), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "simd", v);
  napi_set_named_property(env, exports, "kernels", kernels_object(env));
  napi_create_string_utf8(env, go_prefetch_name(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "prefetch", v);
  napi_create_string_utf8(env, go_dense_prefetch_name(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "densePrefetch", v);
  napi_value cpu;
  napi_create_object(env, &cpu);
  napi_set_named_property(env, cpu, "avx2", bool_value(env, go_cpu.avx2));
  napi_set_named_property(env, cpu, "avx512Vnni", bool_value(env, go_cpu.avx512_vnni));
  napi_set_named_property(env, cpu, "avx512Vbmi", bool_value(env, go_cpu.avx512_vbmi));
  napi_create_string_utf8(env, go_level_name(go_cpu.best), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, cpu, "best", v);
  napi_set_named_property(env, exports, "cpu", cpu);
  if (bad_request) {
    napi_create_string_utf8(env, getenv("GPT_OSS_SIMD"), NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, exports, "unknownSimdRequest", v);
  }
  napi_create_int32(env, go_physical_cores(), &v);
  napi_set_named_property(env, exports, "physicalCores", v);
  set_fn(env, exports, "createPool", js_create_pool);
  set_fn(env, exports, "poolThreads", js_pool_threads);
  set_fn(env, exports, "prefetchTuning", js_prefetch_tuning);
  set_fn(env, exports, "prefetchTunerTrial", js_prefetch_tuner_trial);
  set_fn(env, exports, "moeActCheck", js_moe_act_check);
  set_fn(env, exports, "destroy", js_destroy_handle);
  set_fn(env, exports, "createKvCache", js_create_kv_cache);
  set_fn(env, exports, "kvCacheFill", js_kv_cache_fill);
  set_fn(env, exports, "mapFile", js_map_file);
  set_fn(env, exports, "unmapFile", js_unmap_file);
  set_fn(env, exports, "embed", js_embed);
  set_fn(env, exports, "rmsNorm", js_rms_norm);
  set_fn(env, exports, "matmul", js_matmul);
  set_fn(env, exports, "quantizeQ8", js_quantize_q8);
  set_fn(env, exports, "prefault", js_prefault);
  set_fn(env, exports, "readAhead", js_read_ahead);
  set_fn(env, exports, "allocWeights", js_alloc_weights);
  set_fn(env, exports, "freeWeights", js_free_weights);
  set_fn(env, exports, "allocRecycled", js_alloc_recycled);
  set_fn(env, exports, "dropRecycled", js_drop_recycled);
  set_fn(env, exports, "release", js_release);
  set_fn(env, exports, "copyWeights", js_copy_weights);
  set_fn(env, exports, "rope", js_rope);
  set_fn(env, exports, "attention", js_attention);
  set_fn(env, exports, "moe", js_moe);
  set_fn(env, exports, "add", js_add);
  set_fn(env, exports, "triad", js_triad);
  set_fn(env, exports, "readBandwidth", js_read_bandwidth);
  set_fn(env, exports, "preemptionProbe", js_preemption_probe);
  set_fn(env, exports, "moeCounts", js_moe_counts);
  return exports;
}

/* Moving weight bytes (the MXFP4 experts under `experts: copy`) into the process's own memory at load. */
#ifndef GPT_OSS_WEIGHT_COPY_H
#define GPT_OSS_WEIGHT_COPY_H
#include <stddef.h>
#include <sys/types.h>

#include "pool.h"

/*
 * Copies n bytes to dst across the pool's threads. fd >= 0: src is the mapping of that file at
 * offset foff, and the bytes are read with pread() (the mapping's pages never enter the process;
 * a chunk whose read fails is copied from src instead). fd < 0: memcpy, and with release the
 * source's pages (a read-only file mapping's) are dropped from the process after each chunk.
 * With fd >= 0 and free memory short, a copied chunk's page cache is given back when it was read from
 * disk, or when little besides this file (file_map, file_size: the whole mapping) is cached (weight-copy.c).
 * tile_k > 0: the bytes are MXFP4 rows of K = tile_k, left in the tiled16 layout (moe_tile16), n a
 * multiple of K/2.
 */
void go_copy_weights(pool_t *p, void *dst, const void *src, size_t n, int fd, off_t foff, int release, int tile_k,
                     const void *file_map, size_t file_size);

#endif

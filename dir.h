/*
 * dir.h - the entries of a directory without the heap (opendir() would
 * bring malloc into the binary for two loops over /run and /proc).
 */
#ifndef DIR_H
#define DIR_H

#include <stdbool.h>

/* Call fn(ctx, name) for each entry of 'path' but "." and "..", until it
 * returns true.  Returns 1 when it did, 0 when every entry was seen, -1
 * when the directory cannot be read. */
typedef bool dir_fn(void *ctx, const char *name);
int dir_each(const char *path, dir_fn *fn, void *ctx);

#endif

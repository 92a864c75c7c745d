/* py_cid_set.h — the correlation ids of a kernel's requests in flight, as a plain C set.
 *
 * Every request adds its id and removes it again, and every received reply is looked up
 * in it; a Python set did that with a fresh int object per id (allocation, hashing and
 * freeing: a tenth of request_sync's own instructions). Ids are never 0 (0 means "no
 * correlation"), so 0 marks a free slot. Used with the GIL held only. */
#ifndef RKPY_CID_SET_H
#define RKPY_CID_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t *slots; /* capacity entries, a power of two; 0 = free */
  size_t capacity;
  size_t count;
} rkpy_cid_set;

/* Adds cid (!= 0; adding one already there is a no-op). 0, or -1 when out of memory
 * (nothing raised: the caller raises MemoryError). */
int rkpy_cid_set_add(rkpy_cid_set *s, uint64_t cid);
/* Removes cid if present. */
void rkpy_cid_set_remove(rkpy_cid_set *s, uint64_t cid);
bool rkpy_cid_set_contains(const rkpy_cid_set *s, uint64_t cid);
/* Frees the slots; the set is then empty and usable again. */
void rkpy_cid_set_clear(rkpy_cid_set *s);

#endif /* RKPY_CID_SET_H */

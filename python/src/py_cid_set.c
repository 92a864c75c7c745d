/* py_cid_set.c — open addressing with linear probing; removal shifts the entries after
 * the freed slot back, so lookups never meet tombstones. */
#include "py_cid_set.h"

#include <Python.h>

/* A handful of requests in flight is the common case (one per waiting thread or
 * awaiting task); the table doubles beyond half full. */
#define RKPY_CID_SET_MIN_CAPACITY 16

/* Fibonacci hashing: ids may be sequential, and the multiply spreads them over the
 * high bits, which pick the slot. */
static size_t cid_home(const rkpy_cid_set *s, uint64_t cid) {
  return (size_t)((cid * 0x9E3779B97F4A7C15ULL) >> 32) & (s->capacity - 1);
}

/* The slot holding cid, or the free slot where the probe for it ends. */
static size_t cid_probe(const rkpy_cid_set *s, uint64_t cid) {
  size_t i = cid_home(s, cid);
  while (s->slots[i] != 0 && s->slots[i] != cid)
    i = (i + 1) & (s->capacity - 1);
  return i;
}

static int cid_grow(rkpy_cid_set *s) {
  size_t capacity = s->capacity ? s->capacity * 2 : RKPY_CID_SET_MIN_CAPACITY;
  uint64_t *slots = PyMem_Calloc(capacity, sizeof *slots);
  if (!slots) return -1;
  rkpy_cid_set grown = {slots, capacity, s->count};
  for (size_t i = 0; i < s->capacity; i++)
    if (s->slots[i]) grown.slots[cid_probe(&grown, s->slots[i])] = s->slots[i];
  PyMem_Free(s->slots);
  *s = grown;
  return 0;
}

int rkpy_cid_set_add(rkpy_cid_set *s, uint64_t cid) {
  if ((s->count + 1) * 2 > s->capacity && cid_grow(s) < 0) return -1;
  size_t i = cid_probe(s, cid);
  if (s->slots[i] == 0) {
    s->slots[i] = cid;
    s->count++;
  }
  return 0;
}

bool rkpy_cid_set_contains(const rkpy_cid_set *s, uint64_t cid) {
  return s->count > 0 && cid != 0 && s->slots[cid_probe(s, cid)] == cid;
}

void rkpy_cid_set_remove(rkpy_cid_set *s, uint64_t cid) {
  if (!rkpy_cid_set_contains(s, cid)) return;
  size_t mask = s->capacity - 1, hole = cid_probe(s, cid);
  s->slots[hole] = 0;
  s->count--;
  /* Moves back every entry of the run after the hole whose home does not lie
   * (cyclically) between the hole and its slot, so no probe stops early at the hole. */
  for (size_t j = (hole + 1) & mask; s->slots[j] != 0; j = (j + 1) & mask) {
    size_t home = cid_home(s, s->slots[j]);
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (stays) continue;
    s->slots[hole] = s->slots[j];
    s->slots[j] = 0;
    hole = j;
  }
}

void rkpy_cid_set_clear(rkpy_cid_set *s) {
  PyMem_Free(s->slots);
  *s = (rkpy_cid_set){NULL, 0, 0};
}

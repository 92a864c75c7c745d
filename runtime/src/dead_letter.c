/* dead_letter.c — per-kernel bounded list of messages that could not be processed.
 *
 * The list keeps the newest RKI_DEAD_LETTER_CAP entries; dl_total counts every dead
 * letter ever recorded, so accounting stays exact even when old entries were dropped.
 */
#include <string.h>

#include "runtime_internal.h"

void rki_dead_letter_add(rk_kernel_t *k, const rk_message_header_t *hdr, rk_status_t reason,
                         const char *detail) {
  pthread_mutex_lock(&k->dl_lock);
  size_t slot = (k->dl_head + k->dl_count) % RKI_DEAD_LETTER_CAP;
  if (k->dl_count == RKI_DEAD_LETTER_CAP) {
    k->dl_head = (k->dl_head + 1) % RKI_DEAD_LETTER_CAP;
  } else {
    k->dl_count++;
  }
  rk_dead_letter_t *d = &k->dl[slot];
  d->message_id = hdr->message_id;
  d->correlation_id = hdr->correlation_id;
  d->message_type = hdr->message_type;
  d->reason = reason;
  snprintf(d->detail, sizeof d->detail, "%s", detail && *detail ? detail : rk_status_str(reason));
  atomic_fetch_add_explicit(&k->dl_total, 1, memory_order_relaxed);
  pthread_mutex_unlock(&k->dl_lock);
}

rk_status_t rk_kernel_pop_dead_letter(rk_kernel_t *k, rk_dead_letter_t *out) {
  if (!k || !out) return rki_fail(RK_EINVAL, "kernel or out is NULL");
  pthread_mutex_lock(&k->dl_lock);
  rk_status_t st = RK_OK;
  if (k->dl_count == 0) {
    st = rki_fail(RK_EAGAIN, "no dead letters for %s", k->id);
  } else {
    *out = k->dl[k->dl_head];
    k->dl_head = (k->dl_head + 1) % RKI_DEAD_LETTER_CAP;
    k->dl_count--;
  }
  pthread_mutex_unlock(&k->dl_lock);
  return st;
}

size_t rk_kernel_dead_letter_count(const rk_kernel_t *k) {
  if (!k) return 0;
  rk_kernel_t *mk = (rk_kernel_t *)k;
  pthread_mutex_lock(&mk->dl_lock);
  size_t n = mk->dl_count;
  pthread_mutex_unlock(&mk->dl_lock);
  return n;
}

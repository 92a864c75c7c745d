/* message_internal.h — message helpers shared inside the runtime and its tests. */
#ifndef RK_MESSAGE_INTERNAL_H
#define RK_MESSAGE_INTERNAL_H

#include "ringkernel/message.h"

/* CRC32C through the portable table only (rk_crc32c may use SSE4.2 instead). */
uint32_t rki_crc32c_software(uint32_t seed, const void *data, size_t len);

#endif /* RK_MESSAGE_INTERNAL_H */

/* fuzz_envelope.c — libFuzzer entry for the envelope parser (clang only; see
 * CMakeLists.txt). Whatever parses must serialize back to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "ringkernel/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rk_message_header_t h;
  const void *payload;
  size_t plen;
  if (rk_envelope_parse(data, size, &h, &payload, &plen) != RK_OK) return 0;
  if (plen > RK_MAX_PAYLOAD_SIZE || (const uint8_t *)payload != data + RK_HEADER_SIZE) abort();
  static unsigned char out[RK_HEADER_SIZE + RK_MAX_PAYLOAD_SIZE];
  size_t written = 0;
  if (rk_envelope_serialize(&h, payload, plen, out, sizeof out, &written) != RK_OK) abort();
  if (written != RK_HEADER_SIZE + plen || memcmp(out, data, written) != 0) abort();
  return 0;
}

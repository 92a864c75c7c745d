/* bench_strbuf.c — the growable string behind the report writers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "rk_internal.h"

void rk_string_free(char *s) { free(s); }

static bool rki_sb_reserve(rki_strbuf_t *sb, size_t extra) {
  if (sb->failed) return false;
  if (sb->len + extra + 1 <= sb->cap) return true;
  size_t cap = sb->cap ? sb->cap : 256;
  while (cap < sb->len + extra + 1) cap *= 2;
  char *d = realloc(sb->data, cap);
  if (!d) {
    sb->failed = true;
    return false;
  }
  sb->data = d;
  sb->cap = cap;
  return true;
}

void rki_sb_appendn(rki_strbuf_t *sb, const char *s, size_t n) {
  if (!rki_sb_reserve(sb, n)) return;
  memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
}

void rki_sb_append(rki_strbuf_t *sb, const char *s) { rki_sb_appendn(sb, s, strlen(s)); }

void rki_sb_printf(rki_strbuf_t *sb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !rki_sb_reserve(sb, (size_t)n)) {
    sb->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb->len += (size_t)n;
}

void rki_sb_thousands(rki_strbuf_t *sb, double v, const char *sep) {
  if (!isfinite(v)) {
    rki_sb_append(sb, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return;
  }
  char digits[400];
  int n = snprintf(digits, sizeof digits, "%.0f", fabs(v));
  if (n <= 0 || (size_t)n >= sizeof digits) {
    sb->failed = true;
    return;
  }
  if (v <= -0.5) rki_sb_append(sb, "-");
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0) rki_sb_append(sb, sep);
    rki_sb_appendn(sb, &digits[i], 1);
  }
}

rk_status_t rki_sb_finish(rki_strbuf_t *sb, char **out) {
  if (sb->failed || !rki_sb_reserve(sb, 0)) {
    free(sb->data);
    *out = NULL;
    return rki_fail(RK_ENOMEM, "report: out of memory");
  }
  *out = sb->data;
  return RK_OK;
}

/* Small JSON helpers for the hot path: the top-level "time" of a Falco alert, RFC 3339
 * timestamps, and string escaping for request bodies. */
#ifndef LS_JSON_H
#define LS_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "ls_buf.h"

/* If s[0..n) is a JSON object whose top-level "time" member is an RFC 3339 string, store it as
 * milliseconds since the epoch in *ms and return 1; otherwise 0. Never reads past n. */
int ls_json_alert_time(const char *s, size_t n, int64_t *ms);
/* "2024-05-01T12:34:56.123456789Z" or with a +hh:mm / -hh:mm offset: 1 and *ms, else 0. */
int ls_rfc3339_ms(const char *s, size_t n, int64_t *ms);
/* Append s[0..n) as the contents of a JSON string (no quotes); s must be valid UTF-8. */
int ls_json_escape(struct ls_buf *b, const char *s, size_t n);

#endif

/* One log event: timestamp (ms) and a valid UTF-8 message within the event size limit. */
#ifndef LS_EVENT_H
#define LS_EVENT_H
#include <stddef.h>
#include <stdint.h>

struct ls_event {
    struct ls_event *next;
    int64_t ts;      /* milliseconds since the epoch */
    uint32_t len;    /* message bytes */
    uint32_t notice; /* 1: logshipper's own lost-events notice (not a line that was read) */
    char msg[];      /* not NUL-terminated */
};

/* CloudWatch Logs counts 26 bytes per event on top of the message. */
#define LS_EVENT_OVERHEAD 26
#define LS_DEFAULT_EVENT_LIMIT (1048576 - LS_EVENT_OVERHEAD)

/* Build an event from a raw line (without its newline; `total` is the real length when the
 * reader kept only a prefix). A trailing '\r' is dropped. Invalid UTF-8 is replaced, and a
 * message longer than limit bytes is cut at a character boundary and ends with a visible
 * truncation marker. The timestamp is the line's Falco "time" when it has one, else now_ms.
 * Returns NULL for an empty line (errno 0) or on allocation failure (errno ENOMEM). */
struct ls_event *ls_event_from_line(const char *line, size_t len, size_t total, size_t limit,
                                    int64_t now_ms, int *truncated);

#endif

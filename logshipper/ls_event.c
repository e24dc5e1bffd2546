/* Line -> event: UTF-8 repair, truncation marker, timestamp. */
#include "ls_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_json.h"
#include "ls_utf8.h"

struct ls_event *ls_event_from_line(const char *line, size_t len, size_t total, size_t limit,
                                    int64_t now_ms, int *truncated)
{
    if (truncated)
        *truncated = 0;
    if (len == total && len > 0 && line[len - 1] == '\r') {
        len--;
        total--;
    }
    errno = 0;
    if (len == 0)
        return NULL;
    char marker[96];
    int ml = snprintf(marker, sizeof marker, "...[logshipper: line of %zu bytes truncated]", total);
    if (ml < 0)
        ml = 0;
    if (limit < (size_t)ml + 8)
        limit = (size_t)ml + 8;
    /* Build in a scratch buffer reused across calls (one reader thread), then copy out. */
    static char *scratch;
    static size_t scratch_cap;
    if (scratch_cap < limit) {
        char *ns = realloc(scratch, limit);
        if (!ns) {
            errno = ENOMEM;
            return NULL;
        }
        scratch = ns;
        scratch_cap = limit;
    }
    size_t used = 0;
    size_t w = ls_utf8_sanitize(line, len, scratch, limit, &used);
    int cut = used < len || total > len;
    if (cut) {
        w = ls_utf8_sanitize(line, len, scratch, limit - (size_t)ml, &used);
        memcpy(scratch + w, marker, (size_t)ml);
        w += (size_t)ml;
        if (truncated)
            *truncated = 1;
    }
    struct ls_event *ev = malloc(sizeof *ev + w);
    if (!ev) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(ev->msg, scratch, w);
    ev->next = NULL;
    ev->len = (uint32_t)w;
    ev->notice = 0;
    int64_t t;
    ev->ts = ls_json_alert_time(line, len, &t) ? t : now_ms;
    return ev;
}

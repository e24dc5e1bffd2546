/* Bounded-memory line reader. */
#include "ls_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LS_READ_CHUNK 65536

int ls_reader_init(struct ls_reader *r, int fd, size_t limit)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->limit = limit ? limit : 1;
    r->cap = r->limit + 2 * LS_READ_CHUNK;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void ls_reader_free(struct ls_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

int ls_reader_next(struct ls_reader *r, struct ls_line *line)
{
    if (r->discarding) {
        size_t scan = r->start + r->limit;
        char *nl = memchr(r->buf + scan, '\n', r->end - scan);
        if (!nl) {
            r->skipped += r->end - scan;
            r->end = scan;
            if (!r->eof)
                return 0;
        } else {
            r->skipped += (size_t)(nl - (r->buf + scan));
        }
        line->data = r->buf + r->start;
        line->len = r->limit;
        line->total = r->limit + r->skipped;
        r->discarding = 0;
        r->skipped = 0;
        if (nl) {
            /* Drop the kept prefix and the discarded middle; keep what follows the newline. */
            size_t after = (size_t)(nl + 1 - r->buf);
            size_t rest = r->end - after;
            /* The line data stays at start; remaining bytes move right behind it. */
            memmove(r->buf + scan, r->buf + after, rest);
            r->start = scan;
            r->end = scan + rest;
        } else {
            r->start = r->end = scan;
        }
        r->scanned = 0;
        return 1;
    }
    size_t avail = r->end - r->start;
    char *nl = NULL;
    if (r->scanned < avail)
        nl = memchr(r->buf + r->start + r->scanned, '\n', avail - r->scanned);
    if (nl) {
        line->data = r->buf + r->start;
        line->len = line->total = (size_t)(nl - line->data);
        if (line->len > r->limit)
            line->len = r->limit;
        r->start = (size_t)(nl + 1 - r->buf);
        r->scanned = 0;
        return 1;
    }
    r->scanned = avail;
    if (avail > r->limit) {
        r->discarding = 1;
        r->skipped = avail - r->limit;
        r->end = r->start + r->limit;
        r->scanned = r->limit;
        return r->eof ? ls_reader_next(r, line) : 0;
    }
    if (r->eof) {
        if (avail == 0)
            return -1;
        line->data = r->buf + r->start;
        line->len = line->total = avail;
        if (line->len > r->limit)
            line->len = r->limit;
        r->start = r->end;
        r->scanned = 0;
        return 1;
    }
    return 0;
}

/* Make room for at least one chunk after end. */
static void compact(struct ls_reader *r)
{
    if (r->cap - r->end >= LS_READ_CHUNK || r->start == 0)
        return;
    size_t n = r->end - r->start;
    memmove(r->buf, r->buf + r->start, n);
    r->start = 0;
    r->end = n;
}

ssize_t ls_reader_fill(struct ls_reader *r)
{
    compact(r);
    ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (n > 0)
        r->end += (size_t)n;
    else if (n == 0)
        r->eof = 1;
    return n;
}

size_t ls_reader_feed(struct ls_reader *r, const void *data, size_t n)
{
    compact(r);
    size_t room = r->cap - r->end;
    size_t k = n < room ? n : room;
    memcpy(r->buf + r->end, data, k);
    r->end += k;
    return k;
}

void ls_reader_set_eof(struct ls_reader *r)
{
    r->eof = 1;
}

/* Spool: segment files "seg-NNNNNNNNNN" holding records [int64 ts][uint32 len][len bytes].
 * Appends go to the newest segment, reads come from the oldest; a segment is removed once read.
 * Counts are kept in memory (segments adopted at start are scanned once). */
#include "ls_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_MAX (4u << 20)
#define REC_HDR 12

struct ls_spool {
    char *dir;
    unsigned head, tail; /* segment numbers; head <= tail */
    int rfd, wfd;        /* read fd on head, write fd on tail */
    uint64_t roff, woff; /* offsets in head / tail */
    uint64_t count, bytes;
};

static int seg_path(const struct ls_spool *s, unsigned n, char *out, size_t len)
{
    int w = snprintf(out, len, "%s/seg-%010u", s->dir, n);
    return w > 0 && (size_t)w < len ? 0 : -1;
}

static int open_seg(const struct ls_spool *s, unsigned n, int flags)
{
    char p[4096];
    if (seg_path(s, n, p, sizeof p) < 0)
        return -1;
    return open(p, flags | O_CLOEXEC, 0600);
}

static void unlink_seg(const struct ls_spool *s, unsigned n)
{
    char p[4096];
    if (seg_path(s, n, p, sizeof p) == 0)
        unlink(p);
}

/* Count the complete records of an adopted segment; truncate a torn last record. */
static void scan_seg(struct ls_spool *s, unsigned n)
{
    int fd = open_seg(s, n, O_RDWR);
    if (fd < 0)
        return;
    uint64_t off = 0;
    unsigned char h[REC_HDR];
    struct stat st;
    if (fstat(fd, &st) == 0) {
        while (off + REC_HDR <= (uint64_t)st.st_size &&
               pread(fd, h, REC_HDR, (off_t)off) == REC_HDR) {
            uint32_t len;
            memcpy(&len, h + 8, 4);
            if (off + REC_HDR + len > (uint64_t)st.st_size)
                break;
            s->count++;
            s->bytes += len + LS_EVENT_OVERHEAD;
            off += REC_HDR + len;
        }
        if (off < (uint64_t)st.st_size && ftruncate(fd, (off_t)off) < 0) {
            /* keep going: the torn tail is skipped by the reader's length checks */
        }
    }
    close(fd);
}

struct ls_spool *ls_spool_open(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return NULL;
    struct ls_spool *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->dir = strdup(dir);
    s->rfd = s->wfd = -1;
    if (!s->dir) {
        free(s);
        return NULL;
    }
    DIR *d = opendir(dir);
    if (!d) {
        free(s->dir);
        free(s);
        return NULL;
    }
    unsigned lo = ~0u, hi = 0;
    int any = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned n;
        char tail;
        if (sscanf(de->d_name, "seg-%10u%c", &n, &tail) == 1) {
            any = 1;
            lo = n < lo ? n : lo;
            hi = n > hi ? n : hi;
        }
    }
    closedir(d);
    if (any) {
        for (unsigned n = lo; n <= hi; n++)
            scan_seg(s, n);
        s->head = lo;
        s->tail = hi + 1; /* never append to an adopted segment */
    } else {
        s->head = s->tail = 1;
    }
    return s;
}

/* Rewrite the partly read head segment without its consumed records, so that the next run
 * does not ship them again. Best effort: on failure the next run may resend some. */
static void drop_consumed(struct ls_spool *s)
{
    char path[4096], tmp[4200];
    if (s->rfd < 0 || s->roff == 0 || seg_path(s, s->head, path, sizeof path) < 0)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        return;
    char buf[65536];
    off_t off = (off_t)s->roff;
    ssize_t n;
    int ok = 1;
    while ((n = pread(s->rfd, buf, sizeof buf, off)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            ok = 0;
            break;
        }
        off += n;
    }
    if (n < 0)
        ok = 0;
    if (close(out) < 0)
        ok = 0;
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
}

void ls_spool_close(struct ls_spool *s)
{
    if (!s)
        return;
    if (s->wfd >= 0) {
        close(s->wfd); /* before the head segment (maybe the same file) is rewritten */
        s->wfd = -1;
    }
    drop_consumed(s);
    if (s->rfd >= 0)
        close(s->rfd);
    if (s->wfd >= 0)
        close(s->wfd);
    free(s->dir);
    free(s);
}

int ls_spool_append(struct ls_spool *s, const struct ls_event *e)
{
    if (s->wfd >= 0 && s->woff + REC_HDR + e->len > SEG_MAX && s->woff > 0) {
        close(s->wfd);
        s->wfd = -1;
        s->tail++;
        s->woff = 0;
    }
    if (s->wfd < 0) {
        s->wfd = open_seg(s, s->tail, O_WRONLY | O_CREAT | O_APPEND);
        if (s->wfd < 0)
            return -1;
        struct stat st;
        s->woff = fstat(s->wfd, &st) == 0 ? (uint64_t)st.st_size : 0;
    }
    unsigned char h[REC_HDR];
    memcpy(h, &e->ts, 8);
    uint32_t len = e->len;
    memcpy(h + 8, &len, 4);
    if (write(s->wfd, h, REC_HDR) != REC_HDR ||
        (e->len && write(s->wfd, e->msg, e->len) != (ssize_t)e->len)) {
        /* Cut the torn record so later appends stay aligned. */
        if (ftruncate(s->wfd, (off_t)s->woff) < 0) {
            close(s->wfd);
            s->wfd = -1;
        }
        return -1;
    }
    s->woff += REC_HDR + e->len;
    s->count++;
    s->bytes += e->len + LS_EVENT_OVERHEAD;
    return 0;
}

/* Everything has been read: remove every segment and start numbering afresh. */
static void recycle(struct ls_spool *s)
{
    if (s->rfd >= 0)
        close(s->rfd);
    if (s->wfd >= 0)
        close(s->wfd);
    s->rfd = s->wfd = -1;
    for (unsigned n = s->head; n <= s->tail; n++)
        unlink_seg(s, n);
    s->head = s->tail = s->tail + 1;
    s->roff = s->woff = 0;
    s->count = s->bytes = 0;
}

struct ls_event *ls_spool_pop(struct ls_spool *s)
{
    while (s->count > 0) {
        if (s->rfd < 0) {
            s->rfd = open_seg(s, s->head, O_RDONLY);
            s->roff = 0;
            if (s->rfd < 0) {
                if (s->head >= s->tail) {
                    s->count = s->bytes = 0; /* lost segment: counts cannot be trusted */
                    return NULL;
                }
                s->head++;
                continue;
            }
        }
        unsigned char h[REC_HDR];
        ssize_t n = pread(s->rfd, h, REC_HDR, (off_t)s->roff);
        if (n == REC_HDR) {
            int64_t ts;
            uint32_t len;
            memcpy(&ts, h, 8);
            memcpy(&len, h + 8, 4);
            struct ls_event *e = malloc(sizeof *e + (len ? len : 1));
            if (!e)
                return NULL;
            if (len && pread(s->rfd, e->msg, len, (off_t)(s->roff + REC_HDR)) != (ssize_t)len) {
                free(e);
                return NULL;
            }
            e->next = NULL;
            e->ts = ts;
            e->len = len;
            e->notice = 0;
            s->roff += REC_HDR + len;
            s->count--;
            s->bytes -= len + LS_EVENT_OVERHEAD;
            if (s->count == 0)
                recycle(s);
            return e;
        }
        /* End of this segment. */
        close(s->rfd);
        s->rfd = -1;
        if (s->head == s->tail) {
            /* Reading caught up with writing: start the segment over. */
            if (s->wfd >= 0) {
                close(s->wfd);
                s->wfd = -1;
            }
            unlink_seg(s, s->head);
            s->head = ++s->tail;
            s->woff = 0;
            if (s->count)
                s->count = s->bytes = 0;
            return NULL;
        }
        unlink_seg(s, s->head);
        s->head++;
    }
    /* Empty: recycle the current write segment so the directory does not grow. */
    if (s->rfd >= 0) {
        close(s->rfd);
        s->rfd = -1;
    }
    if (s->wfd >= 0 && s->head == s->tail) {
        close(s->wfd);
        s->wfd = -1;
        unlink_seg(s, s->tail);
        s->head = ++s->tail;
        s->woff = 0;
    }
    return NULL;
}

uint64_t ls_spool_count(const struct ls_spool *s)
{
    return s ? s->count : 0;
}

uint64_t ls_spool_bytes(const struct ls_spool *s)
{
    return s ? s->bytes : 0;
}

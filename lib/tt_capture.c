/* Capture files: the event stream (struct tt_stream_hdr, then tt_event records) in a regular
 * file. The writer buffers through stdio; the reader validates every record and reports
 * truncation or corruption with the file name and the byte offset of the bad record. */
#include "tt_capture.h"
#include "tt_time.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct tt_capture_writer {
    FILE *f;
    char *path;
    int failed; /* a write error happened: close reports it */
};

struct tt_capture_reader {
    FILE *f;
    char *path;
    uint64_t off; /* offset of the next record */
    uint8_t *buf; /* TT_EVENT_MAX_LEN bytes: the current record */
    struct tt_stream_hdr hdr;
    int owns_file; /* 0 for stdin */
};

struct tt_capture_writer *tt_capture_create(const char *path, char *why, size_t whylen)
{
    struct tt_capture_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        snprintf(why, whylen, "%s: out of memory", path);
        free(w);
        return NULL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, whylen, "%s: cannot create: %s", path, strerror(errno));
        goto fail;
    }
    w->f = fdopen(fd, "wb");
    if (!w->f) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    struct tt_stream_hdr h;
    tt_stream_hdr_init(&h, tt_wall_ns(), (uint32_t)getpid());
    if (fwrite(&h, sizeof h, 1, w->f) != 1 || fflush(w->f) != 0) {
        snprintf(why, whylen, "%s: cannot write header: %s", path, strerror(errno));
        fclose(w->f);
        goto fail;
    }
    return w;
fail:
    free(w->path);
    free(w);
    return NULL;
}

int tt_capture_write(struct tt_capture_writer *w, const struct tt_event *ev)
{
    if (w->failed)
        return -1;
    uint32_t len;
    memcpy(&len, &ev->len, sizeof len);
    if (len < sizeof *ev || len > TT_EVENT_MAX_LEN || (len & 7u)) {
        errno = EINVAL;
        return -1;
    }
    if (fwrite(ev, len, 1, w->f) != 1) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

int tt_capture_close(struct tt_capture_writer *w)
{
    if (!w)
        return 0;
    int rc = w->failed ? -1 : 0;
    if (fclose(w->f) != 0)
        rc = -1;
    free(w->path);
    free(w);
    return rc;
}

/* Reads up to n bytes; returns how many were read (short only at end of file or on error). */
static size_t read_full(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f);
}

struct tt_capture_reader *tt_capture_open(const char *path, char *why, size_t whylen)
{
    struct tt_capture_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path)) || !(r->buf = malloc(TT_EVENT_MAX_LEN))) {
        snprintf(why, whylen, "%s: out of memory", path);
        if (r)
            free(r->path);
        free(r);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        r->f = stdin;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            snprintf(why, whylen, "%s: cannot open: %s", path, strerror(errno));
            goto fail;
        }
        r->f = fdopen(fd, "rb");
        if (!r->f) {
            snprintf(why, whylen, "%s: %s", path, strerror(errno));
            close(fd);
            goto fail;
        }
        r->owns_file = 1;
    }
    size_t got = read_full(r->f, &r->hdr, sizeof r->hdr);
    if (got < sizeof r->hdr) {
        if (ferror(r->f))
            snprintf(why, whylen, "%s: read error at offset 0: %s", path, strerror(errno));
        else
            snprintf(why, whylen, "%s: truncated stream header (%zu of %zu bytes at offset 0)",
                     path, got, sizeof r->hdr);
        goto fail_close;
    }
    char reason[160];
    if (tt_stream_hdr_check(&r->hdr, reason, sizeof reason) != 0) {
        snprintf(why, whylen, "%s: %s", path, reason);
        goto fail_close;
    }
    r->off = sizeof r->hdr;
    return r;
fail_close:
    if (r->owns_file)
        fclose(r->f);
fail:
    free(r->buf);
    free(r->path);
    free(r);
    return NULL;
}

int tt_capture_next(struct tt_capture_reader *r, const struct tt_event **ev, char *why,
                    size_t whylen)
{
    size_t hl = sizeof(struct tt_event);
    size_t got = read_full(r->f, r->buf, hl);
    if (got == 0 && !ferror(r->f))
        return 0;
    if (got < hl) {
        if (ferror(r->f))
            snprintf(why, whylen, "%s: read error at offset %" PRIu64 ": %s", r->path, r->off,
                     strerror(errno));
        else
            snprintf(why, whylen,
                     "%s: truncated record at offset %" PRIu64 " (%zu of %zu header bytes)",
                     r->path, r->off, got, hl);
        return -1;
    }
    uint32_t len;
    memcpy(&len, r->buf, sizeof len);
    if (len < hl || len > TT_EVENT_MAX_LEN || (len & 7u)) {
        snprintf(why, whylen, "%s: corrupt record at offset %" PRIu64 ": bad length %" PRIu32,
                 r->path, r->off, len);
        return -1;
    }
    got = read_full(r->f, r->buf + hl, len - hl);
    if (got < len - hl) {
        snprintf(why, whylen,
                 "%s: truncated record at offset %" PRIu64 " (%zu of %" PRIu32 " bytes)", r->path,
                 r->off, hl + got, len);
        return -1;
    }
    if (tt_event_validate(r->buf, len) != 0) {
        snprintf(why, whylen, "%s: corrupt record at offset %" PRIu64 " (%" PRIu32 " bytes)",
                 r->path, r->off, len);
        return -1;
    }
    r->off += len;
    *ev = (const struct tt_event *)(const void *)r->buf;
    return 1;
}

const struct tt_stream_hdr *tt_capture_header(const struct tt_capture_reader *r)
{
    return &r->hdr;
}

void tt_capture_close_reader(struct tt_capture_reader *r)
{
    if (!r)
        return;
    if (r->owns_file)
        fclose(r->f);
    free(r->buf);
    free(r->path);
    free(r);
}

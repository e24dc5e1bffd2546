/* Line reader over a file descriptor with bounded memory: lines longer than the limit keep their
 * first `limit` bytes and report how long they really were; the rest is read and discarded. */
#ifndef LS_READER_H
#define LS_READER_H
#include <stddef.h>
#include <sys/types.h>

struct ls_reader {
    int fd;
    char *buf;
    size_t cap, start, end;
    size_t scanned; /* bytes from start known to hold no newline */
    size_t limit;   /* bytes of one line kept */
    size_t skipped; /* bytes discarded from the current overlong line */
    int discarding, eof;
};

struct ls_line {
    const char *data; /* valid until the next ls_reader_fill() */
    size_t len;       /* bytes kept (<= limit) */
    size_t total;     /* real length of the line without its newline */
};

int ls_reader_init(struct ls_reader *r, int fd, size_t limit); /* 0 or -1 (ENOMEM) */
void ls_reader_free(struct ls_reader *r);
/* 1: *line set; 0: no complete line buffered, call ls_reader_fill(); -1: end of input. */
int ls_reader_next(struct ls_reader *r, struct ls_line *line);
/* One read(2): >0 bytes read, 0 at end of input, -1 on error (errno; EAGAIN/EINTR are benign). */
ssize_t ls_reader_fill(struct ls_reader *r);
/* For tests and fuzzing: append bytes as if read (returns how many fitted; drain lines with
 * ls_reader_next() and feed the rest), or mark end of input. */
size_t ls_reader_feed(struct ls_reader *r, const void *data, size_t n);
void ls_reader_set_eof(struct ls_reader *r);

#endif

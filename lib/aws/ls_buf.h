/* Growable byte buffer, always NUL-terminated, used for request bodies and canonical strings. */
#ifndef LS_BUF_H
#define LS_BUF_H
#include <stddef.h>

struct ls_buf {
    char *p;
    size_t len, cap;
};

int ls_buf_reserve(struct ls_buf *b, size_t extra); /* 0, or -1 on allocation failure */
int ls_buf_add(struct ls_buf *b, const void *data, size_t n);
int ls_buf_adds(struct ls_buf *b, const char *s);
int ls_buf_addc(struct ls_buf *b, char c);
int ls_buf_printf(struct ls_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ls_buf_reset(struct ls_buf *b); /* length 0, memory kept */
void ls_buf_free(struct ls_buf *b);
/* Zero the contents before freeing (buffers that held secrets). */
void ls_buf_wipe(struct ls_buf *b);

#endif

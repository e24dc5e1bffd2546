/* File-descriptor and file reading helpers: exact-length read and write loops that retry on EINTR
 * and short transfers, and whole-file / whole-stream reading into a NUL-terminated heap buffer
 * with a size limit. Nothing here logs or exits; errors come back in errno. Builds with glibc and
 * musl. */
#ifndef TT_IO_H
#define TT_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads until n bytes or end of file: the byte count (< n at end of file), or -1 (errno). */
ssize_t tt_read_full(int fd, void *buf, size_t n);
/* Writes all n bytes: n, or -1 (errno; EAGAIN on a non-blocking fd that is full). */
ssize_t tt_write_full(int fd, const void *buf, size_t n);
/* The largest input each whole-file read accepts. Every read names one: an input larger than
 * its cap is refused with EFBIG (and the caller says so), never truncated. */
#define TT_CAP_CONFIG_FILE (4u << 20)   /* falco.yaml (real ones are a few KiB) */
#define TT_CAP_RULES_FILE (64u << 20)   /* one rules file (Falco's largest is < 1 MiB) */
#define TT_CAP_USERS_FILE (4u << 20)    /* a container's /etc/passwd or /etc/group (untrusted) */
#define TT_CAP_TOKEN_FILE (1u << 20)    /* a web-identity or container-credentials token */
#define TT_CAP_SIGN_REQUEST (16u << 20) /* logshipper --sign: one HTTP request on stdin */

/* Everything fd gives until end of file, NUL-terminated (the NUL not counted in *len); NULL with
 * errno set on a read error, ENOMEM, or EFBIG when there is more than max bytes. */
char *tt_read_fd(int fd, size_t max, size_t *len);
/* The same for the file at path (opened O_RDONLY|O_CLOEXEC). */
char *tt_read_file(const char *path, size_t max, size_t *len);

#endif

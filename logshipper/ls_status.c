/* The status pipe to the engine (TARTAN_STATUS_FD): one JSON line per record. */
#include "ls_status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tt_log.h"

int ls_status_open_env(void)
{
    const char *v = getenv("TARTAN_STATUS_FD");
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long fd = strtol(v, &end, 10);
    if (errno || *end || fd < 3 || fd > 1024) {
        tt_warn("TARTAN_STATUS_FD=%s: not a descriptor number; no delivery status is reported", v);
        return -1;
    }
    int fl = fcntl((int)fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
        tt_warn("TARTAN_STATUS_FD=%s: not open for writing; no delivery status is reported", v);
        return -1;
    }
    if (fcntl((int)fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
        tt_warn("TARTAN_STATUS_FD=%s: %s; no delivery status is reported", v, strerror(errno));
        return -1;
    }
    return (int)fd;
}

int ls_status_write(int fd, const struct tt_ship_status *s)
{
    char buf[TT_SHIP_STATUS_MAX_LINE];
    int len = tt_ship_status_format(s, buf, sizeof buf);
    if (fd < 0 || len < 0)
        return -1;
    /* A record is far below PIPE_BUF, so a pipe write is all or nothing. */
    ssize_t w;
    do
        w = write(fd, buf, (size_t)len);
    while (w < 0 && errno == EINTR);
    return w == len ? 0 : -1;
}

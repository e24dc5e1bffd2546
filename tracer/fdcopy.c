/* tracer: copies of tracee fds (see fdcopy.h). */
#include "fdcopy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"

/* The pidfd of the last process asked about is kept (fd-heavy syscalls come in runs from one
 * process): a pidfd names one process for good, so once that process is gone (its pid maybe
 * reused) pidfd_getfd fails with ESRCH and it is replaced. */
int tr_fd_copy(pid_t tgid, int fd)
{
    static int pidfd = -1;
    static pid_t pidfd_pid;
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (pidfd < 0 || pidfd_pid != tgid) {
            if (pidfd >= 0)
                close(pidfd);
            pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
            pidfd_pid = tgid;
            if (pidfd < 0)
                return -1;
        }
        int cfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        if (cfd >= 0 || errno != ESRCH)
            return cfd;
        close(pidfd);
        pidfd = -1;
    }
    return -1;
}

static dev_t proc_dev(void)
{
    static dev_t dev;
    static int known;
    struct stat st;
    if (!known && stat("/proc/self", &st) == 0) {
        dev = st.st_dev;
        known = 1;
    }
    return dev;
}

pid_t tr_fd_target_pid(pid_t tgid, int fd)
{
    int cfd = tr_fd_copy(tgid, fd);
    if (cfd < 0)
        return 0;
    pid_t pid = 0;
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", cfd);
    const char *p;
    if (tr_proc_read(path, text, sizeof text) > 0 && (p = strstr(text, "\nPid:"))) {
        long v = strtol(p + 5, NULL, 10); /* -1: the process has exited */
        pid = v > 0 ? (pid_t)v : 0;
    } else {
        /* A directory of a procfs: of the tracer's own /proc (same device), its last path
         * component is the pid in the tracer's namespace; of another procfs mount (maybe of
         * another pid namespace), the number cannot be trusted. */
        struct stat st;
        struct statfs sf;
        char link[4096];
        snprintf(path, sizeof path, "/proc/self/fd/%d", cfd);
        ssize_t n;
        if (fstat(cfd, &st) == 0 && S_ISDIR(st.st_mode) && fstatfs(cfd, &sf) == 0 &&
            sf.f_type == PROC_SUPER_MAGIC) {
            pid = -1;
            if (st.st_dev == proc_dev() && (n = readlink(path, link, sizeof link - 1)) > 0) {
                link[n] = '\0';
                const char *last = strrchr(link, '/');
                char *end;
                long v = last ? strtol(last + 1, &end, 10) : 0;
                if (last && v > 0 && *end == '\0')
                    pid = (pid_t)v;
            }
        }
    }
    close(cfd);
    return pid;
}

/* tt_signalfd_open (tt_signals.h). */
#include "tt_signals.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>

int tt_signalfd_open(const int *sigs, size_t n, int nonblock, struct tt_sigsave *save)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < n; i++)
        if (sigaddset(&set, sigs[i]) != 0)
            return -1;
    struct tt_sigsave local;
    struct tt_sigsave *s = save ? save : &local;
    int err = tt_sigsave_block(&set, s);
    if (err) {
        errno = err;
        return -1;
    }
    int fd = signalfd(-1, &set, SFD_CLOEXEC | (nonblock ? SFD_NONBLOCK : 0));
    if (fd < 0) {
        err = errno;
        sigprocmask(SIG_SETMASK, &s->mask, NULL);
        errno = err;
    }
    return fd;
}

/* libFuzzer target: the syscall list the tracer takes from the engine's ring request or a list
 * file (untrusted: tracer/syscalls.c tr_sysset_build), and the seccomp programs built from it.
 * Whatever the text: the state tracking is always in the set, entry-only marks never land on
 * state calls, and the three programs (one ptrace program, or a ptrace and a listener's) build
 * and fit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "filter.h"
#include "syscalls.h"
#include "tracer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list = malloc(size + 1);
    if (!list)
        return 0;
    memcpy(list, data, size);
    list[size] = '\0';
    struct tr_sysset s;
    char bad[80];
    int rc = tr_sysset_build(&s, list, 0, bad, sizeof bad);
    free(list);
    if (rc != 0) {
        if (!memchr(bad, '\0', sizeof bad))
            abort();
        return 0;
    }
    static const long state[] = {__NR_execve, __NR_execveat, __NR_chdir,  __NR_setuid,
                                 __NR_setresuid, __NR_capset, __NR_prctl, __NR_setsid};
    for (size_t i = 0; i < sizeof state / sizeof state[0]; i++)
        if (!tr_sysset_has(&s, state[i]) || tr_sysset_entry(&s, state[i]))
            abort();
    for (long nr = 0; nr < TR_MAX_NR; nr++) {
        const struct tr_sysdesc *d = tr_sys_desc(nr);
        if (tr_sysset_entry(&s, nr) && (!d || (d->cls & (CL_STATE | CL_FDSTATE))))
            abort();
    }
    if (s.socket_domains >> 63)
        abort();
    static struct sock_filter prog[TR_FILTER_MAX];
    for (int role = TR_FILTER_ALL; role <= TR_FILTER_NOTIF; role++) {
        struct tr_filter_cfg cfg = {&s, 0, 1, 0x54415254, 7, 1, 0, 0, role};
        int n = tr_filter_build(&cfg, prog, TR_FILTER_MAX);
        if (n <= 0 || n > TR_FILTER_MAX)
            abort();
    }
    return 0;
}

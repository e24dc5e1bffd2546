/* tracer: entry point. `tracer dump ...` prints a stream; otherwise run CMD traced or attach to
 * -p PID, streaming events to the ring (or -w FILE). See docs/tracer.md. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "trace.h"
#include "tt_log.h"
#include "tt_nodump.h"
#if __has_include("dump.h")
#include "dump.h"
#define HAVE_DUMP 1
#endif

/* Fds 0-2 closed by whoever started us would be reused by the first files the tracer opens
 * (the capture file would then receive log lines, and the workload would inherit it as its
 * stdout or stderr): point them at /dev/null. */
static void ensure_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

int main(int argc, char **argv)
{
    ensure_std_fds();
    tt_log_init("tracer");
    if (argc > 1 && strcmp(argv[1], "dump") == 0) {
#ifdef HAVE_DUMP
        return tracer_dump_main(argc - 1, argv + 1);
#else
        tt_error("dump is not built in");
        return TR_EXIT_FAILURE;
#endif
    }

    struct tr_opts o;
    int rc = tr_opts_parse(&o, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : TR_EXIT_USAGE;
    if (o.quiet)
        tt_log_set_level(TT_LOG_ERROR);
    else if (o.verbose > 1)
        tt_log_set_level(TT_LOG_DEBUG);
    else if (o.verbose == 0)
        tt_log_set_level(TT_LOG_WARN);

    static struct tr_state st;
    st.o = &o;
    /* The capability probe: one line on what this tracer may do here (shown unless -q), or a
     * refusal naming what is missing and where to grant it. */
    struct tr_privs privs;
    char what[2048];
    tr_privs_read(&privs);
    enum tr_privs_verdict v = tr_privs_assess(&privs, o.attach_pid != 0,
                                              o.fail_policy == TR_FAIL_OPEN, what, sizeof what);
    if (v == TR_PRIVS_REFUSED) {
        tt_error("%s", what);
        return TR_EXIT_FAILURE;
    }
    enum tt_log_level level = tt_log_get_level();
    if (!o.quiet && level < TT_LOG_INFO)
        tt_log_set_level(TT_LOG_INFO);
    tt_info("%s", what);
    tt_log_set_level(level);
    st.reads_all = v == TR_PRIVS_FULL;
    /* Tests only: shows what an unreadable tracee does when nothing stops it. */
    const char *off = getenv("TARTAN_TEST_UNREADABLE_OFF");
    st.unreadable_off =
        (off && strcmp(off, "1") == 0) || (o.unsafe_off & TR_DEF_BIT(TR_DEF_UNREADABLE_EXEC));
    /* Tests only: a tracee that switches user is left unreadable, as before privs.c kept it so. */
    off = getenv("TARTAN_TEST_REDUMP_OFF");
    st.redump_off = off && strcmp(off, "1") == 0;
    /* Not dumpable: processes without CAP_SYS_PTRACE (the workload) cannot read or write the
     * tracer's memory or ptrace it. A launch stays dumpable until the workload is seized (a
     * child inherits the flag, and an unprivileged tracer may only seize a dumpable one). */
    if (o.attach_pid && tr_def_on(&o, TR_DEF_NONDUMPABLE))
        tt_nodump();

    /* A closed stderr must not kill the tracer (and, fail-closed, the workload with it). */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &st.sigpipe_saved);
    st.self = getpid();
    st.sigfd = -1;
    st.tty_fd = -1;
    st.notif_fd = -1;
    tr_policy_init(&st);
    if (o.unsafe_off) {
        char names[256] = "";
        for (int d = 0; d < TR_DEF_COUNT; d++)
            if (o.unsafe_off & TR_DEF_BIT(d))
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                         names[0] ? "," : "", tr_defence_name(d));
        tt_warn("UNSAFE, for tests only: defences switched off: %s (recorded in the tracerinfo "
                "event)",
                names);
    }
    st.ring_shmid = -1;
    char bad[80];
    if (tr_sysset_build(&st.set, o.syscalls, o.trace_all, bad, sizeof bad) != 0) {
        tt_error("--syscalls: unknown event or syscall name '%s'", bad);
        return TR_EXIT_USAGE;
    }
    tr_sysset_harden(&st.set, &o);
    /* Without the filter (attach, fail-open) every syscall stops; with it, only the set. */
    st.mode = (o.attach_pid || o.fail_policy == TR_FAIL_OPEN) ? TR_MODE_SYSCALL : TR_MODE_SECCOMP;
    if (tr_tasks_init(&st.tasks) != 0) {
        tt_error("out of memory");
        return TR_EXIT_FAILURE;
    }
    if (tr_signals_setup(&st) != 0) {
        tt_error("signal setup: %s", strerror(errno));
        return TR_EXIT_FAILURE;
    }
    char why[256] = "";
    if (tr_sink_open(&st.sink, o.capture, o.ring_key, o.ring_size, o.ring_blocking, why,
                     sizeof why) != 0) {
        tt_error("%s: %s", o.capture ? o.capture : "event ring", why);
        return TR_EXIT_FAILURE;
    }
    if (st.sink.ring) {
        st.protect_ring = 1;
        st.ring_key = o.ring_key;
        st.ring_shmid = st.sink.shmid;
    }

    rc = o.attach_pid ? tr_attach(&st) : tr_launch(&st);

    if (st.sink.failed)
        tt_warn("%llu of %llu events not delivered (%s)", (unsigned long long)st.sink.failed,
                (unsigned long long)st.sink.produced,
                st.sink.ring ? "ring full: counted as drops in the ring" : "write error");
    /* Peak RSS, and how much of the current RSS is the shared ring (counted in RSS once the
     * tracer has touched its pages, but not memory of its own). */
    struct rusage ru;
    char status[4096];
    long shmem_kb = -1;
    if (tr_proc_read("/proc/self/status", status, sizeof status) > 0) {
        const char *p = strstr(status, "RssShmem:");
        if (p)
            shmem_kb = strtol(p + 9, NULL, 10);
    }
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        uint64_t stops = st.stops + st.notifs;
        double cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                        (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
        tt_info("%llu stops, %llu events, peak RSS %ld KiB (of which ring %ld KiB), CPU %.3f s "
                "(%.2f us per stop); %llu of the stops were user notifications",
                (unsigned long long)stops, (unsigned long long)st.sink.produced, ru.ru_maxrss,
                shmem_kb, cpu_us / 1e6, stops ? cpu_us / (double)stops : 0.0,
                (unsigned long long)st.notifs);
    }
    tr_sink_close(&st.sink);
    return rc;
}

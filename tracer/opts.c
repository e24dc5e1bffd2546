/* tracer: command line and environment (defaults < TARTAN_* environment < flags). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer.h"
#include "tt_ring.h"
#include "tt_version.h"

static void tr_opts_usage(FILE *out)
{
    fputs("usage: tracer [options] [--] CMD [ARGS...]   run CMD traced\n"
          "       tracer [options] -p PID               attach to PID, its threads and "
          "descendants\n"
          "       tracer dump ...                       print a capture file or the ring "
          "(tracer dump --help)\n"
          "\n"
          "  -w, --write FILE      write events to a capture file instead of the ring\n"
          "  -a, --all             trace every syscall\n"
          "  -s, --syscalls LIST   trace what LIST needs (event/syscall names, comma separated;\n"
          "                        state tracking is always added)         [TARTAN_SYSCALLS]\n"
          "      --syscalls-file FILE  the same list, read from FILE once the engine has\n"
          "                        attached (the engine writes it first) [TARTAN_SYSCALLS_FILE]\n"
          "  -E, --env             include the environment in exec/procinfo events\n"
          "  -p, --pid PID         attach (SIGINT/SIGTERM detach cleanly)\n"
          "      --ring-key KEY    System V key of the ring (default 0x54415254) "
          "[TT_RING_KEY]\n"
          "      --ring-size BYTES ring data size (default 8 MiB)          [TARTAN_RING_SIZE]\n"
          "      --blocking        block the workload when the ring is full (default: drop "
          "and count)\n"
          "      --wait-engine MS  wait up to MS for the engine before starting the workload\n"
          "                        (default 10000, -1 forever)           "
          "[TARTAN_WAIT_ENGINE_MS]\n"
          "      --fail-closed     if the tracer dies, the workload is killed (default)\n"
          "      --fail-open       if the tracer dies, the workload runs on untraced (no seccomp\n"
          "                        filter: every syscall stops, slower)  "
          "[TARTAN_FAIL_POLICY=open|closed]\n"
          "      --grace SECONDS   after the workload exits, descendants get SIGTERM, then\n"
          "                        SIGKILL after SECONDS (default 5)     [TARTAN_GRACE]\n"
          "      --spin US         busy-poll (yielding) for stops this long before sleeping "
          "(default 100)\n"
          "                                                              [TARTAN_SPIN_US]\n"
          "      --stops KIND      auto: calls the tracer only checks or reports before they run\n"
          "                        stop as seccomp user notifications (cheaper), the rest as\n"
          "                        ptrace stops (default); ptrace: every stop a ptrace stop\n"
          "                                                              [TARTAN_STOPS]\n"
          "      --ptid N          parent pid the engine sees for the workload (default: the\n"
          "                        tracer's parent, or the launcher's parent)\n"
          "      --no-snapshot     do not send the /proc snapshot first\n"
          "      --keep-ptrace-cap do not drop CAP_SYS_PTRACE from the workload\n"
          "      --open-ino        dev and ino of each opened file (one stat per open)\n"
          "      --allow LIST      re-allow denied classes, each use reported as a tamper event\n"
          "                        (io_uring, clone3, compat_abi; see\n"
          "                        docs/security.md for what each costs)      [TARTAN_ALLOW]\n"
          "      --unsafe-disable-defence NAME  TESTS ONLY: switch a defence off (logged and\n"
          "                        recorded in the tracerinfo event)\n"
          "  -v, --verbose         more logging (repeat for debug);  -q, --quiet  errors only\n"
          "  -h, --help            this text;  --version\n"
          "Exit status: the workload's status (128+N if killed by signal N); 126 CMD cannot be\n"
          "executed; 127 CMD not found; 125 usage error, or the tracer could not run the\n"
          "workload; -p: 0 once detached (docs/exit-codes.md).\n",
          out);
}

static const char *const defence_names[TR_DEF_COUNT] = {
    [TR_DEF_IO_URING] = "io_uring",
    [TR_DEF_SECCOMP_LISTENER] = "seccomp_listener",
    [TR_DEF_CLONE3] = "clone3",
    [TR_DEF_COMPAT_ABI] = "compat_abi",
    [TR_DEF_MONITORS] = "monitors",
    [TR_DEF_PGRP] = "pgrp",
    [TR_DEF_NONDUMPABLE] = "nondumpable",
    [TR_DEF_RING] = "ring",
    [TR_DEF_ARG_SWAP] = "arg_swap",
    [TR_DEF_UNREADABLE_EXEC] = "unreadable_exec",
    [TR_DEF_OPEN_BY_HANDLE] = "open_by_handle",
    [TR_DEF_INJECT] = "inject",
};

const char *tr_defence_name(int d)
{
    return d >= 0 && d < TR_DEF_COUNT ? defence_names[d] : NULL;
}

static int tr_defence_by_name(const char *name)
{
    for (int d = 0; d < TR_DEF_COUNT; d++)
        if (strcmp(name, defence_names[d]) == 0)
            return d;
    return -1;
}

/* Comma-separated defence names into a TR_DEF_BIT mask; -1 on an unknown (or, with only,
 * a disallowed) name. */
static int defence_list(const char *list, unsigned only, unsigned *mask)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *w = strtok_r(buf, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
        int d = tr_defence_by_name(w);
        if (d < 0 || (only && !(only & TR_DEF_BIT(d))))
            return -1;
        *mask |= TR_DEF_BIT(d);
    }
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int bad(const char *what, const char *val)
{
    fprintf(stderr, "[tracer] error: invalid %s: '%s'\n", what, val);
    return -1;
}

static int set_policy(struct tr_opts *o, const char *v)
{
    if (strcmp(v, "open") == 0)
        o->fail_policy = TR_FAIL_OPEN;
    else if (strcmp(v, "closed") == 0)
        o->fail_policy = TR_FAIL_CLOSED;
    else
        return -1;
    return 0;
}

enum {
    OPT_RING_KEY = 256,
    OPT_RING_SIZE,
    OPT_BLOCKING,
    OPT_WAIT_ENGINE,
    OPT_FAIL_OPEN,
    OPT_FAIL_CLOSED,
    OPT_GRACE,
    OPT_SPIN,
    OPT_NO_SNAPSHOT,
    OPT_PTID,
    OPT_VERSION,
    OPT_SYSCALLS_FILE,
    OPT_KEEP_PTRACE_CAP,
    OPT_OPEN_INO,
    OPT_ALLOW,
    OPT_UNSAFE_DISABLE,
    OPT_STOPS,
};

static int set_stops(struct tr_opts *o, const char *v)
{
    if (strcmp(v, "auto") == 0)
        o->stops_ptrace = 0;
    else if (strcmp(v, "ptrace") == 0)
        o->stops_ptrace = 1;
    else
        return -1;
    return 0;
}

int tr_opts_parse(struct tr_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->ring_key = TT_RING_DEFAULT_KEY;
    o->ring_size = TT_RING_DEFAULT_SIZE;
    o->wait_engine_ms = 10000;
    o->fail_policy = TR_FAIL_CLOSED;
    o->grace_ms = 5000;
    o->spin_us = 100;
    o->ptid_override = -1;

    long v;
    const char *e;
    if ((e = getenv("TARTAN_SYSCALLS")) && *e)
        o->syscalls = e;
    if ((e = getenv("TARTAN_SYSCALLS_FILE")) && *e)
        o->syscalls_file = e;
    if ((e = getenv("TT_RING_KEY")) && *e) {
        if (parse_long(e, INT_MIN, UINT_MAX, &v))
            return bad("TT_RING_KEY", e);
        o->ring_key = (int)v;
    }
    if ((e = getenv("TARTAN_RING_SIZE")) && *e) {
        if (parse_long(e, 4096, 1L << 32, &v))
            return bad("TARTAN_RING_SIZE", e);
        o->ring_size = (size_t)v;
    }
    if ((e = getenv("TARTAN_WAIT_ENGINE_MS")) && *e) {
        if (parse_long(e, -1, INT_MAX, &v))
            return bad("TARTAN_WAIT_ENGINE_MS", e);
        o->wait_engine_ms = (int)v;
    }
    if ((e = getenv("TARTAN_FAIL_POLICY")) && *e && set_policy(o, e))
        return bad("TARTAN_FAIL_POLICY", e);
    if ((e = getenv("TARTAN_GRACE")) && *e) {
        if (parse_long(e, 0, 86400, &v))
            return bad("TARTAN_GRACE", e);
        o->grace_ms = (int)v * 1000;
    }
    if ((e = getenv("TARTAN_ALLOW")) && *e && defence_list(e, TR_DEF_ALLOWABLE, &o->allow) != 0)
        return bad("TARTAN_ALLOW (io_uring, clone3, compat_abi)", e);
    if ((e = getenv("TARTAN_STOPS")) && *e && set_stops(o, e))
        return bad("TARTAN_STOPS (auto, ptrace)", e);
    if ((e = getenv("TARTAN_SPIN_US")) && *e) {
        if (parse_long(e, 0, 1000000, &v))
            return bad("TARTAN_SPIN_US", e);
        o->spin_us = (int)v;
    }

    static const struct option lo[] = {
        {"write", required_argument, NULL, 'w'},
        {"all", no_argument, NULL, 'a'},
        {"syscalls", required_argument, NULL, 's'},
        {"env", no_argument, NULL, 'E'},
        {"pid", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"ring-key", required_argument, NULL, OPT_RING_KEY},
        {"ring-size", required_argument, NULL, OPT_RING_SIZE},
        {"blocking", no_argument, NULL, OPT_BLOCKING},
        {"wait-engine", required_argument, NULL, OPT_WAIT_ENGINE},
        {"fail-open", no_argument, NULL, OPT_FAIL_OPEN},
        {"fail-closed", no_argument, NULL, OPT_FAIL_CLOSED},
        {"grace", required_argument, NULL, OPT_GRACE},
        {"spin", required_argument, NULL, OPT_SPIN},
        {"no-snapshot", no_argument, NULL, OPT_NO_SNAPSHOT},
        {"ptid", required_argument, NULL, OPT_PTID},
        {"version", no_argument, NULL, OPT_VERSION},
        {"syscalls-file", required_argument, NULL, OPT_SYSCALLS_FILE},
        {"keep-ptrace-cap", no_argument, NULL, OPT_KEEP_PTRACE_CAP},
        {"open-ino", no_argument, NULL, OPT_OPEN_INO},
        {"allow", required_argument, NULL, OPT_ALLOW},
        {"unsafe-disable-defence", required_argument, NULL, OPT_UNSAFE_DISABLE},
        {"stops", required_argument, NULL, OPT_STOPS},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+w:as:Ep:vqh", lo, NULL)) != -1) {
        switch (c) {
        case 'w':
            o->capture = optarg;
            break;
        case 'a':
            o->trace_all = 1;
            break;
        case 's':
            o->syscalls = optarg;
            break;
        case 'E':
            o->with_env = 1;
            break;
        case 'p':
            if (parse_long(optarg, 1, INT_MAX, &v))
                return bad("pid", optarg);
            o->attach_pid = (int)v;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            tr_opts_usage(stdout);
            return 1;
        case OPT_KEEP_PTRACE_CAP:
            o->keep_ptrace_cap = 1;
            break;
        case OPT_OPEN_INO:
            o->open_ino = 1;
            break;
        case OPT_ALLOW:
            if (defence_list(optarg, TR_DEF_ALLOWABLE, &o->allow) != 0)
                return bad("--allow (io_uring, clone3, compat_abi)", optarg);
            break;
        case OPT_UNSAFE_DISABLE:
            if (defence_list(optarg, 0, &o->unsafe_off) != 0)
                return bad("--unsafe-disable-defence (io_uring, seccomp_listener, clone3, "
                           "compat_abi, monitors, pgrp, nondumpable, ring, arg_swap, "
                           "unreadable_exec, open_by_handle, inject)",
                           optarg);
            break;
        case OPT_SYSCALLS_FILE:
            o->syscalls_file = optarg;
            break;
        case OPT_STOPS:
            if (set_stops(o, optarg))
                return bad("--stops (auto, ptrace)", optarg);
            break;
        case OPT_VERSION:
            printf("tracer %s (Tartan; event format version %u)\n", TT_VERSION, TT_EVENT_VERSION);
            return 1;
        case OPT_RING_KEY:
            if (parse_long(optarg, INT_MIN, UINT_MAX, &v))
                return bad("ring key", optarg);
            o->ring_key = (int)v;
            break;
        case OPT_RING_SIZE:
            if (parse_long(optarg, 4096, 1L << 32, &v))
                return bad("ring size", optarg);
            o->ring_size = (size_t)v;
            break;
        case OPT_BLOCKING:
            o->ring_blocking = 1;
            break;
        case OPT_WAIT_ENGINE:
            if (parse_long(optarg, -1, INT_MAX, &v))
                return bad("--wait-engine", optarg);
            o->wait_engine_ms = (int)v;
            break;
        case OPT_FAIL_OPEN:
            o->fail_policy = TR_FAIL_OPEN;
            break;
        case OPT_FAIL_CLOSED:
            o->fail_policy = TR_FAIL_CLOSED;
            break;
        case OPT_GRACE:
            if (parse_long(optarg, 0, 86400, &v))
                return bad("--grace", optarg);
            o->grace_ms = (int)v * 1000;
            break;
        case OPT_SPIN:
            if (parse_long(optarg, 0, 1000000, &v))
                return bad("--spin", optarg);
            o->spin_us = (int)v;
            break;
        case OPT_NO_SNAPSHOT:
            o->no_snapshot = 1;
            break;
        case OPT_PTID:
            if (parse_long(optarg, 0, INT_MAX, &v))
                return bad("--ptid", optarg);
            o->ptid_override = v;
            break;
        default:
            fprintf(stderr, "[tracer] error: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            tr_opts_usage(stderr);
            return -1;
        }
    }
    if (optind < argc)
        o->cmd = argv + optind;
    if (!o->attach_pid && !o->cmd) {
        fputs("[tracer] error: no command to run (and no -p PID)\n", stderr);
        tr_opts_usage(stderr);
        return -1;
    }
    if (o->attach_pid && o->cmd) {
        fputs("[tracer] error: -p PID and a command are exclusive\n", stderr);
        return -1;
    }
    return 0;
}

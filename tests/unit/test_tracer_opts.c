/* Unit tests: tracer option parsing (tracer/opts.c) and /proc helpers (tracer/procfs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "procfs.h"
#include "tracer.h"
#include "tt_ring.h"
#include "tt_test.h"

static int parse(struct tr_opts *o, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    int rc = tr_opts_parse(o, argc, argv);
    fclose(stderr);
    stderr = saved;
    return rc;
}

TT_TEST(opts_defaults_and_command)
{
    unsetenv("TARTAN_FAIL_POLICY");
    unsetenv("TARTAN_SYSCALLS");
    struct tr_opts o;
    char *argv[] = {"tracer", "--", "ls", "-l", NULL};
    TT_CHECK_INT(parse(&o, argv), 0);
    TT_CHECK_STR(o.cmd[0], "ls");
    TT_CHECK_STR(o.cmd[1], "-l");
    TT_CHECK_INT(o.fail_policy, TR_FAIL_CLOSED);
    TT_CHECK_INT(o.ring_key, TT_RING_DEFAULT_KEY);
    TT_CHECK_INT(o.attach_pid, 0);
    TT_CHECK(o.capture == NULL);
}

TT_TEST(opts_stop_at_first_command_word)
{
    struct tr_opts o;
    char *argv[] = {"tracer", "-w", "x.cap", "sh", "-c", "-a", NULL};
    TT_CHECK_INT(parse(&o, argv), 0);
    TT_CHECK_STR(o.capture, "x.cap");
    TT_CHECK_STR(o.cmd[0], "sh");
    TT_CHECK_STR(o.cmd[2], "-a"); /* the workload's, not ours */
    TT_CHECK_INT(o.trace_all, 0);
}

TT_TEST(opts_flags)
{
    struct tr_opts o;
    char *argv[] = {"tracer", "-a",     "--fail-open", "--grace", "3",    "--ring-key",
                    "0x1234", "--spin", "0",           "-s",      "open", "--wait-engine",
                    "-1",     "-E",     "--ptid",      "0",       "--",   "true",
                    NULL};
    TT_CHECK_INT(parse(&o, argv), 0);
    TT_CHECK_INT(o.trace_all, 1);
    TT_CHECK_INT(o.fail_policy, TR_FAIL_OPEN);
    TT_CHECK_INT(o.grace_ms, 3000);
    TT_CHECK_INT(o.ring_key, 0x1234);
    TT_CHECK_INT(o.spin_us, 0);
    TT_CHECK_STR(o.syscalls, "open");
    TT_CHECK_INT(o.wait_engine_ms, -1);
    TT_CHECK_INT(o.with_env, 1);
    TT_CHECK_INT(o.ptid_override, 0);
}

TT_TEST(opts_environment_then_flags)
{
    setenv("TARTAN_FAIL_POLICY", "open", 1);
    setenv("TARTAN_SYSCALLS", "execve,connect", 1);
    struct tr_opts o;
    char *argv[] = {"tracer", "true", NULL};
    TT_CHECK_INT(parse(&o, argv), 0);
    TT_CHECK_INT(o.fail_policy, TR_FAIL_OPEN);
    TT_CHECK_STR(o.syscalls, "execve,connect");
    char *argv2[] = {"tracer", "--fail-closed", "true", NULL};
    TT_CHECK_INT(parse(&o, argv2), 0);
    TT_CHECK_INT(o.fail_policy, TR_FAIL_CLOSED);
    setenv("TARTAN_FAIL_POLICY", "sideways", 1);
    TT_CHECK_INT(parse(&o, argv), -1);
    unsetenv("TARTAN_FAIL_POLICY");
    unsetenv("TARTAN_SYSCALLS");
}

TT_TEST(opts_errors)
{
    struct tr_opts o;
    char *none[] = {"tracer", NULL};
    TT_CHECK_INT(parse(&o, none), -1);
    char *both[] = {"tracer", "-p", "12", "ls", NULL};
    TT_CHECK_INT(parse(&o, both), -1);
    char *badpid[] = {"tracer", "-p", "x", NULL};
    TT_CHECK_INT(parse(&o, badpid), -1);
    char *unknown[] = {"tracer", "--frob", "ls", NULL};
    TT_CHECK_INT(parse(&o, unknown), -1);
    char *attach[] = {"tracer", "-p", "42", NULL};
    TT_CHECK_INT(parse(&o, attach), 0);
    TT_CHECK_INT(o.attach_pid, 42);
}

TT_TEST(proc_ids_of_self)
{
    pid_t tg = 0, pp = 0;
    TT_CHECK_INT(tr_proc_ids(getpid(), &tg, &pp), 0);
    TT_CHECK_INT(tg, getpid());
    TT_CHECK_INT(pp, getppid());
    TT_CHECK_INT(tr_proc_ids(-5, &tg, &pp), -1);
}

int main(void)
{
    return tt_run_all();
}

/* evt.arg.* / evt.args rendering as Falco prints it (PPM flags, enums, errno, resolved paths),
 * plus capability lists and field resolution errors. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "evt_args.h"

#include <fcntl.h>
#include <stdio.h>

static struct eval_ctx ctx;
static struct tev e;

static const char *F(const char *name, const char *arg)
{
    return tev_text(&ctx, name, arg);
}

static struct engine_state *world(void)
{
    struct engine_state *st = state_new();
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 0, "eg", "/usr/bin/eg", "", "/home/u", 0));
    return st;
}

static void begin(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, 7, &ctx);
}

TT_TEST(open_flags_in_table_order)
{
    char b[256];
    evt_flags_text("open", evt_open_flags_to_ppm(O_RDONLY | O_CLOEXEC), b, sizeof b);
    TT_CHECK_STR(b, "O_RDONLY|O_CLOEXEC");
    evt_flags_text("open", evt_open_flags_to_ppm(O_WRONLY | O_CREAT | O_TRUNC), b, sizeof b);
    TT_CHECK_STR(b, "O_TRUNC|O_CREAT|O_WRONLY");
    evt_flags_text("open", evt_open_flags_to_ppm(O_RDWR | O_APPEND), b, sizeof b);
    TT_CHECK_STR(b, "O_APPEND|O_RDWR");
    evt_flags_text("open", 0, b, sizeof b);
    TT_CHECK_STR(b, "O_NONE");
    evt_flags_text("exe", TT_EXE_WRITABLE | TT_EXE_UPPER_LAYER, b, sizeof b);
    TT_CHECK_STR(b, "EXE_WRITABLE|EXE_UPPER_LAYER");
    TT_CHECK_STR(evt_errno_name(-2), "ENOENT");
    TT_CHECK_STR(evt_errno_name(115), "EINPROGRESS");
}

TT_TEST(socket_domain_and_args)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, 17);
    tt_evb_i64(&e.b, TT_P_TYPE, 3);
    tt_evb_i64(&e.b, TT_P_PROTO, 768);
    begin(st, tev_end(&e, 3));
    TT_CHECK_STR(F("evt.arg.domain", NULL), "AF_PACKET");
    TT_CHECK_STR(F("evt.type", NULL), "socket");
    TT_CHECK_STR(F("evt.rawarg.domain", NULL), "17");
    TT_CHECK(strstr(F("evt.args", NULL), "domain=17(AF_PACKET)") != NULL);
    TT_CHECK_STR(F("evt.arg.nosuchparam", NULL), "(missing)");
    TT_CHECK_STR(F("evt.rawarg.res", NULL), "3");
    state_end_event(st, &ctx);
    /* an event without a result: its res is missing, not a number */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, 2);
    begin(st, tev_end(&e, TT_RET_NONE));
    TT_CHECK_STR(F("evt.rawarg.res", NULL), "(missing)");
    TT_CHECK_STR(F("evt.arg.res", NULL), "(missing)");
    TT_CHECK_STR(F("evt.arg", "0"), "AF_INET"); /* no result: argument 0 is the domain */
    TT_CHECK(strstr(F("evt.args", NULL), "res=") == NULL);
    TT_CHECK_STR(F("evt.rawarg.domain", NULL), "2");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(ptrace_request_names)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_PTRACE, 100, 100);
    tt_evb_i64(&e.b, TT_P_REQUEST, 16);
    tt_evb_i64(&e.b, TT_P_PID, 4321);
    begin(st, tev_end(&e, -1));
    TT_CHECK_STR(F("evt.arg.request", NULL), "PTRACE_ATTACH");
    TT_CHECK_STR(F("evt.res", NULL), "EPERM");
    TT_CHECK_STR(F("evt.arg.res", NULL), "EPERM");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_PTRACE, 100, 100);
    tt_evb_i64(&e.b, TT_P_REQUEST, 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("evt.arg.request", NULL), "PTRACE_TRACEME");
    TT_CHECK_STR(F("evt.res", NULL), "SUCCESS");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(symlink_and_link_paths_resolved)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SYMLINKAT, 100, 100);
    tt_evb_str(&e.b, TT_P_TARGET, "/etc/shadow");
    tt_evb_i64(&e.b, TT_P_LINKDIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_LINKPATH, "x/../sh");
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("evt.arg.target", NULL), "/etc/shadow");
    TT_CHECK_STR(F("evt.arg.linkpath", NULL), "/home/u/sh");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_LINK, 100, 100);
    tt_evb_str(&e.b, TT_P_OLDPATH, "/etc/passwd");
    tt_evb_str(&e.b, TT_P_NEWPATH, "pw");
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("evt.arg.oldpath", NULL), "/etc/passwd");
    TT_CHECK_STR(F("evt.arg.newpath", NULL), "/home/u/pw");
    TT_CHECK_STR(F("evt.arg", "1"), "/etc/passwd");
    TT_CHECK_STR(F("evt.arg", "0"), "0");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(open_fd_rendering_and_exec_flags)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/shadow");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY | O_CLOEXEC);
    begin(st, tev_end(&e, 3));
    TT_CHECK_STR(F("evt.arg.fd", NULL), "<f>/etc/shadow");
    TT_CHECK_STR(F("evt.arg.flags", NULL), "O_RDONLY|O_CLOEXEC");
    TT_CHECK_STR(F("evt.arg.dirfd", NULL), "AT_FDCWD");
    TT_CHECK_STR(F("evt.is_open_read", NULL), "true");
    TT_CHECK_STR(F("fd.typechar", NULL), "f");
    TT_CHECK_STR(F("fd.num", NULL), "3");
    TT_CHECK(strstr(F("evt.args", NULL),
                    "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow "
                    "flags=4097(O_RDONLY|O_CLOEXEC)") != NULL);
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "notes.txt");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_WRONLY | O_CREAT);
    begin(st, tev_end(&e, -13));
    TT_CHECK(strstr(F("evt.args", NULL),
                    "fd=-13(EACCES) dirfd=-100(AT_FDCWD) "
                    "name=notes.txt(/home/u/notes.txt) flags=6(O_CREAT|O_WRONLY)") != NULL);
    TT_CHECK_STR(F("evt.arg.fd", NULL), "EACCES");
    TT_CHECK_STR(F("evt.arg.name", NULL), "/home/u/notes.txt");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_EXECVE, 100, 100);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/dev/shm/x");
    tt_evb_u64(&e.b, TT_P_EXE_FLAGS, TT_EXE_WRITABLE);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, (1ull << 21) | 1ull);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("evt.arg.flags", NULL), "EXE_WRITABLE");
    TT_CHECK_STR(F("proc.name", NULL), "x");
    TT_CHECK_STR(F("thread.cap_effective", NULL), "CAP_CHOWN CAP_SYS_ADMIN");
    TT_CHECK_STR(F("proc.is_exe_writable", NULL), "true");
    TT_CHECK_STR(F("proc.is_exe_from_memfd", NULL), "false");
    TT_CHECK_STR(F("evt.is_open_read", NULL), "false"); /* libsinsp: false, not missing */
    TT_CHECK_STR(F("fd.name", NULL), "(missing)");      /* execve uses no fd */
    TT_CHECK_STR(F("fd.typechar", NULL), "(missing)");
    state_end_event(st, &ctx);
    /* no flag set: Falco falls back to the raw number */
    tev_begin(&e, TT_EV_EXECVE, 100, 100);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/true");
    tt_evb_u64(&e.b, TT_P_EXE_FLAGS, 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("evt.arg.flags", NULL), "0");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(env_and_misc_process_fields)
{
    struct engine_state *st = state_new();
    tev_begin(&e, TT_EV_PROCINFO, 300, 300);
    tt_evb_str(&e.b, TT_P_COMM, "worker");
    tt_evb_str(&e.b, TT_P_EXE, "./worker");
    static const char args[] = "-v\0--port\0"
                               "8080";
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, args, sizeof args);
    static const char env[] = "HOME=/srv\0PATH=/usr/bin\0EMPTY=";
    tt_evb_bytes(&e.b, TT_P_ENV, TT_PK_STRLIST, env, sizeof env);
    tt_evb_u64(&e.b, TT_P_TTY, 34816);
    tt_evb_i64(&e.b, TT_P_LOGINUID, 1000);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, 1700000000000000000ull - 3000000000ull);
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CLOSE, 300, 300);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.env", "HOME"), "/srv");
    TT_CHECK_STR(F("proc.env", "EMPTY"), "");
    TT_CHECK_STR(F("proc.env", "NOPE"), ""); /* libsinsp: "" for an unset variable */
    TT_CHECK_STR(F("proc.env", NULL), "HOME=/srv PATH=/usr/bin EMPTY=");
    TT_CHECK_STR(F("proc.args", NULL), "-v --port 8080");
    TT_CHECK_STR(F("proc.cmdnargs", NULL), "3");
    TT_CHECK_STR(F("proc.exeline", NULL), "./worker -v --port 8080");
    TT_CHECK_STR(F("proc.tty", NULL), "34816");
    TT_CHECK_STR(F("user.loginuid", NULL), "1000");
    TT_CHECK_STR(F("proc.duration", NULL), "3000000000");
    TT_CHECK_STR(F("thread.ismain", NULL), "true");
    TT_CHECK_STR(F("evt.dir", NULL), "<");
    TT_CHECK_STR(F("evt.time.iso8601", NULL), "2023-11-14T22:13:20.000000000Z");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(resolve_errors)
{
    struct fld_ref r;
    char err[128];
    TT_CHECK(fld_resolve("proc.nme", NULL, &r, err, sizeof err) == -1);
    TT_CHECK_STR(err, "filter_check called with nonexistent field proc.nme");
    TT_CHECK(fld_resolve("proc.aname", "x", &r, err, sizeof err) == -1);
    TT_CHECK(fld_resolve("proc.name", "1", &r, err, sizeof err) == -1);
    TT_CHECK(fld_resolve("proc.aname", "2", &r, err, sizeof err) == 0 && r.index == 2);
    TT_CHECK(fld_resolve("evt.arg.flags", NULL, &r, err, sizeof err) == 0);
    TT_CHECK_STR(r.key, "flags");
    TT_CHECK(fld_resolve("fd.ip", NULL, &r, err, sizeof err) == 0 && (r.info->flags & FF_NE_ALL));
    TT_CHECK(fld_count() > 100);
    FILE *f = fopen("/dev/null", "w");
    TT_CHECK(f && fields_list(f, 0) == 0 && fields_list(f, 1) == 0);
    if (f)
        fclose(f);
    /* -N: names only, one a line, every listed field resolvable */
    f = tmpfile();
    TT_CHECK(f && fields_list(f, 2) == 0);
    if (f) {
        rewind(f);
        char line[128];
        int n = 0, bad = 0, aname = 0;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            n++;
            aname |= strcmp(line, "proc.aname") == 0;
            /* fields that need an argument resolve with one ([0]) */
            if (strcmp(line, "evt.arg") && strcmp(line, "evt.rawarg") &&
                fld_resolve(line, NULL, &r, err, sizeof err) &&
                fld_resolve(line, "0", &r, err, sizeof err))
                bad++;
        }
        fclose(f);
        TT_CHECK(n > 100);
        TT_CHECK(aname);
        TT_CHECK_INT(bad, 0);
    }
}

TT_TEST(upstream_ruleset_fields_resolve)
{
    /* the 64 distinct fields of the stable ruleset (digest section c) */
    static const char *const names[] = {"evt.type",
                                        "evt.num",
                                        "evt.res",
                                        "evt.rawres",
                                        "evt.is_open_read",
                                        "evt.is_open_write",
                                        "evt.args",
                                        "evt.arg.flags",
                                        "evt.arg.domain",
                                        "evt.arg.request",
                                        "evt.arg.target",
                                        "evt.arg.linkpath",
                                        "evt.arg.oldpath",
                                        "evt.arg.newpath",
                                        "fd.num",
                                        "fd.name",
                                        "fd.nameraw",
                                        "fd.directory",
                                        "fd.filename",
                                        "fd.type",
                                        "fd.typechar",
                                        "fd.l4proto",
                                        "fd.lport",
                                        "fd.rport",
                                        "fd.sport",
                                        "fd.sip",
                                        "fd.ip",
                                        "fd.net",
                                        "fd.snet",
                                        "fd.sip.name",
                                        "fd.connected",
                                        "fd.name_changed",
                                        "proc.name",
                                        "proc.exe",
                                        "proc.exepath",
                                        "proc.args",
                                        "proc.cmdline",
                                        "proc.cwd",
                                        "proc.pname",
                                        "proc.pexe",
                                        "proc.pexepath",
                                        "proc.pcmdline",
                                        "proc.aname",
                                        "proc.aexepath",
                                        "proc.sname",
                                        "proc.tty",
                                        "proc.duration",
                                        "proc.exe_ino.ctime",
                                        "proc.exe_ino.mtime",
                                        "proc.exe_ino.ctime_duration_proc_start",
                                        "proc.is_exe_from_memfd",
                                        "proc.is_exe_upper_layer",
                                        "thread.cap_effective",
                                        "user.uid",
                                        "user.name",
                                        "user.loginuid",
                                        "user.loginname",
                                        "group.gid",
                                        "group.name",
                                        "container.id",
                                        "container.image.repository",
                                        "container.privileged",
                                        "container.start_ts",
                                        "k8s.ns.name"};
    struct fld_ref r;
    char err[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fld_resolve(names[i], NULL, &r, err, sizeof err) != 0)
            TT_FAILF("%s: %s", names[i], err);
    TT_CHECK_INT(sizeof names / sizeof names[0], 64);
}

int main(void)
{
    return tt_run_all();
}

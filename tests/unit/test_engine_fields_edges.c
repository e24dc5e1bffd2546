/* Fields at their edges, beside the scenario table (test_engine_fields_table.c): several
 * parameters of one event read in the same event (each has its own memo entry), session and
 * group leaders known only through their members, fd 0, a process at its first nanosecond, a
 * connection whose two ends are in different networks, the host's empty container strings and
 * a user's shell from the passwd file. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static struct eval_ctx ctx;
static struct tev e;
static char out[4096];

static const char *F(const char *name, const char *arg)
{
    return tev_text(&ctx, name, arg);
}

static void begin(struct engine_state *st, const struct tt_event *ev)
{
    static uint64_t n = 1000;
    state_begin_event(st, ev, ++n, &ctx);
}

static struct engine_state *host_state(void)
{
    struct state_opts o = {.no_proc_lookup = 1, .host_root = "/nonexistent"};
    return state_new_opts(&o);
}

/* A process snapshot with its session, group and clone time. */
static void proc(struct engine_state *st, int32_t pid, int32_t ppid, const char *comm, int32_t sid,
                 int32_t pgid, uint64_t clone_ts)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    tt_evb_str(&e.b, TT_P_COMM, comm);
    tt_evb_i64(&e.b, TT_P_PTID, ppid);
    tt_evb_i64(&e.b, TT_P_P_SID, sid);
    tt_evb_i64(&e.b, TT_P_P_PGID, pgid);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, clone_ts);
    tev_apply(st, &ctx, tev_end(&e, 0));
}

/* A host state with curl (pid 100) in a connect from 10.1.2.3:40000 to 93.184.216.34:443 of
 * result ret, begun as the current event. */
static struct engine_state *curl_connect(int64_t ret)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "curl", 100, 100, 1);
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    tev_sin(&e, TT_P_ADDR, "93.184.216.34", 443);
    tev_sin(&e, TT_P_LOCAL_ADDR, "10.1.2.3", 40000);
    begin(st, tev_end(&e, ret));
    return st;
}

/* The result (argument 0) and a named argument read in one event are two values. */
TT_TEST(arguments_by_index_and_by_name_in_one_event)
{
    struct engine_state *st = curl_connect(-115);
    TT_CHECK_STR(F("evt.arg", "0"), "EINPROGRESS");
    TT_CHECK_STR(F("evt.arg.tuple", NULL), "10.1.2.3:40000->93.184.216.34:443");
    char fd[128];
    snprintf(fd, sizeof fd, "%s", F("evt.arg.fd", NULL));
    TT_CHECK(strstr(fd, "10.1.2.3:40000") != NULL);
    TT_CHECK_STR(F("evt.arg", "1"), fd);
    TT_CHECK_STR(F("evt.arg", "0"), "EINPROGRESS"); /* (again, from the memo) */
    TT_CHECK_STR(F("evt.arg.res", NULL), "EINPROGRESS");
    state_end_event(st, &ctx);
    state_free(st);
}

/* renameat2's directory fds, as renameat's; both in one event (they have no parameter id of
 * their own, as res and tuple share one: each still has its own memo entry). */
TT_TEST(renameat2_directory_fds)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "mv", 100, 100, 1);
    const unsigned types[] = {TT_EV_RENAMEAT, TT_EV_RENAMEAT2};
    for (int i = 0; i < 2; i++) {
        tev_begin(&e, types[i], 100, 100);
        tt_evb_i64(&e.b, TT_P_OLDDIR, 7);
        tt_evb_str(&e.b, TT_P_OLDPATH, "a");
        tt_evb_i64(&e.b, TT_P_NEWDIR, AT_FDCWD);
        tt_evb_str(&e.b, TT_P_NEWPATH, "b");
        begin(st, tev_end(&e, 0));
        TT_CHECK_STR(F("evt.arg.olddirfd", NULL), "7");
        TT_CHECK_STR(F("evt.arg.newdirfd", NULL), "AT_FDCWD");
        state_end_event(st, &ctx);
    }
    state_free(st);
}

/* The session leader (pid 400) exited: proc.sname names the eldest ancestor still in it. */
TT_TEST(session_and_group_leaders_known_through_members)
{
    struct engine_state *st = host_state();
    proc(st, 300, 1, "sshd", 300, 300, 1);
    proc(st, 450, 300, "bash", 400, 450, 1);
    proc(st, 500, 450, "vim", 400, 450, 1);
    tev_begin(&e, TT_EV_CLOSE, 500, 500);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.sname", NULL), "bash");
    TT_CHECK_STR(F("proc.vpgid.name", NULL), "bash");
    TT_CHECK_STR(F("proc.is_sid_leader", NULL), "false");
    state_end_event(st, &ctx);
    state_free(st);
}

/* fd 0 that the state does not know is still fd 0. */
TT_TEST(fd_zero_unknown_to_the_state)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "cat", 100, 100, 1);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.num", NULL), "0");
    state_end_event(st, &ctx);
    state_free(st);
}

/* A process read at the nanosecond it was cloned has run 0 ns (not an unknown duration). */
TT_TEST(duration_at_the_first_nanosecond)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "sh", 100, 100, 1700000000000000000ull);
    proc(st, 101, 100, "sh", 100, 100, 1700000000000000000ull);
    tev_begin(&e, TT_EV_CLOSE, 101, 101);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.duration", NULL), "0");
    TT_CHECK_STR(F("proc.ppid.duration", NULL), "0");
    state_end_event(st, &ctx);
    state_free(st);
}

/* Local and remote ends in different networks: each field reads its own end. */
TT_TEST(networks_of_each_end)
{
    struct engine_state *st = curl_connect(0);
    char lnet[64], rnet[64], cnet[64], snet[64];
    snprintf(lnet, sizeof lnet, "%s", F("fd.lnet", NULL));
    snprintf(rnet, sizeof rnet, "%s", F("fd.rnet", NULL));
    snprintf(cnet, sizeof cnet, "%s", F("fd.cnet", NULL));
    snprintf(snet, sizeof snet, "%s", F("fd.snet", NULL));
    TT_CHECK_STR(lnet, "10.1.2.3"); /* (rendered as the address; compared as a network) */
    TT_CHECK_STR(rnet, "93.184.216.34");
    TT_CHECK_STR(cnet, lnet);
    TT_CHECK_STR(snet, rnet);
    state_end_event(st, &ctx);
    state_free(st);
}

/* A host process has empty container strings: values of length 0, not missing. */
TT_TEST(host_container_strings_are_empty)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "sh", 100, 100, 1);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, 0));
    static const char *const names[] = {"container.image", "container.image.repository",
                                        "container.image.tag", "container.image.digest"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct fld_ref ref;
        char err[128];
        TT_REQUIRE(fld_resolve(names[i], NULL, &ref, err, sizeof err) == 0);
        struct fld_value v[2];
        int n = fld_extract(&ref, &ctx, FX_OUTPUT, v, 2);
        TT_CHECKF(n == 1 && v[0].type == FT_STRING && v[0].v.s.len == 0, "%s: %d value(s)",
                  names[i], n);
    }
    state_end_event(st, &ctx);
    state_free(st);
}

/* user.shell from the passwd file (and the fields beside it). */
TT_TEST(user_shell_from_passwd)
{
    char dir[] = "/tmp/tt-fields-edges-XXXXXX", path[256];
    TT_REQUIRE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/etc", dir);
    TT_REQUIRE(mkdir(path, 0755) == 0);
    snprintf(path, sizeof path, "%s/etc/passwd", dir);
    FILE *f = fopen(path, "w");
    TT_REQUIRE(f != NULL);
    fputs("root:x:0:0:root:/root:/bin/ash\nalice:x:1000:1000::/home/alice:/bin/zsh\n", f);
    fclose(f);
    struct state_opts o = {.no_proc_lookup = 1, .host_root = dir};
    struct engine_state *st = state_new_opts(&o);
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 1, "sh", "/bin/sh", "", "/", 1000));
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("user.name", NULL), "alice");
    TT_CHECK_STR(F("user.shell", NULL), "/bin/zsh");
    TT_CHECK_STR(F("user.homedir", NULL), "/home/alice");
    state_end_event(st, &ctx);
    state_free(st);
    unlink(path);
    snprintf(path, sizeof path, "%s/etc", dir);
    rmdir(path);
    rmdir(dir);
}

/* An empty parameter is an empty value, not a missing one; a parameter longer than the 4 KiB
 * text buffer is cut to 4095 bytes. */
TT_TEST(empty_and_long_parameter_texts)
{
    struct engine_state *st = host_state();
    proc(st, 100, 1, "cat", 100, 100, 1);
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    begin(st, tev_end(&e, -2));
    TT_CHECK(tev_field(&ctx, "evt.arg.name", NULL, out, sizeof out) == 0);
    TT_CHECK_STR(out, "");
    state_end_event(st, &ctx);
    static char longname[5001];
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, longname);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    begin(st, tev_end(&e, -2));
    TT_CHECK(tev_field(&ctx, "evt.arg.name", NULL, out, sizeof out) == 0);
    TT_CHECK_INT(strlen(out), 4095);
    TT_CHECK(strncmp(out, longname, 4095) == 0);
    state_end_event(st, &ctx);
    state_free(st);
}

/* The rule for a missing fd.*ip.name (false for every operator on a socket that is not a
 * connected IP one) is theirs alone: other fields get no answer from it (-1). */
TT_TEST(missing_value_rule_only_for_ip_names)
{
    struct engine_state *st = curl_connect(0);
    static const char *const others[] = {"proc.name", "fd.name", "fd.sip", "evt.type"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        struct fld_ref ref;
        char err[128];
        TT_REQUIRE(fld_resolve(others[i], NULL, &ref, err, sizeof err) == 0);
        TT_CHECKF(fld_compare_missing(&ref, &ctx, FC_EQ, NULL, 0) == -1, "%s", others[i]);
    }
    struct fld_ref ref;
    char err[128];
    TT_REQUIRE(fld_resolve("fd.sip.name", NULL, &ref, err, sizeof err) == 0);
    TT_CHECK_INT(fld_compare_missing(&ref, &ctx, FC_EQ, NULL, 0), 0);
    TT_CHECK_INT(fld_compare_missing(&ref, &ctx, FC_NE, NULL, 0), 1);
    state_end_event(st, &ctx);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

/* Process and fd state across snapshot, fork, thread clone, exec (CLOEXEC), dup, close, exit
 * (reparenting), cwd changes and failed opens, checked through the fields the rules read. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "tt_cgroup.h"
#include "state_priv.h"
#include <sys/stat.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

static struct eval_ctx ctx;
static struct tev e;

static const char *F(const char *name, const char *arg)
{
    return tev_text(&ctx, name, arg);
}

/* init(1) -> bash(100); bash forks 200 which execs cat. */
static struct engine_state *world(void)
{
    struct engine_state *st = state_new();
    tev_apply(st, &ctx, tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0));
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 1, "bash", "/bin/bash", "-i", "/root", 0));
    return st;
}

static void do_fork(struct engine_state *st, int32_t parent, int32_t child, uint64_t flags)
{
    tev_begin(&e, TT_EV_CLONE, parent, parent);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, child);
    tt_evb_u64(&e.b, TT_P_CLONE_FLAGS, flags);
    tev_apply(st, &ctx, tev_end(&e, child));
}

static void do_exec(struct engine_state *st, int32_t pid, const char *comm, const char *path,
                    const char *arg)
{
    tev_begin(&e, TT_EV_EXECVE, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, arg, strlen(arg) + 1);
    tt_evb_str(&e.b, TT_P_FILENAME, path);
    tt_evb_str(&e.b, TT_P_EXEPATH, path);
    tev_apply(st, &ctx, tev_end(&e, 0));
}

static void do_open(struct engine_state *st, int32_t tid, int32_t pid, const char *path,
                    uint64_t flags, int64_t ret)
{
    tev_begin(&e, TT_EV_OPENAT, tid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, path);
    tt_evb_u64(&e.b, TT_P_FLAGS, flags);
    tev_apply(st, &ctx, tev_end(&e, ret));
}

/* Begin an event and leave ctx on it (no end) for field checks. */
static void begin(struct engine_state *st, const struct tt_event *ev)
{
    static uint64_t n = 1000;
    state_begin_event(st, ev, ++n, &ctx);
}

TT_TEST(fork_exec_ancestry_and_cmdline)
{
    struct engine_state *st = world();
    do_fork(st, 100, 200, 0);
    do_exec(st, 200, "cat", "/usr/bin/cat", "/etc/shadow");
    tev_begin(&e, TT_EV_CLOSE, 200, 200);
    tt_evb_i64(&e.b, TT_P_FD, 99);
    begin(st, tev_end(&e, -9));
    TT_CHECK_STR(F("proc.name", NULL), "cat");
    TT_CHECK_STR(F("proc.exepath", NULL), "/usr/bin/cat");
    TT_CHECK_STR(F("proc.cmdline", NULL), "cat /etc/shadow");
    TT_CHECK_STR(F("proc.args", NULL), "/etc/shadow");
    TT_CHECK_STR(F("proc.pname", NULL), "bash");
    TT_CHECK_STR(F("proc.pcmdline", NULL), "bash -i");
    TT_CHECK_STR(F("proc.aname", "0"), "cat");
    TT_CHECK_STR(F("proc.aname", "1"), "bash");
    TT_CHECK_STR(F("proc.aname", "2"), "init");
    TT_CHECK_STR(F("proc.aname", "3"), "(missing)");
    TT_CHECK_STR(F("proc.aname", NULL), "cat"); /* bare in outputs: libsinsp gives the process */
    TT_CHECK_STR(F("proc.exeline", NULL), "cat /etc/shadow");
    TT_CHECK_STR(F("proc.cmdnargs", NULL), "1");
    TT_CHECK_STR(F("proc.cmdlenargs", NULL), "11");
    TT_CHECK_STR(F("proc.cwd", NULL), "/root/");
    TT_CHECK_STR(F("proc.ppid", NULL), "100");
    /* bare proc.aname in filter mode yields every ancestor, not self */
    struct fld_ref ref;
    char err[64];
    TT_CHECK(fld_resolve("proc.aname", NULL, &ref, err, sizeof err) == 0);
    struct fld_value v[8];
    TT_CHECK_INT(fld_extract(&ref, &ctx, FX_FILTER, v, 8), 2);
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(thread_shares_fds_fork_copies)
{
    struct engine_state *st = world();
    do_fork(st, 100, 101, CLONE_THREAD | CLONE_FILES | CLONE_VM);
    do_open(st, 101, 100, "/etc/hosts", O_RDONLY, 5);
    TT_CHECK(state_fd(state_proc(st, 100), 5) != NULL); /* thread's open visible to process */
    TT_CHECK_STR(state_thread(st, 101)->comm, "bash");
    do_fork(st, 100, 300, 0);
    TT_CHECK(state_fd(state_proc(st, 300), 5) != NULL); /* fork copied it */
    tev_begin(&e, TT_EV_CLOSE, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.name", NULL), "/etc/hosts"); /* visible during close */
    state_end_event(st, &ctx);
    TT_CHECK(state_fd(state_proc(st, 300), 5) == NULL);
    TT_CHECK(state_fd(state_proc(st, 100), 5) != NULL); /* parent unaffected */
    state_free(st);
}

TT_TEST(exec_drops_cloexec_fds)
{
    struct engine_state *st = world();
    do_fork(st, 100, 200, 0);
    do_open(st, 200, 200, "/tmp/keep", O_WRONLY, 3);
    do_open(st, 200, 200, "/tmp/drop", O_RDONLY | O_CLOEXEC, 4);
    do_exec(st, 200, "sh", "/bin/sh", "-c");
    TT_CHECK(state_fd(state_proc(st, 200), 3) != NULL);
    TT_CHECK(state_fd(state_proc(st, 200), 4) == NULL);
    /* failed exec keeps the caller's identity */
    tev_begin(&e, TT_EV_EXECVE, 200, 200);
    tt_evb_str(&e.b, TT_P_FILENAME, "/nonexistent");
    begin(st, tev_end(&e, -2));
    TT_CHECK_STR(F("proc.name", NULL), "sh");
    TT_CHECK_STR(F("evt.res", NULL), "ENOENT");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(dup2_socket_onto_stdout)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    tt_evb_i64(&e.b, TT_P_PROTO, 0);
    tev_apply(st, &ctx, tev_end(&e, 3));
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tev_sin(&e, TT_P_ADDR, "10.1.2.3", 4444);
    tev_sin(&e, TT_P_LOCAL_ADDR, "172.17.0.2", 40000);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("fd.name", NULL), "172.17.0.2:40000->10.1.2.3:4444");
    TT_CHECK_STR(F("fd.sip", NULL), "10.1.2.3");
    TT_CHECK_STR(F("fd.rport", NULL), "4444");
    TT_CHECK_STR(F("fd.lport", NULL), "40000");
    TT_CHECK_STR(F("fd.l4proto", NULL), "tcp");
    TT_CHECK_STR(F("fd.connected", NULL), "true");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_DUP2, 100, 100);
    tt_evb_i64(&e.b, TT_P_OLDFD, 3);
    tt_evb_i64(&e.b, TT_P_NEWFD, 1);
    begin(st, tev_end(&e, 1));
    TT_CHECK_STR(F("fd.type", NULL), "ipv4");
    TT_CHECK_STR(F("evt.rawres", NULL), "1");
    TT_CHECK_STR(F("fd.num", NULL), "3");
    state_end_event(st, &ctx);
    struct st_fd *f = state_fd(state_proc(st, 100), 1);
    TT_CHECK(f && f->type == TT_FD_IPV4);
    state_free(st);
}

TT_TEST(exit_reparents_children_to_init)
{
    struct engine_state *st = world();
    do_fork(st, 100, 200, 0);
    do_exec(st, 200, "sh", "/bin/sh", "x");
    do_fork(st, 200, 300, 0);
    do_exec(st, 300, "nc", "/bin/nc", "-l");
    tev_begin(&e, TT_EV_PROCEXIT, 200, 200);
    tev_apply(st, &ctx, tev_end(&e, 0));
    TT_CHECK(state_proc(st, 200) == NULL);
    TT_CHECK(state_thread(st, 200) == NULL);
    tev_begin(&e, TT_EV_CLOSE, 300, 300);
    tt_evb_i64(&e.b, TT_P_FD, 50);
    begin(st, tev_end(&e, -9));
    TT_CHECK_STR(F("proc.pname", NULL), "init");
    state_end_event(st, &ctx);
    struct state_stats ss;
    state_get_stats(st, &ss);
    TT_CHECK_INT(ss.procs, 3);
    TT_CHECK_INT(ss.threads, 3);
    state_free(st);
}

TT_TEST(paths_cwd_dirfd_and_failed_open)
{
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_CHDIR, 100, 100);
    tt_evb_str(&e.b, TT_P_PATH, "../etc/./ssl//");
    tev_apply(st, &ctx, tev_end(&e, 0));
    TT_CHECK_STR(state_proc(st, 100)->cwd->s, "/etc/ssl/");
    do_open(st, 100, 100, "../shadow", O_RDONLY, -2);
    begin(st, (const struct tt_event *)(const void *)e.buf);
    TT_CHECK_STR(F("fd.name", NULL), "/etc/shadow");
    TT_CHECK_STR(F("fd.nameraw", NULL), "../shadow");
    TT_CHECK_STR(F("fd.directory", NULL), "/etc");
    TT_CHECK_STR(F("fd.filename", NULL), "(missing)");
    TT_CHECK_STR(F("fd.num", NULL), "-1");
    TT_CHECK_STR(F("fd.typechar", NULL), "f");
    TT_CHECK_STR(F("evt.res", NULL), "ENOENT");
    state_end_event(st, &ctx);
    /* openat relative to a directory fd */
    do_open(st, 100, 100, "/var/log", O_RDONLY | O_DIRECTORY, 7);
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, 7);
    tt_evb_str(&e.b, TT_P_NAME, "syslog");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_WRONLY | O_TRUNC);
    begin(st, tev_end(&e, 8));
    TT_CHECK_STR(F("fd.name", NULL), "/var/log/syslog");
    TT_CHECK_STR(F("fd.filename", NULL), "syslog");
    TT_CHECK_STR(F("fd.directory", NULL), "/var/log");
    TT_CHECK_STR(F("evt.is_open_write", NULL), "true");
    TT_CHECK_STR(F("evt.is_open_read", NULL), "false");
    TT_CHECK_STR(F("evt.arg.flags", NULL), "O_TRUNC|O_WRONLY");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(container_id_and_users)
{
    char dir[] = "/tmp/tt_state_users_XXXXXX";
    TT_CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/etc", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/etc/passwd", dir);
    FILE *f = fopen(path, "w");
    TT_REQUIRE(f != NULL);
    if (f) {
        fputs("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n", f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/etc/group", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("root:x:0:\nstaff:x:1000:\n", f);
        fclose(f);
    }
    struct state_opts o = {.host_root = dir, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 0, "bash", "/bin/bash", "", "/", 1000));
    tev_begin(&e, TT_EV_PROCINFO, 500, 500);
    tt_evb_str(&e.b, TT_P_COMM, "sh");
    static const char cg[] =
        "0::/system.slice/"
        "docker-3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e.scope";
    tt_evb_bytes(&e.b, TT_P_CGROUPS, TT_PK_STRLIST, cg, sizeof cg);
    tt_evb_u64(&e.b, TT_P_P_EUID, 4242);
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "host");
    TT_CHECK_STR(F("user.name", NULL), "alice");
    TT_CHECK_STR(F("user.uid", NULL), "1000");
    TT_CHECK_STR(F("group.name", NULL), "staff");
    TT_CHECK_STR(F("user.loginuid", NULL), "-1");
    TT_CHECK_STR(F("k8s.ns.name", NULL), "(missing)");
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_CLOSE, 500, 500);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "3f4e5d6c7b8a");
    TT_CHECK_STR(F("user.name", NULL), "<NA>");
    state_end_event(st, &ctx);
    state_set_container_meta(st, "3f4e5d6c7b8a", "web", "nginx:1.25", "nginx", "1.25", 0);
    begin(st, (const struct tt_event *)(const void *)e.buf);
    TT_CHECK_STR(F("container.name", NULL), "web");
    TT_CHECK_STR(F("container.image.repository", NULL), "nginx");
    state_end_event(st, &ctx);
    state_free(st);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    TT_CHECK(system(path) == 0);
}

TT_TEST(ecs_cgroup_id)
{
    char full[80];
    const char *l =
        "0::/ecs/8a9b0c1d2e3f40516273849506a7b8c9/8a9b0c1d2e3f40516273849506a7b8c9-1234567890";
    TT_CHECK(tt_cgroup_line_container_id(l, strlen(l), full, sizeof full) == 1);
    TT_CHECK_STR(full, "8a9b0c1d2e3f40516273849506a7b8c9-1234567890");
    const char *h = "0::/user.slice/user-0.slice/session-3.scope";
    TT_CHECK(tt_cgroup_line_container_id(h, strlen(h), full, sizeof full) == 0);
}

TT_TEST(ecs_cgroup_when_tracer_finds_no_hex_id)
{
    struct engine_state *st = state_new();
    tev_begin(&e, TT_EV_PROCINFO, 700, 700);
    tt_evb_str(&e.b, TT_P_COMM, "app");
    static const char cg[] = "0::/ecs/8a9b0c1d2e3f40516273849506a7b8c9/"
                             "8a9b0c1d2e3f40516273849506a7b8c9-1234567890";
    tt_evb_bytes(&e.b, TT_P_CGROUPS, TT_PK_STRLIST, cg, sizeof cg);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, ""); /* the tracer looks for 64 hex digits only */
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "8a9b0c1d2e3f");
    TT_CHECK_STR(F("container.full_id", NULL), "8a9b0c1d2e3f40516273849506a7b8c9-1234567890");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(default_container_from_metadata)
{
    /* cgroup namespaces hide the id ("0::/"): RUNTIME knows from the ECS metadata that every
     * traced process is in the task's container */
    struct engine_state *st = world();
    TT_CHECK_INT(state_set_default_container(st, "cd189a933e5849daa93386466019ab50-2495160603"), 0);
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "cd189a933e58");
    state_end_event(st, &ctx);
    do_fork(st, 100, 400, 0);
    tev_begin(&e, TT_EV_EXECVE, 400, 400);
    tt_evb_str(&e.b, TT_P_EXEPATH, "/bin/sh");
    static const char cg[] = "0::/";
    tt_evb_bytes(&e.b, TT_P_CGROUPS, TT_PK_STRLIST, cg, sizeof cg);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, "");
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "cd189a933e58");
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_default_container(st, "host"), -1);
    state_free(st);
}

TT_TEST(container_fields_as_the_container_plugin)
{
    /* host: the plugin's host record; a container without metadata: id, full id, start only;
     * with ECS metadata: what it says, mounts looked up by regular expression (the plugin's
     * "find"), a missing mount is missing (so `not ... in ("<NA>")` is true, as in Falco) */
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "host");
    TT_CHECK_STR(F("container.name", NULL), "host");
    TT_CHECK_STR(F("container.type", NULL), "host");
    TT_CHECK_STR(F("container.image", NULL), "");
    TT_CHECK_STR(F("container.image.repository", NULL), "");
    TT_CHECK_STR(F("container.privileged", NULL), "false");
    TT_CHECK_STR(F("container.mounts", NULL), "");
    TT_CHECK_STR(F("container.mount.dest", "/proc*"), "(missing)");
    TT_CHECK_STR(F("k8s.pod.name", NULL), "(missing)");
    state_end_event(st, &ctx);
    const char *cid = "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e";
    TT_CHECK_INT(state_set_default_container(st, cid), 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.id", NULL), "3f4e5d6c7b8a");
    TT_CHECK_STR(F("container.full_id", NULL), cid);
    TT_CHECK_STR(F("container.name", NULL), "(missing)");
    TT_CHECK_STR(F("container.image", NULL), "(missing)");
    TT_CHECK_STR(F("container.type", NULL), "(missing)");
    TT_CHECK_STR(F("container.privileged", NULL), "(missing)");
    TT_CHECK_STR(F("container.mounts", NULL), "(missing)");
    state_end_event(st, &ctx);
    const char *src[] = {"/var/lib/ecs/volumes/data", "/proc/sys"};
    const char *dst[] = {"/data", "/host/sys"};
    state_set_container_meta(st, cid, "web", "nginx:1.25", "nginx", "1.25", -1);
    state_set_container_mounts(st, cid, src, dst, 2);
    state_set_container_digest(st, cid, "sha256:d691691e");
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.name", NULL), "web");
    TT_CHECK_STR(F("container.image.digest", NULL), "sha256:d691691e");
    TT_CHECK_STR(F("container.privileged", NULL), "(missing)");
    TT_CHECK_STR(F("container.mounts", NULL),
                 "/var/lib/ecs/volumes/data:/data::false:,/proc/sys:/host/sys::false:");
    TT_CHECK_STR(F("container.mount", "0"), "/var/lib/ecs/volumes/data:/data::false:");
    TT_CHECK_STR(F("container.mount.dest", "/proc*"), "/host/sys");
    TT_CHECK_STR(F("container.mount.dest", "/"), "/data"); /* "/" is found in every source */
    TT_CHECK_STR(F("container.mount.dest", "/etc"), "(missing)");
    TT_CHECK_STR(F("container.mount.dest", "1"), "/host/sys");
    TT_CHECK_STR(F("container.mount.dest", "2"), "(missing)");
    TT_CHECK_STR(F("container.mount.source", "^/data$"), "/var/lib/ecs/volumes/data");
    TT_CHECK_STR(F("container.mount.rdwr", "0"), "false");
    TT_CHECK_STR(F("container.mount.mode", "0"), "");
    state_end_event(st, &ctx);
    state_set_container_mounts(st, cid, NULL, NULL, 0);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("container.mounts", NULL), "");
    TT_CHECK_STR(F("container.mount.dest", "/proc*"), "(missing)");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(thread_cap_bounded)
{
    struct state_opts o = {.max_threads = 4, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    for (int i = 1; i <= 10; i++) {
        tev_begin(&e, TT_EV_CLOSE, i, i);
        tev_apply(st, &ctx, tev_end(&e, 0));
    }
    struct state_stats ss;
    state_get_stats(st, &ss);
    TT_CHECK_INT(ss.threads, 4);
    TT_CHECK_INT(ss.threads_dropped, 6);
    state_free(st);
}

TT_TEST(child_events_before_parent_clone)
{
    /* ptrace may report the child's first syscall before the parent's clone exit */
    struct engine_state *st = world();
    do_open(st, 100, 100, "/etc/hosts", O_RDONLY, 5); /* inherited by the child */
    do_open(st, 200, 200, "/tmp/child", O_WRONLY, 6); /* child's own, seen first */
    do_fork(st, 100, 200, 0);
    tev_begin(&e, TT_EV_CLOSE, 200, 200);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.name", NULL), "bash");
    TT_CHECK_STR(F("proc.pname", NULL), "bash");
    TT_CHECK_STR(F("proc.aname", "2"), "init");
    TT_CHECK_STR(F("proc.cwd", NULL), "/root/");
    TT_CHECK_STR(F("fd.name", NULL), "/etc/hosts");
    state_end_event(st, &ctx);
    TT_CHECK(state_fd(state_proc(st, 200), 6) != NULL);
    TT_CHECK(state_fd(state_proc(st, 100), 5) != NULL);
    state_free(st);
}

TT_TEST(reused_thread_id_starts_fresh)
{
    /* thread 300 of process 200 exits unseen; later 300 is a new process's leader */
    struct engine_state *st = world();
    do_fork(st, 100, 200, 0);
    do_exec(st, 200, "java", "/usr/bin/java", "-jar");
    do_fork(st, 200, 300, CLONE_THREAD | CLONE_FILES | CLONE_VM);
    tev_begin(&e, TT_EV_CLOSE, 300, 300);
    begin(st, tev_end(&e, 0));
    TT_CHECK_STR(F("proc.pid", NULL), "300");
    TT_CHECK_STR(F("proc.name", NULL), "(missing)"); /* unknown: not java */
    state_end_event(st, &ctx);
    TT_CHECK(state_proc(st, 200) != NULL);
    state_free(st);
}

TT_TEST(dead_threads_purged_when_full)
{
    /* live mode: threads whose /proc/<tid> is gone make room (their exit was never seen) */
    struct state_opts o = {.max_threads = 4};
    struct engine_state *st = state_new_opts(&o);
    for (int i = 1; i <= 4; i++) {
        tev_begin(&e, TT_EV_CLOSE, 4100000 + i, 4100000 + i);
        tev_apply(st, &ctx, tev_end(&e, 0));
    }
    tev_begin(&e, TT_EV_CLOSE, getpid(), getpid()); /* exists: must survive later purges */
    tev_apply(st, &ctx, tev_end(&e, 0));
    struct state_stats ss;
    state_get_stats(st, &ss);
    TT_CHECK_INT(ss.threads_purged, 4);
    TT_CHECK_INT(ss.threads, 1);
    TT_CHECK(state_thread(st, getpid()) != NULL);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

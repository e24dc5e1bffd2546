/* The rules language on the real engine (state, field registry, pipeline): the traps of the
 * digest's checklist with real fields: proc.aname any ancestor vs proc.aname[N], missing
 * values (no parent, no fd) under `!=`, `in` and `not`, text append without parentheses, list
 * and macro expansion, per-event caches across rules. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"
#include "tt_upstream.h"

#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#include <fcntl.h>

static struct tev e;
static char fired[32][64];
static int nfired;

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    if (nfired < 32)
        snprintf(fired[nfired++], sizeof fired[0], "%s", r->name);
}

static int did_fire(const char *name)
{
    for (int i = 0; i < nfired; i++)
        if (strcmp(fired[i], name) == 0)
            return 1;
    return 0;
}

static struct ruleset *load(const char *yaml)
{
    const char *names[] = {"real.yaml"};
    const char *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    if (ruleset_load_buffers(names, bufs, lens, 1, NULL, &d, &rs) != 0)
        rules_diags_print(&d, stderr);
    rules_diags_free(&d);
    return rs;
}

#define RULE(name, cond)                                                                           \
    "- rule: " name "\n  desc: d\n  condition: >\n    " cond "\n  output: \"%proc.name\"\n"        \
    "  priority: WARNING\n"

/* init(1) -> sshd(10) -> bash(20) -> cat(30); orphan(40) has no known parent */
static struct pipeline *tree(struct ruleset *rs)
{
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    struct pipeline *p = pipeline_new(rs, &o);
    if (!p)
        return NULL;
    pipeline_event(p, tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0));
    pipeline_event(p, tev_procinfo(&e, 10, 1, "sshd", "/usr/sbin/sshd", "-D", "/", 0));
    pipeline_event(p, tev_procinfo(&e, 20, 10, "bash", "/bin/bash", "", "/root", 0));
    pipeline_event(p, tev_procinfo(&e, 30, 20, "cat", "/bin/cat", "/etc/passwd", "/root", 0));
    pipeline_event(p, tev_procinfo(&e, 40, 999, "orphan", "/bin/orphan", "", "/", 0));
    return p;
}

static void open_by(struct pipeline *p, int32_t pid, const char *path)
{
    tev_begin(&e, TT_EV_OPENAT, pid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, path);
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    nfired = 0;
    pipeline_event(p, tev_end(&e, 3));
}

TT_TEST(aname_any_ancestor_and_index)
{
    struct ruleset *rs =
        load(RULE("any sshd", "evt.type = openat and proc.aname = sshd")
                 RULE("any self", "evt.type = openat and proc.aname = cat")
                     RULE("a2 sshd", "evt.type = openat and proc.aname[2] = sshd")
                         RULE("a1 sshd", "evt.type = openat and proc.aname[1] = sshd")
                             RULE("a in", "evt.type = openat and proc.aname in (init, x)")
                                 RULE("a0 self", "evt.type = openat and proc.aname[0] = cat"));
    TT_REQUIRE(rs != NULL);
    if (!rs)
        return;
    struct pipeline *p = tree(rs);
    open_by(p, 30, "/etc/passwd");
    TT_CHECK(did_fire("any sshd"));
    TT_CHECK(!did_fire("any self")); /* ancestors exclude the process itself */
    TT_CHECK(did_fire("a2 sshd"));
    TT_CHECK(!did_fire("a1 sshd"));
    TT_CHECK(did_fire("a in"));
    TT_CHECK(did_fire("a0 self"));
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(missing_parent_values)
{
    struct ruleset *rs =
        load(RULE("pname ne", "evt.type = openat and proc.pname != bash")
                 RULE("not pname in", "evt.type = openat and not proc.pname in (bash)")
                     RULE("pname exists", "evt.type = openat and proc.pname exists")
                         RULE("not pname exists", "evt.type = openat and not proc.pname exists"));
    TT_REQUIRE(rs != NULL);
    if (!rs)
        return;
    struct pipeline *p = tree(rs);
    open_by(p, 40, "/etc/hosts");       /* parent 999 unknown: proc.pname is missing */
    TT_CHECK(!did_fire("pname ne"));    /* false even for != */
    TT_CHECK(did_fire("not pname in")); /* not of a false check */
    TT_CHECK(!did_fire("pname exists"));
    TT_CHECK(did_fire("not pname exists"));
    open_by(p, 30, "/etc/hosts"); /* parent bash */
    TT_CHECK(!did_fire("pname ne"));
    TT_CHECK(!did_fire("not pname in"));
    TT_CHECK(did_fire("pname exists"));
    open_by(p, 20, "/etc/hosts"); /* parent sshd */
    TT_CHECK(did_fire("pname ne"));
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(text_append_trap_on_real_rules)
{
    /* macro: A or B; appended "and not C": cat opening /etc/passwd matches through A although C
     * (fd.name = /etc/passwd) holds, because the result is A or (B and not C) */
    const char *y = "- macro: m\n  condition: proc.name = cat or proc.name = bash\n"
                    "- macro: m\n  condition: and not fd.name = /etc/passwd\n"
                    "  override:\n    condition: append\n" RULE("trap", "evt.type = openat and m")
                        RULE("paren", "evt.type = openat and (proc.name = cat or proc.name = bash) "
                                      "and not fd.name = /etc/passwd");
    struct ruleset *rs = load(y);
    TT_REQUIRE(rs != NULL);
    if (!rs)
        return;
    struct pipeline *p = tree(rs);
    open_by(p, 30, "/etc/passwd");
    TT_CHECK(did_fire("trap"));
    TT_CHECK(!did_fire("paren"));
    open_by(p, 20, "/etc/passwd"); /* bash: B and not C is false, A false */
    TT_CHECK(!did_fire("trap"));
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(shared_macro_checks_across_rules)
{
    /* the same macro in many rules, and the same field in many checks: caches must give the
     * same answers as evaluating each rule alone */
    const char *y =
        "- list: readers\n  items: [cat, less]\n"
        "- macro: reading\n  condition: evt.type = openat and proc.name in (readers)\n" RULE(
            "r1", "reading and fd.name startswith /etc")
            RULE("r2", "reading and not fd.name startswith /etc")
                RULE("r3", "reading and proc.pname = bash")
                    RULE("r4", "not reading and proc.name = bash");
    struct ruleset *rs = load(y);
    TT_REQUIRE(rs != NULL);
    if (!rs)
        return;
    struct pipeline *p = tree(rs);
    open_by(p, 30, "/etc/passwd");
    TT_CHECK_INT(nfired, 2);
    TT_CHECK(did_fire("r1") && did_fire("r3"));
    open_by(p, 30, "/tmp/x");
    TT_CHECK_INT(nfired, 2);
    TT_CHECK(did_fire("r2") && did_fire("r3"));
    open_by(p, 20, "/tmp/x");
    TT_CHECK_INT(nfired, 1);
    TT_CHECK(did_fire("r4"));
    pipeline_free(p);
    ruleset_free(rs);
}

int main(void)
{
    return tt_run_all();
}

/* The socket domains the rules look at, for the tracer's filter (cond_domains.c). */
static uint64_t domains_of(const char *cond)
{
    char y[1024];
    snprintf(y, sizeof y,
             "- rule: r\n  desc: d\n  condition: %s\n  output: o\n  priority: NOTICE\n", cond);
    struct ruleset *rs = load(y);
    uint64_t m = rs ? ruleset_socket_domains(rs) : 0xdead;
    ruleset_free(rs);
    return m;
}

TT_TEST(socket_domains_for_the_tracer)
{
    const uint64_t all = UINT64_MAX, inet = (1ull << 2) | (1ull << 10);
    TT_CHECK(domains_of("evt.type=socket and evt.arg.domain contains AF_PACKET") == 1ull << 17);
    TT_CHECK(domains_of("evt.type=socket and evt.arg.domain in (AF_INET, AF_INET6)") == inet);
    /* contains: every name holding the text (AF_INET6 too) */
    TT_CHECK(domains_of("evt.type=socket and evt.arg.domain contains AF_INET") == inet);
    TT_CHECK(domains_of("(evt.type=open and fd.name=/x) or (evt.type=socket and "
                        "evt.arg.domain=AF_NETLINK and proc.name=x)") == 1ull << 16);
    /* what it cannot read keeps every domain */
    TT_CHECK(domains_of("evt.type in (socket, connect)") == all);
    TT_CHECK(domains_of("evt.type=socket and not evt.arg.domain=AF_UNIX") == all);
    TT_CHECK(domains_of("evt.type=socket and evt.arg.domain startswith AF_") == all);
    TT_CHECK(domains_of("evt.type=socket and evt.arg.domain contains 1") == all);
    TT_CHECK(domains_of("evt.type=socket or evt.arg.domain=AF_PACKET") == all);
    TT_CHECK(domains_of("evt.type=open") == 0); /* no rule looks at socket events */
    /* the upstream ruleset: AF_PACKET only */
    const char *path = tt_upstream("falco-rules/falco_rules.yaml");
    if (!path)
        return;
    const char *paths[] = {path};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, NULL, &d);
    TT_CHECK(rs && ruleset_socket_domains(rs) == 1ull << 17);
    ruleset_free(rs);
    rules_diags_free(&d);
}

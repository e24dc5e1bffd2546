/* Events that say what the kernel did (docs/security.md, "Tracer: ..."): tamper events are
 * evaluated by rules, with their technique, target and action as evt.arg.*; an open's fd.name
 * comes from the fd the kernel returned (fdname) and a connect's server from the socket's peer,
 * whatever the argument said at the tracer's stop (still there as evt.arg.name / evt.arg.addr). */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#include <fcntl.h>
#include <linux/audit.h>

static struct tev e;
static int nfired;
static char got[4][160];
static const char *want_fields[4];

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    nfired++;
    for (int i = 0; i < 4 && want_fields[i]; i++)
        tev_field(ctx, want_fields[i], NULL, got[i], sizeof got[i]);
}

static struct pipeline *with_rule(const char *cond, struct ruleset **rs)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "- rule: r\n  desc: d\n  condition: %s\n  output: o\n  priority: CRITICAL\n", cond);
    const char *names[] = {"t.yaml"};
    const char *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct rules_diags d;
    rules_diags_init(&d);
    *rs = NULL;
    if (ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, rs) != 0)
        rules_diags_print(&d, stderr);
    rules_diags_free(&d);
    if (!*rs)
        return NULL;
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    struct pipeline *p = pipeline_new(*rs, &o);
    pipeline_event(p, tev_procinfo(&e, 100, 0, "evil", "/tmp/evil", "", "/tmp", 0));
    nfired = 0;
    return p;
}

TT_TEST(tamper_events_are_evaluated_with_their_fields)
{
    struct ruleset *rs;
    struct pipeline *p = with_rule("evt.type = tamper and evt.arg.technique = io_uring", &rs);
    TT_CHECK(p != NULL);
    if (!p)
        return;
    want_fields[0] = "evt.arg.target";
    want_fields[1] = "evt.arg.action";
    want_fields[2] = "proc.name";
    want_fields[3] = NULL;
    tev_begin(&e, TT_EV_TAMPER, 100, 100);
    tt_evb_i64(&e.b, TT_P_NR, 425);
    tt_evb_u64(&e.b, TT_P_ARCH, AUDIT_ARCH_X86_64);
    tt_evb_str(&e.b, TT_P_REASON, "io_uring_setup: denied (ENOSYS)");
    tt_evb_str(&e.b, TT_P_TECHNIQUE, "io_uring");
    tt_evb_str(&e.b, TT_P_TARGET, "new io_uring instance (4 entries)");
    tt_evb_str(&e.b, TT_P_ACTION, "denied");
    pipeline_event(p, tev_end(&e, -38));
    TT_CHECK_INT(nfired, 1);
    TT_CHECK_STR(got[0], "new io_uring instance (4 entries)");
    TT_CHECK_STR(got[1], "denied");
    TT_CHECK_STR(got[2], "evil");
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(open_fd_name_is_the_file_the_kernel_opened)
{
    struct ruleset *rs;
    struct pipeline *p = with_rule("evt.type = openat and fd.name = /etc/shadow", &rs);
    TT_CHECK(p != NULL);
    if (!p)
        return;
    want_fields[0] = "evt.arg.name";
    want_fields[1] = NULL;
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "benign"); /* what the argument held at the stop */
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    tt_evb_str(&e.b, TT_P_FDNAME, "/etc/shadow"); /* what the kernel opened */
    pipeline_event(p, tev_end(&e, 3));
    TT_CHECK_INT(nfired, 1);
    TT_CHECK_STR(got[0], "/tmp/benign"); /* the argument, as Falco resolves it */
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(connect_server_is_the_sockets_peer)
{
    struct ruleset *rs;
    struct pipeline *p = with_rule("evt.type = connect and fd.sport = 4444", &rs);
    TT_CHECK(p != NULL);
    if (!p)
        return;
    want_fields[0] = "fd.name";
    want_fields[1] = NULL;
    tev_begin(&e, TT_EV_CONNECT, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 5);
    tev_sin(&e, TT_P_ADDR, "10.0.0.1", 80);
    tev_sin(&e, TT_P_LOCAL_ADDR, "10.0.0.2", 40000);
    tt_evb_i64(&e.b, TT_P_DOMAIN, 2);
    tt_evb_i64(&e.b, TT_P_TYPE, 1);
    tev_sin(&e, TT_P_PEER, "10.0.0.9", 4444);
    pipeline_event(p, tev_end(&e, 0));
    TT_CHECK_INT(nfired, 1);
    TT_CHECK_STR(got[0], "10.0.0.2:40000->10.0.0.9:4444");
    pipeline_free(p);
    ruleset_free(rs);
}

int main(void)
{
    return tt_run_all();
}

/* The pipeline itself: state snapshots are not evaluated, rule_matching first/all, priority
 * threshold, hot swap of the ruleset keeping the state, counters. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#include <fcntl.h>

static struct tev e;
static char fired[16][64];
static int nfired;

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    if (nfired < 16)
        snprintf(fired[nfired++], sizeof fired[0], "%s", r->name);
}

static struct ruleset *load(const char *yaml)
{
    const char *names[] = {"test.yaml"};
    const char *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    if (ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, &rs) != 0)
        rules_diags_print(&d, stderr);
    rules_diags_free(&d);
    return rs;
}

static const char *rules_a = "- rule: bash anything\n"
                             "  desc: d\n"
                             "  condition: proc.name = bash\n"
                             "  output: bash did %evt.type\n"
                             "  priority: NOTICE\n"
                             "- rule: bash opens\n"
                             "  desc: d\n"
                             "  condition: evt.type = openat and proc.name = bash\n"
                             "  output: bash opened %fd.name\n"
                             "  priority: DEBUG\n";

static const char *rules_b = "- rule: cat opens\n"
                             "  desc: d\n"
                             "  condition: evt.type = openat and proc.pname = bash\n"
                             "  output: child of bash opened %fd.name\n"
                             "  priority: WARNING\n";

static void open_(struct pipeline *p, int32_t pid)
{
    tev_begin(&e, TT_EV_OPENAT, pid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/hosts");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    pipeline_event(p, tev_end(&e, 3));
}

TT_TEST(snapshots_not_evaluated_and_matching_modes)
{
    struct ruleset *rs = load(rules_a);
    TT_REQUIRE(rs != NULL);
    if (!rs)
        return;
    struct pipeline_opts o = {.match_all = 0, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    struct pipeline *p = pipeline_new(rs, &o);
    nfired = 0;
    pipeline_event(p, tev_procinfo(&e, 100, 0, "bash", "/bin/bash", "", "/", 0));
    TT_CHECK_INT(nfired, 0); /* Falco never evaluates its /proc scan */
    open_(p, 100);
    TT_CHECK_INT(nfired, 1); /* first match only */
    TT_CHECK_STR(fired[0], "bash anything");
    pipeline_free(p);

    o.match_all = 1;
    p = pipeline_new(rs, &o);
    pipeline_event(p, tev_procinfo(&e, 100, 0, "bash", "/bin/bash", "", "/", 0));
    nfired = 0;
    open_(p, 100);
    TT_CHECK_INT(nfired, 2);
    pipeline_set_min_priority(p, PRI_NOTICE); /* DEBUG rule filtered out */
    nfired = 0;
    open_(p, 100);
    TT_CHECK_INT(nfired, 1);
    struct pipeline_stats s;
    pipeline_get_stats(p, &s);
    TT_CHECK_INT(s.events, 3);
    TT_CHECK_INT(s.matches, 3);
    TT_CHECK_INT(pipeline_event(p, NULL), -1);
    pipeline_free(p);
    ruleset_free(rs);
}

TT_TEST(hot_swap_keeps_state)
{
    struct ruleset *a = load(rules_a), *b = load(rules_b);
    TT_CHECK(a && b);
    if (!a || !b)
        return;
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    struct pipeline *p = pipeline_new(a, &o);
    pipeline_event(p, tev_procinfo(&e, 100, 0, "bash", "/bin/bash", "", "/", 0));
    pipeline_event(p, tev_procinfo(&e, 200, 100, "cat", "/bin/cat", "", "/", 0));
    pipeline_swap_ruleset(p, b);
    ruleset_free(a);
    nfired = 0;
    open_(p, 200);
    TT_CHECK_INT(nfired, 1);
    TT_CHECK_STR(fired[0], "cat opens"); /* ancestry from before the swap */
    pipeline_swap_ruleset(p, NULL);
    nfired = 0;
    open_(p, 200);
    TT_CHECK_INT(nfired, 0);
    pipeline_free(p);
    ruleset_free(b);
}

int main(void)
{
    return tt_run_all();
}

/* Per-event-type properties come from one place, lib/tt_events.def, and the engine's state,
 * argument rendering and pipeline all follow it:
 *   - a call that returns a new fd (fd column RET, OPEN, DUP) leaves that fd in the process's
 *     table and names its return value "fd"; any other call does neither, whatever it returns;
 *   - bpf is one of them, as in Falco: libsinsp's event table gives bpf EF_CREATES_FD and its
 *     parser (parse_single_param_fd_exit, SCAP_FD_BPF) adds an fd of kind bpf for every
 *     successful call; a failed one adds nothing;
 *   - the fd kind of the fdkind column is the new fd's fd.type;
 *   - rules never run on the state-only events (TT_EVF_NO_RULES) and do on the others.
 * A second list in state_fd.c, evt_args.c or pipeline.c that disagreed with the table for any
 * type would fail here. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include <fcntl.h>

#include "engine_test_events.h"
#include "evt_args.h"
#include "pipeline.h"
#include "ruleset.h"

static struct eval_ctx ctx;
static struct tev e;

static const char *F(const char *name)
{
    return tev_text(&ctx, name, NULL);
}

static struct engine_state *world(void)
{
    struct engine_state *st = state_new();
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 1, "w", "/w", "", "/", 0));
    /* fd 3: a listening TCP socket (accept's and dup's source) */
    tev_begin(&e, TT_EV_SOCKET, 100, 100);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    tev_apply(st, &ctx, tev_end(&e, 3));
    return st;
}

/* An event of type t returning ret, with the parameters any fd-creating handler reads. */
static const struct tt_event *call(unsigned t, int64_t ret)
{
    tev_begin(&e, t, 100, 100);
    tt_evb_str(&e.b, TT_P_NAME, "/tmp/x");
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_u64(&e.b, TT_P_FLAGS, 0);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tt_evb_i64(&e.b, TT_P_OLDFD, 3);
    tt_evb_i64(&e.b, TT_P_DOMAIN, AF_INET);
    tt_evb_i64(&e.b, TT_P_TYPE, SOCK_STREAM);
    return tev_end(&e, ret);
}

/* fd.type of fd 7 in a later event, or "(missing)" when the table has no fd 7. */
static const char *fd7_type(struct engine_state *st)
{
    tev_begin(&e, TT_EV_CLOSE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    state_begin_event(st, tev_end(&e, TT_RET_NONE), 99, &ctx);
    const char *t = F("fd.type");
    state_end_event(st, &ctx);
    return t;
}

TT_TEST(a_call_returning_an_fd_leaves_it_in_the_table)
{
    int ret_fd = 0, others = 0;
    for (unsigned t = 1; t < TT_EV_COUNT; t++) {
        if (!(tt_event_flags(t) & TT_EVF_SYSCALL))
            continue;
        int returns_fd = (tt_event_flags(t) & TT_EVF_RET_FD) != 0;
        struct engine_state *st = world();
        state_begin_event(st, call(t, 7), 10, &ctx);
        const char *ret_name = evt_ret_name(t);
        state_end_event(st, &ctx);
        char type[64];
        snprintf(type, sizeof type, "%s", fd7_type(st));
        if (returns_fd) {
            ret_fd++;
            TT_CHECKF(strcmp(type, "(missing)") != 0, "%s returned fd 7: not in the table",
                      tt_event_name(t));
            TT_CHECKF(strcmp(ret_name, "fd") == 0, "%s: return value named %s", tt_event_name(t),
                      ret_name);
        } else {
            others++;
            TT_CHECKF(strcmp(type, "(missing)") == 0, "%s returned 7: fd 7 of type %s appeared",
                      tt_event_name(t), type);
            TT_CHECKF(strcmp(ret_name, "res") == 0, "%s: return value named %s", tt_event_name(t),
                      ret_name);
        }
        /* a failed call creates nothing */
        state_free(st);
        st = world();
        tev_apply(st, &ctx, call(t, -1));
        TT_CHECKF(strcmp(fd7_type(st), "(missing)") == 0, "failed %s created fd 7",
                  tt_event_name(t));
        state_free(st);
    }
    /* the open family, socket, accept*, dup*, memfd_create, the 14 typed ones */
    TT_CHECKF(ret_fd >= 25, "only %d types return an fd", ret_fd);
    TT_CHECK(others > 30);
}

TT_TEST(the_fd_kind_column_is_the_new_fds_type)
{
    static const struct {
        unsigned t;
        const char *type;
    } c[] = {
        {TT_EV_EVENTFD2, "event"},
        {TT_EV_SIGNALFD4, "signalfd"},
        {TT_EV_TIMERFD_CREATE, "timerfd"},
        {TT_EV_INOTIFY_INIT1, "inotify"},
        {TT_EV_EPOLL_CREATE1, "eventpoll"},
        {TT_EV_USERFAULTFD, "userfaultfd"},
        {TT_EV_IO_URING_SETUP, "io_uring"},
        {TT_EV_PIDFD_OPEN, "pidfd"},
        {TT_EV_BPF, "bpf"},
        {TT_EV_MEMFD_CREATE, "memfd"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct engine_state *st = world();
        tev_apply(st, &ctx, call(c[i].t, 7));
        TT_CHECKF(strcmp(fd7_type(st), c[i].type) == 0, "%s: fd.type %s, want %s",
                  tt_event_name(c[i].t), fd7_type(st), c[i].type);
        state_free(st);
    }
}

TT_TEST(bpf_creates_an_fd_as_in_falco)
{
    TT_CHECK(tt_event_flags(TT_EV_BPF) & TT_EVF_FD_CREATE); /* libsinsp: EF_CREATES_FD */
    struct engine_state *st = world();
    tev_begin(&e, TT_EV_BPF, 100, 100);
    tt_evb_i64(&e.b, TT_P_CMD, 0); /* BPF_MAP_CREATE */
    state_begin_event(st, tev_end(&e, 5), 10, &ctx);
    TT_CHECK_STR(F("fd.num"), "5");
    TT_CHECK_STR(F("fd.type"), "bpf");
    TT_CHECK_STR(F("fd.typechar"), "b");
    TT_CHECK_STR(F("evt.res"), "SUCCESS");
    char args[256];
    snprintf(args, sizeof args, "%s", F("evt.args"));
    TT_CHECKF(strstr(args, "fd=5(<b>)") != NULL, "evt.args: %s", args);
    state_end_event(st, &ctx);
    state_free(st);
    /* refused (EPERM without CAP_BPF): no fd, the errno as the result */
    st = world();
    tev_begin(&e, TT_EV_BPF, 100, 100);
    tt_evb_i64(&e.b, TT_P_CMD, 0);
    state_begin_event(st, tev_end(&e, -1), 10, &ctx);
    TT_CHECK_STR(F("fd.type"), "(missing)");
    TT_CHECK_STR(F("evt.res"), "EPERM");
    state_end_event(st, &ctx);
    state_free(st);
}

static int matches;
static void on_alert(const struct rule *r, struct eval_ctx *c, void *arg)
{
    matches++;
}

TT_TEST(rules_never_run_on_state_only_events)
{
    static const char yaml[] = "- rule: any\n  desc: d\n  condition: evt.num > 0\n"
                               "  output: o\n  priority: INFO\n";
    const char *names[] = {"t.yaml"}, *bufs[] = {yaml};
    size_t lens[] = {sizeof yaml - 1};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    TT_REQUIRE(ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, &rs) == 0);
    rules_diags_free(&d);
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    o.state.no_proc_lookup = 1;
    struct pipeline *p = pipeline_new(rs, &o);
    TT_REQUIRE(p != NULL);
    int no_rules = 0;
    for (unsigned t = 1; t < TT_EV_COUNT; t++) {
        tev_begin(&e, t, 100, 100);
        matches = 0;
        pipeline_event(p, tev_end(&e, 0));
        int want = !(tt_event_flags(t) & TT_EVF_NO_RULES);
        no_rules += !want;
        TT_CHECKF(matches == want, "%s: %d matches, want %d", tt_event_name(t), matches, want);
    }
    TT_CHECK_INT(no_rules, 4); /* procinfo, fdinfo, drop, tracerinfo */
    pipeline_free(p);
    ruleset_free(rs);
}

int main(void)
{
    return tt_run_all();
}

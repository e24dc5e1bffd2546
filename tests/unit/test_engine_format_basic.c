/* Output format strings: %field tokens, widths, arguments, transformers, <NA>, %% and errors,
 * and the unique field list used for JSON output_fields. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "format.h"

#include <fcntl.h>

static struct eval_ctx ctx;
static struct tev e;

static struct engine_state *world(void)
{
    struct engine_state *st = state_new();
    tev_apply(st, &ctx, tev_procinfo(&e, 1, 0, "init", "/sbin/init", "", "/", 0));
    tev_apply(st, &ctx, tev_procinfo(&e, 100, 1, "Bash", "/bin/bash", "-c ls", "/", 0));
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/shadow");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    state_begin_event(st, tev_end(&e, 3), 5, &ctx);
    return st;
}

static const char *render(const char *f)
{
    return tev_render(&ctx, f);
}

TT_TEST(fields_and_literals)
{
    struct engine_state *st = world();
    TT_CHECK_STR(render("File opened file=%fd.name proc=%proc.name"),
                 "File opened file=/etc/shadow proc=Bash");
    TT_CHECK_STR(render("%proc.cmdline|%proc.aname[1]|%proc.aname[2]"), "Bash -c ls|init|<NA>");
    TT_CHECK_STR(render("100%% %evt.arg.flags."), "100% O_RDONLY.");
    TT_CHECK_STR(render("[%6proc.name][%2proc.name]"), "[Bash  ][Ba]");
    /* a width of many digits is capped, not overflowed (found by fuzz_engine_rules, UBSan) */
    char capped[2048];
    snprintf(capped, sizeof capped, "%s", render("[%8192proc.name]"));
    TT_CHECK_STR(render("[%5555555555555555555proc.name]"), capped);
    TT_CHECK_STR(render("%k8s.ns.name %container.id"), "<NA> host");
    TT_CHECK_STR(render("%toupper(proc.name) %tolower(proc.name) %basename(fd.name)"),
                 "BASH bash shadow");
    TT_CHECK_STR(render("%len(fd.name)"), "11");
    TT_CHECK_STR(render("%evt.num:%evt.type"), "5:openat");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(errors)
{
    char err[128];
    TT_CHECK(fmt_compile("trailing %", err, sizeof err) == NULL);
    TT_CHECK(fmt_compile("%proc.nosuch", err, sizeof err) == NULL);
    TT_CHECK(strstr(err, "proc.nosuch") != NULL);
    TT_CHECK(fmt_compile("%toupper(proc.aname)", err, sizeof err) == NULL);
    struct fmt *f = fmt_compile("", err, sizeof err);
    TT_CHECK(f != NULL);
    fmt_free(f);
}

TT_TEST(unique_field_list)
{
    struct engine_state *st = world();
    char err[128];
    struct fmt *f =
        fmt_compile("a=%proc.name b=%proc.aname[1] c=%proc.name d=%user.uid e=%tolower(proc.name)",
                    err, sizeof err);
    TT_REQUIRE(f != NULL);
    if (f) {
        TT_CHECK_INT(fmt_nfields(f), 4);
        TT_CHECK_STR(fmt_field_name(f, 0), "proc.name");
        TT_CHECK_STR(fmt_field_name(f, 1), "proc.aname[1]");
        TT_CHECK_STR(fmt_field_name(f, 2), "user.uid");
        TT_CHECK(fmt_field_is_transformed(f, 3));
        struct fld_value v;
        TT_CHECK(fmt_field_value(f, 2, &ctx, &v) == 1 && v.type == FT_UINT64 && v.v.u == 0);
        char buf[64];
        fmt_field_text(f, 1, &ctx, buf, sizeof buf);
        TT_CHECK_STR(buf, "init");
        fmt_free(f);
    }
    state_end_event(st, &ctx);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

/* Transformers have one implementation (engine/cond_transform.c): a rule's condition and its
 * output give the same result for every transformer and input, b64 follows libsinsp's rules
 * (lib/tt_base64), and an output refuses what a condition refuses. A hostile workload chooses
 * the strings (argv[0], file names, sent data): if an output decoded b64 with laxer rules than
 * the condition, an alert could show a command the rule never matched. The negative control
 * runs the comparison against such a lax decoder (format.c's former one) and must see it
 * differ. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "engine_test_rules.h"
#include "tt_base64.h"

static struct eval_ctx ctx;
static struct tev e;

/* A process whose proc.exe is exe, sending data; the event is left open in ctx. */
static struct engine_state *world(const char *exe, const char *data, size_t ndata)
{
    struct engine_state *st = state_new();
    tev_begin(&e, TT_EV_PROCINFO, 100, 100);
    tt_evb_str(&e.b, TT_P_EXE, exe);
    tt_evb_str(&e.b, TT_P_COMM, "w");
    tt_evb_str(&e.b, TT_P_EXEPATH, "/w");
    tev_apply(st, &ctx, tev_end(&e, 0));
    tev_begin(&e, TT_EV_SENDTO, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD, 3);
    tt_evb_bytes(&e.b, TT_P_DATA, TT_PK_BYTES, data, ndata);
    state_begin_event(st, tev_end(&e, (int64_t)ndata), 2, &ctx);
    return st;
}

static const char *render(const char *f)
{
    return tev_render(&ctx, f);
}

/* The condition on the open event: 1, 0, or -1 when the rule does not load. */
static int cond(const char *c)
{
    struct ruleset *rs = ter_one_rule(c, "INFO");
    if (!rs)
        return -1;
    int r = ruleset_eval_rule(rs, 0, &ctx, TT_EV_SENDTO);
    ruleset_free(rs);
    return r;
}

/* What the condition says expr is: its value as the output renders it when
 * `expr = "<rendered>"` holds, "<NA>" when neither `expr = ""` nor `expr != ""` holds (a
 * missing value), "(differs)" otherwise. */
static const char *cond_view(const char *expr, const char *rendered)
{
    char c[512];
    if (strcmp(rendered, "<NA>") != 0) {
        snprintf(c, sizeof c, "%s = \"%s\"", expr, rendered);
        return cond(c) == 1 ? rendered : "(differs)";
    }
    snprintf(c, sizeof c, "%s = \"\"", expr);
    int eq = cond(c);
    snprintf(c, sizeof c, "%s != \"\"", expr);
    int ne = cond(c);
    return eq == 0 && ne == 0 ? "<NA>" : "(differs)";
}

static const char *const b64_inputs[] = {
    "aGVsbG8=", "d29ybGQgIQ==", "aGVsbG8",   "aGVsbG8==", "YQ",       "YWJj",     "YWI",
    "YWJj==",   "aGVsbG9=",     "aGVs bG8=", "aGVsbG8=x", "a",        "YR",       "====",
    "YQ===",    "aGVs=bG8",     "Zm9v\\n",   "-_-_",      "aGVs*G8=", "bWUgdG9v",
};

/* libsinsp's verdict on s, as an output renders it */
static const char *expected_b64(const char *s)
{
    static char out[256];
    ssize_t n = tt_b64_decode(s, strlen(s), out, TT_B64_STRICT);
    if (n < 0)
        return "<NA>";
    out[n] = '\0';
    return out;
}

TT_TEST(b64_output_condition_and_libsinsp_agree)
{
    for (size_t i = 0; i < sizeof b64_inputs / sizeof b64_inputs[0]; i++) {
        char exe[64];
        snprintf(exe, sizeof exe, "%s", b64_inputs[i]);
        if (strcmp(exe, "Zm9v\\n") == 0)
            snprintf(exe, sizeof exe, "Zm9v\n");
        struct engine_state *st = world(exe, "", 0);
        const char *want = expected_b64(exe);
        char out[256];
        snprintf(out, sizeof out, "%s", render("%b64(proc.exe)"));
        TT_CHECKF(strcmp(out, want) == 0, "%%b64(proc.exe) of '%s': output '%s', libsinsp '%s'",
                  b64_inputs[i], out, want);
        const char *cv = cond_view("b64(proc.exe)", out);
        TT_CHECKF(strcmp(cv, out) == 0, "b64(proc.exe) of '%s': condition '%s', output '%s'",
                  b64_inputs[i], cv, out);
        state_end_event(st, &ctx);
        state_free(st);
    }
}

TT_TEST(b64_of_a_buffer_drops_its_terminating_nuls)
{
    static const struct {
        const char *data;
        size_t n;
        const char *want;
    } c[] = {
        {"aGVsbG8=\0", 9, "hello"},
        {"aGVsbG8=\0\0\0", 11, "hello"},
        {"aGVsbG8=\0x", 10, "<NA>"},
        {"bWUgdG9v", 8, "me too"},
        {"\0", 1, ""}, /* nothing left: decodes to the empty value */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        struct engine_state *st = world("x", c[i].data, c[i].n);
        char out[256];
        snprintf(out, sizeof out, "%s", render("%b64(evt.buffer)"));
        TT_CHECKF(strcmp(out, c[i].want) == 0, "case %zu: output '%s', want '%s'", i, out,
                  c[i].want);
        const char *cv = cond_view("b64(evt.buffer)", out);
        TT_CHECKF(strcmp(cv, out) == 0, "case %zu: condition '%s', output '%s'", i, cv, out);
        state_end_event(st, &ctx);
        state_free(st);
    }
}

TT_TEST(every_transformer_agrees_between_output_and_condition)
{
    static const char *const exes[] = {"/usr/BIN/Python3", "NoSlash", "a/b/", "/", "MiXeD-09_x"};
    /* b64 has its own cases above: these inputs decode to binary a YAML rule cannot quote */
    static const char *const tr[] = {"tolower", "toupper", "basename", "len"};
    for (size_t i = 0; i < sizeof exes / sizeof exes[0]; i++) {
        struct engine_state *st = world(exes[i], "", 0);
        for (size_t t = 0; t < sizeof tr / sizeof tr[0]; t++) {
            char f[64], expr[64], out[256];
            snprintf(expr, sizeof expr, "%s(proc.exe)", tr[t]);
            snprintf(f, sizeof f, "%%%s", expr);
            snprintf(out, sizeof out, "%s", render(f));
            TT_CHECKF(strncmp(out, "ERR", 3) != 0, "%s: %s", f, out);
            const char *cv = strcmp(tr[t], "len") == 0 ? NULL : cond_view(expr, out);
            if (!cv) { /* a number: compared as one */
                char c[128];
                snprintf(c, sizeof c, "%s = %s", expr, out);
                cv = cond(c) == 1 ? out : "(differs)";
            }
            TT_CHECKF(strcmp(cv, out) == 0, "%s of '%s': condition '%s', output '%s'", tr[t],
                      exes[i], cv, out);
        }
        /* nested, innermost first */
        TT_CHECK_STR(
            cond_view("toupper(basename(proc.exe))", render("%toupper(basename(proc.exe))")),
            render("%toupper(basename(proc.exe))"));
        state_end_event(st, &ctx);
        state_free(st);
    }
    struct engine_state *st = world("/usr/BIN/Python3", "", 0);
    TT_CHECK_STR(render("%tolower(proc.exe)|%toupper(proc.exe)|%basename(proc.exe)|%len(proc.exe)"),
                 "/usr/bin/python3|/USR/BIN/PYTHON3|Python3|16");
    state_end_event(st, &ctx);
    state_free(st);
}

TT_TEST(outputs_refuse_what_conditions_refuse)
{
    static const char *const bad[] = {
        "tolower(proc.pid)",                                           /* a number */
        "b64(proc.pid)",        "len(fd.num)", "basename(evt.buffer)", /* buffers are not strings */
        "toupper(proc.aname)",                                         /* a field without them */
        "join(proc.name)",                                             /* parsed, not evaluated */
        "tolower(proc.nosuch)",
    };
    struct engine_state *st = world("x", "", 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char f[64], c[96];
        snprintf(f, sizeof f, "%%%s", bad[i]);
        snprintf(c, sizeof c, "%s = x", bad[i]);
        const char *out = render(f);
        TT_CHECKF(strncmp(out, "ERR ", 4) == 0, "output %s compiled: '%s'", f, out);
        TT_CHECKF(cond(c) == -1, "condition '%s' loaded", c);
    }
    TT_CHECK(strstr(render("%tolower(proc.pid)"), "only supported on string fields") != NULL);
    TT_CHECK(strstr(render("%tolower(proc.nosuch)"), "proc.nosuch") != NULL);
    /* a name that is no transformer is not one (not the first of the list, tolower) */
    TT_CHECK_INT(cond("nosuch(proc.exe) = x"), -1);
    /* a call name as long as the name buffer, and calls cut short, each say why */
    TT_CHECK_STR(render("%abcdefghijklmnopqrstuvwxyzabcdef(proc.exe)"),
                 "ERR invalid formatting token %abcdefghijklmnopqrstuvwxyzabcdef");
    TT_CHECK_STR(render("%12"),
                 "ERR invalid formatting token %"); /* a width and nothing after it */
    TT_CHECK_STR(render("%tolower(proc.exe"), "ERR expected a ')' token closing the transformer");
    TT_CHECK_STR(
        render("%tolower("),
        "ERR expected field transformer argument: field, transformer, quoted string, number, "
        "or transformer list");
    TT_CHECK_STR(render("%nosuch(proc.exe)"), "ERR invalid formatting token %nosuch");
    state_end_event(st, &ctx);
    state_free(st);
}

/* format.c's decoder before transformers had one owner: characters outside the alphabet
 * skipped, padding and trailing bits unchecked. */
static const char *lax_b64(const char *in)
{
    static char out[256];
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = in; *p; p++) {
        const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *q = strchr(al, *p);
        if (!q)
            continue;
        acc = (acc << 6) | (unsigned)(q - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}

TT_TEST(negative_control_a_lax_output_decoder_is_caught)
{
    size_t differ = 0;
    for (size_t i = 0; i < sizeof b64_inputs / sizeof b64_inputs[0]; i++) {
        struct engine_state *st = world(b64_inputs[i], "", 0);
        const char *lax = lax_b64(b64_inputs[i]);
        if (strcmp(cond_view("b64(proc.exe)", lax[0] ? lax : "<NA>"), lax[0] ? lax : "<NA>"))
            differ++;
        state_end_event(st, &ctx);
        state_free(st);
    }
    TT_CHECKF(differ >= 5, "only %zu of the inputs tell a lax decoder from the condition", differ);
}

int main(void)
{
    return tt_run_all();
}

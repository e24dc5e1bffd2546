/* Condition language: every operator, modifiers, transformers, val(), typed literals, quoting,
 * precedence and Falco's missing-value rule, on a fake field provider (no engine state). */
#include "tt_test.h"

#include <arpa/inet.h>

#include "../../engine/rules_int.h"
#include "ruleset.h"

/* ---- fake fields: values set by each test ---- */
static struct fld_info fi[] = {
    {"t.s", FT_STRING, 0, "", 0},
    {"t.s2", FT_STRING, 0, "", 1},
    {"t.n", FT_INT64, 0, "", 2},
    {"t.u", FT_UINT64, 0, "", 3},
    {"t.b", FT_BOOL, 0, "", 4},
    {"t.ip", FT_IPADDR, 0, "", 5},
    {"t.net", FT_IPNET, FF_FILTER_ONLY, "", 6},
    {"t.multi", FT_STRING, FF_MULTI | FF_NO_TRANSFORMER, "", 7},
    {"t.missing", FT_STRING, 0, "", 8},
    {"t.port", FT_PORT, 0, "", 9},
    {"evt.type", FT_STRING, 0, "", 10},
    {"t.either", FT_IPADDR, FF_MULTI | FF_NE_ALL, "", 11},
    {"t.buf", FT_BYTES, 0, "", 12},
    {"t.list", FT_STRING, 0, "", 13},
    {"t.arg", FT_STRING, FF_ARG_INDEX, "", 14},
};
#define NFI (sizeof(fi) / sizeof(fi[0]))

static const char *v_s = "/usr/bin/Bash", *v_s2 = "bash";
static int64_t v_n = -5;
static uint64_t v_u = 42;
static int v_b = 1;
static const char *v_ip = "10.1.2.3";
static const char *v_multi[3] = {"sshd", "bash", "init"};
static int v_nmulti = 3;
static const char *v_either[2] = {"127.0.0.1", "192.168.0.9"};
static const char *v_list[2] = {"a", "b"};
static int64_t seen_index = -1;

static int fk_resolve(void *arg, const char *name, const char *farg, struct fld_ref *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < NFI; i++)
        if (strcmp(fi[i].name, name) == 0) {
            out->info = &fi[i];
            if (farg) {
                out->has_arg = 1;
                out->index = atoi(farg);
            }
            return 0;
        }
    snprintf(err, errlen, "filter_check called with nonexistent field %s", name);
    return -1;
}

static void set_str(struct fld_value *v, const char *s)
{
    v->type = FT_STRING;
    v->v.s.p = s;
    v->v.s.len = strlen(s);
}

static void set_ip(struct fld_value *v, const char *s)
{
    v->type = FT_IPADDR;
    memset(&v->v.ip, 0, sizeof(v->v.ip));
    v->v.ip.family = 4;
    v->v.ip.prefix = 32;
    inet_pton(AF_INET, s, v->v.ip.addr);
}

static int fk_extract(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx,
                      enum fld_mode mode, struct fld_value *out, int max)
{
    switch (ref->info->id) {
    case 0:
        set_str(out, v_s);
        return 1;
    case 1:
        set_str(out, v_s2);
        return 1;
    case 2:
        out->type = FT_INT64;
        out->v.i = v_n;
        return 1;
    case 3:
        out->type = FT_UINT64;
        out->v.u = v_u;
        return 1;
    case 4:
        out->type = FT_BOOL;
        out->v.b = v_b;
        return 1;
    case 5:
    case 6:
        set_ip(out, v_ip);
        return 1;
    case 7:
        if (ref->has_arg) {
            if (ref->index < 1 || ref->index > v_nmulti)
                return 0;
            set_str(out, v_multi[ref->index - 1]);
            return 1;
        }
        for (int i = 0; i < v_nmulti && i < max; i++)
            set_str(&out[i], v_multi[i]);
        return v_nmulti;
    case 8:
        return 0;
    case 9:
        out->type = FT_PORT;
        out->v.u = 22;
        return 1;
    case 10:
        set_str(out, "open");
        return 1;
    case 11:
        set_ip(&out[0], v_either[0]);
        set_ip(&out[1], v_either[1]);
        return 2;
    case 12:
        out->type = FT_BYTES;
        out->v.s.p = "\x01\x02\xab\xcd";
        out->v.s.len = 4;
        return 1;
    case 13:
        set_str(&out[0], v_list[0]);
        set_str(&out[1], v_list[1]);
        return 2;
    case 14:
        seen_index = ref->index;
        set_str(out, "x");
        return 1;
    }
    return 0;
}

static const struct cond_fields fake = {fk_resolve, fk_extract, NULL, NULL, NULL};

/* Loads a one-rule file with cond and evaluates it on an "open" event.
 * Returns 1/0, or -1 if the rule did not load (err gets the first message). */
static char last_err[200];
static int ev_type(const char *cond, unsigned type)
{
    char yaml[4096];
    snprintf(yaml, sizeof(yaml),
             "- list: shells\n  items: [bash, zsh]\n"
             "- list: empty_list\n  items: []\n"
             "- rule: r\n  desc: d\n  condition: |-\n    %s\n  output: o\n  priority: INFO\n"
             "- rule: keep\n  desc: d\n  condition: t.s in (shells, empty_list)\n  output: o\n"
             "  priority: INFO\n",
             cond);
    const char *names[] = {"t.yaml"}, *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct ruleset_opts o;
    memset(&o, 0, sizeof(o));
    o.fields = &fake;
    o.no_output_compile = 1;
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    last_err[0] = '\0';
    int rc = ruleset_load_buffers(names, bufs, lens, 1, &o, &d, &rs);
    if (rc < 0) {
        for (size_t i = 0; i < d.n; i++)
            if (RULES_DIAG_IS_ERROR(d.v[i].code)) {
                snprintf(last_err, sizeof(last_err), "%s", d.v[i].message);
                break;
            }
        rules_diags_free(&d);
        return -1;
    }
    rules_diags_free(&d);
    int r = ruleset_eval_rule(rs, 0, NULL, type);
    ruleset_free(rs);
    return r;
}

static int ev(const char *cond)
{
    return ev_type(cond, TT_EV_OPEN);
}

#define T(cond, want) TT_CHECK_INT(ev(cond), want)

TT_TEST(string_equality)
{
    T("t.s = /usr/bin/Bash", 1);
    T("t.s == /usr/bin/Bash", 1);
    T("t.s=/usr/bin/Bash", 1);
    T("t.s = /usr/bin/bash", 0);
    T("t.s != /usr/bin/bash", 1);
    T("t.s != /usr/bin/Bash", 0);
    T("t.s = \"/usr/bin/Bash\"", 1);
    T("t.s = '/usr/bin/Bash'", 1);
}

TT_TEST(string_order)
{
    /* numeric operators take numbers (or a field) on the right, as in Falco's grammar */
    TT_CHECK_INT(ev("t.s2 < bat"), -1);
    T("t.s < val(t.s2)", 1); /* "/usr..." sorts before "bash" */
    T("t.s > val(t.s2)", 0);
    T("t.s2 <= val(t.s2)", 1);
    T("t.s2 >= val(t.s2)", 1);
}

TT_TEST(contains_family)
{
    T("t.s contains bin/B", 1);
    T("t.s contains bin/b", 0);
    T("t.s icontains BIN/b", 1);
    T("t.s startswith /usr/", 1);
    T("t.s startswith /bin", 0);
    T("t.s endswith Bash", 1);
    T("t.s endswith bash", 0);
}

TT_TEST(bytes_operators)
{
    T("t.buf bcontains 02ab", 1);
    T("t.buf bcontains abab", 0);
    T("t.buf bstartswith 0102", 1);
    T("t.buf bstartswith 02", 0);
    TT_CHECK_INT(ev("t.buf bcontains 0g"), -1);
    TT_CHECK_INT(ev("t.s bcontains 00"), -1);
}

TT_TEST(glob_and_iglob)
{
    T("t.s glob /usr/*/Bash", 1);
    T("t.s glob '/usr/*'", 1); /* '*' also matches '/' */
    T("t.s glob /usr/?in/B*", 1);
    T("t.s glob /usr/*/bash", 0);
    T("t.s iglob /USR/*/bash", 1);
}

TT_TEST(regex_is_anchored)
{
    T("t.s regex '/usr/bin/B.*'", 1);
    T("t.s regex 'bin'", 0); /* full match only */
    T("t.s regex '.*bin.*'", 1);
    T("t.s regex '[a-z/]+'", 0);
    TT_CHECK_INT(ev("t.s regex '('"), -1);
    /* what RE2 rejects (and glibc's regcomp would spend minutes on) */
    TT_CHECK_INT(ev("t.s regex 'a++++++++++++++++++++++++'"), -1);
    TT_CHECK_INT(ev("t.s regex '((a{50}){50}){10}'"), -1);
    TT_CHECK_INT(ev("t.s regex 'a{1001}'"), -1);
    TT_CHECK_INT(ev("t.s regex '(a)\\\\1'"), -1);
    T("t.s regex '/usr/bin/B.*?'", 1);
    T("t.s regex '(/[a-z]{1,5}){2}/Bash'", 1);
    /* RE2 syntax Falco accepts */
    T("t.s2 regex '\\\\w+'", 1);
    T("t.s regex '[\\\\/a-z]+\\\\/B\\\\w+'", 1);
    T("t.s regex '(?i)/USR/.*'", 1);
    T("t.s regex '/usr/\\\\S+'", 1);
    T("t.s regex '.*\\\\d.*'", 0);
    T("t.s regex '.*\\\\s.*'", 0);
}

TT_TEST(pmatch_path_prefix)
{
    T("t.s pmatch (/usr/bin)", 1);
    T("t.s pmatch (/usr)", 1);
    T("t.s pmatch (/us)", 0);
    T("t.s pmatch (/etc, /usr/bin/Bash)", 1);
    T("t.s pmatch (/usr/*/Bash)", 1);
    T("t.s pmatch (/opt)", 0);
}

TT_TEST(in_and_intersects)
{
    T("t.s2 in (zsh, bash)", 1);
    T("t.s2 in (zsh, sh)", 0);
    T("t.s2 in (a, b, c, d, e, f, g, bash, h)", 1);
    T("t.s2 in ()", 0);
    T("t.s2 in(zsh,bash)", 1);
    T("t.s2 intersects (bash)", 1);
    T("t.list in (a, b, c)", 1); /* all values in the set */
    T("t.list in (a, c)", 0);
    T("t.list intersects (a, c)", 1);
    T("t.list intersects (x, c)", 0);
}

TT_TEST(exists_and_missing_values)
{
    T("t.s exists", 1);
    T("t.missing exists", 0);
    T("not t.missing exists", 1);
    /* a check on a missing field is false for every operator, even != */
    T("t.missing = x", 0);
    T("t.missing != x", 0);
    T("t.missing in (x)", 0);
    T("t.missing contains x", 0);
    T("not t.missing != x", 1);
    T("not t.missing in (x)", 1);
}

TT_TEST(numbers)
{
    T("t.n = -5", 1);
    T("t.n < 0", 1);
    T("t.n >= -5", 1);
    T("t.n > -5", 0);
    T("t.n != 3", 1);
    T("t.n in (1, 2, -5)", 1);
    T("t.u = 42", 1);
    T("t.u <= 41", 0);
    T("t.u > 41", 1);
    TT_CHECK_INT(ev("t.n = abc"), -1);
    TT_CHECK_STR(last_err, "abc is not a valid number");
    TT_CHECK_INT(ev("t.n contains 4"), -1);
    TT_CHECK_STR(last_err, "'contains' operator not supported for numeric filters");
}

TT_TEST(ports_and_bools)
{
    T("t.port = 22", 1);
    T("t.port = ssh", 1); /* service names */
    T("t.port in (80, 443)", 0);
    T("t.b = true", 1);
    T("t.b = false", 0);
    T("t.b != false", 1);
    TT_CHECK_INT(ev("t.b = yes"), -1);
}

TT_TEST(ip_addresses_and_networks)
{
    T("t.ip = 10.1.2.3", 1);
    T("t.ip = 10.1.2.4", 0);
    T("t.ip = 10.0.0.0/8", 1);
    T("t.ip in (192.168.0.0/16, 10.1.0.0/16)", 1);
    T("t.net in (192.168.0.0/16, 172.16.0.0/12)", 0);
    T("t.net = 10.1.2.0/24", 1);
    TT_CHECK_INT(ev("t.ip = 10.1.2"), -1);
    TT_CHECK_INT(ev("t.ip contains 10"), -1);
}

TT_TEST(either_side_fields)
{
    /* fd.ip-like: = matches client or server; != only if neither */
    T("t.either = 127.0.0.1", 1);
    T("t.either = 192.168.0.9", 1);
    T("t.either != 127.0.0.1", 0);
    T("t.either != 8.8.8.8", 1);
}

TT_TEST(any_ancestor_multi)
{
    /* proc.aname-like: bare = any candidate; [N] = that one */
    T("t.multi = bash", 1);
    T("t.multi = zsh", 0);
    T("t.multi in (zsh, init)", 1);
    T("t.multi[2] = bash", 1);
    T("t.multi[1] = bash", 0);
    T("t.multi[9] = bash", 0);
    T("not t.multi[9] = bash", 1);
    TT_CHECK_INT(ev("tolower(t.multi) = bash"), -1);
}

TT_TEST(modifiers)
{
    T("t.s contains anyof (zsh, Bash)", 1);
    T("t.s contains allof (usr, bin, Bash)", 1);
    T("t.s contains allof (usr, zsh)", 0);
    T("t.s contains oneof (usr, bin)", 0);
    T("t.s contains oneof (usr, zsh)", 1);
    T("t.s startswith anyof (/etc, /usr)", 1);
    T("t.s2 != allof (zsh, sh)", 1);
    T("t.s2 = anyof (zsh, bash)", 1);
    /* not a modifier when no list follows */
    T("t.s2 = anyof", 0);
}

TT_TEST(transformers)
{
    T("tolower(t.s) = /usr/bin/bash", 1);
    T("toupper(t.s2) = BASH", 1);
    T("basename(t.s) = Bash", 1);
    T("len(t.s2) = 4", 1);
    T("len(t.s2) > 3", 1);
    T("toupper(basename(t.s)) = BASH", 1);
    T("b64(t.s2) = bash", 0);
    TT_CHECK_INT(ev("len(t.s2) contains 4"), -1);
    TT_CHECK_INT(ev("tolower(t.n) = 1"), -1);
}

TT_TEST(val_field_comparison)
{
    T("basename(t.s) = val(t.s2)", 0);
    T("tolower(basename(t.s)) = val(t.s2)", 1);
    T("t.s2 != val(t.s)", 1);
    T("t.s2 in (val(t.s2))", -1); /* val is not a list value */
    TT_CHECK_INT(ev("t.n = val(t.s)"), -1);
}

TT_TEST(field_arguments)
{
    seen_index = -1;
    T("t.arg[3] = x", 1);
    TT_CHECK_INT(seen_index, 3);
    T("t.arg['7'] = x", 1);
    TT_CHECK_INT(seen_index, 7);
}

TT_TEST(quoting_and_escapes)
{
    T("t.s2 = \"b\\x61sh\"", 1);
    T("t.s2 = 'ba\\tsh'", 0);
    T("t.s = \"\\/usr\\/bin\\/Bash\"", 1);
    TT_CHECK_INT(ev("t.s2 = 'a\\\"b'"), -1);
    TT_CHECK_STR(last_err, "invalid \\\" escape in '-quoted string");
    TT_CHECK_INT(ev("t.s2 = \"a\\qb\""), -1);
    TT_CHECK_STR(last_err, "unsupported string escape sequence: \\q");
}

TT_TEST(precedence_not_and_or)
{
    /* not > and > or */
    T("t.s2 = x and t.s2 = y or t.s2 = bash", 1);
    T("t.s2 = bash or t.s2 = x and t.s2 = y", 1);
    T("not t.s2 = bash or t.s2 = bash", 1);
    T("not (t.s2 = bash or t.s2 = x)", 0);
    T("not not t.s2 = bash", 1);
    T("not(t.s2 = x)", 1);
    T("t.s2 = bash and(t.n < 0)", 1);
    T("t.s2 = x or(t.n < 0)", 1);
}

TT_TEST(short_circuit_evaluation)
{
    /* t.arg records its index when extracted: the right side of a decided `and`/`or` is not
     * evaluated */
    seen_index = -1;
    T("t.s2 = x and t.arg[5] = x", 0);
    TT_CHECK_INT(seen_index, -1);
    T("t.s2 = bash or t.arg[6] = x", 1);
    TT_CHECK_INT(seen_index, -1);
    T("t.s2 = bash and t.arg[8] = x", 1);
    TT_CHECK_INT(seen_index, 8);
}

TT_TEST(syntax_errors)
{
    TT_CHECK_INT(ev("t.s2 = bash and"), -1);
    TT_CHECK_INT(ev("t.s2 = bash andt.s = x"), -1);
    TT_CHECK_STR(last_err, "expected blank or '(' after 'and'");
    TT_CHECK_INT(ev("t.s2 = bash )"), -1);
    TT_CHECK_STR(last_err, "unexpected token after 'bash', expecting 'or', 'and'");
    TT_CHECK_INT(ev("t.s2 bogus x"), -1);
    TT_CHECK_INT(ev("t.nosuch = 1"), -1);
    TT_CHECK_STR(last_err, "filter_check called with nonexistent field t.nosuch");
    TT_CHECK_INT(ev("(t.s2 = bash"), -1);
    TT_CHECK_STR(last_err, "expected a ')' token");
}

TT_TEST(event_type_checks)
{
    TT_CHECK_INT(ev_type("evt.type = open", TT_EV_OPEN), 1);
    TT_CHECK_INT(ev_type("evt.type = open", TT_EV_OPENAT), 0);
    TT_CHECK_INT(ev_type("evt.type in (open, openat)", TT_EV_OPENAT), 1);
    TT_CHECK_INT(ev_type("evt.type != open", TT_EV_OPENAT), 1);
    TT_CHECK_INT(ev_type("evt.type != open", TT_EV_OPEN), 0);
    TT_CHECK_INT(ev_type("not evt.type in (execve)", TT_EV_OPEN), 1);
    /* a Linux syscall Tartan never produces is valid, never matches */
    TT_CHECK_INT(ev_type("evt.type = mprotect", TT_EV_OPEN), 0);
    TT_CHECK_INT(ev_type("evt.type = nosuchcall", TT_EV_OPEN), -1);
    TT_CHECK_STR(last_err, "unknown event type nosuchcall");
}

TT_TEST(lists_substituted_as_text)
{
    T("t.s2 in (shells)", 1);
    T("t.s2 in (empty_list, shells)", 1);
    T("t.s2 in (empty_list)", 0);
    T("t.s2 in (zsh, empty_list)", 0);
}

int main(void)
{
    return tt_run_all();
}

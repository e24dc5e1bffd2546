/* Rules files: Falco's merge semantics (redefinition in place, append, override, exceptions,
 * list substitution, list-in-list, macro visibility), warnings, selections, rule order and
 * the event-type index; and the upstream ruleset loading clean with the real field registry. */
#include "tt_test.h"
#include "tt_upstream.h"

#include <arpa/inet.h>

#include "../../engine/rules_int.h"
#include "ruleset.h"

static struct fld_info fi[] = {
    {"t.s", FT_STRING, 0, "", 0},
    {"t.n", FT_INT64, 0, "", 1},
    {"evt.type", FT_STRING, 0, "", 2},
};
static const char *v_s = "bash";
static int64_t v_n = -5;

static int fk_resolve(void *arg, const char *name, const char *farg, struct fld_ref *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(fi) / sizeof(fi[0]); i++)
        if (strcmp(fi[i].name, name) == 0) {
            out->info = &fi[i];
            return 0;
        }
    snprintf(err, errlen, "filter_check called with nonexistent field %s", name);
    return -1;
}

static int fk_extract(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx,
                      enum fld_mode mode, struct fld_value *out, int max)
{
    if (ref->info->id == 0) {
        out->type = FT_STRING;
        out->v.s.p = v_s;
        out->v.s.len = strlen(v_s);
        return 1;
    }
    if (ref->info->id == 1) {
        out->type = FT_INT64;
        out->v.i = v_n;
        return 1;
    }
    out->type = FT_STRING;
    out->v.s.p = "open";
    out->v.s.len = 4;
    return 1;
}

static const struct cond_fields fake = {fk_resolve, fk_extract, NULL, NULL, NULL};
static struct rules_diags D;

/* Loads n YAML buffers named f1.yaml, f2.yaml... */
static struct ruleset *load_n(struct ruleset_opts *o, size_t n, const char *const *bufs)
{
    const char *names[] = {"f1.yaml", "f2.yaml", "f3.yaml"};
    size_t lens[3];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(bufs[i]);
    struct ruleset_opts def;
    if (!o) {
        memset(&def, 0, sizeof(def));
        o = &def;
    }
    o->fields = &fake;
    o->no_output_compile = 1;
    rules_diags_free(&D);
    rules_diags_init(&D);
    struct ruleset *rs = NULL;
    ruleset_load_buffers(names, bufs, lens, n, o, &D, &rs);
    return rs;
}

static struct ruleset *load1(const char *y)
{
    return load_n(NULL, 1, &y);
}

static int has_diag(int code, const char *msg_part)
{
    for (size_t i = 0; i < D.n; i++)
        if (D.v[i].code == code && (!msg_part || strstr(D.v[i].message, msg_part)))
            return 1;
    return 0;
}

static int eval_name(struct ruleset *rs, const char *name)
{
    for (size_t i = 0; i < ruleset_nrules(rs); i++)
        if (strcmp(ruleset_rule(rs, i)->name, name) == 0)
            return ruleset_eval_rule(rs, i, NULL, TT_EV_OPEN);
    return -1;
}

#define RULE(name, cond)                                                                           \
    "- rule: " name "\n  desc: d\n  condition: " cond "\n  output: o\n  priority: INFO\n"

TT_TEST(redefinition_keeps_position)
{
    struct ruleset *rs =
        load1(RULE("A", "t.s = x") RULE("B", "t.s = bash") RULE("A", "t.s = bash"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(ruleset_nrules(rs), 2);
    TT_CHECK_STR(ruleset_rule(rs, 0)->name, "A");
    TT_CHECK_STR(ruleset_rule(rs, 0)->condition, "t.s = bash");
    TT_CHECK_INT(eval_name(rs, "A"), 1);
    ruleset_free(rs);
}

TT_TEST(deprecated_append_is_text_without_parentheses)
{
    /* A or B + "and not C" = A or (B and not C): true when A holds even if C holds */
    struct ruleset *rs =
        load1("- macro: m\n  condition: t.s = bash or t.s = x\n"
              "- macro: m\n  append: true\n  condition: and not t.n = -5\n" RULE("R", "m"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK(has_diag(LOAD_DEPRECATED_ITEM, "'append' key is deprecated"));
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
    /* same for a rule condition */
    rs = load1(RULE(
        "R", "t.s = bash or t.s = x") "- rule: R\n  append: true\n  condition: and not t.n = -5\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK_STR(ruleset_rule(rs, 0)->condition, "t.s = bash or t.s = x and not t.n = -5");
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
}

TT_TEST(override_append_and_replace)
{
    struct ruleset *rs =
        load1("- rule: R\n  desc: d1\n  condition: t.s = bash\n  output: o1\n  priority: INFO\n"
              "  tags: [b, a]\n"
              "- rule: R\n  condition: and t.n = 1\n  output: more\n  tags: [c, a]\n"
              "  priority: ERROR\n  enabled: false\n"
              "  override:\n    condition: append\n    output: append\n    tags: append\n"
              "    priority: replace\n    enabled: replace\n");
    TT_REQUIRE(rs != NULL);
    const struct rule *r = ruleset_rule(rs, 0);
    TT_CHECK_STR(r->condition, "t.s = bash and t.n = 1");
    TT_CHECK_STR(r->output, "o1 more");
    TT_CHECK_INT(r->ntags, 3);
    TT_CHECK_STR(r->tags[0], "a");
    TT_CHECK_STR(r->tags[2], "c");
    TT_CHECK_INT(r->priority, PRI_ERROR);
    TT_CHECK_INT(r->enabled, 0);
    TT_CHECK_INT(ruleset_nenabled(rs), 0);
    ruleset_free(rs);
    rs = load1(RULE(
        "R",
        "t.s = x") "- rule: R\n  condition: t.s = bash\n  override:\n    condition: replace\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
}

TT_TEST(override_errors)
{
    TT_CHECK(load1("- rule: R\n  condition: x\n  override:\n    condition: append\n") == NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "no rule by that name already exists"));
    TT_CHECK(
        load1(RULE("R",
                   "t.s = x") "- rule: R\n  priority: INFO\n  override:\n    priority: append\n") ==
        NULL);
    TT_CHECK(has_diag(LOAD_ERR_YAML_VALIDATE,
                      "Key 'priority' cannot be appended to, use 'replace' instead"));
    TT_CHECK(load1(RULE("R", "t.s = x") "- rule: R\n  condition: t.s = y\n  desc: z\n  override:\n "
                                        "   condition: replace\n") == NULL);
    TT_CHECK(
        has_diag(LOAD_ERR_YAML_VALIDATE,
                 "Unexpected key 'desc': no corresponding entry under 'override' is defined."));
    TT_CHECK(load1(RULE("R", "t.s = x") "- rule: R\n  condition: t.s = y\n  append: true\n  "
                                        "override:\n    condition: replace\n") == NULL);
    TT_CHECK(has_diag(LOAD_ERR_YAML_VALIDATE, "cannot be used together"));
    TT_CHECK(
        load1(RULE(
            "R",
            "t.s = x") "- rule: R\n  condition: t.s = y\n  override:\n    condition: merge\n") ==
        NULL);
    TT_CHECK(has_diag(LOAD_ERR_YAML_VALIDATE, "Invalid override operation for key 'condition': "
                                              "'merge'. Allowed values are: append replace "));
}

TT_TEST(lists_append_replace_and_nesting)
{
    struct ruleset *rs = load1("- list: a\n  items: [zsh]\n"
                               "- list: a\n  items: [bash]\n  override:\n    items: append\n"
                               "- list: b\n  items: [a, csh]\n" RULE("R", "t.s in (b)"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
    rs = load1("- list: a\n  items: [bash]\n"
               "- list: a\n  items: [zsh]\n" RULE("R", "t.s in (a)"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 0); /* redefinition replaced the items */
    ruleset_free(rs);
    /* a list naming a LATER list keeps the name as a literal */
    rs = load1("- list: b\n  items: [a]\n- list: a\n  items: [bash]\n" RULE("R", "t.s in (b)"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 1); /* textual pass still expands `a` inside the rule */
    ruleset_free(rs);
    TT_CHECK(load1("- list: z\n  items: [x]\n  append: true\n") == NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "no list by that name already exists"));
}

TT_TEST(exceptions_become_condition)
{
    struct ruleset *rs =
        load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
              "  exceptions:\n"
              "    - name: e1\n      fields: [t.s, t.n]\n      comps: [=, =]\n"
              "      values:\n        - [zsh, 1]\n        - [bash, -5]\n"
              "    - name: e2\n      fields: t.s\n      values: [a b, c]\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK_STR(ruleset_rule(rs, 0)->condition,
                 "(t.s exists) and not (( t.s = zsh and  t.n = 1) or ( t.s = bash and  t.n = "
                 "-5)) and not (t.s in (\"a b\", c))");
    TT_CHECK_INT(eval_name(rs, "R"), 0);
    TT_CHECK_INT(ruleset_rule(rs, 0)->nexception_fields, 3);
    ruleset_free(rs);
    /* appending values to an existing exception */
    rs = load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
               "  exceptions:\n    - name: e\n      fields: t.s\n      values: [zsh]\n"
               "- rule: R\n  exceptions:\n    - name: e\n      values: [bash]\n"
               "  override:\n    exceptions: append\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 0);
    ruleset_free(rs);
}

TT_TEST(exception_errors)
{
    TT_CHECK(load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
                   "  exceptions:\n    - name: e\n      fields: [t.s, t.n]\n      comps: [=]\n") ==
             NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length"));
    TT_CHECK(
        load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
              "  exceptions:\n    - name: e\n      fields: [t.s, t.n]\n      values: [[a]]\n") ==
        NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "Fields and values lists must have equal length"));
    TT_CHECK(load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
                   "  exceptions:\n    - name: e\n      fields: [t.nope]\n      values: [[a]]\n") ==
             NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "'t.nope' is not a supported filter field"));
    TT_CHECK(load1("- rule: R\n  desc: d\n  condition: t.s exists\n  output: o\n  priority: INFO\n"
                   "  exceptions:\n    - name: e\n      fields: [t.s]\n      comps: [like]\n") ==
             NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "'like' is not a supported comparison operator"));
}

TT_TEST(macro_visibility_and_loops)
{
    /* a macro may only use macros defined before it */
    TT_CHECK(load1("- macro: a\n  condition: b\n- macro: b\n  condition: t.s = bash\n" RULE(
                 "R", "a")) == NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "Undefined macro 'b' used in filter."));
    /* rules see every macro */
    struct ruleset *rs = load1(RULE("R", "m") "- macro: m\n  condition: t.s = bash\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
    TT_CHECK(load1("- macro: a\n  condition: t.s = x\n- macro: b\n  condition: a\n"
                   "- macro: a\n  condition: b\n" RULE("R", "a")) == NULL);
    TT_CHECK(has_diag(LOAD_ERR_VALIDATE, "reference loop in macro"));
    /* `dup` inside a list value is a value, not the macro */
    rs = load1(
        "- macro: dup\n  condition: t.s = nothing\n" RULE("R", "t.s in (dup, bash) and not dup"));
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
}

TT_TEST(warnings_unused_unknown_source_keys)
{
    struct ruleset *rs =
        load1("- macro: unused_m\n  condition: t.s = x\n- list: unused_l\n  items: [x]\n"
              "- rule: K\n  desc: d\n  condition: t.s = x\n  output: o\n  priority: INFO\n"
              "  source: k8s_audit\n"
              "- rule: R\n  desc: d\n  condition: t.s = bash\n  output: o\n  priority: info\n"
              "  colour: red\n"
              "- frobnicate: 1\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK(has_diag(LOAD_UNUSED_MACRO, NULL));
    TT_CHECK(has_diag(LOAD_UNUSED_LIST, NULL));
    TT_CHECK(has_diag(LOAD_UNKNOWN_SOURCE, "Unknown source k8s_audit, skipping"));
    TT_CHECK(has_diag(LOAD_UNKNOWN_KEY, "Unknown key 'colour'. The key will be ignored."));
    TT_CHECK(has_diag(LOAD_UNKNOWN_ITEM, "Unknown top level item"));
    TT_CHECK(has_diag(LOAD_NO_EVTTYPE, NULL));
    TT_CHECK_INT(ruleset_nrules(rs), 1); /* the k8s_audit rule is skipped */
    TT_CHECK(D.nerrors == 0);
    ruleset_free(rs);
}

TT_TEST(standalone_enabled_and_selections)
{
    struct ruleset *rs =
        load1(RULE("A", "t.s = bash") RULE("B", "t.s = bash") "- rule: A\n  enabled: false\n");
    TT_REQUIRE(rs != NULL);
    TT_CHECK(has_diag(LOAD_DEPRECATED_ITEM, "standalone 'enabled'"));
    TT_CHECK_INT(ruleset_rule(rs, 0)->enabled, 0);
    TT_CHECK_INT(ruleset_rule(rs, 1)->enabled, 1);
    ruleset_free(rs);

    const char *y = "- rule: Shell one\n  desc: d\n  condition: t.s = bash\n  output: o\n"
                    "  priority: WARNING\n  tags: [shell]\n"
                    "- rule: Shell two\n  desc: d\n  condition: t.s = bash\n  output: o\n"
                    "  priority: DEBUG\n  tags: [shell]\n"
                    "- rule: Net\n  desc: d\n  condition: t.s = bash\n  output: o\n"
                    "  priority: ERROR\n  tags: [net]\n";
    struct rule_selection sel[] = {{0, "Shell*", NULL}, {1, NULL, "shell"}, {0, "Net", NULL}};
    struct ruleset_opts o;
    memset(&o, 0, sizeof(o));
    o.sel = sel;
    o.nsel = 3;
    o.min_priority_set = 1;
    o.min_priority = PRI_NOTICE;
    rs = load_n(&o, 1, &y);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(ruleset_rule(rs, 0)->enabled, 1); /* disabled then re-enabled by tag */
    TT_CHECK_INT(ruleset_rule(rs, 1)->enabled, 0); /* DEBUG < NOTICE: never enabled */
    TT_CHECK_INT(ruleset_rule(rs, 2)->enabled, 0);
    ruleset_free(rs);

    const char *dis[] = {"two"}, *only[] = {"net"};
    memset(&o, 0, sizeof(o));
    o.disable_substr = dis;
    o.ndisable_substr = 1;
    rs = load_n(&o, 1, &y);
    TT_CHECK_INT(ruleset_nenabled(rs), 2);
    ruleset_free(rs);
    memset(&o, 0, sizeof(o));
    o.only_tags = only;
    o.nonly_tags = 1;
    rs = load_n(&o, 1, &y);
    TT_CHECK_INT(ruleset_nenabled(rs), 1);
    TT_CHECK_INT(ruleset_rule(rs, 2)->enabled, 1);
    ruleset_free(rs);
}

TT_TEST(files_are_cumulative)
{
    const char *bufs[] = {"- macro: m\n  condition: t.s = x\n" RULE("R", "m"),
                          "- macro: m\n  condition: or t.s = bash\n  override:\n"
                          "    condition: append\n"};
    struct ruleset *rs = load_n(NULL, 2, bufs);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(D.nfiles, 2);
    TT_CHECK_INT(eval_name(rs, "R"), 1);
    ruleset_free(rs);
    /* an error in the first file fails the load */
    const char *bad[] = {RULE("R", "undefined_m"), "- macro: undefined_m\n  condition: t.s = x\n"};
    TT_CHECK(load_n(NULL, 2, bad) == NULL);
    TT_CHECK_INT(D.files[0].ok, 0);
}

static int order[8], norder;
static void on_match(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    if (norder < 8)
        order[norder++] = (int)r->index;
}

TT_TEST(index_order_first_and_all)
{
    struct ruleset *rs = load1(RULE("A", "evt.type = open and t.s = bash")
                                   RULE("B", "evt.type in (execve, open) and t.s = bash")
                                       RULE("C", "evt.type = execve") RULE("D", "t.s = bash"));
    TT_REQUIRE(rs != NULL);
    uint8_t set[TT_EV_COUNT];
    ruleset_rule_event_types(rs, 0, set);
    TT_CHECK(set[TT_EV_OPEN] && !set[TT_EV_EXECVE] && !set[TT_EV_OPENAT]);
    ruleset_rule_event_types(rs, 3, set);
    TT_CHECK(set[TT_EV_OPEN] && set[TT_EV_EXECVE] && set[TT_EV_CONNECT]);
    norder = 0;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, PRI_DEBUG, on_match, NULL), 3);
    TT_CHECK_INT(norder, 3);
    TT_CHECK_INT(order[0], 0);
    TT_CHECK_INT(order[1], 1);
    TT_CHECK_INT(order[2], 3);
    norder = 0;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 0, PRI_DEBUG, on_match, NULL), 1);
    TT_CHECK_INT(order[0], 0);
    /* priority threshold: INFO rules are less severe than WARNING */
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, PRI_WARNING, on_match, NULL), 0);
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_EXECVE, 1, PRI_DEBUG, NULL, NULL), 3);
    ruleset_free(rs);
}

TT_TEST(reenabled_rule_moves_to_the_end)
{
    const char *y = RULE("A", "t.s = bash") RULE("B", "t.s = bash") RULE("C", "t.s = bash");
    struct rule_selection sel[] = {{0, "A", NULL}, {1, "A", NULL}, {1, "B", NULL}};
    struct ruleset_opts o;
    memset(&o, 0, sizeof(o));
    o.sel = sel;
    o.nsel = 3;
    struct ruleset *rs = load_n(&o, 1, &y);
    TT_REQUIRE(rs != NULL);
    norder = 0;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 1, PRI_DEBUG, on_match, NULL), 3);
    TT_CHECK_INT(order[0], 1); /* B stays (already enabled) */
    TT_CHECK_INT(order[1], 2);
    TT_CHECK_INT(order[2], 0); /* A was disabled then enabled: last */
    norder = 0;
    TT_CHECK_INT(ruleset_eval(rs, NULL, TT_EV_OPEN, 0, PRI_DEBUG, on_match, NULL), 1);
    TT_CHECK_INT(order[0], 1);
    ruleset_free(rs);
    /* '*' is the only wildcard */
    struct rule_selection sel2[] = {{0, "?", NULL}, {0, "*C", NULL}};
    o.sel = sel2;
    o.nsel = 2;
    rs = load_n(&o, 1, &y);
    TT_CHECK_INT(ruleset_nenabled(rs), 2);
    TT_CHECK_INT(ruleset_rule(rs, 2)->enabled, 0);
    ruleset_free(rs);
}

TT_TEST(condition_hints_and_deprecated_fields)
{
    /* real field registry: evt.dir is deprecated */
    const char *y =
        "- rule: R\n  desc: d\n  condition: evt.type=open and evt.dir = < and proc.name "
        "regex \"bash\" and fd.name = proc.name and proc.name = \"tolower(x)\"\n"
        "  output: \"%evt.latency %proc.name\"\n  priority: INFO\n";
    const char *names[] = {"w.yaml"}, *bufs[] = {y};
    size_t lens[] = {strlen(y)};
    struct ruleset *rs = NULL;
    rules_diags_free(&D);
    rules_diags_init(&D);
    TT_CHECK_INT(ruleset_load_buffers(names, bufs, lens, 1, NULL, &D, &rs), 0);
    TT_CHECK(has_diag(LOAD_DEPRECATED_ITEM, "usage of deprecated field 'evt.latency'"));
    TT_CHECK(has_diag(LOAD_DEPRECATED_ITEM, "'evt.dir = <' always evaluates to true"));
    TT_CHECK(has_diag(LOAD_COMPILE_CONDITION, "regex check with 'bash' may be optimized"));
    TT_CHECK(has_diag(LOAD_COMPILE_CONDITION,
                      "'proc.name' may be a valid field misused as a const string value"));
    TT_CHECK(has_diag(LOAD_COMPILE_CONDITION, "'tolower(x)' may be a valid field transformer"));
    int df = 0;
    for (size_t i = 0; i < D.n; i++)
        df += D.v[i].deprecated_field != NULL;
    TT_CHECK_INT(df, 2);
    TT_CHECK_INT(D.nerrors, 0);
    ruleset_free(rs);
}

TT_TEST(upstream_ruleset_loads_clean)
{
    const char *path = tt_upstream("falco-rules/falco_rules.yaml");
    if (!path)
        return;
    const char *paths[] = {path};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, NULL, &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(d.nerrors, 0);
    TT_CHECK_INT(d.nwarnings, 0);
    TT_CHECK_INT(ruleset_nrules(rs), 25);
    TT_CHECK_INT(ruleset_nenabled(rs), 25);
    uint8_t set[TT_EV_COUNT];
    int n = ruleset_event_types(rs, set);
    TT_CHECK(n > 10 && n < 40);
    TT_CHECK(set[TT_EV_EXECVE] && set[TT_EV_OPENAT] && set[TT_EV_CONNECT] && set[TT_EV_PTRACE]);
    TT_CHECK(!set[TT_EV_MKDIR]);
    const struct rule *r = ruleset_find(rs, "Terminal shell in container");
    TT_CHECK(r != NULL && r->priority == PRI_NOTICE && r->ntags > 0);
    if (d.n)
        rules_diags_print(&d, stderr);
    ruleset_free(rs);
    rules_diags_free(&d);
}

int main(void)
{
    rules_diags_init(&D);
    int rc = tt_run_all();
    rules_diags_free(&D);
    return rc;
}

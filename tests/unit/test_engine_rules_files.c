/* Rules files on disk and rule keys with the real field registry: directories (sorted,
 * yaml and yml only), unreadable files, required_engine_version forms, skip-if-unknown-filter,
 * warn_evttypes, capture keys, -V output shapes and -L/-l descriptions. */
#include "tt_event.h"
#include "tt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ruleset.h"

static char tmpdir[256];

static void write_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *path_of(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
    return p[k];
}

static int has(const struct rules_diags *d, int code, const char *part)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].code == code && (!part || strstr(d->v[i].message, part)))
            return 1;
    return 0;
}

#define R(name, cond, extra)                                                                       \
    "- rule: " name "\n  desc: a rule\n  condition: " cond "\n  output: \"x %proc.name\"\n"        \
    "  priority: WARNING\n" extra

TT_TEST(directory_sorted_yaml_only)
{
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/rules.d", tmpdir);
    mkdir(sub, 0755);
    write_file(
        "rules.d/20-b.yaml",
        "- rule: A\n  condition: and proc.name = bash\n  override:\n    condition: append\n");
    write_file("rules.d/10-a.yml", R("A", "evt.type = execve", ""));
    write_file("rules.d/30-c.txt", "this is not yaml: [");
    const char *paths[] = {sub};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, NULL, &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(d.nfiles, 2);
    if (d.nfiles == 2) {
        TT_CHECK(strstr(d.files[0].name, "10-a.yml") != NULL);
        TT_CHECK(strstr(d.files[1].name, "20-b.yaml") != NULL);
    }
    const struct rule *r = ruleset_find(rs, "A");
    TT_CHECK(r && strcmp(r->condition, "evt.type = execve and proc.name = bash") == 0);
    ruleset_free(rs);
    rules_diags_free(&d);
}

TT_TEST(unreadable_file_is_file_read_error)
{
    const char *paths[] = {path_of("does-not-exist.yaml")};
    struct rules_diags d;
    rules_diags_init(&d);
    TT_CHECK(ruleset_load(paths, 1, NULL, &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_FILE_READ, "Could not open file"));
    rules_diags_free(&d);
}

static struct ruleset *load_text(const char *text, struct rules_diags *d)
{
    write_file("t.yaml", text);
    const char *paths[] = {path_of("t.yaml")};
    rules_diags_init(d);
    return ruleset_load(paths, 1, NULL, d);
}

TT_TEST(engine_version_forms)
{
    struct rules_diags d;
    struct ruleset *rs = load_text("- required_engine_version: 57\n", &d);
    TT_REQUIRE(rs != NULL);
    ruleset_free(rs);
    rules_diags_free(&d);
    rs = load_text("- required_engine_version: 0.57.0\n", &d);
    TT_REQUIRE(rs != NULL);
    ruleset_free(rs);
    rules_diags_free(&d);
    TT_CHECK(load_text("- required_engine_version: 1.0.0\n", &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_VALIDATE, "Rules require engine version 1.0.0"));
    rules_diags_free(&d);
    TT_CHECK(load_text("- required_engine_version: 0.99.0\n", &d) == NULL);
    rules_diags_free(&d);
    TT_CHECK(load_text("- required_engine_version: banana\n", &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_YAML_VALIDATE, "Unable to parse engine version 'banana'"));
    rules_diags_free(&d);
    rs = load_text("- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n", &d);
    TT_REQUIRE(rs != NULL);
    ruleset_free(rs);
    rules_diags_free(&d);
    TT_CHECK(load_text("- required_plugin_versions:\n  - name: cloudtrail\n    version: 0.2.3\n"
                       "    alternatives:\n      - name: json\n        version: 0.1.0\n",
                       &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_VALIDATE,
                 "Plugin requirement not satisfied, must load one of: cloudtrail (>= 0.2.3), json "
                 "(>= 0.1.0)"));
    rules_diags_free(&d);
    rs = load_text("- required_plugin_versions:\n  - name: k8smeta\n    version: 0.1.0\n"
                   "    alternatives:\n      - name: container\n        version: 0.2.0\n",
                   &d);
    TT_CHECK(rs != NULL);
    ruleset_free(rs);
    rules_diags_free(&d);
    TT_CHECK(load_text("- required_plugin_versions:\n  - name: x\n    version: abc\n", &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_VALIDATE, "Invalid required version 'abc' for plugin 'x'"));
    rules_diags_free(&d);
}

TT_TEST(skip_if_unknown_filter)
{
    struct rules_diags d;
    struct ruleset *rs =
        load_text(R("A", "evt.type = open and proc.nosuch = 1", "  skip-if-unknown-filter: true\n")
                      R("B", "evt.type = open", ""),
                  &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK(has(&d, LOAD_UNKNOWN_FILTER, "nonexistent field proc.nosuch"));
    TT_CHECK_INT(ruleset_nrules(rs), 1);
    TT_CHECK(ruleset_find(rs, "A") == NULL);
    ruleset_free(rs);
    rules_diags_free(&d);
    /* without the key it is an error */
    TT_CHECK(load_text(R("A", "evt.type = open and proc.nosuch = 1", ""), &d) == NULL);
    TT_CHECK(has(&d, LOAD_ERR_COMPILE_CONDITION, "nonexistent field proc.nosuch"));
    rules_diags_free(&d);
}

TT_TEST(warn_evttypes_and_capture_keys)
{
    struct rules_diags d;
    struct ruleset *rs = load_text(R("A", "proc.name = bash", ""), &d);
    TT_CHECK(has(&d, LOAD_NO_EVTTYPE, "Rule matches too many evt.type values"));
    ruleset_free(rs);
    rules_diags_free(&d);
    rs = load_text(R("A", "proc.name = bash",
                     "  warn_evttypes: false\n  capture: true\n"
                     "  capture_duration: 5000\n  enabled: false\n"),
                   &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(d.nwarnings, 0);
    const struct rule *r = ruleset_rule(rs, 0);
    TT_CHECK(r && r->capture == 1 && r->capture_duration == 5000 && r->enabled == 0);
    ruleset_free(rs);
    rules_diags_free(&d);
    /* a statically false condition has no event types and does not warn */
    rs = load_text("- macro: never_true\n  condition: (evt.num=0)\n" R("A", "never_true", ""), &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK(!has(&d, LOAD_NO_EVTTYPE, NULL));
    uint8_t set[512];
    TT_CHECK_INT(ruleset_rule_event_types(rs, 0, set), 0);
    ruleset_free(rs);
    rules_diags_free(&d);
}

static char *capture_validate(const char *const *paths, size_t n, int json, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out)
        return NULL;
    *rc = rules_validate_main(paths, n, json, out, NULL);
    fclose(out);
    return buf;
}

TT_TEST(validate_output_shapes)
{
    write_file("ok.yaml", R("A", "evt.type = open", ""));
    write_file("warn.yaml", "- macro: unused\n  condition: evt.type = open\n");
    const char *paths[] = {path_of("ok.yaml"), path_of("warn.yaml")};
    int rc = -1;
    char *s = capture_validate(paths, 2, 0, &rc);
    char want[2048];
    snprintf(want, sizeof(want), "%s: Ok\n%s: Ok, with warnings\n", paths[0], paths[1]);
    TT_CHECK_INT(rc, 0);
    TT_CHECK_STR(s, want);
    free(s);
    s = capture_validate(paths, 2, 1, &rc);
    TT_CHECK(s && strncmp(s, "{\"falco_load_results\":[{\"errors\":[],\"name\":", 43) == 0);
    TT_CHECK(s && strstr(s, "\"code\":\"LOAD_UNUSED_MACRO\""));
    TT_CHECK(s && strstr(s, "\"successful\":true"));
    free(s);
}

TT_TEST(validate_verbose_text)
{
    write_file("um.yaml", "- rule: r1\n  desc: d\n  condition: evt.type=open and not_a_macro\n"
                          "  output: o\n  priority: WARNING\n");
    const char *paths[] = {path_of("um.yaml")};
    int rc = -1;
    char *s = capture_validate(paths, 1, 0, &rc);
    char want[4096];
    snprintf(want, sizeof(want),
             "%s: Invalid\n1 Errors:\nIn rules content: (%s:0:0)\n    rule 'r1': (%s:0:2)\n"
             "    condition expression: (\"evt.type=open and...\":1:21)\n------\n"
             "evt.type=open and not_a_macro\n                    ^\n------\n"
             "LOAD_ERR_VALIDATE (Error validating rule/macro/list/exception objects): Undefined "
             "macro 'not_a_macro' used in filter.\n\n",
             paths[0], paths[0], paths[0]);
    TT_CHECK_INT(rc, 1);
    TT_CHECK_STR(s, want);
    free(s);
}

TT_TEST(describe_rules)
{
    struct rules_diags d;
    struct ruleset *rs = load_text(R("Shell in box", "evt.type = execve", "  tags: [b, a]\n"), &d);
    TT_REQUIRE(rs != NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    TT_CHECK_INT(rules_describe(rs, NULL, 0, out), 0);
    fclose(out);
    TT_CHECK_STR(buf, "Rule                                               Description\n"
                      "----                                               -----------\n"
                      "Shell in box                                       a rule \n\n");
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    TT_CHECK_INT(rules_describe(rs, "Shell in box", 1, out), 0);
    fclose(out);
    TT_CHECK(buf && strstr(buf, "\"name\":\"Shell in box\"") &&
             strstr(buf, "\"tags\":[\"a\",\"b\"]"));
    free(buf);
    buf = NULL;
    out = open_memstream(&buf, &len);
    TT_CHECK_INT(rules_describe(rs, "nope", 0, out), 1);
    fclose(out);
    free(buf);
    ruleset_free(rs);
    rules_diags_free(&d);
    /* -L JSON: requirements, rules with details, macros and lists */
    rs = load_text(
        "- required_engine_version: 0.50.0\n- list: sh\n  items: [bash]\n"
        "- list: shells\n  items: [sh, zsh]\n- macro: spawned\n"
        "  condition: evt.type = execve\n" R("S", "spawned and proc.name in (shells)", ""),
        &d);
    TT_REQUIRE(rs != NULL);
    buf = NULL;
    out = open_memstream(&buf, &len);
    TT_CHECK_INT(rules_describe(rs, NULL, 1, out), 0);
    fclose(out);
    TT_CHECK(buf && strstr(buf, "\"required_engine_version\":\"0.50.0\""));
    TT_CHECK(buf && strstr(buf, "\"condition_compiled\":\"(evt.type = execve and proc.name in "
                                "(bash, zsh))\""));
    TT_CHECK(buf && strstr(buf, "\"lists\":[\"shells\"],\"macros\":[\"spawned\"]"));
    TT_CHECK(buf && strstr(buf, "\"info\":{\"items\":[\"zsh\"],\"name\":\"shells\"}"));
    TT_CHECK(buf && strstr(buf, "\"items_compiled\":[\"bash\",\"zsh\"],\"lists\":[\"sh\"]"));
    free(buf);
    ruleset_free(rs);
    rules_diags_free(&d);
}

int main(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tartan-rules-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL setup: mkdtemp\n");
        return 1;
    }
    int rc = tt_run_all();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}

/* What the engine asks the tracer for (TARTAN_SYSCALLS_FILE): environments when an enabled
 * rule reads proc.env, every recvfrom when one reads a recvfrom's data. */
TT_TEST(needs_env_and_recvfrom_data)
{
    struct rules_diags d;
    struct ruleset *rs = load_text("- rule: a\n  desc: x\n  condition: evt.type=execve and "
                                   "proc.env icontains HTTP_PROXY\n  output: o\n  priority: INFO\n"
                                   "- rule: b\n  desc: x\n  condition: evt.type=recvfrom and "
                                   "fd.l4proto=udp\n  output: o %proc.name\n  priority: INFO\n",
                                   &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(ruleset_needs_env(rs), 1);
    TT_CHECK_INT(ruleset_recvfrom_needs_all(rs), 0); /* addressed recvfroms are enough */
    ruleset_free(rs);
    rules_diags_free(&d);
    rs = load_text("- rule: a\n  desc: x\n  condition: evt.type=execve\n  output: env=%proc.env\n"
                   "  priority: INFO\n  enabled: false\n"
                   "- rule: b\n  desc: x\n  condition: evt.type=recvfrom and evt.buffer bcontains "
                   "cafebabe\n  output: o\n  priority: INFO\n",
                   &d);
    TT_REQUIRE(rs != NULL);
    TT_CHECK_INT(ruleset_needs_env(rs), 0); /* only a disabled rule prints it */
    TT_CHECK_INT(ruleset_recvfrom_needs_all(rs), 1);
    ruleset_free(rs);
    rules_diags_free(&d);
}

/* Whether a rule can match a failed exec (cond_failed.c): the tracer stops at an exec's entry
 * only when one can (otherwise `execve.success`). */
static int failed_exec_of(const char *cond)
{
    char text[2048];
    snprintf(text, sizeof text,
             "- list: shells\n  items: [bash, sh]\n"
             "- macro: ok_exec\n  condition: (evt.type in (execve, execveat) and evt.rawres = 0)\n"
             "- rule: r\n  desc: x\n  condition: %s\n  output: o\n  priority: INFO\n",
             cond);
    struct rules_diags d;
    struct ruleset *rs = load_text(text, &d);
    int r = rs ? ruleset_matches_failed_exec(rs, TT_EV_EXECVE) : -1;
    ruleset_free(rs);
    rules_diags_free(&d);
    return r;
}

TT_TEST(failed_exec_derivation)
{
    /* can match a failed exec (the caller's proc.* fields, as Falco) */
    TT_CHECK_INT(failed_exec_of("evt.type = execve"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type in (execve, execveat) and proc.name in (shells)"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres < 0"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res != SUCCESS"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres = -2"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.rawres = 0"), 1);
    TT_CHECK_INT(failed_exec_of("ok_exec or (evt.type = execve and proc.name = x)"), 1);
    /* cannot */
    TT_CHECK_INT(failed_exec_of("ok_exec and proc.name in (shells)"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res = SUCCESS"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres >= 0"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.failed = false"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.failed = true"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres in (0)"), 0);
    TT_CHECK_INT(failed_exec_of("(evt.type = execve and evt.rawres = 0) or evt.type = open"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = open and fd.name = /etc/shadow"), 0); /* no exec */
}

/* Every comparison of evt.rawres at the edges of the failed range (-4095..-1), plain and
 * negated, against a brute-force answer: can some failed result r make it true? */
TT_TEST(failed_exec_rawres_boundaries)
{
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">="};
    static const long long vals[] = {-4097, -4096, -4095, -4094, -2, -1, 0, 1};
    for (size_t o = 0; o < 6; o++)
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
            for (int neg = 0; neg <= 1; neg++) {
                long long v = vals[k];
                int want = 0;
                for (long long r = -4095; r <= -1 && !want; r++) {
                    int t = o == 0   ? r == v
                            : o == 1 ? r != v
                            : o == 2 ? r < v
                            : o == 3 ? r <= v
                            : o == 4 ? r > v
                                     : r >= v;
                    want = neg ? !t : t;
                }
                char c[128];
                snprintf(c, sizeof c, "evt.type = execve and %sevt.rawres %s %lld",
                         neg ? "not " : "", ops[o], v);
                int got = failed_exec_of(c);
                TT_CHECKF(got == want, "`%s`: %d, want %d", c, got, want);
            }
    /* lists: only their members */
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres in (0, 1)"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres in (0, -2)"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres in (-4096, 5)"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.rawres in (0, 1)"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res in (SUCCESS)"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res in (SUCCESS, ENOENT)"), 1);
    /* evt.res and evt.failed, each operator both ways */
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res = ENOENT"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.res != ENOENT"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.res != SUCCESS"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.res = SUCCESS"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.arg.res = SUCCESS"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawarg.res >= 0"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.failed != true"), 0);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.failed != false"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and evt.rawres exists"), 1);
    TT_CHECK_INT(failed_exec_of("evt.type = execve and not evt.rawres exists"), 0);
}

/* Whether an event's result is read (`NAME.entry` otherwise): only for calls the engine keeps
 * no state from, and only when no rule reads the result, an fd or every parameter. */
static int reads_result_of(const char *cond, const char *output, unsigned type)
{
    char text[2048];
    snprintf(text, sizeof text,
             "- rule: r\n  desc: x\n  condition: %s\n  output: %s\n"
             "  priority: INFO\n",
             cond, output);
    struct rules_diags d;
    struct ruleset *rs = load_text(text, &d);
    int r = rs ? ruleset_reads_result(rs, type) : -1;
    ruleset_free(rs);
    rules_diags_free(&d);
    return r;
}

TT_TEST(result_reads_derivation)
{
    TT_CHECK_INT(
        reads_result_of("evt.type = ptrace and evt.arg.request = 16", "o %proc.name", TT_EV_PTRACE),
        0);
    TT_CHECK_INT(reads_result_of("evt.type = ptrace", "o %evt.res", TT_EV_PTRACE), 1);
    TT_CHECK_INT(reads_result_of("evt.type = ptrace and evt.rawres = 0", "o", TT_EV_PTRACE), 1);
    TT_CHECK_INT(reads_result_of("evt.type = kill", "o %evt.args", TT_EV_KILL), 1);
    TT_CHECK_INT(reads_result_of("evt.type = kill", "o %evt.arg[0]", TT_EV_KILL), 1);
    TT_CHECK_INT(
        reads_result_of("evt.type = kill and evt.arg.sig = 9", "o %evt.arg.pid", TT_EV_KILL), 0);
    TT_CHECK_INT(reads_result_of("evt.type = unlinkat", "o %fd.name", TT_EV_UNLINKAT), 1);
    /* state is kept from these whatever the rules read; symlink's target is read back */
    TT_CHECK_INT(reads_result_of("evt.type = openat", "o", TT_EV_OPENAT), 1);
    TT_CHECK_INT(reads_result_of("evt.type = symlink", "o", TT_EV_SYMLINK), 1);
}

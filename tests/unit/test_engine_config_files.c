/* Unit tests for what the configuration never does silently: ${VAR} expansion (Falco's cases),
 * config_files (strategies, directories, order, the errors), one warning per key Tartan does not
 * implement or know, and rules_files entries that do not exist (warned, or fatal with
 * tartan.rules_files_missing: error). */
#include "tt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_rules.h"
#include "tt_log.h"

static char dir[64];

static const char *path_of(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_of(name), "w");
    if (!f) {
        TT_FAILF("cannot write %s", name);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/tt_cfgfiles_XXXXXX");
        if (!mkdtemp(dir))
            TT_FAILF("mkdtemp");
        tt_log_set_level(TT_LOG_ERROR); /* the warnings under test are collected, not printed */
    }
}

/* Loads main.yaml (with overrides) from the test directory. */
static int load(struct engine_config *c, const char *const *ov, size_t nov, char *err, size_t n)
{
    struct config_load_opts o = {.path = path_of("main.yaml"), .overrides = ov, .noverrides = nov};
    return config_load(c, &o, err, n);
}

static const char *scalar(const struct engine_config *c, const char *k1, const char *k2)
{
    const struct cfg_node *v = cfg_get(c->tree, k1);
    if (k2)
        v = cfg_get(v, k2);
    return v && v->kind == CFG_SCALAR ? v->scalar : v && v->kind == CFG_NULL ? "<null>" : NULL;
}

static int has_warning(const struct engine_config *c, const char *part)
{
    for (size_t i = 0; i < c->nwarnings; i++)
        if (strstr(c->warnings[i], part))
            return 1;
    return 0;
}

TT_TEST(env_expansion_falco_cases)
{
    setenv("TT_ENV_VAR", "envVarValue", 1);
    setenv("TT_ENV_EMBEDDED", "${TT_ENV_VAR}", 1);
    setenv("TT_ENV_BOOL", "true", 1);
    setenv("TT_ENV_EMPTY", "", 1);
    unsetenv("TT_UNSET_XX");
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"$TT_ENV_VAR", "$TT_ENV_VAR"},      /* not ${...} */
        {"${TT_ENV_VAR}", "envVarValue"},    /* a reference */
        {"$${TT_ENV_VAR}", "${TT_ENV_VAR}"}, /* escaped */
        {"$$TT_ENV_VAR", "$$TT_ENV_VAR"},    /* not an escape */
        {"$${TT_ENV_VAR}$${TT_ENV_VAR}", "${TT_ENV_VAR}${TT_ENV_VAR}"},
        {"$${${TT_ENV_VAR}}", "${envVarValue}"}, /* inner reference still expanded */
        {"$${TT_ENV_VAR}${TT_ENV_VAR}", "${TT_ENV_VAR}envVarValue"},
        {" ${TT_ENV_VAR}", " envVarValue"},
        {"${TT_ENV_VAR} ", "envVarValue "},
        {"/${TT_ENV_VAR}/${TT_ENV_VAR}${TT_ENV_VAR}/foo",
         "/envVarValue/envVarValueenvVarValue/foo"},
        {"${TT_ENV_EMBEDDED}/foo", "envVarValue/foo"}, /* Falco expands the value again */
        {"a${TT_UNSET_XX}b", "ab"},
        {"a${TT_ENV_EMPTY}b", "ab"},
        {"${TT_ENV_VAR", "${TT_ENV_VAR"}, /* no closing brace */
        {"cost $5 ${TT_ENV_VAR}", "cost $5 envVarValue"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[64];
        char *got = cfg_expand_env_str(cases[i].in, why, sizeof why);
        if (!got || strcmp(got, cases[i].want) != 0)
            TT_FAILF("'%s' -> '%s', want '%s'", cases[i].in, got ? got : "(null)", cases[i].want);
        free(got);
    }
    /* a variable that expands into itself is an error naming it, not a hang */
    setenv("TT_ENV_LOOP", "x${TT_ENV_LOOP}", 1);
    char why[64];
    TT_CHECK(cfg_expand_env_str("${TT_ENV_LOOP}", why, sizeof why) == NULL);
    TT_CHECK_STR(why, "TT_ENV_LOOP");
}

TT_TEST(env_expansion_in_configuration_values)
{
    setup();
    setenv("TT_ENV_BOOL", "true", 1);
    setenv("TT_ENV_INT", "1234", 1);
    setenv("TT_ENV_PROG", "/bin/cat", 1);
    unsetenv("TT_UNSET_XX");
    write_file("main.yaml", "json_output: ${TT_ENV_BOOL}\n"
                            "output_timeout: ${TT_ENV_INT}\n"
                            "stdout_output:\n"
                            "  enabled: ${TT_UNSET_XX}\n"
                            "program_output:\n"
                            "  enabled: true\n"
                            "  program: \"${TT_ENV_PROG} -g $${NOT_EXPANDED}\"\n"
                            "'${TT_ENV_PROG}': keys are not expanded\n");
    struct engine_config c;
    char err[512];
    if (load(&c, NULL, 0, err, sizeof err) != 0)
        TT_FAILF("%s", err);
    TT_CHECK_INT(c.json_output, 1); /* typed after expansion */
    TT_CHECK_INT(c.output_timeout_ms, 1234);
    TT_CHECK_INT(c.stdout_enabled, 1); /* unset -> no value -> default */
    TT_CHECK_STR(c.program.program, "/bin/cat -g ${NOT_EXPANDED}");
    TT_CHECK(cfg_get(c.tree, "${TT_ENV_PROG}") != NULL);
    config_free(&c);
    /* -o values are taken literally, as Falco does */
    const char *ov[] = {"program_output.program=${TT_ENV_PROG}"};
    TT_CHECK_INT(load(&c, ov, 1, err, sizeof err), 0);
    TT_CHECK_STR(c.program.program, "${TT_ENV_PROG}");
    config_free(&c);
    setenv("TT_ENV_LOOP", "${TT_ENV_LOOP}", 1);
    write_file("main.yaml", "log_level: ${TT_ENV_LOOP}\n");
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "main.yaml:1") && strstr(err, "TT_ENV_LOOP"));
    config_free(&c);
}

TT_TEST(config_files_strategies)
{
    setup();
    char text[1024];
    snprintf(text, sizeof text,
             "rules_files: [/a.yaml]\n"
             "priority: notice\n"
             "http_output: {enabled: false, url: http://main}\n"
             "config_files:\n"
             "  - %s\n"
             "  - {path: %s, strategy: override}\n"
             "  - {path: %s, strategy: add-only}\n",
             path_of("append.yaml"), path_of("override.yaml"), path_of("addonly.yaml"));
    write_file("main.yaml", text);
    write_file("append.yaml", "rules_files: [/b.yaml]\npriority: warning\n");
    write_file("override.yaml", "rules_files: [/c.yaml]\nhttp_output: {url: http://override}\n");
    write_file("addonly.yaml", "priority: error\njson_output: true\nrules_files: [/d.yaml]\n");
    struct engine_config c;
    char err[512];
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    /* append appended /b, override replaced the list with /c, add-only added nothing there */
    TT_CHECK_INT(c.nrules_files, 1);
    TT_CHECK(c.nrules_files == 1 && !strcmp(c.rules_files[0], "/c.yaml"));
    TT_CHECK_STR(scalar(&c, "priority", NULL), "warning"); /* append replaces non-lists */
    TT_CHECK_INT(c.json_output, 1);                        /* add-only adds a new key */
    /* override replaces a map whole: http_output.enabled is gone, not merged */
    TT_CHECK(scalar(&c, "http_output", "enabled") == NULL);
    TT_CHECK_STR(c.http.url, "http://override");
    /* every included file is watched for changes */
    TT_CHECK_INT(c.nsources, 4);
    config_free(&c);
    /* without the override entry, append keeps the main list and adds */
    snprintf(text, sizeof text, "rules_files: [/a.yaml]\nconfig_files: [%s]\n",
             path_of("append.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    TT_CHECK(c.nrules_files == 2 && !strcmp(c.rules_files[0], "/a.yaml") &&
             !strcmp(c.rules_files[1], "/b.yaml"));
    config_free(&c);
}

TT_TEST(config_files_directory_order_and_overrides)
{
    setup();
    char d[256];
    snprintf(d, sizeof d, "%s/config.d", dir);
    mkdir(d, 0755);
    write_file("config.d/20-second.yaml", "priority: error\nrules_files: [/second.yaml]\n");
    write_file("config.d/10-first.yaml", "priority: warning\nrules_files: [/first.yaml]\n");
    write_file("config.d/30-third.conf", "output_timeout: 777\n"); /* any regular file, as Falco */
    char text[512];
    snprintf(text, sizeof text, "rules_files: [/main.yaml]\nconfig_files: [%s]\n", d);
    write_file("main.yaml", text);
    struct engine_config c;
    char err[512];
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(c.nrules_files, 3);
    TT_CHECK(c.nrules_files == 3 && !strcmp(c.rules_files[1], "/first.yaml") &&
             !strcmp(c.rules_files[2], "/second.yaml"));
    TT_CHECK_STR(scalar(&c, "priority", NULL), "error"); /* the last file in name order */
    TT_CHECK_INT(c.output_timeout_ms, 777);
    config_free(&c);
    /* -o wins over included files; -o config_files adds an entry before they are merged */
    write_file("extra.yaml", "json_output: true\n");
    char ocf[300];
    snprintf(ocf, sizeof ocf, "config_files[1]=%s", path_of("extra.yaml"));
    const char *ov[] = {"priority=debug", ocf};
    TT_CHECK_INT(load(&c, ov, 2, err, sizeof err), 0);
    TT_CHECK_STR(scalar(&c, "priority", NULL), "debug");
    TT_CHECK_INT(c.json_output, 1);
    config_free(&c);
}

TT_TEST(config_files_errors_and_missing_entries)
{
    setup();
    struct engine_config c;
    char err[512], text[512];
    /* a missing entry is skipped with a warning naming it */
    snprintf(text, sizeof text, "config_files: [%s]\n", path_of("nothere.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    TT_CHECK(has_warning(&c, "nothere.yaml") && has_warning(&c, "does not exist"));
    config_free(&c);
    /* the main file including itself */
    snprintf(text, sizeof text, "config_files: [%s]\n", path_of("main.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "cannot include itself") != NULL);
    config_free(&c);
    /* config_files inside an included file */
    write_file("nested.yaml", "config_files: [/etc/x]\n");
    snprintf(text, sizeof text, "config_files: [%s]\n", path_of("nested.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "nested.yaml") && strstr(err, "not allowed"));
    config_free(&c);
    /* an unknown strategy, and a list appended to a scalar */
    snprintf(text, sizeof text, "config_files: [{path: %s, strategy: merge}]\n",
             path_of("extra.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "strategy 'merge'") && strstr(err, "main.yaml:1"));
    config_free(&c);
    write_file("list.yaml", "priority: [a, b]\n");
    snprintf(text, sizeof text, "priority: notice\nconfig_files: [%s]\n", path_of("list.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "strategy append") && strstr(err, "'priority'"));
    config_free(&c);
    /* a bad included file names itself */
    write_file("broken.yaml", "priority: [\n");
    snprintf(text, sizeof text, "config_files: [%s]\n", path_of("broken.yaml"));
    write_file("main.yaml", text);
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "broken.yaml") != NULL);
    config_free(&c);
}

TT_TEST(one_warning_per_unimplemented_or_unknown_key)
{
    setup();
    write_file("main.yaml", "json_ouput: true\n"
                            "load_plugins: [k8saudit]\n"
                            "plugins: []\n"
                            "engine: {kind: modern_ebpf}\n"
                            "webserver: {enabled: true, listen_port: 8765}\n"
                            "metrics: {enabled: true, interval: 15m}\n"
                            "http_output: {enabled: false, urll: x}\n"
                            "tartan: {ring_key: 0x1234, rings_key: 1}\n"
                            "totally_new_thing: 1\n"
                            "priority: warning\n");
    struct engine_config c;
    char err[512];
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    TT_CHECK(has_warning(&c, "'json_ouput'") && has_warning(&c, "did you mean 'json_output'"));
    TT_CHECK(has_warning(&c, "'load_plugins'") && has_warning(&c, "does not implement"));
    TT_CHECK(has_warning(&c, "'engine' (") && has_warning(&c, "main.yaml:4"));
    TT_CHECK(has_warning(&c, "'http_output.urll'") && has_warning(&c, "did you mean 'url'"));
    TT_CHECK(has_warning(&c, "'tartan.rings_key'"));
    TT_CHECK(has_warning(&c, "'totally_new_thing'"));
    /* an empty value asks for nothing; webserver and metrics are read elsewhere */
    TT_CHECK(!has_warning(&c, "'plugins'"));
    TT_CHECK(!has_warning(&c, "webserver") && !has_warning(&c, "metrics"));
    TT_CHECK(!has_warning(&c, "'priority'"));
    TT_CHECK_INT(c.nwarnings, 6); /* one each */
    config_free(&c);
    /* negative control: etc/falco.yaml, the shipped default, has nothing to warn about */
    const char *root = getenv("TT_ROOT");
    char def[512];
    snprintf(def, sizeof def, "%s/etc/falco.yaml", root ? root : ".");
    struct config_load_opts o = {.path = def};
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), 0);
    for (size_t i = 0; i < c.nwarnings; i++)
        TT_FAILF("etc/falco.yaml: %s", c.warnings[i]);
    config_free(&c);
}

TT_TEST(missing_rules_files_warn_or_fail)
{
    setup();
    write_file("present.yaml", "- list: x\n  items: [a]\n");
    char text[512];
    snprintf(text, sizeof text, "rules_files: [%s, %s]\n", path_of("absent.yaml"),
             path_of("present.yaml"));
    write_file("main.yaml", text);
    struct engine_config c;
    char err[512];
    TT_CHECK_INT(load(&c, NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(c.rules_files_missing_error, 0);
    struct rules_input in;
    TT_CHECK_INT(rules_input_collect(&in, &c, NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(in.n, 1);
    TT_CHECK(in.nmissing == 1 && strstr(in.missing[0], "absent.yaml"));
    rules_input_free(&in);
    config_free(&c);
    const char *ov[] = {"tartan.rules_files_missing=error"};
    TT_CHECK_INT(load(&c, ov, 1, err, sizeof err), 0);
    TT_CHECK_INT(c.rules_files_missing_error, 1);
    TT_CHECK_INT(rules_input_collect(&in, &c, NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "absent.yaml") && strstr(err, "rules_files_missing: error"));
    config_free(&c);
    const char *bad[] = {"tartan.rules_files_missing=sometimes"};
    TT_CHECK_INT(load(&c, bad, 1, err, sizeof err), -1);
    TT_CHECK(strstr(err, "'warn' or 'error'") != NULL);
    config_free(&c);
}

TT_TEST(zz_cleanup)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    TT_CHECK(!dir[0] || system(cmd) == 0);
}

int main(void)
{
    return tt_run_all();
}

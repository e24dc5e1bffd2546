/* Unit tests for the engine configuration: YAML tree, -o overrides, typed keys and defaults,
 * wrong types, environment variables (inline and base64), rules from the environment. */
#include "tt_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "tt_log.h"

static int load_text(struct engine_config *cfg, const char *yaml, const char *const *ov, size_t nov,
                     char *err, size_t n)
{
    config_defaults(cfg);
    struct cfg_node *t = cfg_parse(yaml, strlen(yaml), "test.yaml", err, n);
    if (!t)
        return -1;
    for (size_t i = 0; i < nov; i++)
        if (cfg_override(t, ov[i], err, n)) {
            cfg_node_free(t);
            return -1;
        }
    return config_from_tree(cfg, t, err, n);
}

TT_TEST(defaults_match_falco)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load_text(&c, "", NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(c.json_output, 0);
    TT_CHECK_INT(c.json_include_output_property, 1);
    TT_CHECK_INT(c.json_include_tags_property, 1);
    TT_CHECK_INT(c.json_include_message_property, 0);
    TT_CHECK_INT(c.json_include_output_fields_property, 1);
    TT_CHECK_INT(c.time_format_iso_8601, 0);
    TT_CHECK_INT(c.priority, PRI_DEBUG);
    TT_CHECK_INT(c.rule_matching_all, 0);
    TT_CHECK_INT(c.buffered_outputs, 0);
    TT_CHECK_INT(c.outputs_queue_capacity, 0);
    TT_CHECK_INT(c.output_timeout_ms, 2000);
    TT_CHECK_INT(c.stdout_enabled, 1);
    TT_CHECK_INT(c.syslog_enabled, 1);
    TT_CHECK_INT(c.file.enabled, 0);
    TT_CHECK_STR(c.file.filename, "./events.txt");
    TT_CHECK_STR(c.http.user_agent, "falcosecurity/falco");
    TT_CHECK_STR(c.http.ca_path, "/etc/ssl/certs");
    TT_CHECK_INT(c.drops.actions, DROP_ACT_LOG | DROP_ACT_ALERT);
    TT_CHECK(c.drops.threshold > 0.099 && c.drops.threshold < 0.101);
    TT_CHECK_INT(c.timeouts_max_consecutives, 1000);
    TT_CHECK_INT(c.watch_config_files, 1);
    TT_CHECK_INT(c.log_level, TT_LOG_INFO);
    config_free(&c);
}

static const char *full_yaml =
    "rules_files:\n"
    "  - /etc/falco/falco_rules.yaml\n"
    "  - /etc/falco/rules.d\n"
    "rules:\n"
    "  - disable: {rule: 'Read sensitive*'}\n"
    "  - enable:\n"
    "      tag: network\n"
    "json_output: true\n"
    "json_include_output_property: false\n"
    "json_include_tags_property: false\n"
    "json_include_message_property: true\n"
    "json_include_output_fields_property: false\n"
    "time_format_iso_8601: true\n"
    "priority: warning\n"
    "rule_matching: all\n"
    "buffered_outputs: true\n"
    "outputs_queue:\n"
    "  capacity: 123\n"
    "outputs:\n"
    "  rate: 2.5\n"
    "  max_burst: 7\n"
    "output_timeout: 900\n"
    "stdout_output: {enabled: false}\n"
    "syslog_output: {enabled: false}\n"
    "file_output: {enabled: true, keep_alive: true, filename: /tmp/x.txt}\n"
    "program_output: {enabled: true, keep_alive: true, program: \"logshipper -g grp\"}\n"
    "http_output:\n"
    "  enabled: true\n"
    "  url: https://127.0.0.1:9/x\n"
    "  user_agent: ua/1\n"
    "  insecure: true\n"
    "  ca_cert: /ca.pem\n"
    "  ca_bundle: /bundle.pem\n"
    "  ca_path: /cadir\n"
    "  mtls: true\n"
    "  client_cert: /c.crt\n"
    "  client_key: /c.key\n"
    "  echo: true\n"
    "  compress_uploads: true\n"
    "  keep_alive: true\n"
    "  max_consecutive_timeouts: 9\n"
    "log_stderr: false\n"
    "log_syslog: false\n"
    "log_level: debug\n"
    "syscall_event_drops:\n"
    "  threshold: 0.5\n"
    "  actions: [log, exit]\n"
    "  rate: 2\n"
    "  max_burst: 3\n"
    "  simulate_drops: true\n"
    "syscall_event_timeouts: {max_consecutives: 77}\n"
    "watch_config_files: false\n"
    "append_output:\n"
    "  - match: {source: syscall, tags: [a, b], rule: R}\n"
    "    extra_output: \"on %proc.name\"\n"
    "    extra_fields:\n"
    "      - proc.pid\n"
    "      - where: \"%container.id\"\n"
    "static_fields:\n"
    "  env: prod\n"
    "  team: sec\n"
    "some_unknown_key: {deep: [1, 2]}\n";

TT_TEST(every_key_is_read)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load_text(&c, full_yaml, NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(c.nrules_files, 2);
    TT_CHECK_STR(c.rules_files[1], "/etc/falco/rules.d");
    TT_CHECK_INT(c.nrules_sel, 2);
    TT_CHECK_INT(c.rules_sel[0].enable, 0);
    TT_CHECK_STR(c.rules_sel[0].rule, "Read sensitive*");
    TT_CHECK_INT(c.rules_sel[1].enable, 1);
    TT_CHECK_STR(c.rules_sel[1].tag, "network");
    TT_CHECK_INT(c.json_output, 1);
    TT_CHECK_INT(c.json_include_output_property, 0);
    TT_CHECK_INT(c.json_include_tags_property, 0);
    TT_CHECK_INT(c.json_include_message_property, 1);
    TT_CHECK_INT(c.json_include_output_fields_property, 0);
    TT_CHECK_INT(c.time_format_iso_8601, 1);
    TT_CHECK_INT(c.priority, PRI_WARNING);
    TT_CHECK_INT(c.rule_matching_all, 1);
    TT_CHECK_INT(c.buffered_outputs, 1);
    TT_CHECK_INT(c.outputs_queue_capacity, 123);
    TT_CHECK(c.outputs_rate > 2.49 && c.outputs_rate < 2.51);
    TT_CHECK(c.outputs_max_burst > 6.9 && c.outputs_max_burst < 7.1);
    TT_CHECK_INT(c.output_timeout_ms, 900);
    TT_CHECK_INT(c.stdout_enabled, 0);
    TT_CHECK_INT(c.syslog_enabled, 0);
    TT_CHECK_INT(c.file.enabled, 1);
    TT_CHECK_INT(c.file.keep_alive, 1);
    TT_CHECK_STR(c.file.filename, "/tmp/x.txt");
    TT_CHECK_INT(c.program.enabled, 1);
    TT_CHECK_INT(c.program.keep_alive, 1);
    TT_CHECK_STR(c.program.program, "logshipper -g grp");
    TT_CHECK_INT(c.http.enabled, 1);
    TT_CHECK_STR(c.http.url, "https://127.0.0.1:9/x");
    TT_CHECK_STR(c.http.user_agent, "ua/1");
    TT_CHECK_INT(c.http.insecure, 1);
    TT_CHECK_STR(c.http.ca_cert, "/ca.pem");
    TT_CHECK_STR(c.http.ca_bundle, "/bundle.pem");
    TT_CHECK_STR(c.http.ca_path, "/cadir");
    TT_CHECK_INT(c.http.mtls, 1);
    TT_CHECK_STR(c.http.client_cert, "/c.crt");
    TT_CHECK_STR(c.http.client_key, "/c.key");
    TT_CHECK_INT(c.http.echo, 1);
    TT_CHECK_INT(c.http.compress_uploads, 1);
    TT_CHECK_INT(c.http.keep_alive, 1);
    TT_CHECK_INT(c.http.max_consecutive_timeouts, 9);
    TT_CHECK_INT(c.log_stderr, 0);
    TT_CHECK_INT(c.log_syslog, 0);
    TT_CHECK_INT(c.log_level, TT_LOG_DEBUG);
    TT_CHECK(c.drops.threshold > 0.49 && c.drops.threshold < 0.51);
    TT_CHECK_INT(c.drops.actions, DROP_ACT_LOG | DROP_ACT_EXIT);
    TT_CHECK(c.drops.rate > 1.9 && c.drops.rate < 2.1);
    TT_CHECK(c.drops.max_burst > 2.9 && c.drops.max_burst < 3.1);
    TT_CHECK_INT(c.drops.simulate_drops, 1);
    TT_CHECK_INT(c.timeouts_max_consecutives, 77);
    TT_CHECK_INT(c.watch_config_files, 0);
    TT_CHECK_INT(c.nappend, 1);
    if (c.nappend == 1) {
        TT_CHECK_STR(c.append[0].source, "syscall");
        TT_CHECK_STR(c.append[0].rule, "R");
        TT_CHECK_INT(c.append[0].ntags, 2);
        TT_CHECK_STR(c.append[0].extra_output, "on %proc.name");
        TT_CHECK_INT(c.append[0].nextra_fields, 2);
        TT_CHECK_STR(c.append[0].extra_field_names[0], "proc.pid");
        TT_CHECK(c.append[0].extra_field_formats[0] == NULL);
        TT_CHECK_STR(c.append[0].extra_field_names[1], "where");
        TT_CHECK_STR(c.append[0].extra_field_formats[1], "%container.id");
    }
    TT_CHECK_INT(c.nstatic, 2);
    TT_CHECK_STR(c.static_names[1], "team");
    TT_CHECK_STR(c.static_values[1], "sec");
    config_free(&c);
}

TT_TEST(overrides_dot_paths_and_indexes)
{
    struct engine_config c;
    char err[256];
    const char *ov[] = {
        "json_output=true",
        "file_output.enabled=true",
        "file_output.filename=/tmp/o.txt",
        "static_fields.a\\.b=dotted",
        "rules_files[1]=/b.yaml",
        "rules_files[2]=/c.yaml",
        "http_output={enabled: true, url: 'http://127.0.0.1:1/'}",
        "static_fields.k=v=w",
        "append_output[0].extra_output=more",
    };
    TT_CHECK_INT(
        load_text(&c, "rules_files: [/a.yaml]\n", ov, sizeof ov / sizeof *ov, err, sizeof err), 0);
    TT_CHECK_INT(c.json_output, 1);
    TT_CHECK_INT(c.file.enabled, 1);
    TT_CHECK_STR(c.file.filename, "/tmp/o.txt");
    TT_CHECK_INT(c.nrules_files, 3);
    TT_CHECK_STR(c.rules_files[0], "/a.yaml");
    TT_CHECK_STR(c.rules_files[2], "/c.yaml");
    TT_CHECK_INT(c.http.enabled, 1);
    TT_CHECK_STR(c.http.url, "http://127.0.0.1:1/");
    TT_CHECK_INT(c.nstatic, 2);
    if (c.nstatic == 2) {
        TT_CHECK_STR(c.static_names[0], "a.b");
        TT_CHECK_STR(c.static_values[0], "dotted");
        TT_CHECK_STR(c.static_values[1], "v=w");
    }
    TT_CHECK_INT(c.nappend, 1);
    if (c.nappend)
        TT_CHECK_STR(c.append[0].extra_output, "more");
    config_free(&c);
}

TT_TEST(override_errors)
{
    struct engine_config c;
    char err[256];
    const char *bad1[] = {"novalue"};
    TT_CHECK_INT(load_text(&c, "", bad1, 1, err, sizeof err), -1);
    TT_CHECK(strstr(err, "KEY=VALUE") != NULL);
    config_free(&c);
    const char *bad2[] = {"rules_files[5]=x"};
    TT_CHECK_INT(load_text(&c, "rules_files: [a]\n", bad2, 1, err, sizeof err), -1);
    TT_CHECK(strstr(err, "out of range") != NULL);
    config_free(&c);
}

TT_TEST(wrong_types_name_key_and_line)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load_text(&c, "a: 1\njson_output: maybe\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "'json_output'") != NULL);
    TT_CHECK(strstr(err, "test.yaml:2") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "outputs_queue: {capacity: lots}\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "outputs_queue.capacity") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "priority: loud\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "'priority'") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "log_level: chatty\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "Unknown log level chatty") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "rule_matching: some\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "rule_matching") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "stdout_output: [1]\n", NULL, 0, err, sizeof err), 0);
    config_free(&c); /* stdout_output.enabled absent: a list has no keys; ignored */
    TT_CHECK_INT(
        load_text(&c, "file_output: {enabled: true, filename: ''}\n", NULL, 0, err, sizeof err),
        -1);
    TT_CHECK(strstr(err, "file_output.filename") != NULL);
    config_free(&c);
    TT_CHECK_INT(
        load_text(&c, "syscall_event_drops: {actions: [ignore, log]}\n", NULL, 0, err, sizeof err),
        -1);
    TT_CHECK(strstr(err, "ignore") != NULL);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "syscall_event_drops: {threshold: 2}\n", NULL, 0, err, sizeof err),
                 -1);
    config_free(&c);
    TT_CHECK_INT(load_text(&c, "rules_file: a\nrules_files: [b]\n", NULL, 0, err, sizeof err), -1);
    TT_CHECK(strstr(err, "both 'rules_files' and 'rules_file'") != NULL);
    config_free(&c);
    TT_CHECK_INT(
        load_text(&c, "syscall_event_timeouts: {max_consecutives: 0}\n", NULL, 0, err, sizeof err),
        -1);
    config_free(&c);
}

TT_TEST(yaml_syntax_error_has_position)
{
    char err[256];
    struct cfg_node *t = cfg_parse("a: [1, 2\nb: c\n", 14, "bad.yaml", err, sizeof err);
    TT_CHECK(t == NULL);
    TT_CHECK(strncmp(err, "bad.yaml:", 9) == 0);
    cfg_node_free(t);
}

TT_TEST(rules_file_singular_alias)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load_text(&c, "rules_file: /only.yaml\n", NULL, 0, err, sizeof err), 0);
    TT_CHECK_INT(c.nrules_files, 1);
    TT_CHECK_STR(c.rules_files[0], "/only.yaml");
    config_free(&c);
}

TT_TEST(config_from_environment)
{
    char err[256];
    struct engine_config c;
    struct config_load_opts o = {0};
    unsetenv(CONFIG_ENV_YAML_B64);
    setenv(CONFIG_ENV_YAML, "json_output: true\nfile_output: {enabled: true, filename: /e}\n", 1);
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), 0);
    TT_CHECK_INT(c.json_output, 1);
    TT_CHECK_STR(c.file.filename, "/e");
    config_free(&c);
    /* base64 of "priority: error\n" merged over the inline one; -o wins over both */
    setenv(CONFIG_ENV_YAML_B64, "cHJpb3JpdHk6IGVycm9yCg==", 1);
    const char *ov[] = {"json_output=false"};
    o.overrides = ov;
    o.noverrides = 1;
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), 0);
    TT_CHECK_INT(c.priority, PRI_ERROR);
    TT_CHECK_INT(c.json_output, 0);
    config_free(&c);
    setenv(CONFIG_ENV_YAML_B64, "!!!notbase64", 1);
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), -1);
    TT_CHECK(strstr(err, CONFIG_ENV_YAML_B64) != NULL);
    config_free(&c);
    unsetenv(CONFIG_ENV_YAML);
    unsetenv(CONFIG_ENV_YAML_B64);
}

TT_TEST(config_file_and_missing_file)
{
    char err[256];
    struct engine_config c;
    char path[] = "/tmp/tt-cfg-XXXXXX";
    int fd = mkstemp(path);
    TT_CHECK(fd >= 0);
    const char *y = "json_output: true\n";
    TT_CHECK(write(fd, y, strlen(y)) == (ssize_t)strlen(y));
    close(fd);
    struct config_load_opts o = {.path = path};
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), 0);
    TT_CHECK_INT(c.json_output, 1);
    TT_CHECK_INT(c.nsources, 1);
    config_free(&c);
    unlink(path);
    TT_CHECK_INT(config_load(&c, &o, err, sizeof err), -1);
    TT_CHECK(strstr(err, path) != NULL);
    config_free(&c);
}

TT_TEST(rules_from_environment)
{
    char err[256];
    setenv("TARTAN_RULES", "- list: a\n  items: [x]\n", 1);
    setenv("TARTAN_RULES_B64_2", "LSBsaXN0OiBiCiAgaXRlbXM6IFt5XQo=", 1); /* "- list: b\n..." */
    struct env_rules r;
    TT_CHECK_INT(config_env_rules(&r, err, sizeof err), 0);
    TT_CHECK_INT(r.n, 2);
    if (r.n == 2) {
        TT_CHECK_STR(r.names[0], "env:TARTAN_RULES");
        TT_CHECK_STR(r.texts[0], "- list: a\n  items: [x]\n");
        TT_CHECK_STR(r.names[1], "env:TARTAN_RULES_B64_2");
        TT_CHECK_STR(r.texts[1], "- list: b\n  items: [y]\n");
    }
    config_env_rules_free(&r);
    unsetenv("TARTAN_RULES");
    unsetenv("TARTAN_RULES_B64_2");
}

TT_TEST(base64_decoder)
{
    size_t n;
    char *s = config_b64_decode("aGVsbG8gd29ybGQ=", &n);
    TT_CHECK_STR(s, "hello world");
    TT_CHECK_INT(n, 11);
    free(s);
    TT_CHECK(config_b64_decode("a$b", &n) == NULL);
}

TT_TEST(yaml_anchors_and_to_json)
{
    char err[256];
    const char *y = "a: &x {b: 1}\nc: *x\n";
    struct cfg_node *t = cfg_parse(y, strlen(y), "t", err, sizeof err);
    TT_REQUIRE(t != NULL);
    char *j = cfg_to_json(t);
    TT_CHECK_STR(j, "{\"a\":{\"b\":\"1\"},\"c\":{\"b\":\"1\"}}");
    free(j);
    cfg_node_free(t);
}

int main(void)
{
    return tt_run_all();
}

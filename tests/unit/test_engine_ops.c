/* Unit tests for the operations side of the engine: the webserver/metrics/health/shutdown keys
 * (config_ops.c), durations, the health verdict on a sample and the status file's JSON
 * (health.c). */
#include "tt_test.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "health.h"

static int load(struct engine_config *c, const char *yaml, char *err, size_t n)
{
    config_defaults(c);
    struct cfg_node *t = cfg_parse(yaml, strlen(yaml), "ops.yaml", err, n);
    if (!t)
        return -1;
    return config_from_tree(c, t, err, n);
}

TT_TEST(durations_prometheus_style)
{
    TT_CHECK_INT(config_parse_duration_ms("500ms"), 500);
    TT_CHECK_INT(config_parse_duration_ms("30s"), 30000);
    TT_CHECK_INT(config_parse_duration_ms("15m"), 900000);
    TT_CHECK_INT(config_parse_duration_ms("1h"), 3600000);
    TT_CHECK_INT(config_parse_duration_ms("1h30m"), 5400000);
    TT_CHECK_INT(config_parse_duration_ms("2d"), 172800000);
    TT_CHECK_INT(config_parse_duration_ms("1w"), 604800000);
    static const char *const bad[] = {"",    "15", "m",   "15 m", "1.5h",
                                      "-1s", "1x", "1hh", "1mss", "99999999999s"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (config_parse_duration_ms(bad[i]) != 0)
            TT_FAILF("accepted '%s'", bad[i]);
}

TT_TEST(ops_defaults)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load(&c, "", err, sizeof err), 0);
    TT_CHECK_INT(c.ops.web.enabled, 0);
    TT_CHECK_INT(c.ops.web.listen_port, 8765);
    TT_CHECK_STR(c.ops.web.listen_address, "0.0.0.0");
    TT_CHECK_STR(c.ops.web.healthz, "/healthz");
    TT_CHECK_STR(c.ops.web.ssl_certificate, "/etc/falco/falco.pem");
    TT_CHECK_INT(c.ops.metrics.enabled, 0);
    TT_CHECK_INT(c.ops.metrics.interval_ms, 3600000);
    TT_CHECK_INT(c.ops.metrics.output_rule, 1);
    TT_CHECK_STR(c.ops.metrics.output_file, "");
    TT_CHECK_INT(c.ops.metrics.convert_memory_to_mb, 1);
    TT_CHECK_INT(c.ops.metrics.include_empty_values, 0);
    TT_CHECK_INT(c.ops.cwm.enabled, 0);
    TT_CHECK_INT(c.ops.cwm.interval_ms, 60000);
    TT_CHECK_STR(c.ops.cwm.ns, "Tartan");
    TT_CHECK(c.ops.cwm.noutputs == 1 && !strcmp(c.ops.cwm.outputs[0], "program"));
    TT_CHECK_INT(c.ops.health.stall_s, 10);
    TT_CHECK_INT(c.ops.health.tracer_wait_s, 60);
    TT_CHECK(c.ops.health.max_drop_ratio > 0.099 && c.ops.health.max_drop_ratio < 0.101);
    TT_CHECK_INT(c.ops.health.drop_window_s, 10);
    TT_CHECK_INT(c.ops.health.delivery_failure_s, 120);
    TT_CHECK_INT(c.ops.program_deadline_s, 12);
    config_free(&c);
    /* the drop limit follows syscall_event_drops.threshold unless set */
    TT_CHECK_INT(load(&c, "syscall_event_drops: {threshold: 0.25}\n", err, sizeof err), 0);
    TT_CHECK(c.ops.health.max_drop_ratio > 0.249 && c.ops.health.max_drop_ratio < 0.251);
    config_free(&c);
}

TT_TEST(ops_keys_read)
{
    struct engine_config c;
    char err[256];
    const char *y =
        "webserver: {enabled: true, listen_port: 9000, listen_address: '::1',\n"
        "  k8s_healthz_endpoint: /live, ssl_enabled: true, ssl_certificate: /c.pem,\n"
        "  threadiness: 8}\n"
        "metrics: {enabled: true, interval: 1h30m, output_rule: false,\n"
        "  output_file: /tmp/m.jsonl, include_empty_values: true,\n"
        "  convert_memory_to_mb: false, libbpf_stats_enabled: false}\n"
        "tartan:\n"
        "  cloudwatch_metrics: {enabled: true, interval: 30s, namespace: Sec/Tartan,\n"
        "    outputs: [program, stdout], dimensions: {ClusterName: c1, Team: blue}}\n"
        "  health: {status_file: /run/t.json, stall_seconds: 5, tracer_wait_seconds: 9,\n"
        "    max_drop_ratio: 0.5, drop_window_seconds: 60, delivery_failure_seconds: 30}\n"
        "  shutdown: {program_output_deadline: 40}\n";
    TT_CHECK_INT(load(&c, y, err, sizeof err), 0);
    TT_CHECK_INT(c.ops.web.enabled, 1);
    TT_CHECK_INT(c.ops.web.listen_port, 9000);
    TT_CHECK_STR(c.ops.web.listen_address, "::1");
    TT_CHECK_STR(c.ops.web.healthz, "/live");
    TT_CHECK_INT(c.ops.web.ssl_enabled, 1);
    TT_CHECK_INT(c.ops.metrics.interval_ms, 5400000);
    TT_CHECK_INT(c.ops.metrics.output_rule, 0);
    TT_CHECK_STR(c.ops.metrics.output_file, "/tmp/m.jsonl");
    TT_CHECK_INT(c.ops.metrics.convert_memory_to_mb, 0);
    TT_CHECK_INT(c.ops.cwm.interval_ms, 30000);
    TT_CHECK_STR(c.ops.cwm.ns, "Sec/Tartan");
    TT_CHECK_INT(c.ops.cwm.noutputs, 2);
    TT_CHECK(c.ops.cwm.ndims == 2 && !strcmp(c.ops.cwm.dim_names[1], "Team") &&
             !strcmp(c.ops.cwm.dim_values[1], "blue"));
    TT_CHECK_STR(c.ops.health.status_file, "/run/t.json");
    TT_CHECK_INT(c.ops.health.drop_window_s, 60);
    TT_CHECK_INT(c.ops.program_deadline_s, 40);
    char path[256];
    config_status_path(&c.ops, 0x54415254, path, sizeof path);
    TT_CHECK_STR(path, "/run/t.json");
    config_free(&c);
    TT_CHECK_INT(load(&c, "", err, sizeof err), 0);
    unsetenv("TARTAN_STATUS_FILE");
    config_status_path(&c.ops, 0x54415254, path, sizeof path);
    TT_CHECK_STR(path, "/dev/shm/tartan-engine-54415254.json");
    setenv("TARTAN_STATUS_FILE", "/tmp/env.json", 1);
    config_status_path(&c.ops, 0x54415254, path, sizeof path);
    TT_CHECK_STR(path, "/tmp/env.json");
    unsetenv("TARTAN_STATUS_FILE");
    config_free(&c);
}

TT_TEST(unknown_subkeys_warned)
{
    struct engine_config c;
    char err[256];
    TT_CHECK_INT(load(&c,
                      "webserver: {enabled: false, listen_prot: 1}\n"
                      "metrics: {enabeld: true, interval: 1h}\n",
                      err, sizeof err),
                 0);
    TT_CHECK_INT(c.ops.nwarnings, 2);
    TT_CHECK(c.ops.nwarnings == 2 &&
             strstr(c.ops.warnings[0], "'webserver.listen_prot' (ops.yaml:1)"));
    TT_CHECK(c.ops.nwarnings == 2 && strstr(c.ops.warnings[1], "'metrics.enabeld' (ops.yaml:2)"));
    config_free(&c);
    TT_CHECK_INT(load(&c, "webserver: {enabled: false, threadiness: 2}\n", err, sizeof err), 0);
    TT_CHECK_INT(c.ops.nwarnings, 0);
    config_free(&c);
}

TT_TEST(ops_errors_name_the_key_and_place)
{
    static const struct {
        const char *yaml, *want;
    } bad[] = {
        {"metrics: {interval: 0s}\n", "'metrics.interval' (ops.yaml:1)"},
        {"metrics: {interval: soon}\n", "'metrics.interval'"},
        {"metrics: {enabled: perhaps}\n", "'metrics.enabled'"},
        {"webserver: {listen_port: 70000}\n", "'webserver.listen_port'"},
        {"webserver: {k8s_healthz_endpoint: healthz}\n", "'webserver.k8s_healthz_endpoint'"},
        {"tartan: {cloudwatch_metrics: {outputs: [kafka]}}\n", "unknown output 'kafka'"},
        {"tartan: {cloudwatch_metrics: {namespace: AWS/EC2}}\n", "namespace"},
        {"tartan: {cloudwatch_metrics: {dimensions: {a: [1]}}}\n", "dimension 'a'"},
        {"tartan: {health: {max_drop_ratio: 2}}\n", "'tartan.health.max_drop_ratio'"},
        {"tartan: {health: {drop_window_seconds: 301}}\n", "drop_window_seconds"},
        {"tartan: {health: {stall_seconds: 1}}\n", "must be >= 2"},
        {"tartan: {shutdown: {program_output_deadline: 0}}\n", "program_output_deadline"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct engine_config c;
        char err[512] = "";
        TT_CHECKF(load(&c, bad[i].yaml, err, sizeof err) == -1 && strstr(err, bad[i].want),
                  "'%s': got '%s', want '%s'", bad[i].yaml, err, bad[i].want);
        config_free(&c);
    }
}

static struct health_sample sample(void)
{
    struct health_sample s;
    memset(&s, 0, sizeof s);
    s.pid = 42;
    s.ring_key = 0x54415254;
    s.ring_state = HEALTH_RING_ATTACHED;
    s.ring_state_ms = 5000;
    s.producer_pid = 7;
    s.producer_alive = 1;
    s.produced = s.consumed = 1000;
    s.window_s = 10;
    s.window_events = 100;
    s.program = 1;
    s.ship_reporting = 1;
    s.ship_age_ms = 500;
    s.ship_delivered = 12;
    s.limits = (struct health_limits){.stall_s = 10,
                                      .tracer_wait_s = 60,
                                      .max_drop_ratio = 0.1,
                                      .drop_window_s = 10,
                                      .delivery_failure_s = 120};
    return s;
}

TT_TEST(verdicts)
{
    char t[512];
    struct health_sample s = sample();
    TT_CHECK_INT(health_evaluate(&s, t, sizeof t), 1);
    TT_CHECK(strstr(t, "consuming ring 0x54415254") && strstr(t, "logshipper 12 delivered"));
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"died", "tracer gone: the tracer (pid 7) died"},
        {"dead producer", "tracer gone: the event ring's producer (pid 7) is dead"},
        {"stalled", "engine not consuming: 5 events unread for 11 s"},
        {"no tracer", "no tracer: waiting 61 s for the event ring (key 0x54415254): why"},
        {"drops", "drops: 20.0% of events dropped in the last 10 s (20 of 100; limit 10.0%"},
        {"drops without events", "drops: 100.0% of events dropped"},
        {"program down", "cannot deliver: the program output has not been running for 121 s"},
        {"failing", "cannot deliver: logshipper has failed for 121 s (ThrottlingException); 9"},
        {"silent", "cannot deliver: logshipper stopped reporting 11 s ago"},
        {"program drops", "cannot deliver: the program output dropped 3 alerts in the last 10 s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        s = sample();
        switch (i) {
        case 0:
            s.ring_state = HEALTH_RING_DIED;
            break;
        case 1:
            s.producer_alive = 0;
            break;
        case 2:
            s.in_flight = 5, s.stalled_ms = 11000;
            break;
        case 3:
            s.ring_state = HEALTH_RING_WAITING, s.ring_state_ms = 61000;
            snprintf(s.ring_why, sizeof s.ring_why, "why");
            break;
        case 4:
            s.window_drops = 20;
            break;
        case 5:
            s.window_events = 0, s.window_drops = 4;
            break;
        case 6:
            s.ship_down_ms = 121000;
            break;
        case 7:
            s.ship_failing_ms = 121000, s.ship_queued = 9;
            snprintf(s.ship_error, sizeof s.ship_error, "ThrottlingException");
            break;
        case 8:
            s.ship_age_ms = 11000;
            break;
        case 9:
            s.window_program_drops = 3;
            break;
        }
        if (health_evaluate(&s, t, sizeof t) != 0 || !strstr(t, cases[i].want))
            TT_FAILF("%s: got '%s'", cases[i].name, t);
    }
    /* at the limits, still healthy; several reasons are all given */
    s = sample();
    s.window_drops = 10; /* 10 %: not above 10 % */
    s.stalled_ms = 10000;
    s.ship_failing_ms = 120000;
    TT_CHECK_INT(health_evaluate(&s, t, sizeof t), 1);
    s.ring_state = HEALTH_RING_ENDED;
    s.ring_state_ms = 59000; /* the workload ended; a new one may come */
    TT_CHECK_INT(health_evaluate(&s, t, sizeof t), 1);
    s = sample();
    s.producer_alive = 0;
    s.window_drops = 50;
    TT_CHECK_INT(health_evaluate(&s, t, sizeof t), 0);
    TT_CHECK(strstr(t, "tracer gone") && strstr(t, "; drops: 50.0%"));
    s.program = 0;
    s.ship_down_ms = 999999; /* no program output: nothing to deliver through */
    s.producer_alive = 1;
    s.window_drops = 0;
    TT_CHECK_INT(health_evaluate(&s, t, sizeof t), 1);
    char small[24];
    s.producer_alive = 0;
    TT_CHECK_INT(health_evaluate(&s, small, sizeof small), 0); /* truncated, terminated */
    TT_CHECK(strlen(small) < sizeof small);
}

TT_TEST(status_json_round_trip)
{
    struct health_sample s = sample(), back;
    s.wall_ms = 1796624876117;
    snprintf(s.ship_error, sizeof s.ship_error, "HTTP503");
    snprintf(s.ring_why, sizeof s.ring_why, "a\nb");
    json_t *j = health_to_json(&s, 1, "fine");
    char err[200] = "";
    TT_CHECK_INT(health_from_json(j, &back, err, sizeof err), 0);
    TT_CHECK_INT(back.wall_ms, s.wall_ms);
    TT_CHECK_INT(back.producer_pid, 7);
    TT_CHECK_INT(back.ship_delivered, 12);
    TT_CHECK_STR(back.ship_error, "HTTP503");
    TT_CHECK_STR(back.ring_why, "a?b"); /* one line, whatever was written */
    TT_CHECK(back.limits.max_drop_ratio > 0.099 && back.limits.max_drop_ratio < 0.101);
    TT_CHECK_INT(back.limits.delivery_failure_s, 120);
    json_object_set_new(j, "v", json_integer(2));
    TT_CHECK_INT(health_from_json(j, &back, err, sizeof err), -1);
    TT_CHECK(strstr(err, "version 2") != NULL);
    json_object_set_new(j, "v", json_integer(1));
    json_object_set_new(j, "pid", json_string("42"));
    TT_CHECK_INT(health_from_json(j, &back, err, sizeof err), -1);
    TT_CHECK(strstr(err, "'pid'") != NULL);
    json_object_set_new(j, "pid", json_integer(42));
    json_object_del(j, "limits");
    TT_CHECK_INT(health_from_json(j, &back, err, sizeof err), -1);
    json_decref(j);
    json_t *arr = json_array();
    TT_CHECK_INT(health_from_json(arr, &back, err, sizeof err), -1);
    json_decref(arr);
}

int main(void)
{
    return tt_run_all();
}

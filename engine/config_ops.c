/* Operations settings: webserver, metrics, health, CloudWatch metrics, shutdown budget. */
#include "config_ops.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MIN_INTERVAL_MS 1000u

void config_ops_defaults(struct ops_config *o)
{
    memset(o, 0, sizeof *o);
    o->web.listen_port = OPS_DEFAULT_PORT;
    o->metrics.interval_ms = 3600u * 1000u;
    o->metrics.output_rule = 1;
    o->metrics.rules_counters = 1;
    o->metrics.resource_utilization = 1;
    o->metrics.state_counters = 1;
    o->metrics.kernel_event_counters = 1;
    o->metrics.convert_memory_to_mb = 1;
    o->cwm.interval_ms = 60u * 1000u;
    o->health.stall_s = 10;
    o->health.tracer_wait_s = 60;
    o->health.max_drop_ratio = -1;
    o->health.drop_window_s = 10;
    o->health.delivery_failure_s = 120;
    o->program_deadline_s = 12;
}

uint64_t config_parse_duration_ms(const char *s)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1},          {"s", 1000},         {"m", 60000},         {"h", 3600000},
                 {"d", 86400000ull}, {"w", 604800000ull}, {"y", 31536000000ull}};
    uint64_t total = 0;
    const char *p = s;
    if (!p || !*p)
        return 0;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return 0;
        uint64_t v = 0;
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > 1000000000ull)
                return 0;
            p++;
        }
        size_t best = 0, ulen = 0;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            size_t l = strlen(units[i].unit);
            /* "ms" before "m": take the longest unit that matches */
            if (!strncmp(p, units[i].unit, l) && l > ulen && !isalpha((unsigned char)p[l])) {
                best = i;
                ulen = l;
            }
        }
        if (!ulen)
            return 0;
        total += v * units[best].ms;
        p += ulen;
    }
    return total;
}

static int get_interval(const struct cfg_node *tree, const char *key, uint64_t *out, char *err,
                        size_t n)
{
    char *text = NULL;
    if (config_get_str(tree, key, &text, err, n))
        return -1;
    if (!text)
        return 0;
    uint64_t ms = config_parse_duration_ms(text);
    free(text);
    if (ms < MIN_INTERVAL_MS)
        return config_type_error(tree, key, "a duration of at least 1s (30s, 15m, 1h, 1h30m)", err,
                                 n);
    *out = ms;
    return 0;
}

static int set_default(char **dst, const char *s)
{
    if (*dst)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

static int read_dimensions(struct ops_config *o, const struct cfg_node *tree, char *err, size_t n)
{
    const char *key = "tartan.cloudwatch_metrics.dimensions";
    const struct cfg_node *v = config_lookup(tree, key);
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_MAP)
        return config_type_error(tree, key, "a map of dimension name: value", err, n);
    if (v->n > 30) {
        snprintf(err, n, "configuration key '%s' (%s:%d): CloudWatch allows at most 30 dimensions",
                 key, v->file, v->line);
        return -1;
    }
    o->cwm.dim_names = calloc(v->n ? v->n : 1, sizeof(char *));
    o->cwm.dim_values = calloc(v->n ? v->n : 1, sizeof(char *));
    if (!o->cwm.dim_names || !o->cwm.dim_values)
        goto oom;
    for (size_t i = 0; i < v->n; i++) {
        const struct cfg_node *it = v->items[i];
        if (it->kind != CFG_SCALAR || !it->scalar[0] || !v->keys[i][0] ||
            strlen(v->keys[i]) > 255 || strlen(it->scalar) > 1024) {
            snprintf(err, n,
                     "configuration key '%s' (%s:%d): dimension '%.60s' needs a non-empty text "
                     "value (names up to 255 characters, values up to 1024)",
                     key, it->file, it->line, v->keys[i]);
            return -1;
        }
        if (!(o->cwm.dim_names[i] = strdup(v->keys[i])) ||
            !(o->cwm.dim_values[i] = strdup(it->scalar)))
            goto oom;
        o->cwm.ndims = i + 1;
    }
    return 0;
oom:
    snprintf(err, n, "out of memory");
    return -1;
}

static int read_web(struct ops_config *o, const struct cfg_node *t, char *err, size_t n)
{
    if (config_get_bool(t, "webserver.enabled", &o->web.enabled, err, n) ||
        config_get_long(t, "webserver.listen_port", &o->web.listen_port, 0, err, n) ||
        config_get_str(t, "webserver.listen_address", &o->web.listen_address, err, n) ||
        config_get_str(t, "webserver.k8s_healthz_endpoint", &o->web.healthz, err, n) ||
        config_get_bool(t, "webserver.ssl_enabled", &o->web.ssl_enabled, err, n) ||
        config_get_str(t, "webserver.ssl_certificate", &o->web.ssl_certificate, err, n) ||
        config_get_long(t, "webserver.threadiness", &o->web.threadiness, 0, err, n) ||
        config_get_bool(t, "webserver.prometheus_metrics_enabled", &o->web.prometheus, err, n))
        return -1;
    if (o->web.listen_port > 65535)
        return config_type_error(t, "webserver.listen_port",
                                 "a port number (1-65535; 0: any free port)", err, n);
    if (set_default(&o->web.listen_address, "0.0.0.0") ||
        set_default(&o->web.healthz, "/healthz") ||
        set_default(&o->web.ssl_certificate, "/etc/falco/falco.pem")) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (o->web.healthz[0] != '/')
        return config_type_error(t, "webserver.k8s_healthz_endpoint", "a path starting with '/'",
                                 err, n);
    return 0;
}

static int read_metrics(struct ops_config *o, const struct cfg_node *t, char *err, size_t n)
{
    /* accepted without effect (no eBPF, no plugins, one ring instead of per-CPU buffers) */
    int ignored = 0;
    if (config_get_bool(t, "metrics.enabled", &o->metrics.enabled, err, n) ||
        get_interval(t, "metrics.interval", &o->metrics.interval_ms, err, n) ||
        config_get_bool(t, "metrics.output_rule", &o->metrics.output_rule, err, n) ||
        config_get_str(t, "metrics.output_file", &o->metrics.output_file, err, n) ||
        config_get_bool(t, "metrics.rules_counters_enabled", &o->metrics.rules_counters, err, n) ||
        config_get_bool(t, "metrics.resource_utilization_enabled", &o->metrics.resource_utilization,
                        err, n) ||
        config_get_bool(t, "metrics.state_counters_enabled", &o->metrics.state_counters, err, n) ||
        config_get_bool(t, "metrics.kernel_event_counters_enabled",
                        &o->metrics.kernel_event_counters, err, n) ||
        config_get_bool(t, "metrics.kernel_event_counters_per_cpu_enabled", &ignored, err, n) ||
        config_get_bool(t, "metrics.libbpf_stats_enabled", &ignored, err, n) ||
        config_get_bool(t, "metrics.plugins_metrics_enabled", &ignored, err, n) ||
        config_get_bool(t, "metrics.convert_memory_to_mb", &o->metrics.convert_memory_to_mb, err,
                        n) ||
        config_get_bool(t, "metrics.include_empty_values", &o->metrics.include_empty_values, err,
                        n))
        return -1;
    if (set_default(&o->metrics.output_file, "")) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    return 0;
}

static int read_cwm(struct ops_config *o, const struct cfg_node *t, char *err, size_t n)
{
    if (config_get_bool(t, "tartan.cloudwatch_metrics.enabled", &o->cwm.enabled, err, n) ||
        get_interval(t, "tartan.cloudwatch_metrics.interval", &o->cwm.interval_ms, err, n) ||
        config_get_str(t, "tartan.cloudwatch_metrics.namespace", &o->cwm.ns, err, n) ||
        read_dimensions(o, t, err, n))
        return -1;
    if (config_lookup(t, "tartan.cloudwatch_metrics.outputs") &&
        config_get_str_list(t, "tartan.cloudwatch_metrics.outputs", &o->cwm.outputs,
                            &o->cwm.noutputs, err, n))
        return -1;
    if (set_default(&o->cwm.ns, "Tartan")) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (!o->cwm.ns[0] || strlen(o->cwm.ns) > 255 || !strncmp(o->cwm.ns, "AWS/", 4))
        return config_type_error(t, "tartan.cloudwatch_metrics.namespace",
                                 "a namespace of 1-255 characters not starting with AWS/", err, n);
    if (!o->cwm.outputs) {
        o->cwm.outputs = calloc(1, sizeof(char *));
        if (!o->cwm.outputs || !(o->cwm.outputs[0] = strdup("program"))) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        o->cwm.noutputs = 1;
    }
    static const char *const channels[] = {"stdout", "file", "program", "http", "syslog"};
    for (size_t i = 0; i < o->cwm.noutputs; i++) {
        int known = 0;
        for (size_t k = 0; k < sizeof channels / sizeof *channels; k++)
            known |= !strcmp(o->cwm.outputs[i], channels[k]);
        if (!known) {
            const struct cfg_node *v = config_lookup(t, "tartan.cloudwatch_metrics.outputs");
            snprintf(err, n,
                     "configuration key 'tartan.cloudwatch_metrics.outputs' (%s:%d): unknown "
                     "output '%.40s' (stdout, file, program, http, syslog)",
                     v ? v->file : "?", v ? v->line : 0, o->cwm.outputs[i]);
            return -1;
        }
    }
    return 0;
}

static int read_health(struct ops_config *o, const struct cfg_node *t,
                       const struct engine_config *cfg, char *err, size_t n)
{
    if (config_get_str(t, "tartan.health.status_file", &o->health.status_file, err, n) ||
        config_get_long(t, "tartan.health.stall_seconds", &o->health.stall_s, 2, err, n) ||
        config_get_long(t, "tartan.health.tracer_wait_seconds", &o->health.tracer_wait_s, 1, err,
                        n) ||
        config_get_double(t, "tartan.health.max_drop_ratio", &o->health.max_drop_ratio, err, n) ||
        config_get_long(t, "tartan.health.drop_window_seconds", &o->health.drop_window_s, 1, err,
                        n) ||
        config_get_long(t, "tartan.health.delivery_failure_seconds", &o->health.delivery_failure_s,
                        1, err, n) ||
        config_get_long(t, "tartan.shutdown.program_output_deadline", &o->program_deadline_s, 1,
                        err, n))
        return -1;
    if (o->health.drop_window_s > 300)
        return config_type_error(t, "tartan.health.drop_window_seconds",
                                 "a number of seconds from 1 to 300", err, n);
    if (o->program_deadline_s > 3600)
        return config_type_error(t, "tartan.shutdown.program_output_deadline",
                                 "a number of seconds from 1 to 3600", err, n);
    if (o->health.max_drop_ratio < 0) /* unset: the drop alert's threshold */
        o->health.max_drop_ratio = cfg ? cfg->drops.threshold : 0.1;
    else if (o->health.max_drop_ratio > 1)
        return config_type_error(t, "tartan.health.max_drop_ratio", "a ratio from 0 to 1", err, n);
    if (set_default(&o->health.status_file, "")) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    return 0;
}

/* A warning for each sub-key of map `key` that is not in known (a typo would otherwise change
 * nothing, silently). */
static void check_subkeys(struct ops_config *o, const struct cfg_node *tree, const char *key,
                          const char *const *known)
{
    const struct cfg_node *v = cfg_get(tree, key);
    if (!v || v->kind != CFG_MAP)
        return;
    for (size_t i = 0; i < v->n; i++) {
        size_t k = 0;
        while (known[k] && strcmp(known[k], v->keys[i]))
            k++;
        if (known[k])
            continue;
        char line[400];
        snprintf(line, sizeof line,
                 "configuration key '%s.%.80s' (%s:%d) is not a key Tartan "
                 "knows: ignored",
                 key, v->keys[i], v->items[i]->file, v->items[i]->line);
        char **w = realloc(o->warnings, (o->nwarnings + 1) * sizeof *w);
        if (!w)
            return;
        o->warnings = w;
        if ((w[o->nwarnings] = strdup(line)))
            o->nwarnings++;
    }
}

int config_ops_from_tree(struct ops_config *o, const struct cfg_node *tree,
                         const struct engine_config *cfg, char *err, size_t n)
{
    static const char *const web_keys[] = {
        "enabled",     "listen_port",     "listen_address",       "threadiness",
        "ssl_enabled", "ssl_certificate", "k8s_healthz_endpoint", "prometheus_metrics_enabled",
        NULL};
    static const char *const metrics_keys[] = {"enabled",
                                               "interval",
                                               "output_rule",
                                               "output_file",
                                               "rules_counters_enabled",
                                               "resource_utilization_enabled",
                                               "state_counters_enabled",
                                               "kernel_event_counters_enabled",
                                               "kernel_event_counters_per_cpu_enabled",
                                               "libbpf_stats_enabled",
                                               "plugins_metrics_enabled",
                                               "convert_memory_to_mb",
                                               "include_empty_values",
                                               NULL};
    if (read_web(o, tree, err, n) || read_metrics(o, tree, err, n) || read_cwm(o, tree, err, n) ||
        read_health(o, tree, cfg, err, n))
        return -1;
    check_subkeys(o, tree, "webserver", web_keys);
    check_subkeys(o, tree, "metrics", metrics_keys);
    return 0;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void config_ops_free(struct ops_config *o)
{
    free(o->web.listen_address);
    free(o->web.healthz);
    free(o->web.ssl_certificate);
    free(o->metrics.output_file);
    free(o->cwm.ns);
    free_strv(o->cwm.outputs, o->cwm.noutputs);
    free_strv(o->cwm.dim_names, o->cwm.ndims);
    free_strv(o->cwm.dim_values, o->cwm.ndims);
    free(o->health.status_file);
    free_strv(o->warnings, o->nwarnings);
    memset(o, 0, sizeof *o);
}

void config_status_path(const struct ops_config *o, int ring_key, char *buf, size_t n)
{
    const char *env = getenv("TARTAN_STATUS_FILE");
    if (o->health.status_file && o->health.status_file[0])
        snprintf(buf, n, "%s", o->health.status_file);
    else if (env && *env)
        snprintf(buf, n, "%s", env);
    else
        snprintf(buf, n, "%s/tartan-engine-%08x.json", OPS_STATUS_DIR, (unsigned)ring_key);
}

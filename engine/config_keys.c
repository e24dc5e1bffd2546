/* Which falco.yaml keys Tartan reads, and one warning for each key it does not: a Falco key
 * Tartan does not implement (with what Tartan does instead), or a key nobody knows (a typo,
 * with the closest known key). Falco ignores both silently; an operator reading the start-up
 * log should know that `load_plugins: [k8saudit]` or `json_ouput: true` changes nothing.
 * `webserver` and `metrics` are read elsewhere and not reported here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key {
    const char *name;
    const char *const *sub; /* known sub-keys of a map, or NULL (not checked) */
};

static const char *const k_outputs_queue[] = {"capacity", NULL};
static const char *const k_outputs[] = {"rate", "max_burst", NULL};
static const char *const k_enabled[] = {"enabled", NULL};
static const char *const k_file[] = {"enabled", "keep_alive", "filename", NULL};
static const char *const k_program[] = {"enabled", "keep_alive", "program", NULL};
static const char *const k_http[] = {"enabled",     "url",
                                     "user_agent",  "insecure",
                                     "ca_cert",     "ca_bundle",
                                     "ca_path",     "mtls",
                                     "client_cert", "client_key",
                                     "echo",        "compress_uploads",
                                     "keep_alive",  "max_consecutive_timeouts",
                                     "timeout",     "retries",
                                     NULL};
static const char *const k_drops[] = {"threshold", "actions",        "rate",
                                      "max_burst", "simulate_drops", NULL};
static const char *const k_timeouts[] = {"max_consecutives", NULL};
static const char *const k_tartan[] = {"ring_key",        "ecs_metadata_uri",
                                       "container_id",    "container_name",
                                       "container_image", "rules_files_missing",
                                       "health",          "cloudwatch_metrics",
                                       "shutdown",        NULL};

static const struct key implemented[] = {
    {"rules_files", NULL},
    {"rules_file", NULL},
    {"rules", NULL},
    {"config_files", NULL},
    {"watch_config_files", NULL},
    {"json_output", NULL},
    {"json_include_output_property", NULL},
    {"json_include_tags_property", NULL},
    {"json_include_message_property", NULL},
    {"json_include_output_fields_property", NULL},
    {"time_format_iso_8601", NULL},
    {"priority", NULL},
    {"rule_matching", NULL},
    {"buffered_outputs", NULL},
    {"outputs_queue", k_outputs_queue},
    {"outputs", k_outputs},
    {"output_timeout", NULL},
    {"stdout_output", k_enabled},
    {"syslog_output", k_enabled},
    {"file_output", k_file},
    {"program_output", k_program},
    {"http_output", k_http},
    {"log_stderr", NULL},
    {"log_syslog", NULL},
    {"log_level", NULL},
    {"syscall_event_drops", k_drops},
    {"syscall_event_timeouts", k_timeouts},
    {"append_output", NULL},
    {"static_fields", NULL},
    {"tartan", k_tartan},
    /* read by the health and metrics code, which reports its own keys */
    {"webserver", NULL},
    {"metrics", NULL},
};

/* Falco keys (current or recent releases) Tartan does not implement, and what it does instead. */
static const struct {
    const char *name, *instead;
} unimplemented[] = {
    {"engine", "events come from the tracer's ring, or a capture file with -e"},
    {"capture", "no capture files are written"},
    {"load_plugins", "no plugins are loaded; container.* fields are built in"},
    {"plugins", "no plugins are loaded; container.* fields are built in"},
    {"plugins_hostinfo", "no plugins are loaded"},
    {"libs_logger", "there are no libs logs"},
    {"base_syscalls", "the tracer stops on the syscalls the rules need (TARTAN_SYSCALLS_FILE)"},
    {"falco_libs", "the engine's own state tables have no such settings"},
    {"grpc", "there is no gRPC server"},
    {"grpc_output", "there is no gRPC output"},
    {"syscall_buf_size_preset", "the ring's size is the tracer's"},
    {"syscall_drop_failed_exit", "the tracer decides which events to send"},
    {"modern_bpf", "events come from the tracer's ring"},
    {"metadata_download", "there is no metadata download"},
};

static int is_empty(const struct cfg_node *v)
{
    return !v || v->kind == CFG_NULL || ((v->kind == CFG_SEQ || v->kind == CFG_MAP) && v->n == 0);
}

/* Levenshtein distance, capped: enough to suggest a key for a typo. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int unknown(struct engine_config *cfg, const char *path, const struct cfg_node *v,
                   const char *const *candidates, size_t ncand)
{
    const char *leaf = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
    const char *best = NULL;
    size_t bd = 3; /* suggest only within 2 edits */
    for (size_t i = 0; i < ncand; i++) {
        size_t d = distance(leaf, candidates[i]);
        if (d < bd) {
            bd = d;
            best = candidates[i];
        }
    }
    if (best)
        return config_warn(cfg,
                           "configuration key '%s' (%s:%d) is not a key Tartan knows: ignored "
                           "(did you mean '%s'?)",
                           path, v->file, v->line, best);
    return config_warn(cfg, "configuration key '%s' (%s:%d) is not a key Tartan knows: ignored",
                       path, v->file, v->line);
}

int config_check_keys(struct engine_config *cfg, const struct cfg_node *tree)
{
    if (!tree || tree->kind != CFG_MAP)
        return 0;
    const size_t nimpl = sizeof implemented / sizeof *implemented;
    const char *names[sizeof implemented / sizeof *implemented];
    for (size_t i = 0; i < nimpl; i++)
        names[i] = implemented[i].name;
    for (size_t i = 0; i < tree->n; i++) {
        const char *k = tree->keys[i];
        const struct cfg_node *v = tree->items[i];
        if (cfg_get(tree, k) != v)
            continue; /* a key written twice: the last one counts, report it once */
        size_t j = 0;
        while (j < nimpl && strcmp(implemented[j].name, k) != 0)
            j++;
        if (j < nimpl) {
            const char *const *sub = implemented[j].sub;
            if (!sub || v->kind != CFG_MAP)
                continue;
            size_t nsub = 0;
            while (sub[nsub])
                nsub++;
            for (size_t s = 0; s < v->n; s++) {
                size_t m = 0;
                while (m < nsub && strcmp(sub[m], v->keys[s]) != 0)
                    m++;
                if (m == nsub && cfg_get(v, v->keys[s]) == v->items[s]) {
                    char path[256];
                    snprintf(path, sizeof path, "%s.%s", k, v->keys[s]);
                    if (unknown(cfg, path, v->items[s], sub, nsub))
                        return -1;
                }
            }
            continue;
        }
        size_t u = 0;
        while (u < sizeof unimplemented / sizeof *unimplemented && strcmp(unimplemented[u].name, k))
            u++;
        if (u < sizeof unimplemented / sizeof *unimplemented) {
            /* `load_plugins: []` asks for nothing Tartan does not do */
            if (!is_empty(v) && config_warn(cfg,
                                            "configuration key '%s' (%s:%d) is a Falco key Tartan "
                                            "does not implement: ignored (%s)",
                                            k, v->file, v->line, unimplemented[u].instead))
                return -1;
            continue;
        }
        if (unknown(cfg, k, v, names, nimpl))
            return -1;
    }
    return 0;
}

int config_warn(struct engine_config *cfg, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **w = realloc(cfg->warnings, (cfg->nwarnings + 1) * sizeof *w);
    if (!w)
        return -1;
    cfg->warnings = w;
    if (!(w[cfg->nwarnings] = strdup(buf)))
        return -1;
    cfg->nwarnings++;
    return 0;
}

/* Typed engine configuration from the YAML tree: Falco's keys and defaults, wrong types
 * reported with the key and file:line, configuration and rules from environment variables. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alert.h"
#include "tt_base64.h"
#include "tt_log.h"
#include "tt_ring.h"

extern char **environ;

struct ctx {
    const struct cfg_node *root;
    char *err;
    size_t n;
};

static const struct cfg_node *lookup(const struct cfg_node *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const struct cfg_node *cur = root;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur;
         tok = strtok_r(NULL, ".", &save))
        cur = cfg_get(cur, tok);
    return cur;
}

static int type_err(struct ctx *c, const char *key, const struct cfg_node *v, const char *want)
{
    const char *got = v->kind == CFG_SCALAR ? v->scalar
                      : v->kind == CFG_MAP  ? "a map"
                      : v->kind == CFG_SEQ  ? "a list"
                                            : "null";
    snprintf(c->err, c->n, "configuration key '%s' (%s:%d): expected %s, got '%.60s'", key, v->file,
             v->line, want, got);
    return -1;
}

static int parse_bool_text(const char *s, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                      "on",   "On",   "ON",   "y",   "Y"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                     "off",   "Off",   "OFF",   "n",  "N"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (!strcmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int get_bool(struct ctx *c, const char *key, int *out)
{
    const struct cfg_node *v = lookup(c->root, key);
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_SCALAR || parse_bool_text(v->scalar, out))
        return type_err(c, key, v, "a boolean (true/false)");
    return 0;
}

static int get_double(struct ctx *c, const char *key, double *out)
{
    const struct cfg_node *v = lookup(c->root, key);
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_SCALAR)
        return type_err(c, key, v, "a number");
    char *end;
    errno = 0;
    double d = strtod(v->scalar, &end);
    if (errno || end == v->scalar || *end || !isfinite(d))
        return type_err(c, key, v, "a number");
    *out = d;
    return 0;
}

static int get_long(struct ctx *c, const char *key, long *out, long min)
{
    const struct cfg_node *v = lookup(c->root, key);
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_SCALAR)
        return type_err(c, key, v, "an integer");
    char *end;
    errno = 0;
    long l = strtol(v->scalar, &end, 0);
    if (errno || end == v->scalar || *end)
        return type_err(c, key, v, "an integer");
    if (l < min) {
        snprintf(c->err, c->n, "configuration key '%s' (%s:%d): must be >= %ld, got %ld", key,
                 v->file, v->line, min, l);
        return -1;
    }
    *out = l;
    return 0;
}

static int get_u64(struct ctx *c, const char *key, uint64_t *out)
{
    long l = (long)*out;
    if (get_long(c, key, &l, 0))
        return -1;
    *out = (uint64_t)l;
    return 0;
}

static int set_str(char **dst, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return -1;
    free(*dst);
    *dst = d;
    return 0;
}

static int get_str(struct ctx *c, const char *key, char **out)
{
    const struct cfg_node *v = lookup(c->root, key);
    if (!v)
        return 0;
    if (v->kind == CFG_NULL)
        return set_str(out, "");
    if (v->kind != CFG_SCALAR)
        return type_err(c, key, v, "a string");
    if (set_str(out, v->scalar)) {
        snprintf(c->err, c->n, "out of memory");
        return -1;
    }
    return 0;
}

static int str_list(struct ctx *c, const char *key, const struct cfg_node *v, char ***out,
                    size_t *nout)
{
    for (size_t i = 0; i < *nout; i++)
        free((*out)[i]);
    free(*out);
    *out = NULL;
    *nout = 0;
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind == CFG_SCALAR) { /* a single string is taken as a one-element list */
        *out = calloc(1, sizeof **out);
        if (!*out || !((*out)[0] = strdup(v->scalar)))
            goto oom;
        *nout = 1;
        return 0;
    }
    if (v->kind != CFG_SEQ)
        return type_err(c, key, v, "a list of strings");
    *out = calloc(v->n ? v->n : 1, sizeof **out);
    if (!*out)
        goto oom;
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != CFG_SCALAR)
            return type_err(c, key, v->items[i], "a string");
        if (!((*out)[i] = strdup(v->items[i]->scalar)))
            goto oom;
        *nout = i + 1;
    }
    return 0;
oom:
    snprintf(c->err, c->n, "out of memory");
    return -1;
}

void config_defaults(struct engine_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->json_include_output_property = 1;
    cfg->json_include_tags_property = 1;
    cfg->json_include_message_property = 0;
    cfg->json_include_output_fields_property = 1;
    cfg->priority = PRI_DEBUG;
    cfg->outputs_rate = 0;
    cfg->outputs_max_burst = 1000;
    cfg->output_timeout_ms = 2000;
    cfg->stdout_enabled = 1;
    cfg->syslog_enabled = 1;
    cfg->log_stderr = 1;
    cfg->log_syslog = 1;
    cfg->log_level = TT_LOG_INFO;
    cfg->drops.threshold = 0.1;
    cfg->drops.actions = DROP_ACT_LOG | DROP_ACT_ALERT;
    cfg->drops.rate = 0.03333;
    cfg->drops.max_burst = 1;
    cfg->timeouts_max_consecutives = 1000;
    cfg->watch_config_files = 1;
    cfg->http.keep_alive = 0;
    cfg->http.max_consecutive_timeouts = 5;
    cfg->http.timeout_ms = 5000;
    cfg->http.retries = 3;
    cfg->ring_key = TT_RING_DEFAULT_KEY;
    config_ops_defaults(&cfg->ops);
    /* strings are filled by config_from_tree (allocation can fail there) */
}

static int parse_rules_sel(struct ctx *c, struct engine_config *cfg)
{
    const struct cfg_node *v = lookup(c->root, "rules");
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_SEQ)
        return type_err(c, "rules", v, "a list of {enable|disable: {rule|tag: ...}}");
    cfg->rules_sel = calloc(v->n ? v->n : 1, sizeof *cfg->rules_sel);
    if (!cfg->rules_sel)
        goto oom;
    for (size_t i = 0; i < v->n; i++) {
        const struct cfg_node *it = v->items[i];
        const struct cfg_node *en = cfg_get(it, "enable"), *dis = cfg_get(it, "disable");
        const struct cfg_node *sel = en ? en : dis;
        if (!sel || sel->kind != CFG_MAP)
            return type_err(c, "rules", it, "{enable: {...}} or {disable: {...}}");
        struct cfg_rule_sel *rs = &cfg->rules_sel[cfg->nrules_sel++];
        rs->enable = en != NULL;
        const struct cfg_node *r = cfg_get(sel, "rule"), *t = cfg_get(sel, "tag");
        if (r && r->kind != CFG_SCALAR)
            return type_err(c, "rules[].rule", r, "a string");
        if (t && t->kind != CFG_SCALAR)
            return type_err(c, "rules[].tag", t, "a string");
        if ((r && !(rs->rule = strdup(r->scalar))) || (t && !(rs->tag = strdup(t->scalar))))
            goto oom;
    }
    return 0;
oom:
    snprintf(c->err, c->n, "out of memory");
    return -1;
}

static int parse_append(struct ctx *c, struct engine_config *cfg)
{
    const struct cfg_node *v = lookup(c->root, "append_output");
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_SEQ)
        return type_err(c, "append_output", v, "a list");
    cfg->append = calloc(v->n ? v->n : 1, sizeof *cfg->append);
    if (!cfg->append)
        goto oom;
    for (size_t i = 0; i < v->n; i++) {
        const struct cfg_node *it = v->items[i];
        if (it->kind != CFG_MAP)
            return type_err(c, "append_output[]", it, "a map");
        struct append_output *a = &cfg->append[cfg->nappend++];
        const struct cfg_node *m = cfg_get(it, "match");
        if (m) {
            if (m->kind != CFG_MAP)
                return type_err(c, "append_output[].match", m, "a map");
            const struct cfg_node *s = cfg_get(m, "source"), *r = cfg_get(m, "rule");
            if (s && s->kind != CFG_SCALAR)
                return type_err(c, "append_output[].match.source", s, "a string");
            if (r && r->kind != CFG_SCALAR)
                return type_err(c, "append_output[].match.rule", r, "a string");
            if ((s && !(a->source = strdup(s->scalar))) || (r && !(a->rule = strdup(r->scalar))))
                goto oom;
            if (str_list(c, "append_output[].match.tags", cfg_get(m, "tags"), &a->tags, &a->ntags))
                return -1;
        }
        const struct cfg_node *eo = cfg_get(it, "extra_output");
        if (eo && eo->kind != CFG_SCALAR && eo->kind != CFG_NULL)
            return type_err(c, "append_output[].extra_output", eo, "a string");
        if (eo && eo->kind == CFG_SCALAR && !(a->extra_output = strdup(eo->scalar)))
            goto oom;
        const struct cfg_node *so = cfg_get(it, "suggested_output");
        if (so && (so->kind != CFG_SCALAR || parse_bool_text(so->scalar, &a->suggested_output)))
            return type_err(c, "append_output[].suggested_output", so, "a boolean");
        const struct cfg_node *ef = cfg_get(it, "extra_fields");
        if (ef && ef->kind != CFG_NULL) {
            if (ef->kind != CFG_SEQ)
                return type_err(c, "append_output[].extra_fields", ef, "a list");
            a->extra_field_names = calloc(ef->n ? ef->n : 1, sizeof(char *));
            a->extra_field_formats = calloc(ef->n ? ef->n : 1, sizeof(char *));
            if (!a->extra_field_names || !a->extra_field_formats)
                goto oom;
            for (size_t j = 0; j < ef->n; j++) {
                const struct cfg_node *f = ef->items[j];
                size_t k = a->nextra_fields;
                if (f->kind == CFG_SCALAR) {
                    if (!(a->extra_field_names[k] = strdup(f->scalar)))
                        goto oom;
                } else if (f->kind == CFG_MAP && f->n == 1 && f->items[0]->kind == CFG_SCALAR) {
                    if (!(a->extra_field_names[k] = strdup(f->keys[0])) ||
                        !(a->extra_field_formats[k] = strdup(f->items[0]->scalar)))
                        goto oom;
                } else {
                    return type_err(c, "append_output[].extra_fields[]", f,
                                    "a field name or {name: format}");
                }
                a->nextra_fields++;
            }
        }
    }
    return 0;
oom:
    snprintf(c->err, c->n, "out of memory");
    return -1;
}

static int parse_static(struct ctx *c, struct engine_config *cfg)
{
    const struct cfg_node *v = lookup(c->root, "static_fields");
    if (!v || v->kind == CFG_NULL)
        return 0;
    if (v->kind != CFG_MAP)
        return type_err(c, "static_fields", v, "a map of name: value");
    cfg->static_names = calloc(v->n ? v->n : 1, sizeof(char *));
    cfg->static_values = calloc(v->n ? v->n : 1, sizeof(char *));
    if (!cfg->static_names || !cfg->static_values)
        goto oom;
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != CFG_SCALAR)
            return type_err(c, "static_fields", v->items[i], "a string value");
        if (!(cfg->static_names[i] = strdup(v->keys[i])) ||
            !(cfg->static_values[i] = strdup(v->items[i]->scalar)))
            goto oom;
        cfg->nstatic = i + 1;
    }
    return 0;
oom:
    snprintf(c->err, c->n, "out of memory");
    return -1;
}

static int parse_drops(struct ctx *c, struct engine_config *cfg)
{
    if (get_double(c, "syscall_event_drops.threshold", &cfg->drops.threshold) ||
        get_double(c, "syscall_event_drops.rate", &cfg->drops.rate) ||
        get_double(c, "syscall_event_drops.max_burst", &cfg->drops.max_burst) ||
        get_bool(c, "syscall_event_drops.simulate_drops", &cfg->drops.simulate_drops))
        return -1;
    if (cfg->drops.threshold < 0 || cfg->drops.threshold > 1) {
        snprintf(c->err, c->n,
                 "configuration key 'syscall_event_drops.threshold': must be in [0, 1]");
        return -1;
    }
    const struct cfg_node *a = lookup(c->root, "syscall_event_drops.actions");
    if (a && a->kind != CFG_NULL) {
        char **acts = NULL;
        size_t nacts = 0;
        if (str_list(c, "syscall_event_drops.actions", a, &acts, &nacts)) {
            for (size_t i = 0; i < nacts; i++)
                free(acts[i]);
            free(acts);
            return -1;
        }
        unsigned m = 0;
        int bad = 0;
        for (size_t i = 0; i < nacts; i++) {
            if (!strcmp(acts[i], "ignore"))
                m |= DROP_ACT_IGNORE;
            else if (!strcmp(acts[i], "log"))
                m |= DROP_ACT_LOG;
            else if (!strcmp(acts[i], "alert"))
                m |= DROP_ACT_ALERT;
            else if (!strcmp(acts[i], "exit"))
                m |= DROP_ACT_EXIT;
            else if (!bad) {
                bad = 1;
                snprintf(c->err, c->n,
                         "configuration key 'syscall_event_drops.actions' (%s:%d): unknown "
                         "action '%s' (ignore, log, alert, exit)",
                         a->file, a->line, acts[i]);
            }
        }
        for (size_t i = 0; i < nacts; i++)
            free(acts[i]);
        free(acts);
        if (bad)
            return -1;
        if ((m & DROP_ACT_IGNORE) && (m & ~DROP_ACT_IGNORE)) {
            snprintf(c->err, c->n,
                     "configuration key 'syscall_event_drops.actions' (%s:%d): 'ignore' cannot "
                     "be combined with other actions",
                     a->file, a->line);
            return -1;
        }
        cfg->drops.actions = m;
    }
    long mc = (long)cfg->timeouts_max_consecutives;
    if (get_long(c, "syscall_event_timeouts.max_consecutives", &mc, 1))
        return -1;
    cfg->timeouts_max_consecutives = (uint64_t)mc;
    return 0;
}

int config_from_tree(struct engine_config *cfg, struct cfg_node *tree, char *err, size_t n)
{
    struct ctx c = {.root = tree, .err = err, .n = n};
    cfg_node_free(cfg->tree);
    cfg->tree = tree;
    if (set_str(&cfg->file.filename, "./events.txt") || set_str(&cfg->program.program, "") ||
        set_str(&cfg->http.url, "") || set_str(&cfg->http.user_agent, "falcosecurity/falco") ||
        set_str(&cfg->http.ca_cert, "") || set_str(&cfg->http.ca_bundle, "") ||
        set_str(&cfg->http.ca_path, "/etc/ssl/certs") ||
        set_str(&cfg->http.client_cert, "/etc/ssl/certs/client.crt") ||
        set_str(&cfg->http.client_key, "/etc/ssl/certs/client.key")) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    const struct cfg_node *rf = cfg_get(tree, "rules_files");
    const struct cfg_node *rf1 = cfg_get(tree, "rules_file");
    if (rf && rf1) {
        snprintf(err, n, "both 'rules_files' and 'rules_file' keys set");
        return -1;
    }
    if (str_list(&c, rf ? "rules_files" : "rules_file", rf ? rf : rf1, &cfg->rules_files,
                 &cfg->nrules_files))
        return -1;
    if (parse_rules_sel(&c, cfg))
        return -1;
    if (get_bool(&c, "json_output", &cfg->json_output) ||
        get_bool(&c, "json_include_output_property", &cfg->json_include_output_property) ||
        get_bool(&c, "json_include_tags_property", &cfg->json_include_tags_property) ||
        get_bool(&c, "json_include_message_property", &cfg->json_include_message_property) ||
        get_bool(&c, "json_include_output_fields_property",
                 &cfg->json_include_output_fields_property) ||
        get_bool(&c, "time_format_iso_8601", &cfg->time_format_iso_8601) ||
        get_bool(&c, "buffered_outputs", &cfg->buffered_outputs))
        return -1;
    const struct cfg_node *p = cfg_get(tree, "priority");
    if (p && p->kind != CFG_NULL) {
        int pr = p->kind == CFG_SCALAR ? priority_parse(p->scalar) : -1;
        if (pr < 0)
            return type_err(&c, "priority", p,
                            "a priority (emergency, alert, critical, error, warning, notice, "
                            "info, debug)");
        cfg->priority = pr;
    }
    const struct cfg_node *rm = cfg_get(tree, "rule_matching");
    if (rm && rm->kind != CFG_NULL) {
        if (rm->kind == CFG_SCALAR && !strcmp(rm->scalar, "first"))
            cfg->rule_matching_all = 0;
        else if (rm->kind == CFG_SCALAR && !strcmp(rm->scalar, "all"))
            cfg->rule_matching_all = 1;
        else
            return type_err(&c, "rule_matching", rm, "'first' or 'all'");
    }
    if (get_u64(&c, "outputs_queue.capacity", &cfg->outputs_queue_capacity) ||
        get_double(&c, "outputs.rate", &cfg->outputs_rate) ||
        get_double(&c, "outputs.max_burst", &cfg->outputs_max_burst) ||
        get_long(&c, "output_timeout", &cfg->output_timeout_ms, 1))
        return -1;
    if (cfg->outputs_rate < 0 || cfg->outputs_max_burst < 0) {
        snprintf(err, n, "configuration keys 'outputs.rate'/'outputs.max_burst' must be >= 0");
        return -1;
    }
    if (get_bool(&c, "stdout_output.enabled", &cfg->stdout_enabled) ||
        get_bool(&c, "syslog_output.enabled", &cfg->syslog_enabled) ||
        get_bool(&c, "file_output.enabled", &cfg->file.enabled) ||
        get_bool(&c, "file_output.keep_alive", &cfg->file.keep_alive) ||
        get_str(&c, "file_output.filename", &cfg->file.filename) ||
        get_bool(&c, "program_output.enabled", &cfg->program.enabled) ||
        get_bool(&c, "program_output.keep_alive", &cfg->program.keep_alive) ||
        get_str(&c, "program_output.program", &cfg->program.program) ||
        get_bool(&c, "http_output.enabled", &cfg->http.enabled) ||
        get_str(&c, "http_output.url", &cfg->http.url) ||
        get_str(&c, "http_output.user_agent", &cfg->http.user_agent) ||
        get_bool(&c, "http_output.insecure", &cfg->http.insecure) ||
        get_str(&c, "http_output.ca_cert", &cfg->http.ca_cert) ||
        get_str(&c, "http_output.ca_bundle", &cfg->http.ca_bundle) ||
        get_str(&c, "http_output.ca_path", &cfg->http.ca_path) ||
        get_bool(&c, "http_output.mtls", &cfg->http.mtls) ||
        get_str(&c, "http_output.client_cert", &cfg->http.client_cert) ||
        get_str(&c, "http_output.client_key", &cfg->http.client_key) ||
        get_bool(&c, "http_output.echo", &cfg->http.echo) ||
        get_bool(&c, "http_output.compress_uploads", &cfg->http.compress_uploads) ||
        get_bool(&c, "http_output.keep_alive", &cfg->http.keep_alive) ||
        get_long(&c, "http_output.max_consecutive_timeouts", &cfg->http.max_consecutive_timeouts,
                 0) ||
        get_long(&c, "http_output.timeout", &cfg->http.timeout_ms, 1) ||
        get_long(&c, "http_output.retries", &cfg->http.retries, 0))
        return -1;
    if (cfg->file.enabled && !cfg->file.filename[0]) {
        snprintf(err, n,
                 "configuration key 'file_output.filename': must not be empty when "
                 "file_output is enabled");
        return -1;
    }
    if (cfg->program.enabled && !cfg->program.program[0]) {
        snprintf(err, n,
                 "configuration key 'program_output.program': must not be empty when "
                 "program_output is enabled");
        return -1;
    }
    if (cfg->http.enabled && !cfg->http.url[0]) {
        snprintf(err, n,
                 "configuration key 'http_output.url': must not be empty when "
                 "http_output is enabled");
        return -1;
    }
    if (get_bool(&c, "log_stderr", &cfg->log_stderr) ||
        get_bool(&c, "log_syslog", &cfg->log_syslog))
        return -1;
    const struct cfg_node *ll = cfg_get(tree, "log_level");
    if (ll && ll->kind != CFG_NULL) {
        int lv = ll->kind == CFG_SCALAR ? tt_log_level_parse(ll->scalar) : -1;
        if (lv < 0) {
            snprintf(err, n, "configuration key 'log_level' (%s:%d): Unknown log level %s",
                     ll->file, ll->line, ll->kind == CFG_SCALAR ? ll->scalar : "(not a string)");
            return -1;
        }
        cfg->log_level = lv;
    }
    if (parse_drops(&c, cfg) || get_bool(&c, "watch_config_files", &cfg->watch_config_files) ||
        parse_append(&c, cfg) || parse_static(&c, cfg))
        return -1;
    long key = cfg->ring_key;
    const char *ek = getenv("TT_RING_KEY"); /* the tracer's variable */
    if (ek && ek[0]) {
        char *end;
        errno = 0;
        long v = strtol(ek, &end, 0);
        if (errno || *end || v <= 0) {
            snprintf(err, n, "TT_RING_KEY: not a ring key: '%s'", ek);
            return -1;
        }
        key = v;
    }
    if (get_long(&c, "tartan.ring_key", &key, 1))
        return -1;
    cfg->ring_key = (int)key;
    const char *uri = getenv("ECS_CONTAINER_METADATA_URI_V4");
    if (uri && uri[0] && set_str(&cfg->ecs_metadata_uri, uri)) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (get_str(&c, "tartan.ecs_metadata_uri", &cfg->ecs_metadata_uri))
        return -1;
    static const char *const ctr_env[] = {"TARTAN_CONTAINER_ID", "TARTAN_CONTAINER_NAME",
                                          "TARTAN_CONTAINER_IMAGE"};
    static const char *const ctr_key[] = {"tartan.container_id", "tartan.container_name",
                                          "tartan.container_image"};
    char **ctr_val[] = {&cfg->container_id, &cfg->container_name, &cfg->container_image};
    for (size_t i = 0; i < 3; i++) {
        const char *ev = getenv(ctr_env[i]);
        if (ev && ev[0] && set_str(ctr_val[i], ev)) {
            snprintf(err, n, "out of memory");
            return -1;
        }
        if (get_str(&c, ctr_key[i], ctr_val[i]))
            return -1;
        if (*ctr_val[i] && !(*ctr_val[i])[0]) { /* an empty value unsets */
            free(*ctr_val[i]);
            *ctr_val[i] = NULL;
        }
    }
    if (cfg->container_id && !strcmp(cfg->container_id, "host")) {
        snprintf(err, n, "configuration key 'tartan.container_id': 'host' is not a container id");
        return -1;
    }
    const struct cfg_node *rfm = lookup(tree, "tartan.rules_files_missing");
    if (rfm && rfm->kind != CFG_NULL) {
        if (rfm->kind == CFG_SCALAR && !strcmp(rfm->scalar, "warn"))
            cfg->rules_files_missing_error = 0;
        else if (rfm->kind == CFG_SCALAR && !strcmp(rfm->scalar, "error"))
            cfg->rules_files_missing_error = 1;
        else
            return type_err(&c, "tartan.rules_files_missing", rfm, "'warn' or 'error'");
    }
    if (config_check_keys(cfg, tree)) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    return config_ops_from_tree(&cfg->ops, tree, cfg, err, n);
}

int config_add_source(struct engine_config *cfg, const char *s)
{
    char **a = realloc(cfg->sources, (cfg->nsources + 1) * sizeof *a);
    if (!a)
        return -1;
    cfg->sources = a;
    if (!(a[cfg->nsources] = strdup(s)))
        return -1;
    cfg->nsources++;
    return 0;
}

/* Parses one YAML configuration text (the environment's) and merges it into root. */
static int merge_text(struct cfg_node *root, const char *text, size_t len, const char *name,
                      char *err, size_t n)
{
    struct cfg_node *e = cfg_parse(text, len, name, err, n);
    if (!e)
        return -1;
    if (cfg_expand_env(e, err, n)) {
        cfg_node_free(e);
        return -1;
    }
    cfg_merge(root, e);
    return 0;
}

static int is_config_files_override(const char *o)
{
    return !strncmp(o, "config_files", 12) && (o[12] == '=' || o[12] == '[' || o[12] == '.');
}

int config_load(struct engine_config *cfg, const struct config_load_opts *o, char *err, size_t n)
{
    config_defaults(cfg);
    struct cfg_node *root = NULL;
    const char *env_yaml = getenv(CONFIG_ENV_YAML);
    const char *env_b64 = getenv(CONFIG_ENV_YAML_B64);
    int have_env = (env_yaml && env_yaml[0]) || (env_b64 && env_b64[0]);
    const char *path = o->path;
    if (!path && !have_env) {
        path = CONFIG_DEFAULT_PATH;
        if (access(path, F_OK) != 0 && access(CONFIG_VENDOR_PATH, F_OK) == 0)
            path = CONFIG_VENDOR_PATH;
        if (o->default_optional && access(path, F_OK) != 0)
            path = NULL;
    }
    if (path) {
        root = cfg_parse_file(path, err, n);
        if (!root)
            return -1;
        if (config_add_source(cfg, path))
            goto oom;
        if (cfg_expand_env(root, err, n))
            goto fail;
    } else if (!(root = cfg_node_new(CFG_MAP, "defaults", 0))) {
        goto oom;
    }
    if (env_yaml && env_yaml[0] &&
        merge_text(root, env_yaml, strlen(env_yaml), CONFIG_ENV_YAML, err, n))
        goto fail;
    if (env_b64 && env_b64[0]) {
        size_t len;
        char *text = config_b64_decode(env_b64, &len);
        if (!text) {
            snprintf(err, n, "%s is not valid base64", CONFIG_ENV_YAML_B64);
            goto fail;
        }
        int rc = merge_text(root, text, len, CONFIG_ENV_YAML_B64, err, n);
        free(text);
        if (rc)
            goto fail;
    }
    /* As Falco: -o config_files=... first, then the included files, then the other -o. */
    for (size_t i = 0; i < o->noverrides; i++)
        if (is_config_files_override(o->overrides[i]) &&
            cfg_override(root, o->overrides[i], err, n))
            goto fail;
    if (config_include_files(cfg, root, path, err, n))
        goto fail;
    for (size_t i = 0; i < o->noverrides; i++)
        if (!is_config_files_override(o->overrides[i]) &&
            cfg_override(root, o->overrides[i], err, n))
            goto fail;
    if (config_from_tree(cfg, root, err, n)) { /* root is cfg's now */
        config_free(cfg);
        return -1;
    }
    return 0;
oom:
    snprintf(err, n, "out of memory");
fail:
    cfg_node_free(root);
    config_free(cfg);
    return -1;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void config_free(struct engine_config *cfg)
{
    free_strv(cfg->rules_files, cfg->nrules_files);
    for (size_t i = 0; i < cfg->nrules_sel; i++) {
        free(cfg->rules_sel[i].rule);
        free(cfg->rules_sel[i].tag);
    }
    free(cfg->rules_sel);
    free(cfg->file.filename);
    free(cfg->program.program);
    free(cfg->http.url);
    free(cfg->http.user_agent);
    free(cfg->http.ca_cert);
    free(cfg->http.ca_bundle);
    free(cfg->http.ca_path);
    free(cfg->http.client_cert);
    free(cfg->http.client_key);
    for (size_t i = 0; i < cfg->nappend; i++) {
        struct append_output *a = &cfg->append[i];
        free(a->source);
        free(a->rule);
        free(a->extra_output);
        free_strv(a->tags, a->ntags);
        free_strv(a->extra_field_names, a->nextra_fields);
        free_strv(a->extra_field_formats, a->nextra_fields);
    }
    free(cfg->append);
    free_strv(cfg->static_names, cfg->nstatic);
    free_strv(cfg->static_values, cfg->nstatic);
    free(cfg->ecs_metadata_uri);
    free(cfg->container_id);
    free(cfg->container_name);
    free(cfg->container_image);
    config_ops_free(&cfg->ops);
    free_strv(cfg->sources, cfg->nsources);
    free_strv(cfg->warnings, cfg->nwarnings);
    cfg_node_free(cfg->tree);
    memset(cfg, 0, sizeof *cfg);
}

char *config_b64_decode(const char *in, size_t *outlen)
{
    size_t len = strlen(in);
    char *out = malloc(tt_b64_decoded_max(len) + 1);
    if (!out)
        return NULL;
    /* wrapped `base64` output and the URL-safe alphabet are common in environment variables */
    ssize_t o = tt_b64_decode(in, len, out, TT_B64_SKIP_SPACE | TT_B64_URL);
    if (o < 0) {
        free(out);
        return NULL;
    }
    out[o] = '\0';
    if (outlen)
        *outlen = (size_t)o;
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int config_env_rules(struct env_rules *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    size_t cnt = 0;
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, "TARTAN_RULES", 12) && ((*e)[12] == '=' || (*e)[12] == '_'))
            cnt++;
    if (!cnt)
        return 0;
    char **names = calloc(cnt, sizeof *names);
    if (!names)
        goto oom;
    size_t k = 0;
    for (char **e = environ; e && *e && k < cnt; e++) {
        if (strncmp(*e, "TARTAN_RULES", 12) || ((*e)[12] != '=' && (*e)[12] != '_'))
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq || !(names[k] = strndup(*e, (size_t)(eq - *e))))
            continue;
        k++;
    }
    qsort(names, k, sizeof *names, cmp_str);
    out->names = calloc(k ? k : 1, sizeof(char *));
    out->texts = calloc(k ? k : 1, sizeof(char *));
    if (!out->names || !out->texts) {
        free_strv(names, k);
        goto oom;
    }
    for (size_t i = 0; i < k; i++) {
        const char *v = getenv(names[i]);
        if (!v || !v[0])
            continue;
        char *text = strstr(names[i], "B64") ? config_b64_decode(v, NULL) : strdup(v);
        if (!text) {
            snprintf(err, n, "%s: %s", names[i],
                     strstr(names[i], "B64") ? "not valid base64" : "out of memory");
            free_strv(names, k);
            config_env_rules_free(out);
            return -1;
        }
        size_t l = strlen(names[i]) + 5;
        char *nm = malloc(l);
        if (!nm) {
            free(text);
            free_strv(names, k);
            goto oom;
        }
        snprintf(nm, l, "env:%s", names[i]);
        out->names[out->n] = nm;
        out->texts[out->n++] = text;
    }
    free_strv(names, k);
    return 0;
oom:
    config_env_rules_free(out);
    snprintf(err, n, "out of memory");
    return -1;
}

void config_env_rules_free(struct env_rules *r)
{
    free_strv(r->names, r->n);
    free_strv(r->texts, r->n);
    memset(r, 0, sizeof *r);
}

/* ---- Typed getters for the other configuration readers (config_ops.c) ---- */

int config_get_bool(const struct cfg_node *root, const char *key, int *out, char *err, size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    return get_bool(&c, key, out);
}

int config_get_long(const struct cfg_node *root, const char *key, long *out, long min, char *err,
                    size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    return get_long(&c, key, out, min);
}

int config_get_double(const struct cfg_node *root, const char *key, double *out, char *err,
                      size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    return get_double(&c, key, out);
}

int config_get_str(const struct cfg_node *root, const char *key, char **out, char *err, size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    return get_str(&c, key, out);
}

int config_get_str_list(const struct cfg_node *root, const char *key, char ***out, size_t *nout,
                        char *err, size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    return str_list(&c, key, lookup(root, key), out, nout);
}

int config_type_error(const struct cfg_node *root, const char *key, const char *want, char *err,
                      size_t n)
{
    struct ctx c = {.root = root, .err = err, .n = n};
    const struct cfg_node *v = lookup(root, key);
    if (!v) {
        snprintf(err, n, "configuration key '%s': expected %s", key, want);
        return -1;
    }
    return type_err(&c, key, v, want);
}

const struct cfg_node *config_lookup(const struct cfg_node *root, const char *key)
{
    return lookup(root, key);
}

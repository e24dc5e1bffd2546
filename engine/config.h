/* Engine configuration: falco.yaml (libyaml) + -o overrides + environment, turned into typed
 * settings. Falco's keys and defaults (../shared/reference/falco-engine-digest.md, section f).
 *
 * Loading is two-stage: the YAML documents are parsed into a small generic tree (struct
 * cfg_node, with file:line for messages), -o overrides are applied to the tree, then the typed
 * struct engine_config is read from it. Unknown keys are ignored; a key of the wrong type is an
 * error naming the key and where it was written. */
#ifndef ENGINE_CONFIG_H
#define ENGINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_ops.h"

/* ---- Generic YAML tree (config_tree.c) ---- */
enum cfg_kind { CFG_NULL = 0, CFG_SCALAR, CFG_MAP, CFG_SEQ };

struct cfg_node {
    enum cfg_kind kind;
    char *scalar;            /* CFG_SCALAR: text as written */
    int quoted;              /* scalar was quoted ('...' or "...") */
    char **keys;             /* CFG_MAP: keys[i] -> items[i] */
    struct cfg_node **items; /* CFG_MAP values, CFG_SEQ elements */
    size_t n, cap;
    const char *file; /* where it came from (interned, owned by the tree root's pool) */
    int line;         /* 1-based */
};

/* Parses one YAML document (text of len bytes; name is used in messages). Returns the root
 * (an empty map for an empty document) or NULL with "name:line:col: reason" in err. */
struct cfg_node *cfg_parse(const char *text, size_t len, const char *name, char *err, size_t n);
struct cfg_node *cfg_parse_file(const char *path, char *err, size_t n);
/* The whole file at path, NUL-terminated (length in *len), or NULL with the reason in err: Falco's
 * rules-loader wording ("Could not open file X for reading: ...") when falco_words is set. */
char *config_read_file(const char *path, size_t *len, int falco_words, char *err, size_t n);
void cfg_node_free(struct cfg_node *node);
struct cfg_node *cfg_node_new(enum cfg_kind kind, const char *file, int line);
struct cfg_node *cfg_node_clone(const struct cfg_node *node);
/* Map lookup (NULL if absent or node is not a map). */
struct cfg_node *cfg_get(const struct cfg_node *map, const char *key);
/* Deep merge src into dst (maps merge key by key, anything else replaces). Takes ownership of
 * src. */
void cfg_merge(struct cfg_node *dst, struct cfg_node *src);
/* Sets map[key] = val, replacing a previous value whole (not merged). Takes val on success. */
int cfg_map_put(struct cfg_node *map, const char *key, struct cfg_node *val);
/* Appends child to a list. Takes child on success. */
int cfg_seq_push(struct cfg_node *seq, struct cfg_node *child);
/* ${VAR} expansion of every scalar value below node (config_expand.c, Falco's rules: ${NAME},
 * $${ escape, unset is empty; a value that expands to nothing becomes null). 0, or -1 with the
 * reason in err. */
int cfg_expand_env(struct cfg_node *node, char *err, size_t n);
/* The expansion of one string (malloc'd), or NULL: out of memory, or a variable that expands
 * into itself (its name in why). */
char *cfg_expand_env_str(const char *s, char *why, size_t whylen);
/* Applies one "-o key=value" override: dot path with [i] list indexes ("a.b[0].c=x"),
 * backslash escapes a '.', '[' or '='; a value written {..} or [..] is parsed as YAML. Missing
 * maps are created; an index one past the end appends. 0, or -1 with a reason. */
int cfg_override(struct cfg_node *root, const char *assignment, char *err, size_t n);
/* The tree as JSON text (for --support); malloc'd. */
char *cfg_to_json(const struct cfg_node *node);

/* ---- Typed configuration (config.c) ---- */
enum drop_action {
    DROP_ACT_IGNORE = 1u << 0,
    DROP_ACT_LOG = 1u << 1,
    DROP_ACT_ALERT = 1u << 2,
    DROP_ACT_EXIT = 1u << 3,
};

struct cfg_rule_sel {
    int enable; /* 1 enable, 0 disable */
    char *rule; /* wildcard ('*') on rule names, or NULL */
    char *tag;  /* exact tag, or NULL */
};

struct append_output {
    char *source; /* match.source or NULL */
    char **tags;  /* match.tags: all must be present */
    size_t ntags;
    char *rule;               /* match.rule or NULL */
    char *extra_output;       /* text appended with a space, or NULL */
    char **extra_field_names; /* extra_fields: name -> format (format NULL: plain field name) */
    char **extra_field_formats;
    size_t nextra_fields;
    int suggested_output;
};

struct engine_config {
    char **rules_files;
    size_t nrules_files;
    struct cfg_rule_sel *rules_sel;
    size_t nrules_sel;

    int json_output;
    int json_include_output_property;
    int json_include_tags_property;
    int json_include_message_property;
    int json_include_output_fields_property;
    int time_format_iso_8601;
    int priority; /* minimum rule priority, 0 (emergency) .. 7 (debug) */
    int rule_matching_all;
    int buffered_outputs;
    uint64_t outputs_queue_capacity; /* 0 = unbounded (we cap at a large internal limit) */
    double outputs_rate;             /* tokens/s; 0 = rate limiter disabled */
    double outputs_max_burst;
    long output_timeout_ms;

    int stdout_enabled;
    int syslog_enabled;
    struct {
        int enabled, keep_alive;
        char *filename;
    } file;
    struct {
        int enabled, keep_alive;
        char *program;
    } program;
    struct {
        int enabled;
        char *url, *user_agent;
        int insecure;
        char *ca_cert, *ca_bundle, *ca_path;
        int mtls;
        char *client_cert, *client_key;
        int echo, compress_uploads, keep_alive;
        long max_consecutive_timeouts;
        long timeout_ms; /* Tartan: whole-request timeout (default 5000) */
        long retries;    /* Tartan: retries on connection errors (default 3) */
    } http;

    int log_stderr, log_syslog;
    int log_level; /* enum tt_log_level */

    struct {
        double threshold;
        unsigned actions; /* enum drop_action */
        double rate, max_burst;
        int simulate_drops;
    } drops;
    uint64_t timeouts_max_consecutives;
    int watch_config_files;

    struct append_output *append;
    size_t nappend;
    char **static_names, **static_values;
    size_t nstatic;

    /* Tartan additions */
    int ring_key;           /* tartan.ring_key (default TT_RING_DEFAULT_KEY) */
    char *ecs_metadata_uri; /* from ECS_CONTAINER_METADATA_URI_V4 unless ecs.metadata_uri */
    /* tartan.container_{id,name,image} (env TARTAN_CONTAINER_{ID,NAME,IMAGE}): the traced
     * workload's container, for processes whose cgroups name none (EKS, cgroup namespaces).
     * NULL when unset; takes precedence over ECS task metadata. */
    char *container_id, *container_name, *container_image;

    /* tartan.rules_files_missing: error (1) makes a rules_files entry that does not exist fatal;
     * warn (0, the default) logs it and goes on. */
    int rules_files_missing_error;
    /* webserver, metrics, health, CloudWatch metrics, shutdown budget (config_ops.c) */
    struct ops_config ops;

    struct cfg_node *tree; /* resolved tree (owned) */
    char **sources;        /* files and directories the configuration came from (for watching) */
    size_t nsources;
    char **warnings; /* one line each: unknown or unimplemented keys, skipped config_files */
    size_t nwarnings;
};

/* Where the configuration comes from. */
struct config_load_opts {
    const char *path;             /* -c, or NULL for the default search */
    const char *const *overrides; /* -o values */
    size_t noverrides;
    /* no -c and no default file: start from the defaults instead of failing (--version, -V) */
    int default_optional;
};

/* Environment variables read by config_load (documented in docs/engine.md). */
#define CONFIG_ENV_YAML "TARTAN_FALCO_YAML"         /* inline YAML */
#define CONFIG_ENV_YAML_B64 "TARTAN_FALCO_YAML_B64" /* base64 YAML */
#define CONFIG_DEFAULT_PATH "/etc/falco/falco.yaml"
#define CONFIG_VENDOR_PATH "/vendor/falco/etc/falco.yaml"

/* Fills cfg with defaults, then the configuration. 0, or -1 with one line in err (cfg then holds
 * nothing: config_free on it is allowed and does nothing). */
int config_load(struct engine_config *cfg, const struct config_load_opts *o, char *err, size_t n);
/* Defaults only (Falco's code defaults, shipped-yaml values where Falco documents them). */
void config_defaults(struct engine_config *cfg);
/* Reads typed values from a tree (used by config_load and tests). Takes ownership of tree. */
int config_from_tree(struct engine_config *cfg, struct cfg_node *tree, char *err, size_t n);
void config_free(struct engine_config *cfg);
/* Adds a warning line to cfg->warnings (printed by the caller once logging is set up). 0, or -1
 * out of memory. */
int config_warn(struct engine_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records a file or directory the configuration came from. 0, or -1 out of memory. */
int config_add_source(struct engine_config *cfg, const char *path);
/* config_files (config_include.c): merges the files root lists into root. main_path (may be NULL)
 * may not be included. 0, or -1 with the reason in err. */
int config_include_files(struct engine_config *cfg, struct cfg_node *root, const char *main_path,
                         char *err, size_t n);
/* The regular files of directory dir (not recursive; yaml_only: names ending in .yaml or .yml),
 * full paths in name order (config_rules.c). 0 with *out (free each and the array), or -1 with
 * the reason in err. */
int config_dir_files(const char *dir, int yaml_only, char ***out, size_t *nout, char *err,
                     size_t n);
/* One warning per key of tree that Tartan does not implement or does not know
 * (config_keys.c); webserver and metrics are not reported here. */
int config_check_keys(struct engine_config *cfg, const struct cfg_node *tree); /* -1: ENOMEM */

/* Typed getters on a tree for the other configuration readers (config_ops.c): a key absent or
 * null leaves *out as it is; a wrong type is -1 with "configuration key 'K' (file:line): expected
 * ..." in err. key is a dot path. */
int config_get_bool(const struct cfg_node *root, const char *key, int *out, char *err, size_t n);
int config_get_long(const struct cfg_node *root, const char *key, long *out, long min, char *err,
                    size_t n);
int config_get_double(const struct cfg_node *root, const char *key, double *out, char *err,
                      size_t n);
int config_get_str(const struct cfg_node *root, const char *key, char **out, char *err, size_t n);
/* A list of strings (a single string is a one-element list); replaces *out. */
int config_get_str_list(const struct cfg_node *root, const char *key, char ***out, size_t *nout,
                        char *err, size_t n);
/* The type error message for key (which holds something else than want). Returns -1. */
int config_type_error(const struct cfg_node *root, const char *key, const char *want, char *err,
                      size_t n);
const struct cfg_node *config_lookup(const struct cfg_node *root, const char *key);

/* Rules given through the environment: TARTAN_RULES (YAML) and TARTAN_RULES_B64 (base64), and
 * any TARTAN_RULES_<SUFFIX>, in name order; names containing "B64" are base64. */
struct env_rules {
    char **names; /* "env:TARTAN_RULES_1" */
    char **texts;
    size_t n;
};
int config_env_rules(struct env_rules *out, char *err, size_t n);
void config_env_rules_free(struct env_rules *r);

/* base64 decode with lib/tt_base64's rules, white space and the URL-safe alphabet also
 * accepted. malloc'd, NUL-terminated; NULL on error. */
char *config_b64_decode(const char *in, size_t *outlen);

#endif

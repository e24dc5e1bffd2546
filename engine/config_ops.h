/* Operations settings of falco.yaml: Falco's `webserver` and `metrics`, and Tartan's health check
 * (`tartan.health`), CloudWatch metrics (`tartan.cloudwatch_metrics`) and shutdown budget
 * (`tartan.shutdown`). Read from the configuration tree by config_ops_from_tree (called from
 * config_from_tree); documented in docs/engine.md and docs/operations.md. */
#ifndef ENGINE_CONFIG_OPS_H
#define ENGINE_CONFIG_OPS_H

#include <stddef.h>
#include <stdint.h>

struct cfg_node;
struct engine_config;

#define OPS_DEFAULT_PORT 8765
#define OPS_STATUS_DIR "/dev/shm"

struct ops_config {
    struct {
        int enabled;           /* webserver.enabled (Tartan default false) */
        long listen_port;      /* webserver.listen_port */
        char *listen_address;  /* webserver.listen_address */
        char *healthz;         /* webserver.k8s_healthz_endpoint */
        int ssl_enabled;       /* webserver.ssl_enabled */
        char *ssl_certificate; /* webserver.ssl_certificate: PEM with the key and the chain */
        long threadiness;      /* accepted; one thread serves */
        int prometheus;        /* webserver.prometheus_metrics_enabled: not served (warned) */
    } web;
    struct {
        int enabled;
        uint64_t interval_ms; /* metrics.interval: "15m", "1h", "30s", "1h30m" */
        int output_rule;      /* alert "Falco internal: metrics snapshot" */
        char *output_file;    /* JSON lines appended ("" = off) */
        int rules_counters, resource_utilization, state_counters, kernel_event_counters;
        int convert_memory_to_mb, include_empty_values;
    } metrics;
    struct {
        int enabled;          /* tartan.cloudwatch_metrics.enabled */
        uint64_t interval_ms; /* .interval (default 1m) */
        char *ns;             /* .namespace (default "Tartan") */
        char **outputs;       /* .outputs: channel names the records go to (default program) */
        size_t noutputs;
        char **dim_names, **dim_values; /* .dimensions: fixed dimensions (map) */
        size_t ndims;
    } cwm;
    struct {
        char *status_file;  /* tartan.health.status_file ("" = default path for the ring key) */
        long stall_s;       /* status older than this: engine stalled */
        long tracer_wait_s; /* no ring for longer than this: no tracer */
        double
            max_drop_ratio; /* drops/events over the window; < 0: syscall_event_drops.threshold */
        long drop_window_s;
        long delivery_failure_s; /* logshipper failing for longer than this: cannot deliver */
    } health;
    long program_deadline_s; /* tartan.shutdown.program_output_deadline */
    /* one line each: sub-keys of webserver/metrics Tartan does not know (logged at start) */
    char **warnings;
    size_t nwarnings;
};

void config_ops_defaults(struct ops_config *o);
/* Reads the keys from tree (defaults for what is absent). 0, or -1 with one line in err. cfg is
 * the rest of the configuration (ring key, drop threshold) for the derived defaults. */
int config_ops_from_tree(struct ops_config *o, const struct cfg_node *tree,
                         const struct engine_config *cfg, char *err, size_t n);
void config_ops_free(struct ops_config *o);

/* Prometheus-style duration ("500ms", "30s", "15m", "1h30m", "1d", "1w"): milliseconds, or 0 if
 * the text is not one. */
uint64_t config_parse_duration_ms(const char *s);
/* The status file path: tartan.health.status_file, $TARTAN_STATUS_FILE, else
 * /dev/shm/tartan-engine-<ring key in hex>.json. */
void config_status_path(const struct ops_config *o, int ring_key, char *buf, size_t n);

#endif

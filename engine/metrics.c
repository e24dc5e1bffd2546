/* Metrics snapshot (Falco's names), its output file, and the CloudWatch EMF record. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "proc_usage.h"
#include "ruleset.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_time.h"

#define RULE_BUCKETS 256

struct rule_count {
    struct rule_count *next;
    uint64_t n;
    char name[];
};

/* One reading of a process. */
struct proc_point {
    int pid;
    int ok;
    struct proc_usage u;
};

enum { P_ENGINE, P_TRACER, P_SHIPPER, P_LAUNCHER, P_COUNT };
static const char *const proc_prefix[P_COUNT] = {"falco.", "tartan.tracer.", "tartan.logshipper.",
                                                 "tartan.launcher."};
static const char *const proc_comm[P_COUNT] = {NULL, "tracer", NULL, "launcher"};

/* What a consumer (snapshot, EMF) saw last time: deltas and rates are taken against it. */
struct prev {
    int valid;
    int64_t mono_ms;
    uint64_t num_evts, n_evts, n_drops, alerts, critical, not_delivered, retries;
    struct proc_point procs[P_COUNT];
};

struct metrics {
    int enabled, emf_enabled;
    int64_t interval_ms, emf_interval_ms, next_snapshot, next_emf;
    int rules_counters, resource, state_counters, kernel, to_mb, include_empty;
    char *output_file, *ns;
    int file_failed;
    char hostname[256], version[32], kernel_release[128];
    uint64_t start_ns, boot_ns;
    long ncpus;
    uint64_t samples;
    struct rule_count *rules[RULE_BUCKETS];
    uint64_t alerts, critical;
    struct prev snap, emf;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % RULE_BUCKETS;
}

/* Falco's per-rule counter name: "falco.rules." + the rule name, spaces as underscores. */
static void metrics_rule_key(const char *rule, char *buf, size_t n)
{
    int w = snprintf(buf, n, "falco.rules.%s", rule);
    for (size_t i = 12; w > 0 && i < n && buf[i]; i++)
        if (buf[i] == ' ')
            buf[i] = '_';
}

static void set_config(struct metrics *m, const struct engine_config *cfg)
{
    const struct ops_config *o = &cfg->ops;
    m->enabled = o->metrics.enabled && (o->metrics.output_rule || o->metrics.output_file[0]);
    m->emf_enabled = o->cwm.enabled;
    m->interval_ms = (int64_t)o->metrics.interval_ms;
    m->emf_interval_ms = (int64_t)o->cwm.interval_ms;
    m->rules_counters = o->metrics.rules_counters;
    m->resource = o->metrics.resource_utilization;
    m->state_counters = o->metrics.state_counters;
    m->kernel = o->metrics.kernel_event_counters;
    m->to_mb = o->metrics.convert_memory_to_mb;
    m->include_empty = o->metrics.include_empty_values;
    free(m->output_file);
    free(m->ns);
    m->output_file = strdup(o->metrics.output_file);
    m->ns = strdup(o->cwm.ns);
    int64_t now = tt_mono_ms();
    m->next_snapshot = now + m->interval_ms;
    m->next_emf = now + m->emf_interval_ms;
}

struct metrics *metrics_new(const struct engine_config *cfg, const char *hostname,
                            const char *version)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    set_config(m, cfg);
    if (!m->output_file || !m->ns) {
        metrics_free(m);
        return NULL;
    }
    snprintf(m->hostname, sizeof m->hostname, "%s", hostname ? hostname : "");
    snprintf(m->version, sizeof m->version, "%s", version);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel_release, sizeof m->kernel_release, "%s", u.release);
    m->start_ns = tt_wall_ns();
    m->boot_ns = proc_boot_ns();
    m->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
    return m;
}

void metrics_set_config(struct metrics *m, const struct engine_config *cfg)
{
    set_config(m, cfg);
}

void metrics_count_alert(struct metrics *m, const char *rule, int priority)
{
    m->alerts++;
    if (priority <= PRI_CRITICAL)
        m->critical++;
    unsigned h = hash(rule);
    for (struct rule_count *c = m->rules[h]; c; c = c->next)
        if (!strcmp(c->name, rule)) {
            c->n++;
            return;
        }
    size_t len = strlen(rule);
    struct rule_count *c = malloc(sizeof *c + len + 1);
    if (!c)
        return;
    memcpy(c->name, rule, len + 1);
    c->n = 1;
    c->next = m->rules[h];
    m->rules[h] = c;
}

static uint64_t rule_count(const struct metrics *m, const char *rule)
{
    for (const struct rule_count *c = m->rules[hash(rule)]; c; c = c->next)
        if (!strcmp(c->name, rule))
            return c->n;
    return 0;
}

int metrics_due(struct metrics *m, int64_t now_ms)
{
    int due = 0;
    if (m->enabled && now_ms >= m->next_snapshot) {
        due |= METRICS_DUE_SNAPSHOT;
        m->next_snapshot = now_ms + m->interval_ms;
    }
    if (m->emf_enabled && now_ms >= m->next_emf) {
        due |= METRICS_DUE_EMF;
        m->next_emf = now_ms + m->emf_interval_ms;
    }
    return due;
}

/* Reads the Tartan processes. The tracer and launcher pids are checked by name: in a pod
 * without a shared pid namespace the ring's producer pid means another process here. */
static void read_procs(const struct metrics_inputs *in, struct proc_point *p)
{
    int pids[P_COUNT] = {(int)getpid(), in->tracer_pid, in->ship_pid, (int)getppid()};
    for (int i = 0; i < P_COUNT; i++) {
        p[i].pid = pids[i];
        p[i].ok = pids[i] > 0 && proc_usage_read(pids[i], &p[i].u) == 0 &&
                  (!proc_comm[i] || !strcmp(p[i].u.comm, proc_comm[i]));
    }
}

static uint64_t not_delivered(const struct metrics_inputs *in)
{
    const struct ship_totals *s = &in->ship;
    return in->out.dropped_queue + in->out.program_drops + s->rejected + s->dropped +
           s->undelivered + s->cur.rejected + s->cur.dropped + s->cur.undelivered;
}

static double mb(uint64_t kb)
{
    return (double)(kb * 10 / 1024) / 10.0; /* one decimal */
}

static void set_num(json_t *o, const char *k, uint64_t v, int always, int include_empty)
{
    if (v || always || include_empty)
        json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void set_real(json_t *o, const char *k, double v)
{
    json_object_set_new(o, k, json_real((double)(int64_t)(v * 10 + (v >= 0 ? 0.5 : -0.5)) / 10));
}

static void add_resources(struct metrics *m, json_t *f, struct proc_point *now,
                          const struct prev *prev, double dt)
{
    for (int i = 0; i < P_COUNT; i++) {
        if (!now[i].ok)
            continue;
        const struct proc_point *pp =
            prev->valid && prev->procs[i].ok && prev->procs[i].pid == now[i].pid ? &prev->procs[i]
                                                                                 : NULL;
        char k[96];
        snprintf(k, sizeof k, "%scpu_usage_perc", proc_prefix[i]);
        set_real(f, k, proc_usage_cpu_perc(pp ? &pp->u : NULL, &now[i].u, dt));
        const char *suffix = m->to_mb ? "_mb" : "_kb";
        static const char *const mem[] = {"memory_rss", "memory_vsz", "memory_pss"};
        uint64_t vals[] = {now[i].u.rss_kb, now[i].u.vsz_kb, now[i].u.pss_kb};
        for (int j = 0; j < 3; j++) {
            if (j == 2 && !now[i].u.have_pss)
                continue;
            snprintf(k, sizeof k, "%s%s%s", proc_prefix[i], mem[j], suffix);
            if (m->to_mb)
                set_real(f, k, mb(vals[j]));
            else
                json_object_set_new(f, k, json_integer((json_int_t)vals[j]));
        }
    }
    int64_t cm = proc_container_memory();
    if (cm >= 0) {
        if (m->to_mb)
            set_real(f, "falco.container_memory_used_mb", mb((uint64_t)cm / 1024));
        else
            json_object_set_new(f, "falco.container_memory_used_kb", json_integer(cm / 1024));
    }
}

static void add_rules(struct metrics *m, json_t *f, const struct ruleset *rs)
{
    char k[512];
    if (m->include_empty && rs) {
        for (size_t i = 0; i < ruleset_nrules(rs); i++) {
            const struct rule *r = ruleset_rule(rs, i);
            if (!r->enabled)
                continue;
            metrics_rule_key(r->name, k, sizeof k);
            json_object_set_new(f, k, json_integer((json_int_t)rule_count(m, r->name)));
        }
    }
    for (size_t b = 0; b < RULE_BUCKETS; b++)
        for (const struct rule_count *c = m->rules[b]; c; c = c->next) {
            metrics_rule_key(c->name, k, sizeof k);
            json_object_set_new(f, k, json_integer((json_int_t)c->n));
        }
    json_object_set_new(f, "falco.rules.matches_total", json_integer((json_int_t)m->alerts));
}

static void add_kernel(struct metrics *m, json_t *f, const struct metrics_inputs *in,
                       const struct prev *prev, double dt)
{
    int ie = m->include_empty;
    uint64_t pe = prev->valid ? prev->n_evts : 0, pd = prev->valid ? prev->n_drops : 0;
    uint64_t de = in->n_evts - pe, dd = in->n_drops - pd;
    set_num(f, "scap.n_evts", in->n_evts, 1, ie);
    set_num(f, "scap.n_evts_prev", pe, 1, ie);
    set_num(f, "scap.n_drops", in->n_drops, 1, ie);
    set_num(f, "scap.n_drops_prev", pd, 1, ie);
    set_num(f, "scap.n_drops_buffer_total", in->n_drops, 0, ie);
    set_real(f, "scap.evts_rate_sec", dt > 0 ? (double)de / dt : 0);
    set_real(f, "scap.evts_drop_rate_sec", dt > 0 ? (double)dd / dt : 0);
    set_real(f, "scap.n_drops_perc", de ? 100.0 * (double)dd / (double)de : 0);
    set_num(f, "tartan.ring.size_bytes", in->ring_size, 1, ie);
    set_num(f, "tartan.ring.used_bytes", in->ring_used, 1, ie);
    set_real(f, "tartan.ring.used_perc",
             in->ring_size ? 100.0 * (double)in->ring_used / (double)in->ring_size : 0);
    set_num(f, "tartan.ring.in_flight", in->ring_in_flight, 0, ie);
    set_num(f, "tartan.ring.n_corrupt", in->ring_corrupt, 0, ie);
}

static void add_delivery(struct metrics *m, json_t *f, const struct metrics_inputs *in)
{
    int ie = m->include_empty;
    const struct outputs_stats *o = &in->out;
    set_num(f, "tartan.outputs.alerts", o->alerts, 1, ie);
    set_num(f, "tartan.outputs.throttled", o->dropped_rate, 0, ie);
    set_num(f, "tartan.outputs.program_drops", o->program_drops, 0, ie);
    set_num(f, "tartan.outputs.program_restarts", o->program_restarts, 0, ie);
    set_num(f, "tartan.outputs.http_errors", o->http_errors, 0, ie);
    if (!in->have_ship || !in->ship.ever_reported)
        return;
    const struct ship_totals *s = &in->ship;
    set_num(f, "tartan.logshipper.read", s->read + s->cur.read, 1, ie);
    set_num(f, "tartan.logshipper.delivered", s->delivered + s->cur.delivered, 1, ie);
    set_num(f, "tartan.logshipper.rejected", s->rejected + s->cur.rejected, 0, ie);
    set_num(f, "tartan.logshipper.dropped", s->dropped + s->cur.dropped, 0, ie);
    set_num(f, "tartan.logshipper.undelivered", s->undelivered + s->cur.undelivered, 0, ie);
    set_num(f, "tartan.logshipper.retries", s->retries + s->cur.retries, 0, ie);
    set_num(f, "tartan.logshipper.queued", s->cur.queued, 0, ie);
    set_real(f, "tartan.logshipper.failing_sec", (double)s->cur.failing_ms / 1000.0);
}

json_t *metrics_snapshot(struct metrics *m, const struct metrics_inputs *in)
{
    json_t *f = json_object();
    if (!f)
        return NULL;
    uint64_t now_ns = tt_wall_ns();
    int64_t now_ms = tt_mono_ms();
    struct prev *prev = &m->snap;
    double dt = prev->valid ? (double)(now_ms - prev->mono_ms) / 1000.0 : 0;
    json_object_set_new(f, "evt.time", json_integer((json_int_t)now_ns));
    json_object_set_new(f, "evt.source", json_string("syscall"));
    json_object_set_new(f, "evt.hostname", json_string(m->hostname));
    json_object_set_new(f, "falco.version", json_string(m->version));
    json_object_set_new(f, "falco.start_ts", json_integer((json_int_t)m->start_ns));
    json_object_set_new(f, "falco.duration_sec",
                        json_integer((json_int_t)((now_ns - m->start_ns) / 1000000000u)));
    json_object_set_new(f, "falco.kernel_release", json_string(m->kernel_release));
    json_object_set_new(f, "falco.host_boot_ts", json_integer((json_int_t)m->boot_ns));
    json_object_set_new(f, "falco.host_num_cpus", json_integer(m->ncpus));
    json_object_set_new(f, "falco.outputs_queue_num_drops",
                        json_integer((json_int_t)in->out.dropped_queue));
    json_object_set_new(f, "scap.engine_name", json_string("tartan_ptrace"));
    json_object_set_new(f, "falco.num_evts", json_integer((json_int_t)in->num_evts));
    json_object_set_new(f, "falco.num_evts_prev",
                        json_integer((json_int_t)(prev->valid ? prev->num_evts : 0)));
    if (prev->valid && dt > 0)
        set_real(f, "falco.evts_rate_sec", (double)(in->num_evts - prev->num_evts) / dt);
    if (in->healthy >= 0)
        json_object_set_new(f, "tartan.healthy", json_integer(in->healthy));
    struct proc_point procs[P_COUNT];
    read_procs(in, procs);
    if (m->rules_counters)
        add_rules(m, f, in->rs);
    if (m->resource)
        add_resources(m, f, procs, prev, dt);
    if (m->state_counters) {
        int ie = m->include_empty;
        set_num(f, "scap.n_threads", in->state.threads, 1, ie);
        set_num(f, "scap.n_fds", in->state.fds, 1, ie);
        set_num(f, "scap.n_drops_full_threadtable", in->state.threads_dropped, 0, ie);
        set_num(f, "tartan.state.n_procs", in->state.procs, 1, ie);
        set_num(f, "tartan.state.n_threads_purged", in->state.threads_purged, 0, ie);
        set_num(f, "tartan.state.n_fds_dropped", in->state.fds_dropped, 0, ie);
        set_num(f, "tartan.state.memory_bytes", in->state.bytes, 1, ie);
    }
    if (m->kernel && in->have_ring)
        add_kernel(m, f, in, prev, dt);
    add_delivery(m, f, in);
    prev->valid = 1;
    prev->mono_ms = now_ms;
    prev->num_evts = in->num_evts;
    prev->n_evts = in->n_evts;
    prev->n_drops = in->n_drops;
    memcpy(prev->procs, procs, sizeof procs);
    m->samples++;
    return f;
}

int metrics_append_file(struct metrics *m, json_t *fields)
{
    if (!m->output_file[0])
        return 0;
    json_t *j = json_object();
    json_object_set_new(j, "sample", json_integer((json_int_t)m->samples));
    json_object_set(j, "output_fields", fields);
    char *line = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!line)
        return -1;
    size_t len = strlen(line);
    line[len] = '\n'; /* over its NUL: written by length */
    int fd = open(m->output_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int ok = fd >= 0 && tt_write_full(fd, line, len + 1) == (ssize_t)(len + 1);
    int e = errno;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    free(line);
    if (!ok && !m->file_failed)
        tt_error("metrics: cannot append to metrics.output_file %s: %s", m->output_file,
                 strerror(e));
    m->file_failed = !ok;
    return ok ? 0 : -1;
}

/* ---- CloudWatch Embedded Metric Format ---- */

void metrics_dims_fill(struct metrics_dims *d, const struct engine_config *cfg,
                       const char *const ecs[4], const char *hostname)
{
    const struct ops_config *o = &cfg->ops;
    memset(d, 0, sizeof *d);
    if (o->cwm.ndims) {
        for (size_t i = 0; i < o->cwm.ndims && i < 30; i++) {
            d->names[d->n] = o->cwm.dim_names[i];
            d->values[d->n++] = o->cwm.dim_values[i];
        }
    } else if (ecs[1][0]) {
        static const char *const names[] = {"ClusterName", "TaskDefinitionFamily", "ContainerName"};
        for (int i = 0; i < 3; i++)
            if (ecs[i][0]) {
                d->names[d->n] = names[i];
                d->values[d->n++] = ecs[i];
            }
    } else {
        d->names[0] = "ContainerName";
        d->values[0] = cfg->container_name ? cfg->container_name : "tartan";
        d->n = 1;
    }
    if (ecs[3][0]) {
        d->prop_names[d->nprops] = "TaskId";
        d->prop_values[d->nprops++] = ecs[3];
    }
    d->prop_names[d->nprops] = "Host";
    d->prop_values[d->nprops++] = hostname;
}

struct emf_metric {
    const char *name, *unit;
    double value;
    int present;
};

char *metrics_emf(struct metrics *m, const struct metrics_inputs *in,
                  const struct metrics_dims *dims)
{
    struct prev *prev = &m->emf;
    int64_t now_ms = tt_mono_ms();
    double dt = prev->valid ? (double)(now_ms - prev->mono_ms) / 1000.0 : 0;
    struct proc_point procs[P_COUNT];
    read_procs(in, procs);
    uint64_t nd = not_delivered(in), retries = in->ship.retries + in->ship.cur.retries;
    /* counters are deltas since the previous record (all of it for the first) */
    uint64_t d_ev = in->num_evts - (prev->valid ? prev->num_evts : 0);
    uint64_t d_n = in->n_evts - (prev->valid ? prev->n_evts : 0);
    uint64_t d_drop = in->n_drops - (prev->valid ? prev->n_drops : 0);
    double cpu[P_COUNT] = {0};
    for (int i = 0; i < P_COUNT; i++)
        if (procs[i].ok)
            cpu[i] = proc_usage_cpu_perc(prev->valid && prev->procs[i].ok &&
                                                 prev->procs[i].pid == procs[i].pid
                                             ? &prev->procs[i].u
                                             : NULL,
                                         &procs[i].u, dt);
    struct emf_metric ms[] = {
        {"Events", "Count", (double)d_ev, 1},
        {"EventDrops", "Count", (double)d_drop, in->have_ring},
        {"DropPercent", "Percent", d_n ? 100.0 * (double)d_drop / (double)d_n : 0, in->have_ring},
        {"Alerts", "Count", (double)(m->alerts - (prev->valid ? prev->alerts : 0)), 1},
        {"CriticalAlerts", "Count", (double)(m->critical - (prev->valid ? prev->critical : 0)), 1},
        {"AlertsNotDelivered", "Count", (double)(nd - (prev->valid ? prev->not_delivered : 0)), 1},
        {"DeliveryRetries", "Count", (double)(retries - (prev->valid ? prev->retries : 0)),
         in->have_ship && in->ship.ever_reported},
        {"DeliveryFailingSeconds", "Seconds", (double)in->ship.cur.failing_ms / 1000.0,
         in->have_ship && in->ship.ever_reported},
        {"RingUsedPercent", "Percent",
         in->ring_size ? 100.0 * (double)in->ring_used / (double)in->ring_size : 0, in->have_ring},
        {"EngineCpuPercent", "Percent", cpu[P_ENGINE], procs[P_ENGINE].ok},
        {"EngineMemoryMB", "Megabytes", mb(procs[P_ENGINE].u.rss_kb), procs[P_ENGINE].ok},
        {"TracerCpuPercent", "Percent", cpu[P_TRACER], procs[P_TRACER].ok},
        {"TracerMemoryMB", "Megabytes", mb(procs[P_TRACER].u.rss_kb), procs[P_TRACER].ok},
        {"LogshipperCpuPercent", "Percent", cpu[P_SHIPPER], procs[P_SHIPPER].ok},
        {"LogshipperMemoryMB", "Megabytes", mb(procs[P_SHIPPER].u.rss_kb), procs[P_SHIPPER].ok},
        {"Healthy", "Count", in->healthy > 0 ? 1 : 0, in->healthy >= 0},
    };
    json_t *rec = json_object(), *aws = json_object(), *dirs = json_array(), *dir = json_object(),
           *dimset = json_array(), *dimsets = json_array(), *list = json_array();
    if (!rec || !aws || !dirs || !dir || !dimset || !dimsets || !list) {
        json_decref(rec);
        json_decref(aws);
        json_decref(dirs);
        json_decref(dir);
        json_decref(dimset);
        json_decref(dimsets);
        json_decref(list);
        return NULL;
    }
    for (size_t i = 0; i < dims->n; i++) {
        json_array_append_new(dimset, json_string(dims->names[i]));
        json_object_set_new(rec, dims->names[i], json_string(dims->values[i]));
    }
    json_array_append_new(dimsets, dimset);
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++) {
        if (!ms[i].present)
            continue;
        json_t *md = json_object();
        json_object_set_new(md, "Name", json_string(ms[i].name));
        json_object_set_new(md, "Unit", json_string(ms[i].unit));
        json_array_append_new(list, md);
        set_real(rec, ms[i].name, ms[i].value);
    }
    json_object_set_new(dir, "Namespace", json_string(m->ns));
    json_object_set_new(dir, "Dimensions", dimsets);
    json_object_set_new(dir, "Metrics", list);
    json_array_append_new(dirs, dir);
    json_object_set_new(aws, "Timestamp", json_integer((json_int_t)(tt_wall_ns() / 1000000u)));
    json_object_set_new(aws, "CloudWatchMetrics", dirs);
    json_object_set_new(rec, "_aws", aws);
    for (size_t i = 0; i < dims->nprops; i++)
        json_object_set_new(rec, dims->prop_names[i], json_string(dims->prop_values[i]));
    json_object_set_new(rec, "tartan.version", json_string(m->version));
    char *line = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(rec);
    prev->valid = 1;
    prev->mono_ms = now_ms;
    prev->num_evts = in->num_evts;
    prev->n_evts = in->n_evts;
    prev->n_drops = in->n_drops;
    prev->alerts = m->alerts;
    prev->critical = m->critical;
    prev->not_delivered = nd;
    prev->retries = retries;
    memcpy(prev->procs, procs, sizeof procs);
    return line;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (size_t b = 0; b < RULE_BUCKETS; b++)
        while (m->rules[b]) {
            struct rule_count *c = m->rules[b];
            m->rules[b] = c->next;
            free(c);
        }
    free(m->output_file);
    free(m->ns);
    free(m);
}

/* engine: the Falco-compatible rules engine. Parses the command line, loads the configuration
 * and the rules, then evaluates the event stream (the tracer's ring, or a capture with -e) and
 * sends alerts to the configured outputs. See docs/engine.md. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "cli.h"
#include "config.h"
#include "config_rules.h"
#include "drops.h"
#include "falco_compat.h"
#include "ecs_meta.h"
#include "fields_dns.h"
#include "fields.h"
#include "health_cmd.h"
#include "health_mon.h"
#include "metrics.h"
#include "outputs.h"
#include "pipeline.h"
#include "ruleset.h"
#include "signals.h"
#include "source.h"
#include "state.h"
#include "stream_guard.h"
#include "testsw.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_nodump.h"
#include "tt_ring.h"
#include "tt_sysnames.h"
#include "tt_time.h"
#include "tt_exit.h"
#include "tt_version.h"
#include "webserver.h"

#define READ_TIMEOUT_MS 100
#define DRAIN_LIMIT_MS 2000
#define ECS_TIMEOUT_MS 2000
#define ECS_START_WAIT_MS 1500
#define HOUSEKEEP_MS 50
#define RING_WAIT_STEP_MS 200
#define EXIT_ALERTS_LOST 3 /* stopped, but some alerts did not reach every output */

struct engine {
    struct cli_opts cli;
    struct engine_config cfg;
    struct ruleset *rs;
    struct alert_builder *ab;
    struct outputs *out;
    struct pipeline *pl;
    struct file_watch *watch;
    struct ecs_fetch *ecs;
    json_t *ecs_fields;        /* ecs.* output fields once known */
    struct health_mon *health; /* live ring only: status file, /healthz verdict */
    struct webserver *web;     /* webserver.enabled */
    struct metrics *metrics;   /* live ring only: metrics snapshot, CloudWatch records */
    char ecs_dims[4][256];     /* ECS cluster, task family, container name, task id ("" unknown) */
    uint64_t ring_base_prod, ring_base_drop; /* counters of the rings already ended */
    int cwm_warned;
    char hostname[256];
    struct drops drops;
    struct stream_guard guard;
    long fault_hang_after, fault_crash_after; /* test switches (testsw.h), -1: off */
    int self_tamper;
    /* timeouts */
    uint64_t consecutive_timeouts, last_event_ts;
    int timeout_notified;
};

/* Falco's version block. "Falco version" is Tartan's own release (this is not Falco); "Engine" is
 * the Falco rules engine version Tartan matches (engine/falco_compat.h), the number rules files'
 * required_engine_version is checked against and tools such as falcoctl compare with. */
static int print_version(const struct engine_config *cfg)
{
    if (cfg->json_output) {
        printf("{\"default_driver_version\":\"tartan-ring-%u\",\"driver_api_version\":\"tartan\","
               "\"driver_schema_version\":\"tartan\",\"engine_version\":\"%d\","
               "\"engine_version_semver\":\"%s\",\"falco_compatible_version\":\"%s\","
               "\"falco_version\":\"%s\",\"libs_version\":\"tartan-%s\","
               "\"plugin_api_version\":\"none\",\"tartan_version\":\"%s\"}\n",
               TT_EVENT_VERSION, FALCO_ENGINE_VERSION_MINOR, FALCO_ENGINE_VERSION,
               FALCO_COMPAT_RELEASE, TT_VERSION, TT_VERSION, TT_VERSION);
    } else {
        printf("Falco version: %s (tartan; rules and configuration of Falco %s)\n"
               "Libs version:  tartan-%s\n"
               "Plugin API:    none\n"
               "Engine:        %s\n"
               "Driver:\n"
               "  API version:    tartan\n"
               "  Schema version: tartan\n"
               "  Default driver: tartan-ring-%u\n",
               TT_VERSION, FALCO_COMPAT_RELEASE, TT_VERSION, FALCO_ENGINE_VERSION,
               TT_EVENT_VERSION);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

/* --list-events: the event types of the Tartan stream, system calls first, then the
 * tracer's own (synthetic) events; one a line with its kind, as Falco lists its events. A
 * syscall that one of the architectures lacks says so (aarch64 has openat but no open). */
static int list_events(FILE *out)
{
    static const uint32_t arches[] = {TT_ARCH_X86_64, TT_ARCH_AARCH64};
    for (int pass = 0; pass < 2; pass++) {
        fprintf(out, "%s%s events:\n\n", pass ? "\n" : "", pass ? "Tartan" : "Syscall");
        for (unsigned t = 1; t < TT_EV_COUNT; t++) {
            const char *name = tt_event_name(t);
            int sys = (tt_event_flags(t) & TT_EVF_SYSCALL) != 0;
            if (!name || sys != !pass)
                continue;
            fprintf(out, "[%s] %s", pass ? "Tartan" : "Syscall", name);
            for (size_t a = 0; sys && t != TT_EV_SYSCALL && a < 2; a++)
                if (tt_syscall_nr(arches[a], name) < 0)
                    fprintf(out, " (not on %s)", tt_arch_name(arches[a]));
            fputc('\n', out);
        }
    }
    return fflush(out) == 0 ? 0 : 1;
}

/* Which rules run, in the start-up log: how many each source defined (a rule counts where it
 * was first defined), the total, and the listed files that were not found. */
static void log_rules_summary(const struct ruleset *rs, const struct rules_input *in)
{
    size_t nr = ruleset_nrules(rs);
    for (size_t i = 0; i < in->n; i++) {
        size_t k = 0, en = 0;
        for (size_t j = 0; j < nr; j++) {
            const struct rule *r = ruleset_rule(rs, j);
            if (r->file && !strcmp(r->file, in->names[i])) {
                k++;
                en += r->enabled != 0;
            }
        }
        tt_info("rules: %zu (%zu enabled) from %s", k, en, in->names[i]);
    }
    char missing[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < in->nmissing && used < sizeof missing; i++)
        used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s", i ? ", " : "",
                                 in->missing[i]);
    tt_info("loaded %zu rules (%zu enabled) from %zu source(s)%s%s", nr, ruleset_nenabled(rs),
            in->n, in->nmissing ? "; not found: " : "", missing);
}

static void log_config_warnings(const struct engine_config *cfg)
{
    for (size_t i = 0; i < cfg->nwarnings; i++)
        tt_warn("%s", cfg->warnings[i]);
}

/* Loads the rules the configuration and command line name. NULL on error (reported). */
static struct ruleset *load_rules(const struct engine_config *cfg, const struct cli_opts *cli,
                                  struct rules_input *in, int quiet_warnings)
{
    char err[512];
    if (rules_input_collect(in, cfg, cli->rules, cli->nrules, err, sizeof err)) {
        tt_error("%s", err);
        return NULL;
    }
    if (in->n == 0) {
        tt_error("You must specify at least one rules file/directory (rules_files, -r or "
                 "TARTAN_RULES)");
        return NULL;
    }
    struct rule_selection *sel = calloc(cfg->nrules_sel ? cfg->nrules_sel : 1, sizeof *sel);
    if (!sel) {
        tt_error("out of memory");
        return NULL;
    }
    for (size_t i = 0; i < cfg->nrules_sel; i++) {
        sel[i].enable = cfg->rules_sel[i].enable;
        sel[i].rule = cfg->rules_sel[i].rule;
        sel[i].tag = cfg->rules_sel[i].tag;
    }
    struct ruleset_opts ro = {
        .sel = sel,
        .nsel = cfg->nrules_sel,
        .disable_substr = cli->disable_substr,
        .ndisable_substr = cli->ndisable_substr,
        .disable_tags = cli->disable_tags,
        .ndisable_tags = cli->ndisable_tags,
        .only_tags = cli->only_tags,
        .nonly_tags = cli->nonly_tags,
        .min_priority_set = 1,
        .min_priority = cfg->priority,
        .no_details = !cli->describe_all && !cli->describe_rule, /* only -L/-l print them */
    };
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    int rc = ruleset_load_buffers((const char *const *)in->names, (const char *const *)in->texts,
                                  in->lens, in->n, &ro, &d, &rs);
    if (rc != 0 || !rs) {
        rules_diags_print(&d, stderr);
        tt_error("could not load the rules");
        rs = NULL;
    } else if (d.nwarnings && !quiet_warnings) {
        rules_diags_print(&d, stderr);
    }
    rules_diags_free(&d);
    free(sel);
    if (rs)
        log_rules_summary(rs, in);
    return rs;
}

static void emit_internal(struct engine *e, int prio, const char *rule, const char *msg,
                          json_t *fields)
{
    struct alert a;
    alert_internal(&a, tt_wall_ns(), prio, rule, msg, fields);
    if (e->out)
        outputs_emit(e->out, &a);
}

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    struct engine *e = arg;
    struct alert a;
    if (e->metrics)
        metrics_count_alert(e->metrics, r->name, r->priority);
    if (alert_build(e->ab, r, ctx, &a) != 0)
        return;
    if (e->ecs_fields && a.output_fields)
        json_object_update_missing(a.output_fields, e->ecs_fields);
    outputs_emit(e->out, &a);
}

static void apply_ecs(struct engine *e)
{
    if (!e->ecs)
        return;
    int done;
    const struct ecs_meta *m = ecs_fetch_result(e->ecs, &done);
    if (!done)
        return;
    if (m) {
        if (e->pl && m->container_id) {
            struct engine_state *st = pipeline_state(e->pl);
            /* privileged stays unknown: the metadata does not say (Falco gets it from the
                             runtime; Fargate has no privileged containers) */
            state_set_container_meta(st, m->container_id, m->name, m->image, m->image_repo,
                                     m->image_tag, -1);
            state_set_container_digest(st, m->container_id, m->image_digest);
            state_set_container_mounts(st, m->container_id, (const char *const *)m->vol_source,
                                       (const char *const *)m->vol_dest, m->nvol);
            /* With cgroup namespaces (cgroup v2, Fargate) a process's cgroup is "0::/" and
             * names no container: the task's container is the one we run in. An explicit
             * tartan.container_id wins. */
            if (!e->cfg.container_id && state_set_default_container(st, m->container_id) == 0)
                tt_info("processes without a container id in their cgroups are attributed to "
                        "the ECS container %.12s (%s)",
                        m->container_id, m->name ? m->name : "no name");
        }
        /* the CloudWatch metric dimensions: the cluster's name, not its ARN */
        const char *cl = m->cluster ? strrchr(m->cluster, '/') : NULL;
        const char *tid = m->task_arn ? strrchr(m->task_arn, '/') : NULL;
        snprintf(e->ecs_dims[0], sizeof e->ecs_dims[0], "%s",
                 cl           ? cl + 1
                 : m->cluster ? m->cluster
                              : "");
        snprintf(e->ecs_dims[1], sizeof e->ecs_dims[1], "%s", m->family ? m->family : "");
        snprintf(e->ecs_dims[2], sizeof e->ecs_dims[2], "%s", m->name ? m->name : "");
        snprintf(e->ecs_dims[3], sizeof e->ecs_dims[3], "%s", tid ? tid + 1 : "");
        e->ecs_fields = json_object();
        if (e->ecs_fields) {
            if (m->cluster)
                json_object_set_new(e->ecs_fields, "ecs.cluster", json_string(m->cluster));
            if (m->task_arn)
                json_object_set_new(e->ecs_fields, "ecs.task.arn", json_string(m->task_arn));
            if (m->family)
                json_object_set_new(e->ecs_fields, "ecs.task.family", json_string(m->family));
        }
    }
    ecs_fetch_free(e->ecs);
    e->ecs = NULL;
}

/* tartan.container_id (EKS and other hosts without ECS metadata): the container the engine
 * runs in, for processes whose cgroups name none. */
static void apply_container_override(struct engine *e)
{
    const struct engine_config *c = &e->cfg;
    if (!e->pl || !c->container_id)
        return;
    struct engine_state *st = pipeline_state(e->pl);
    char *repo = NULL, *tag = NULL;
    if (c->container_image)
        ecs_split_image(c->container_image, &repo, &tag);
    if (state_set_container_meta(st, c->container_id, c->container_name, c->container_image, repo,
                                 tag, -1) != 0 ||
        state_set_default_container(st, c->container_id) != 0)
        tt_warn("cannot set the default container %s", c->container_id);
    else
        tt_info("processes without a container id in their cgroups are attributed to "
                "container %.12s (tartan.container_id)",
                c->container_id);
    free(repo);
    free(tag);
}

static void watch_setup(struct engine *e, const struct rules_input *in)
{
    file_watch_free(e->watch);
    e->watch = NULL;
    if (!e->cfg.watch_config_files)
        return;
    size_t n = e->cfg.nsources + in->nwatch;
    const char **paths = calloc(n ? n : 1, sizeof *paths);
    if (!paths)
        return;
    size_t k = 0;
    for (size_t i = 0; i < e->cfg.nsources; i++)
        paths[k++] = e->cfg.sources[i];
    for (size_t i = 0; i < in->nwatch; i++)
        paths[k++] = in->watch[i];
    e->watch = file_watch_new(paths, k);
    free(paths);
}

static int outputs_changed(const struct engine_config *a, const struct engine_config *b)
{
    char *ja = cfg_to_json(a->tree), *jb = cfg_to_json(b->tree);
    int changed = !ja || !jb || strcmp(ja, jb) != 0;
    free(ja);
    free(jb);
    return changed;
}

/* SIGHUP / watched file change: validate everything first, then swap. */
static void reload(struct engine *e)
{
    char err[512];
    struct engine_config ncfg;
    struct config_load_opts lo = {
        .path = e->cli.config_path, .overrides = e->cli.overrides, .noverrides = e->cli.noverrides};
    tt_info("SIGHUP received, restarting...");
    if (config_load(&ncfg, &lo, err, sizeof err)) {
        tt_error("reload: %s", err);
        config_free(&ncfg);
        goto failed;
    }
    struct rules_input in;
    struct ruleset *nrs = load_rules(&ncfg, &e->cli, &in, 1);
    if (!nrs) {
        rules_input_free(&in);
        config_free(&ncfg);
        goto failed;
    }
    struct alert_builder *nab =
        alert_builder_new(nrs, &ncfg, e->cli.append_format, err, sizeof err);
    if (!nab) {
        tt_error("reload: %s", err);
        ruleset_free(nrs);
        rules_input_free(&in);
        config_free(&ncfg);
        goto failed;
    }
    struct outputs *nout = NULL;
    int swap_out = outputs_changed(&e->cfg, &ncfg);
    if (swap_out) {
        if (e->cli.unbuffered)
            ncfg.buffered_outputs = 0;
        nout = outputs_new(&ncfg, e->hostname, err, sizeof err);
        if (!nout) {
            tt_error("reload: %s", err);
            alert_builder_free(nab);
            ruleset_free(nrs);
            rules_input_free(&in);
            config_free(&ncfg);
            goto failed;
        }
    }
    /* the new rules may compare fd.*ip.name with host names: noted before they run */
    ruleset_note_literals(nrs);
    fld_dns_start();
    pipeline_swap_ruleset(e->pl, nrs);
    pipeline_set_min_priority(e->pl, ncfg.priority);
    alert_builder_free(e->ab);
    ruleset_free(e->rs);
    e->ab = nab;
    e->rs = nrs;
    if (swap_out) {
        outputs_retire(e->out, (int)e->cfg.output_timeout_ms);
        e->out = nout;
    }
    config_free(&e->cfg);
    e->cfg = ncfg;
    if (e->health)
        health_mon_set_limits(e->health, &e->cfg);
    if (e->metrics)
        metrics_set_config(e->metrics, &e->cfg);
    tt_log_set_level((enum tt_log_level)e->cfg.log_level);
    tt_log_set_outputs(e->cfg.log_stderr, e->cfg.log_syslog);
    log_config_warnings(&e->cfg);
    apply_container_override(e);
    watch_setup(e, &in);
    rules_input_free(&in);
    tt_info("reload done");
    return;
failed:
    tt_error("hot restart failed; the previous configuration and rules keep running");
    emit_internal(e, PRI_CRITICAL, "Falco internal: hot restart failure",
                  "Falco internal: hot restart failure", NULL);
}

static struct drops_sink drops_sink(struct engine *e)
{
    return (struct drops_sink){
        .cfg = &e->cfg, .out = e->out, .pl = e->pl, .self_tamper = e->self_tamper};
}

static void check_drops(struct engine *e, struct source *src)
{
    struct drops_sink k = drops_sink(e);
    if (drops_check(&e->drops, &k, src) && !sig_stop)
        sig_stop = SIGTERM;
}

static void note_timeout(struct engine *e)
{
    if (++e->consecutive_timeouts < e->cfg.timeouts_max_consecutives || e->timeout_notified)
        return;
    e->timeout_notified = 1;
    char msg[160];
    snprintf(msg, sizeof msg,
             "Falco internal: timeouts notification. %llu consecutive timeouts without event.",
             (unsigned long long)e->consecutive_timeouts);
    json_t *f = json_object();
    if (f) {
        char t[64] = "none";
        if (e->last_event_ts)
            snprintf(t, sizeof t, "%llu", (unsigned long long)e->last_event_ts);
        json_object_set_new(f, "last_event_time", json_string(t));
    }
    emit_internal(e, PRI_DEBUG, "Falco internal: timeouts notification", msg, f);
    json_decref(f);
}

/* Test switches hang-after=N / crash-after=N (testsw.h): a hung or crashed engine for the
 * watchdog tests. */
static void injected_fault(struct engine *e, uint64_t events)
{
    if (e->fault_crash_after >= 0 && events >= (uint64_t)e->fault_crash_after) {
        tt_error("test switch crash-after=%ld: aborting", e->fault_crash_after);
        abort();
    }
    if (e->fault_hang_after >= 0 && events >= (uint64_t)e->fault_hang_after) {
        tt_error("test switch hang-after=%ld: the event loop stops here", e->fault_hang_after);
        for (;;)
            pause();
    }
}

static void handle_event(struct engine *e, const struct tt_event *ev)
{
    e->consecutive_timeouts = 0;
    e->timeout_notified = 0;
    e->last_event_ts = ev->ts_ns;
    pipeline_event(e->pl, ev);
    if (e->fault_hang_after >= 0 || e->fault_crash_after >= 0) {
        struct pipeline_stats ps;
        pipeline_get_stats(e->pl, &ps);
        injected_fault(e, ps.events);
    }
}

static void metrics_inputs(struct engine *e, struct source *src, struct metrics_inputs *in)
{
    memset(in, 0, sizeof *in);
    struct pipeline_stats ps;
    pipeline_get_stats(e->pl, &ps);
    in->num_evts = ps.events;
    struct tt_ring_stats rs;
    memset(&rs, 0, sizeof rs);
    in->have_ring = source_ring_stats(src, &rs) || e->ring_base_prod;
    in->n_evts = e->ring_base_prod + rs.produced;
    in->n_drops = e->ring_base_drop + rs.dropped;
    in->ring_size = rs.data_size;
    in->ring_used = rs.used_bytes;
    in->ring_in_flight = rs.in_flight;
    in->ring_corrupt = rs.corrupt;
    in->tracer_pid = src ? (int)rs.producer_pid : 0;
    outputs_get_stats(e->out, &in->out);
    in->have_ship = outputs_ship_status(e->out, &in->ship) == 0;
    in->ship_pid = in->have_ship ? in->ship.pid : 0;
    state_get_stats(pipeline_state(e->pl), &in->state);
    char text[16];
    int64_t age;
    in->healthy = e->health ? health_mon_verdict(e->health, text, sizeof text, &age) : -1;
    in->rs = e->rs;
}

/* An EMF record to tartan.cloudwatch_metrics.outputs. */
static void emit_emf(struct engine *e, const struct metrics_inputs *in)
{
    struct metrics_dims d;
    const char *ecs[4] = {e->ecs_dims[0], e->ecs_dims[1], e->ecs_dims[2], e->ecs_dims[3]};
    metrics_dims_fill(&d, &e->cfg, ecs, e->hostname);
    char *line = metrics_emf(e->metrics, in, &d);
    if (line &&
        outputs_emit_line(e->out, line, (const char *const *)e->cfg.ops.cwm.outputs,
                          e->cfg.ops.cwm.noutputs) != 0 &&
        !e->cwm_warned) {
        tt_warn("tartan.cloudwatch_metrics: none of its outputs is enabled; the records go "
                "nowhere (enable program_output, or list another output)");
        e->cwm_warned = 1;
    }
    free(line);
}

/* metrics.interval: the snapshot (internal alert and/or output_file); the CloudWatch interval:
 * an EMF record. */
static void emit_metrics(struct engine *e, struct source *src)
{
    int due = metrics_due(e->metrics, tt_mono_ms());
    if (!due)
        return;
    struct metrics_inputs in;
    metrics_inputs(e, src, &in);
    if (due & METRICS_DUE_SNAPSHOT) {
        json_t *f = metrics_snapshot(e->metrics, &in);
        if (f) {
            if (e->cfg.ops.metrics.output_rule)
                emit_internal(e, PRI_INFO, "Falco internal: metrics snapshot",
                              "Falco metrics snapshot", f);
            metrics_append_file(e->metrics, f);
            json_decref(f);
        }
    }
    if (due & METRICS_DUE_EMF)
        emit_emf(e, &in);
}

/* Everything the event loop does besides events, run at most every HOUSEKEEP_MS (and at once
 * when a signal flag is set). */
static void housekeep(struct engine *e, struct source *src)
{
    if (sig_reopen) {
        sig_reopen = 0;
        tt_info("SIGUSR1 received, reopening outputs...");
        outputs_reopen(e->out);
    }
    if (file_watch_poll(e->watch)) {
        /* debounce: let an editor finish writing */
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        file_watch_poll(e->watch);
        sig_reload = 1;
    }
    if (sig_reload) {
        sig_reload = 0;
        reload(e);
        e->guard.pl = e->pl;
        guard_rearm(&e->guard, tt_mono_ns()); /* a reload is not a stall */
    }
    apply_ecs(e);
    if (src)
        check_drops(e, src);
    if (e->health) {
        struct pipeline_stats ps;
        struct outputs_stats os;
        pipeline_get_stats(e->pl, &ps);
        outputs_get_stats(e->out, &os);
        health_mon_tick(e->health, src, e->out, ps.events, os.alerts);
    }
    if (e->metrics)
        emit_metrics(e, src);
}

static void maybe_housekeep(struct engine *e, struct source *src, uint64_t *next)
{
    /* Housekeeping (signals' follow-up, the watched files, ECS metadata, drop counters, health)
     * at most every HOUSEKEEP_MS: a per-event inotify read() cost as much CPU as the rule
     * evaluation itself. A signal flag is served at once. */
    uint64_t now = tt_coarse_ns();
    if (now >= *next || sig_reopen || sig_reload) {
        *next = now + (uint64_t)HOUSEKEEP_MS * 1000000u;
        housekeep(e, src);
    }
}

static int web_verdict(void *arg, char *text, size_t n, int64_t *age_ms)
{
    return health_mon_verdict(arg, text, n, age_ms);
}

/* The stream ended (or the engine stops): report what is pending, then let the ring go. */
static void close_ring(struct engine *e, struct source *src)
{
    if (!src || !source_is_ring(src))
        return;
    struct drops_sink k = drops_sink(e);
    drops_flush(&e->drops, &k, src);
}

/* The event loop. Returns the exit code. */
static int run(struct engine *e)
{
    char err[512];
    struct source *src = NULL;
    if (e->cli.capture) {
        src = source_open_capture(e->cli.capture, err, sizeof err);
        if (!src) {
            tt_error("%s", err);
            return 1;
        }
    }
    uint64_t first_ts = 0, next_housekeep = 0;
    int rc = 0, wait_logged = 0;
    drops_start(&e->drops, &e->cfg);
    guard_init(&e->guard, e->pl, e->cfg.ring_key, e->self_tamper);
    while (!sig_stop) {
        if (!src) {
            /* the engine may start first: wait for the ring in short steps, housekeeping (and
             * so the health status) going on meanwhile */
            src =
                source_try_ring(e->cfg.ring_key, RING_WAIT_STEP_MS, &wait_logged, err, sizeof err);
            if (!src) {
                if (e->health)
                    health_mon_ring_waiting(e->health, err);
                maybe_housekeep(e, NULL, &next_housekeep);
                continue;
            }
            wait_logged = 0;
            if (testsw_on("trust-ring-end"))
                tt_ring_trust_end_flag(source_ring_handle(src), 1);
            drops_attached(&e->drops, src);
            if (e->health)
                health_mon_ring_attached(e->health);
            tt_info("attached to the event ring");
            guard_attached(&e->guard, src);
        }
        if (source_is_ring(src))
            guard_loop(&e->guard, src, tt_mono_ns());
        maybe_housekeep(e, src, &next_housekeep);
        const struct tt_event *ev;
        int r = source_next(src, &ev, READ_TIMEOUT_MS, err, sizeof err);
        if (r == 1) {
            if (!first_ts)
                first_ts = ev->ts_ns;
            handle_event(e, ev);
            int over = e->cli.max_seconds > 0 &&
                       (double)(ev->ts_ns - first_ts) / 1e9 >= e->cli.max_seconds;
            source_release(src, ev);
            if (over)
                break;
        } else if (r == 0) {
            note_timeout(e);
        } else if (r == -1) {
            if (!source_is_ring(src))
                break;
            guard_problem(&e->guard, src, r, err);
            close_ring(e, src);
            tt_info("the tracer closed the event ring; waiting for a new one");
            if (e->health)
                health_mon_ring_ended(e->health, src);
            struct tt_ring_stats rs;
            if (source_ring_stats(src, &rs)) {
                e->ring_base_prod += rs.produced;
                e->ring_base_drop += rs.dropped;
            }
            source_close(src);
            src = NULL;
            continue;
        } else if (r == -2) {
            guard_problem(&e->guard, src, r, err);
        } else {
            tt_error("%s", err);
            rc = 1;
            break;
        }
    }
    if (sig_stop && src && source_is_ring(src)) {
        guard_loop(&e->guard, src, tt_mono_ns()); /* a stopped engine told to exit: say so */
        /* stop reading new events: evaluate what is already in the ring, bounded */
        uint64_t prod = 0, drop = 0, dl = tt_mono_ns() + (uint64_t)DRAIN_LIMIT_MS * 1000000u;
        source_counters(src, &prod, &drop);
        const struct tt_event *ev;
        uint64_t n = 0;
        while (tt_mono_ns() < dl && source_next(src, &ev, 0, err, sizeof err) == 1) {
            handle_event(e, ev);
            source_release(src, ev);
            n++;
        }
        tt_debug("drained %llu events from the ring at shutdown", (unsigned long long)n);
        close_ring(e, src);
    }
    if (sig_stop)
        tt_info("%s received, exiting...", sig_stop == SIGINT ? "SIGINT" : "SIGTERM");
    struct tt_ring_stats rs;
    if (source_ring_stats(src, &rs)) { /* the final metrics count this ring too */
        e->ring_base_prod += rs.produced;
        e->ring_base_drop += rs.dropped;
    }
    source_close(src);
    if (e->drops.exit)
        rc = 1;
    return rc;
}

/* End of a capture (or -M): every alert raised must come out, however long the channels take,
 * as long as they make progress; a channel stuck for output_timeout (or a signal) ends the
 * wait, and outputs_free's bounded drain takes over. A SIGTERM shutdown skips this (the
 * container runtime's stop timeout is short). */
static void drain_outputs(struct engine *e)
{
    if (!e->out)
        return;
    long step = e->cfg.output_timeout_ms > 0 ? e->cfg.output_timeout_ms : 2000;
    struct outputs_stats st;
    outputs_get_stats(e->out, &st);
    uint64_t written = st.written;
    while (!sig_stop && outputs_flush(e->out, (int)step) != 0) {
        outputs_get_stats(e->out, &st);
        if (st.written == written) {
            tt_warn("outputs make no progress; %llu alerts may be lost",
                    (unsigned long long)(st.queued - st.written));
            break;
        }
        written = st.written;
    }
}

/* The syscall list the enabled rules need, for the tracer's seccomp set (docs/tracer.md): one
 * entry per line. Returns its length, or 0 when it does not fit in cap. */
static size_t syscalls_list(const struct ruleset *rs, char *out, size_t cap)
{
    uint8_t set[TT_EV_COUNT];
    memset(set, 0, sizeof set);
    ruleset_event_types(rs, set);
    size_t len = 0;
    int over = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + len, cap - len, __VA_ARGS__);                                      \
        if (k_ < 0 || (size_t)k_ >= cap - len)                                                     \
            over = 1;                                                                              \
        else                                                                                       \
            len += (size_t)k_;                                                                     \
    } while (0)
    for (unsigned t = 1; t < TT_EV_COUNT && !over; t++) {
        if (!set[t] || !(tt_event_flags(t) & TT_EVF_SYSCALL) || !tt_event_name(t))
            continue;
        uint64_t dom = t == TT_EV_SOCKET ? ruleset_socket_domains(rs) : 0;
        if (t == TT_EV_SOCKET && !(dom & (1ull << 63))) {
            /* only the socket calls of these domains (the tracer's filter checks the argument) */
            for (int d = 0; d < 63; d++)
                if (dom & (1ull << d))
                    PUT("socket.domain=%d\n", d);
        } else {
            /* the stops it needs, beside the name (an older tracer warns about these entries
             * and traces the call whole) */
            PUT("%s\n", tt_event_name(t));
            if ((t == TT_EV_EXECVE || t == TT_EV_EXECVEAT) && !ruleset_matches_failed_exec(rs, t))
                PUT("%s.success\n", tt_event_name(t)); /* (reported from the exec itself) */
            else if (!ruleset_reads_result(rs, t))
                PUT("%s.entry\n", tt_event_name(t));
            if (t == TT_EV_RECVFROM && ruleset_recvfrom_needs_all(rs))
                PUT("recvfrom.all\n"); /* every recvfrom, not only addressed ones */
        }
    }
    if (ruleset_needs_env(rs))
        PUT("proc.env\n"); /* the tracer captures environments (as with -E) */
#undef PUT
    return over ? 0 : len;
}

/* The list reaches the tracer with every attach to its ring (tt_ring_set_consumer_request), and,
 * when TARTAN_SYSCALLS_FILE is set, in that file too (written atomically, mode 0644, before the
 * engine attaches: the tracer refuses a file others could have written). */
static void publish_syscalls(const struct ruleset *rs)
{
    static char list[TT_RING_REQUEST_MAX];
    if (!rs)
        return;
    size_t n = syscalls_list(rs, list, sizeof list);
    if (!n)
        tt_warn("the syscall list of the enabled rules does not fit in %zu bytes; the tracer "
                "will trace its default set",
                sizeof list);
    tt_ring_set_consumer_request(list, n);
    const char *path = getenv("TARTAN_SYSCALLS_FILE");
    if (!path || !path[0] || !n)
        return;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || fchmod(fd, 0644) != 0 || tt_write_full(fd, list, n) != (ssize_t)n ||
        close(fd) != 0 || rename(tmp, path) != 0) {
        tt_warn("TARTAN_SYSCALLS_FILE: cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        return;
    }
    tt_debug("wrote the syscall list of the enabled rules to %s", path);
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        tt_error("cannot write pid file %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0) {
        tt_error("cannot write pid file %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int print_support(struct engine *e, const struct rules_input *in)
{
    json_t *j = json_object();
    if (!j)
        return 1;
    json_t *ver = json_object();
    json_object_set_new(ver, "falco_version", json_string(TT_VERSION));
    json_object_set_new(ver, "tartan_version", json_string(TT_VERSION));
    json_object_set_new(ver, "falco_compatible_version", json_string(FALCO_COMPAT_RELEASE));
    json_object_set_new(ver, "engine_version", json_string(FALCO_ENGINE_VERSION));
    json_object_set_new(ver, "libs_version", json_string("tartan-" TT_VERSION));
    json_object_set_new(j, "version", ver);
    json_t *ei = json_object();
    json_object_set_new(ei, "engine_version", json_string(FALCO_ENGINE_VERSION));
    json_object_set_new(j, "engine_info", ei);
    size_t cl = 1;
    for (int i = 0; i < e->cli.argc; i++)
        cl += strlen(e->cli.argv[i]) + 1;
    char *cmd = calloc(1, cl);
    for (int i = 0; cmd && i < e->cli.argc; i++) {
        if (i)
            strcat(cmd, " ");
        strcat(cmd, e->cli.argv[i]);
    }
    json_object_set_new(j, "cmdline", json_string(cmd ? cmd : ""));
    free(cmd);
    char *conf = cfg_to_json(e->cfg.tree);
    json_object_set_new(j, "config", conf ? json_loads(conf, 0, NULL) : json_null());
    free(conf);
    json_t *rf = json_array();
    for (size_t i = 0; in && i < in->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(in->names[i]));
        char *txt = alert_sanitize(in->texts[i], in->lens[i], 0);
        json_object_set_new(o, "content", txt ? json_string(txt) : json_null());
        free(txt);
        json_array_append_new(rf, o);
    }
    json_object_set_new(j, "rules_files", rf);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    tt_log_init("engine");
    if (tt_nodump() != 0)
        tt_warn("cannot make the engine non-dumpable: %s", strerror(errno));
    tt_name_self("engine");
    static struct engine eng;
    struct engine *e = &eng;
    if (cli_parse(&e->cli, argc, argv, stderr)) {
        cli_usage(stderr);
        return TT_EXIT_USAGE;
    }
    if (e->cli.help) {
        cli_usage(stdout);
        cli_free(&e->cli);
        return 0;
    }
    if (e->cli.list_fields) {
        /* -N: names only, one a line (Falco's --list -N), whatever --format says */
        int mode = e->cli.list_names_only                                      ? 2
                   : e->cli.list_format && !strcmp(e->cli.list_format, "json") ? 1
                                                                               : 0;
        /* fields of another source (k8s_audit, a plugin's): none here, like Falco without
         * that plugin */
        int rc = e->cli.list_source && strcmp(e->cli.list_source, "syscall") != 0
                     ? 0
                     : fields_list(stdout, mode);
        cli_free(&e->cli);
        return rc ? 1 : 0;
    }
    if (e->cli.list_events) {
        int rc = list_events(stdout);
        cli_free(&e->cli);
        return rc;
    }
    char err[512];
    struct config_load_opts lo = {.path = e->cli.config_path,
                                  .overrides = e->cli.overrides,
                                  .noverrides = e->cli.noverrides,
                                  .default_optional = e->cli.version || e->cli.nvalidate};
    if (e->cli.health) /* a probe prints one line: the engine's own log says the rest */
        tt_log_set_level(TT_LOG_ERROR);
    if (config_load(&e->cfg, &lo, err, sizeof err)) {
        if (e->cli.health && e->cli.config_path) {
            printf("unhealthy: the probe cannot read its configuration: %s\n", err);
            config_free(&e->cfg);
            cli_free(&e->cli);
            return 1;
        }
        if ((e->cli.version || e->cli.nvalidate || e->cli.health) && !e->cli.config_path) {
            /* --version and -V need no configuration file (images run them bare) */
            config_free(&e->cfg);
            config_defaults(&e->cfg);
            int vrc = e->cli.health    ? health_probe(&e->cfg, stdout)
                      : e->cli.version ? print_version(&e->cfg)
                                       : rules_validate_main(e->cli.validate, e->cli.nvalidate, 0,
                                                             stdout, stderr);
            cli_free(&e->cli);
            return vrc;
        }
        tt_error("%s", err);
        config_free(&e->cfg);
        cli_free(&e->cli);
        return 1;
    }
    if (!e->cli.health)
        tt_log_set_level((enum tt_log_level)e->cfg.log_level);
    tt_log_set_outputs(e->cfg.log_stderr, e->cfg.log_syslog);
    if (!e->cli.version)
        log_config_warnings(&e->cfg);
    for (size_t i = 0; i < e->cfg.nsources; i++)
        tt_debug("configuration file: %s", e->cfg.sources[i]);
    for (size_t i = 0; i < e->cfg.ops.nwarnings; i++)
        tt_warn("%s", e->cfg.ops.warnings[i]);
    if (getenv(CONFIG_ENV_YAML) || getenv(CONFIG_ENV_YAML_B64))
        tt_debug("configuration from the environment (%s / %s)", CONFIG_ENV_YAML,
                 CONFIG_ENV_YAML_B64);
    if (e->cli.unbuffered)
        e->cfg.buffered_outputs = 0;
    int rc = 0, pid_written = 0;
    struct rules_input in = {0};
    if (e->cli.health) {
        rc = health_probe(&e->cfg, stdout);
        goto out;
    }
    if (e->cli.version) {
        rc = print_version(&e->cfg);
        goto out;
    }
    if (e->cli.nvalidate) {
        rc = rules_validate_main(e->cli.validate, e->cli.nvalidate, e->cfg.json_output, stdout,
                                 stderr);
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    alert_hostname(e->hostname, sizeof e->hostname);
    e->rs = load_rules(&e->cfg, &e->cli, &in, !e->cli.verbose);
    if (!e->rs) {
        rc = 1;
        goto out;
    }
    if (e->cli.support) {
        rc = print_support(e, &in);
        goto out;
    }
    if (e->cli.describe_all || e->cli.describe_rule) {
        rc = rules_describe(e->rs, e->cli.describe_rule, e->cfg.json_output, stdout);
        goto out;
    }
    e->ab = alert_builder_new(e->rs, &e->cfg, e->cli.append_format, err, sizeof err);
    if (!e->ab) {
        tt_error("%s", err);
        rc = 1;
        goto out;
    }
    if (e->cli.dry_run) {
        tt_info("dry run: configuration and rules are valid");
        goto out;
    }
    testsw_announce();
    e->self_tamper = !testsw_on("no-self-tamper");
    e->fault_hang_after = testsw_num("hang-after", -1);
    e->fault_crash_after = testsw_num("crash-after", -1);
    if (signals_install()) {
        tt_error("cannot install signal handlers: %s", strerror(errno));
        rc = 1;
        goto out;
    }
    if (e->cli.pidfile) {
        if (write_pidfile(e->cli.pidfile)) {
            rc = 1;
            goto out;
        }
        pid_written = 1;
    }
    e->out = outputs_new(&e->cfg, e->hostname, err, sizeof err);
    if (!e->out) {
        tt_error("%s", err);
        rc = 1;
        goto out;
    }
    struct pipeline_opts po = {.match_all = e->cfg.rule_matching_all,
                               .min_priority = e->cfg.priority,
                               .on_alert = on_alert,
                               .arg = e};
    /* A replayed capture's pids belong to another time (or host): user and group names must
     * not come from whatever live process has that pid now (/proc/<pid>/root/etc/passwd). */
    po.state.no_proc_lookup = e->cli.capture != NULL;
    e->pl = pipeline_new(e->rs, &po);
    if (!e->pl) {
        tt_error("cannot create the event pipeline");
        rc = 1;
        goto out;
    }
    apply_container_override(e);
    if (e->cfg.ecs_metadata_uri && e->cfg.ecs_metadata_uri[0])
        e->ecs = ecs_fetch_start(e->cfg.ecs_metadata_uri, ECS_TIMEOUT_MS);
    watch_setup(e, &in);
    if (e->ecs && !e->cli.capture) {
        /* Give the metadata endpoint a moment so that the workload's first processes (the
         * tracer waits for us before starting it) already carry it; never long. */
        uint64_t dl = tt_mono_ns() + (uint64_t)ECS_START_WAIT_MS * 1000000u;
        int done = 0;
        while (!sig_stop && tt_mono_ns() < dl) {
            ecs_fetch_result(e->ecs, &done);
            if (done)
                break;
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
        apply_ecs(e);
    }
    if (!e->cli.capture) {
        publish_syscalls(e->rs);
        e->health = health_mon_new(&e->cfg);
        e->metrics = metrics_new(&e->cfg, e->hostname, TT_VERSION);
        if (e->health && e->cfg.ops.web.enabled) {
            /* not fatal: detection goes on; the HTTP probe failing shows the problem */
            e->web = webserver_start(&e->cfg, web_verdict, e->health, err, sizeof err);
            if (!e->web)
                tt_error("%s", err);
        }
    }
    ruleset_note_literals(e->rs); /* host names the enabled rules compare fd.*ip.name with */
    fld_dns_start();              /* resolved in the background, from their first use */
    tt_info("engine %s (Falco %s rules engine %s) started (%s)", TT_VERSION, FALCO_COMPAT_RELEASE,
            FALCO_ENGINE_VERSION, e->cli.capture ? e->cli.capture : "event ring");
    rc = run(e);
    if (e->metrics && e->cfg.ops.cwm.enabled) {
        /* a last record, so that the counters' sums in CloudWatch cover the whole run */
        struct metrics_inputs mi;
        metrics_inputs(e, NULL, &mi);
        emit_emf(e, &mi);
    }
    if (!sig_stop)
        drain_outputs(e);
    {
        struct pipeline_stats ps;
        struct outputs_stats os;
        pipeline_get_stats(e->pl, &ps);
        outputs_get_stats(e->out, &os);
        tt_info("events %llu, alerts %llu (throttled %llu, dropped: queue %llu, program %llu, "
                "http errors %llu)",
                (unsigned long long)ps.events, (unsigned long long)os.alerts,
                (unsigned long long)os.dropped_rate, (unsigned long long)os.dropped_queue,
                (unsigned long long)os.program_drops, (unsigned long long)os.http_errors);
    }
    if (e->ecs) {
        ecs_fetch_free(e->ecs);
        e->ecs = NULL;
    }
out:
    if (e->out) {
        struct outputs_stats fs;
        uint64_t lost = outputs_free(e->out, (int)e->cfg.output_timeout_ms, &fs);
        e->out = NULL;
        lost += outputs_join_retired();
        if (lost) {
            tt_error("%llu of %llu alerts were not delivered to every output (queue full %llu, "
                     "program output %llu, http abandoned at exit %llu); exit status %d",
                     (unsigned long long)lost, (unsigned long long)fs.alerts,
                     (unsigned long long)fs.dropped_queue, (unsigned long long)fs.program_lost,
                     (unsigned long long)fs.abandoned, EXIT_ALERTS_LOST);
            if (rc == 0)
                rc = EXIT_ALERTS_LOST;
        }
    }
    if (e->pl)
        pipeline_free(e->pl);
    alert_builder_free(e->ab);
    ruleset_free(e->rs);
    file_watch_free(e->watch);
    webserver_stop(e->web);
    health_mon_free(e->health);
    metrics_free(e->metrics);
    json_decref(e->ecs_fields);
    rules_input_free(&in);
    if (pid_written)
        unlink(e->cli.pidfile);
    config_free(&e->cfg);
    cli_free(&e->cli);
    fld_dns_stop();
    curl_global_cleanup();
    return rc;
}

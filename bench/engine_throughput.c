/* Engine throughput: replays a capture through the event pipeline (state, fields, upstream
 * rules) and reports events/s, ns/event and peak RSS. Built and run by
 * bench/engine_throughput.sh:  engine_throughput RULES.yaml CAPTURE [RULES...] */
#include "format.h"
#include "pipeline.h"
#include "ruleset.h"
#include "tt_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    char buf[4096];
    if (r->fmt)
        fmt_render(r->fmt, ctx, buf, sizeof buf);
    (*(uint64_t *)arg)++;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: engine_throughput CAPTURE RULES.yaml [RULES...]\n");
        return 2;
    }
    struct rules_diags d;
    rules_diags_init(&d);
    uint64_t t0 = now_ns();
    struct ruleset *rs = ruleset_load((const char *const *)argv + 2, (size_t)argc - 2,
                                      &(struct ruleset_opts){.no_details = 1}, &d);
    uint64_t t1 = now_ns();
    if (!rs) {
        rules_diags_print(&d, stderr);
        return 1;
    }
    uint64_t alerts = 0;
    struct pipeline_opts o = {
        .match_all = 0, .min_priority = PRI_DEBUG, .on_alert = on_alert, .arg = &alerts};
    struct pipeline *p = pipeline_new(rs, &o);
    char why[256];
    struct tt_capture_reader *r = tt_capture_open(argv[1], why, sizeof why);
    if (!p || !r) {
        fprintf(stderr, "engine_throughput: %s\n", r ? "out of memory" : why);
        return 1;
    }
    const struct tt_event *ev;
    uint64_t n = 0, t2 = now_ns(), c2 = cpu_ns(), tread = 0;
    int rc;
    while ((rc = tt_capture_next(r, &ev, why, sizeof why)) == 1) {
        pipeline_event(p, ev);
        n++;
    }
    uint64_t t3 = now_ns(), c3 = cpu_ns();
    if (rc < 0)
        fprintf(stderr, "engine_throughput: %s\n", why);
    tt_capture_close_reader(r);
    /* the same read loop without the pipeline, to separate I/O from evaluation */
    r = tt_capture_open(argv[1], why, sizeof why);
    uint64_t t4 = now_ns();
    while (r && tt_capture_next(r, &ev, why, sizeof why) == 1)
        ;
    tread = now_ns() - t4;
    tt_capture_close_reader(r);
    struct state_stats ss;
    state_get_stats(pipeline_state(p), &ss);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double total = (double)(t3 - t2);
    double eval = total > (double)tread ? total - (double)tread : total;
    printf("events=%llu alerts=%llu load_ms=%.2f total_s=%.3f read_s=%.3f ev_per_s=%.0f "
           "ns_per_ev=%.1f eval_ns_per_ev=%.1f eval_ev_per_s=%.0f rss_kib=%ld state_kib=%llu "
           "cpu_ev_per_s=%.0f cpu_ns_per_ev=%.1f\n",
           (unsigned long long)n, (unsigned long long)alerts, (double)(t1 - t0) / 1e6, total / 1e9,
           (double)tread / 1e9, n ? (double)n / (total / 1e9) : 0, n ? total / (double)n : 0,
           n ? eval / (double)n : 0, n ? (double)n / (eval / 1e9) : 0, ru.ru_maxrss,
           (unsigned long long)ss.bytes / 1024,
           n && c3 > c2 ? (double)n / ((double)(c3 - c2) / 1e9) : 0,
           n ? (double)(c3 - c2) / (double)n : 0);
    pipeline_free(p);
    ruleset_free(rs);
    rules_diags_free(&d);
    return 0;
}

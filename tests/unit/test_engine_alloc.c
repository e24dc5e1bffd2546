/* Allocation discipline of the engine, with the counting allocator of tt_alloc.h:
 *   - the steady-state event path (state, fields, conditions of Falco's upstream rules) makes no
 *     allocation per event once the processes and files it sees are known;
 *   - the rules loader, the configuration loader and the ECS metadata parser, with their k-th
 *     allocation failing for every k, fail cleanly: an error that says so, nothing leaked
 *     (live blocks back to 0 here; LeakSanitizer in the asan variant), no crash;
 *   - an empty rules directory is no error (and no qsort(NULL, 0): UBSan in the asan variant). */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_alloc.h"
#include "tt_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_rules.h"
#include "ecs_meta.h"
#include "engine_test_events.h"
#include "pipeline.h"
#include "ruleset.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct tev e;
static uint64_t now = 1700000000000000000ull;
static unsigned long nalerts;

static void on_alert(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    nalerts++;
}

static void feed(struct pipeline *p, const struct tt_event *ev)
{
    ((struct tt_event *)(void *)e.buf)->ts_ns = now;
    now += 1000;
    pipeline_event(p, ev);
}

static void proc(struct pipeline *p, int32_t pid, int32_t ptid, const char *comm, const char *exe)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_EXE, comm);
    tt_evb_bytes(&e.b, TT_P_ARGS, TT_PK_STRLIST, "app.py", 7);
    tt_evb_str(&e.b, TT_P_EXEPATH, exe);
    tt_evb_str(&e.b, TT_P_CWD, "/app");
    tt_evb_str(&e.b, TT_P_COMM, comm);
    tt_evb_i64(&e.b, TT_P_PTID, ptid);
    tt_evb_u64(&e.b, TT_P_CLONE_TS, now - 100000000000ull);
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, CID);
    feed(p, tev_end(&e, 0));
}

/* One round of what a busy web worker does: open a file, read config, connect out, close. */
static void round_of_events(struct pipeline *p, int32_t pid)
{
    tev_begin(&e, TT_EV_OPENAT, pid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/app/static/index.html");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    feed(p, tev_end(&e, 7));
    tev_begin(&e, TT_EV_CLOSE, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 7);
    feed(p, tev_end(&e, 0));
    tev_begin(&e, TT_EV_OPENAT, pid, pid);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/etc/passwd"); /* a sensitive-file rule evaluates it */
    tt_evb_u64(&e.b, TT_P_FLAGS, O_RDONLY);
    feed(p, tev_end(&e, 8));
    tev_begin(&e, TT_EV_CLOSE, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 8);
    feed(p, tev_end(&e, 0));
    tev_begin(&e, TT_EV_SOCKET, pid, pid);
    tt_evb_i64(&e.b, TT_P_DOMAIN, 2);
    tt_evb_i64(&e.b, TT_P_TYPE, 1);
    tt_evb_i64(&e.b, TT_P_PROTO, 0);
    feed(p, tev_end(&e, 9));
    tev_begin(&e, TT_EV_CONNECT, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    tev_sin(&e, TT_P_ADDR, "10.0.0.5", 5432);
    feed(p, tev_end(&e, 0));
    tev_begin(&e, TT_EV_CLOSE, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 9);
    feed(p, tev_end(&e, 0));
}

static const char *upstream_rules(char *path, size_t n)
{
    const char *shared = getenv("TT_SHARED");
    snprintf(path, n, "%s/falco-rules/falco_rules.yaml", shared ? shared : "../shared");
    return access(path, R_OK) == 0 ? path : NULL;
}

TT_TEST(steady_state_event_path_allocates_nothing)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    char path[512];
    TT_REQUIRE(upstream_rules(path, sizeof path) != NULL);
    const char *paths[] = {path};
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = ruleset_load(paths, 1, &(struct ruleset_opts){0}, &d);
    rules_diags_free(&d);
    TT_REQUIRE(rs != NULL);
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    o.state.no_proc_lookup = 1;
    struct pipeline *p = pipeline_new(rs, &o);
    TT_REQUIRE(p != NULL);
    proc(p, 1, 0, "tini", "/usr/bin/tini");
    proc(p, 20, 1, "python3", "/usr/bin/python3");
    for (int i = 0; i < 50; i++) /* warm-up: tables and caches reach their size */
        round_of_events(p, 20);
    enum { ROUNDS = 2000, EVENTS_PER_ROUND = 7 };
    struct pipeline_stats before, after;
    pipeline_get_stats(p, &before);
    tt_alloc_arm();
    for (int i = 0; i < ROUNDS; i++)
        round_of_events(p, 20);
    unsigned long n = tt_alloc_count();
    tt_alloc_disarm();
    TT_CHECKF(n == 0, "%lu allocations for %d events (%.3f per event)", n,
              ROUNDS * EVENTS_PER_ROUND, (double)n / (ROUNDS * EVENTS_PER_ROUND));
    /* the events went through the rules, not around them (a control on the feeding itself) */
    pipeline_get_stats(p, &after);
    TT_CHECK_INT(after.events - before.events, ROUNDS * EVENTS_PER_ROUND);
    TT_CHECKF(after.evaluated - before.evaluated >= (uint64_t)ROUNDS * 4,
              "only %llu events met a rule",
              (unsigned long long)(after.evaluated - before.evaluated));
    TT_CHECK_INT(after.invalid, before.invalid);
    pipeline_free(p);
    ruleset_free(rs);
}

/* The negative control of the counter itself: the same loop with a new process per round does
 * allocate (thread table entries), and the counter sees it. */
TT_TEST(counter_sees_allocations_on_the_event_path)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    const char *names[] = {"r.yaml"};
    const char *text = "- rule: r\n  desc: d\n  condition: evt.type = openat and proc.name = x\n"
                       "  output: o %proc.name\n  priority: WARNING\n";
    const size_t lens[] = {strlen(text)};
    struct ruleset *rs = NULL;
    TT_REQUIRE(ruleset_load_buffers(names, &text, lens, 1, &(struct ruleset_opts){0}, NULL, &rs) ==
               0);
    struct pipeline_opts o = {.match_all = 1, .min_priority = PRI_DEBUG, .on_alert = on_alert};
    o.state.no_proc_lookup = 1;
    struct pipeline *p = pipeline_new(rs, &o);
    TT_REQUIRE(p != NULL);
    tt_alloc_arm();
    for (int32_t pid = 100; pid < 200; pid++)
        proc(p, pid, 1, "worker", "/usr/bin/worker");
    unsigned long n = tt_alloc_count();
    tt_alloc_disarm();
    TT_CHECKF(n > 0, "100 new processes made no allocation: the counter is blind");
    pipeline_free(p);
    ruleset_free(rs);
}

static const char rules_text[] =
    "- required_engine_version: 0.26.0\n"
    "- list: shells\n  items: [bash, sh, zsh]\n"
    "- list: more_shells\n  items: [shells, dash]\n"
    "- macro: spawned_process\n  condition: (evt.type in (execve, execveat) and evt.dir = <)\n"
    "- macro: container\n  condition: (container.id != host)\n"
    "- rule: Shell in container\n"
    "  desc: a shell was spawned in a container\n"
    "  condition: spawned_process and container and proc.name in (more_shells)\n"
    "  output: Shell (user=%user.name cmd=%proc.cmdline %tolower(proc.name) "
    "container=%container.id)\n"
    "  priority: WARNING\n  tags: [shell, mitre_execution]\n"
    "  exceptions:\n"
    "   - name: known_parents\n     fields: [proc.pname, proc.exepath]\n"
    "     comps: [=, startswith]\n     values:\n       - [supervisord, /usr/bin]\n"
    "- rule: Read shadow\n"
    "  desc: d\n  condition: evt.type = openat and fd.name = /etc/shadow\n"
    "  output: read %fd.name by %proc.name\n  priority: ERROR\n"
    "- rule: Shell in container\n  condition: and not proc.pname = cron\n  override:\n"
    "    condition: append\n"
    "- macro: container\n  condition: and container.id != \"\"\n  append: true\n";

TT_TEST(rules_loader_fails_cleanly_at_every_allocation)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    const char *names[] = {"alloc_rules.yaml"};
    const char *bufs[] = {rules_text};
    const size_t lens[] = {sizeof rules_text - 1};
    struct ruleset *rs = NULL;
    struct rules_diags d;
    /* the reference run: succeeds, and counts the allocations k will walk through */
    rules_diags_init(&d);
    TT_REQUIRE(ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, &rs) == 0);
    ruleset_free(rs);
    rules_diags_free(&d);
    tt_alloc_arm();
    rules_diags_init(&d);
    rs = NULL;
    int rc = ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, &rs);
    ruleset_free(rs);
    rules_diags_free(&d);
    unsigned long total = tt_alloc_count();
    long live = tt_alloc_live();
    tt_alloc_disarm();
    TT_REQUIRE_INT(rc, 0);
    TT_CHECKF(live == 0, "a successful load leaves %ld blocks", live);
    TT_CHECK(total > 50);
    unsigned long bad_rc = 0, leaky = 0, unclear = 0, first_bad = 0, yaml_leaks = 0;
    for (unsigned long k = 1; k <= total; k++) {
        rs = NULL;
        tt_alloc_fail_at(k);
        rules_diags_init(&d);
        rc = ruleset_load_buffers(names, bufs, lens, 1, &(struct ruleset_opts){0}, &d, &rs);
        int said_why = d.nerrors > 0;
        ruleset_free(rs);
        rules_diags_free(&d);
        long l = tt_alloc_live();
        tt_alloc_disarm();
        /* rules_diags_init allocates nothing; an allocation failing inside the diagnostics
         * themselves may leave no message, but then the call must still fail */
        if (rc == 0)
            bad_rc++;
        if (rc != 0 && !said_why)
            unclear++;
        /* libyaml 0.2.5 itself loses a block when its own stack cannot grow (yaml_stack_extend
         * inside yaml_parser_load): not ours to free, counted apart */
        int in_yaml = strncmp(tt_alloc_fail_object(), "libyaml", 7) == 0;
        if (l != 0 && in_yaml)
            yaml_leaks++;
        else if (l != 0)
            leaky++;
        if (rc == 0 || (l != 0 && !in_yaml) || !said_why)
            fprintf(stderr, "rules k=%lu rc=%d live=%ld diag=%d in %s\n", k, rc, l, said_why,
                    tt_alloc_fail_object());
        if ((rc == 0 || (l != 0 && !in_yaml)) && !first_bad)
            first_bad = k;
    }
    fprintf(stderr,
            "rules loader: %lu allocations, each failed in turn; %lu libyaml-internal leaks\n",
            total, yaml_leaks);
    TT_CHECKF(bad_rc == 0, "%lu of %lu failed allocations went unnoticed (first k=%lu)", bad_rc,
              total, first_bad);
    TT_CHECKF(leaky == 0, "%lu of %lu runs leaked (first k=%lu)", leaky, total, first_bad);
    TT_CHECKF(unclear == 0, "%lu of %lu failures gave no diagnostic", unclear, total);
}

static const char config_text[] =
    "rules_files:\n  - /nonexistent/falco_rules.yaml\n  - /nonexistent/rules.d\n"
    "json_output: true\njson_include_output_property: true\n"
    "priority: notice\nbuffered_outputs: false\n"
    "outputs_queue:\n  capacity: 1000\n"
    "stdout_output:\n  enabled: true\n"
    "file_output:\n  enabled: true\n  keep_alive: false\n  filename: /tmp/events.txt\n"
    "http_output:\n  enabled: false\n  url: http://127.0.0.1:2801/\n"
    "program_output:\n  enabled: false\n  program: \"jq '{text: .output}'\"\n"
    "rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      tag: shell\n"
    "append_output:\n  - match:\n      source: syscall\n    extra_output: \"cid=%container.id\"\n"
    /* the paths that warn and expand: an unknown key, a missing config_files entry, ${VAR} */
    "json_ouput: true\nconfig_files:\n  - /nonexistent/config.d\n"
    "log_level: ${TT_ALLOC_LOG_LEVEL}\n";

TT_TEST(config_loader_fails_cleanly_at_every_allocation)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    char path[] = "/tmp/tt_alloc_cfg_XXXXXX";
    int fd = mkstemp(path);
    TT_REQUIRE(fd >= 0);
    TT_REQUIRE(write(fd, config_text, sizeof config_text - 1) == (ssize_t)(sizeof config_text - 1));
    close(fd);
    unsetenv(CONFIG_ENV_YAML);
    unsetenv(CONFIG_ENV_YAML_B64);
    setenv("TT_ALLOC_LOG_LEVEL", "info", 1);
    struct config_load_opts o = {.path = path};
    struct engine_config c;
    char err[512];
    TT_REQUIRE(config_load(&c, &o, err, sizeof err) == 0);
    config_free(&c);
    tt_alloc_arm();
    int rc = config_load(&c, &o, err, sizeof err);
    if (rc == 0)
        config_free(&c);
    unsigned long total = tt_alloc_count();
    long live = tt_alloc_live();
    tt_alloc_disarm();
    TT_REQUIRE_INT(rc, 0);
    TT_CHECKF(live == 0, "a successful load leaves %ld blocks", live);
    unsigned long bad_rc = 0, leaky = 0, unclear = 0, first_bad = 0;
    for (unsigned long k = 1; k <= total; k++) {
        err[0] = '\0';
        tt_alloc_fail_at(k);
        rc = config_load(&c, &o, err, sizeof err);
        if (rc == 0)
            config_free(&c);
        long l = tt_alloc_live();
        tt_alloc_disarm();
        if (rc == 0)
            bad_rc++;
        if (rc != 0 && !err[0])
            unclear++;
        if (l != 0)
            leaky++;
        if (rc == 0 || l != 0 || !err[0])
            fprintf(stderr, "config k=%lu rc=%d live=%ld err=%s in %s\n", k, rc, l, err,
                    tt_alloc_fail_object());
        if ((rc == 0 || l != 0 || !err[0]) && !first_bad)
            first_bad = k;
    }
    unlink(path);
    TT_CHECKF(bad_rc == 0, "%lu of %lu failed allocations went unnoticed (first k=%lu)", bad_rc,
              total, first_bad);
    TT_CHECKF(leaky == 0, "%lu of %lu runs leaked (first k=%lu)", leaky, total, first_bad);
    TT_CHECKF(unclear == 0, "%lu of %lu failures left err empty (first k=%lu)", unclear, total,
              first_bad);
}

TT_TEST(ecs_metadata_parser_fails_cleanly_at_every_allocation)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    const char *container =
        "{\"DockerId\":\"" CID "\",\"Name\":\"app\",\"Image\":\"123.dkr.ecr.us-east-1."
        "amazonaws.com/app:1.2\",\"Labels\":{\"com.amazonaws.ecs.cluster\":\"prod\","
        "\"com.amazonaws.ecs.task-arn\":\"arn:aws:ecs:us-east-1:123:task/prod/abc\","
        "\"com.amazonaws.ecs.task-definition-family\":\"web\"}}";
    const char *task =
        "{\"Cluster\":\"arn:aws:ecs:us-east-1:123:cluster/prod\","
        "\"TaskARN\":\"arn:aws:ecs:us-east-1:123:task/prod/abc\",\"Family\":\"web\"}";
    struct ecs_meta m;
    tt_alloc_arm();
    int rc = ecs_meta_parse(container, task, &m);
    TT_CHECK_STR(m.image_tag, "1.2");
    TT_CHECK_STR(m.cluster, "arn:aws:ecs:us-east-1:123:cluster/prod");
    ecs_meta_clear(&m);
    unsigned long total = tt_alloc_count();
    long live = tt_alloc_live();
    tt_alloc_disarm();
    TT_REQUIRE_INT(rc, 0);
    TT_CHECKF(live == 0, "a successful parse leaves %ld blocks", live);
    unsigned long bad = 0, leaky = 0, first_bad = 0;
    for (unsigned long k = 1; k <= total; k++) {
        tt_alloc_fail_at(k);
        errno = 0;
        rc = ecs_meta_parse(container, task, &m);
        int e2 = errno;
        int complete = rc == 0 && m.container_id && m.name && m.image && m.image_repo &&
                       m.image_tag && m.cluster && m.task_arn && m.family;
        ecs_meta_clear(&m);
        long l = tt_alloc_live();
        tt_alloc_disarm();
        /* either all of it (the failed allocation was one jansson could do without) or ENOMEM */
        if (!(complete || (rc == -1 && e2 == ENOMEM)))
            bad++;
        if (l != 0)
            leaky++;
        if (l != 0 || !(complete || (rc == -1 && e2 == ENOMEM)))
            fprintf(stderr, "ecs k=%lu rc=%d errno=%d live=%ld in %s\n", k, rc, e2, l,
                    tt_alloc_fail_object());
        if ((l != 0 || !(complete || (rc == -1 && e2 == ENOMEM))) && !first_bad)
            first_bad = k;
    }
    TT_CHECKF(bad == 0, "%lu of %lu runs gave partial metadata or no ENOMEM (first k=%lu)", bad,
              total, first_bad);
    TT_CHECKF(leaky == 0, "%lu of %lu runs leaked (first k=%lu)", leaky, total, first_bad);
}

TT_TEST(empty_rules_directory_is_no_error)
{
    char dir[] = "/tmp/tt_empty_rules_XXXXXX";
    TT_REQUIRE(mkdtemp(dir) != NULL);
    struct engine_config c;
    config_defaults(&c);
    char *files[] = {dir};
    char **saved = c.rules_files;
    size_t nsaved = c.nrules_files;
    c.rules_files = files;
    c.nrules_files = 1;
    struct rules_input in;
    char err[256] = "";
    int rc = rules_input_collect(&in, &c, NULL, 0, err, sizeof err);
    TT_CHECKF(rc == 0, "rules_input_collect: %s", err);
    TT_CHECK_INT(in.n, 0);
    rules_input_free(&in);
    /* the same directory given with -r */
    const char *cli[] = {dir};
    rc = rules_input_collect(&in, &c, cli, 1, err, sizeof err);
    TT_CHECKF(rc == 0, "rules_input_collect -r: %s", err);
    TT_CHECK_INT(in.n, 0);
    rules_input_free(&in);
    c.rules_files = saved;
    c.nrules_files = nsaved;
    config_free(&c);
    rmdir(dir);
}

int main(void)
{
    return tt_run_all();
}

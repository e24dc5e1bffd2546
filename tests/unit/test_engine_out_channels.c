/* Unit tests for the output channels and the alert queue: file (per-alert open, keep_alive,
 * reopen), program (plain command without a shell, keep_alive restart, a consumer that stops
 * reading never blocks, delivery before close), rate limiting, bounded queue, buffered_outputs
 * (held back while alerts flow, flushed after 50 ms of quiet and at least once a second),
 * command lines split without a shell (quotes, backslashes). */
#include "tt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "outputs.h"

static char tmpdir[64];

static void setup(struct engine_config *c)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/tt-out-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    config_defaults(c);
    char err[128];
    config_from_tree(c, cfg_node_new(CFG_MAP, "t", 1), err, sizeof err);
    c->stdout_enabled = 0;
    c->syslog_enabled = 0;
}

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = strdup(s);
}

static void mk_alert(struct alert *a, const char *msg)
{
    memset(a, 0, sizeof *a);
    a->ts_ns = 1700000000123456789ULL;
    a->priority = PRI_WARNING;
    a->rule = "r";
    a->source = "syscall";
    a->message = msg;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0, ch;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

TT_TEST(file_output_per_alert_and_keep_alive)
{
    struct engine_config c;
    setup(&c);
    char p[128], err[256];
    path_in(p, sizeof p, "events.txt");
    c.file.enabled = 1;
    set_str(&c.file.filename, p);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "one");
    for (int i = 0; i < 3; i++)
        TT_CHECK_INT(outputs_emit(o, &a), 0);
    TT_CHECK_INT(outputs_flush(o, 2000), 0);
    TT_CHECK_INT(count_lines(p), 3);
    /* keep_alive=false reopens per alert: a rotated file is picked up without a signal */
    char rotated[160];
    snprintf(rotated, sizeof rotated, "%s.1", p);
    TT_CHECK_INT(rename(p, rotated), 0);
    outputs_emit(o, &a);
    outputs_flush(o, 2000);
    TT_CHECK_INT(count_lines(p), 1);
    outputs_free(o, 1000, NULL);
    config_free(&c);
}

TT_TEST(buffered_outputs_flush_when_idle_and_every_second)
{
    struct engine_config c;
    setup(&c);
    char p[128], err[256];
    path_in(p, sizeof p, "buffered.txt");
    c.file.enabled = 1;
    c.file.keep_alive = 1;
    c.buffered_outputs = 1;
    set_str(&c.file.filename, p);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    if (!o)
        return;
    struct alert a;
    mk_alert(&a, "b");
    /* a steady stream (an alert every 20 ms, short lines that never fill the stdio buffer):
     * the file is flushed within about a second all the same */
    uint64_t t0 = ms_now();
    int seen_at = -1;
    while (ms_now() - t0 < 2500) {
        outputs_emit(o, &a);
        sleep_ms(20);
        if (seen_at < 0 && count_lines(p) > 0)
            seen_at = (int)(ms_now() - t0);
    }
    TT_CHECK(seen_at >= 0 && seen_at < 1800);
    /* after the stream, 50 ms of quiet flush everything */
    sleep_ms(300);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    TT_CHECK_INT(count_lines(p), (int)st.queued);
    outputs_free(o, 1000, NULL);
    config_free(&c);
}

TT_TEST(file_output_keep_alive_reopen)
{
    struct engine_config c;
    setup(&c);
    char p[128], rotated[160], err[256];
    path_in(p, sizeof p, "ka.txt");
    snprintf(rotated, sizeof rotated, "%s.1", p);
    c.file.enabled = 1;
    c.file.keep_alive = 1;
    set_str(&c.file.filename, p);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "x");
    outputs_emit(o, &a);
    outputs_flush(o, 2000);
    TT_CHECK_INT(rename(p, rotated), 0);
    outputs_emit(o, &a); /* still goes to the open (renamed) file */
    outputs_flush(o, 2000);
    TT_CHECK_INT(count_lines(rotated), 2);
    TT_CHECK_INT(count_lines(p), -1);
    outputs_reopen(o);
    sleep_ms(100);
    outputs_emit(o, &a);
    outputs_flush(o, 2000);
    TT_CHECK_INT(count_lines(p), 1);
    TT_CHECK_INT(count_lines(rotated), 2);
    outputs_free(o, 1000, NULL);
    config_free(&c);
}

TT_TEST(file_output_bad_path_is_an_error)
{
    struct engine_config c;
    setup(&c);
    char err[256] = "";
    c.file.enabled = 1;
    set_str(&c.file.filename, "/nonexistent-dir/x/y.txt");
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_CHECK(o == NULL);
    TT_CHECK(strstr(err, "/nonexistent-dir/x/y.txt") != NULL);
    config_free(&c);
}

TT_TEST(rate_limiter_token_bucket)
{
    struct engine_config c;
    setup(&c);
    char err[256];
    c.outputs_rate = 1;
    c.outputs_max_burst = 3;
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "r");
    int ok = 0, throttled = 0;
    for (int i = 0; i < 10; i++) {
        int r = outputs_emit(o, &a);
        ok += r == 0;
        throttled += r == 1;
    }
    TT_CHECK_INT(ok, 3);
    TT_CHECK_INT(throttled, 7);
    /* internal alerts bypass the limiter */
    struct alert in;
    alert_internal(&in, 1, PRI_DEBUG, "Falco internal: x", "x", NULL);
    TT_CHECK_INT(outputs_emit(o, &in), 0);
    sleep_ms(1100); /* one token back */
    TT_CHECK_INT(outputs_emit(o, &a), 0);
    TT_CHECK_INT(outputs_emit(o, &a), 1);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    TT_CHECK_INT(st.dropped_rate, 8);
    outputs_free(o, 1000, NULL);
    config_free(&c);
}

TT_TEST(bounded_queue_drops_when_full)
{
    struct engine_config c;
    setup(&c);
    char err[256];
    c.outputs_queue_capacity = 2;
    c.program.enabled = 1;
    c.program.keep_alive = 0; /* one slow process per alert: the thread falls behind */
    set_str(&c.program.program, "sleep 0.3");
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "q");
    uint64_t t0 = ms_now();
    int dropped = 0;
    for (int i = 0; i < 10; i++)
        dropped += outputs_emit(o, &a) == -1;
    TT_CHECK(ms_now() - t0 < 200); /* never blocks */
    TT_CHECK(dropped >= 6);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    TT_CHECK_INT(st.dropped_queue, dropped);
    outputs_free(o, 0, NULL);
    config_free(&c);
}

TT_TEST(program_command_line_split_without_shell)
{
    char *store, err[128];
    char **v = out_program_split(
        "  /vendor/falco/bin/logshipper -g \"/ecs/my group\" 'it''s \\ raw' a\\ b \"\" \"q\\\"x\"",
        &store, err, sizeof err);
    TT_REQUIRE(v != NULL);
    if (v) {
        const char *want[] = {"/vendor/falco/bin/logshipper",
                              "-g",
                              "/ecs/my group",
                              "its \\ raw",
                              "a b",
                              "",
                              "q\"x",
                              NULL};
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
            if (!want[i]) {
                TT_CHECK(v[i] == NULL);
                break;
            }
            TT_CHECK(v[i] != NULL && strcmp(v[i], want[i]) == 0);
            if (!v[i])
                break;
        }
        free(v);
        free(store);
    }
    TT_CHECK(out_program_split("tee \"unterminated", &store, err, sizeof err) == NULL);
    TT_CHECK(strstr(err, "unterminated") != NULL);
    TT_CHECK(out_program_split("   ", &store, err, sizeof err) == NULL);
    /* end to end: a quoted path with a blank reaches the program as one argument */
    struct engine_config c;
    setup(&c);
    char p[160], cmd[256];
    path_in(p, sizeof p, "with blank.txt");
    snprintf(cmd, sizeof cmd, "tee -a \"%s\"", p);
    c.program.enabled = 1;
    c.program.keep_alive = 1;
    set_str(&c.program.program, cmd);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    if (o) {
        struct alert a;
        mk_alert(&a, "quoted");
        outputs_emit(o, &a);
        outputs_free(o, 2000, NULL);
    }
    TT_CHECK_INT(count_lines(p), 1);
    config_free(&c);
}

TT_TEST(program_plain_command_delivers_before_close)
{
    struct engine_config c;
    setup(&c);
    char p[128], err[256], cmd[256];
    path_in(p, sizeof p, "prog.txt");
    snprintf(cmd, sizeof cmd, "tee -a %s", p); /* no shell syntax: exec'd directly */
    c.program.enabled = 1;
    c.program.keep_alive = 1;
    set_str(&c.program.program, cmd);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "last words");
    for (int i = 0; i < 5; i++)
        outputs_emit(o, &a);
    outputs_free(o, 2000, NULL); /* closes tee's stdin and waits for it */
    TT_CHECK_INT(count_lines(p), 5);
    config_free(&c);
}

TT_TEST(program_keep_alive_restarts)
{
    struct engine_config c;
    setup(&c);
    char p[128], err[256], cmd[256];
    path_in(p, sizeof p, "restart.txt");
    /* reads one line then exits: every alert needs a new process */
    snprintf(cmd, sizeof cmd, "head -n 1 >> %s", p);
    c.program.enabled = 1;
    c.program.keep_alive = 1;
    set_str(&c.program.program, cmd);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "again");
    for (int i = 0; i < 3; i++) {
        outputs_emit(o, &a);
        outputs_flush(o, 1000);
        sleep_ms(700); /* longer than the first backoffs */
    }
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    outputs_free(o, 1000, NULL);
    TT_CHECK(st.program_restarts >= 2);
    TT_CHECK(count_lines(p) >= 2);
    config_free(&c);
}

TT_TEST(program_that_stops_reading_never_blocks)
{
    struct engine_config c;
    setup(&c);
    char err[256];
    c.program.enabled = 1;
    c.program.keep_alive = 1;
    set_str(&c.program.program, "sleep 30");
    c.ops.program_deadline_s = 1; /* the shutdown budget the program gets after its input closes */
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    char msg[300];
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    struct alert a;
    mk_alert(&a, msg);
    uint64_t t0 = ms_now();
    for (int i = 0; i < 8000; i++)
        outputs_emit(o, &a);
    TT_CHECK(ms_now() - t0 < 3000);
    TT_CHECK_INT(outputs_flush(o, 5000), 0); /* the output thread itself never blocks */
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    TT_CHECK(st.program_drops > 0);
    uint64_t t1 = ms_now();
    /* bounded: sleep is terminated; nothing it was given is confirmed, so all of it is lost */
    uint64_t lost = outputs_free(o, 300, NULL);
    TT_CHECK(ms_now() - t1 < 3000);
    TT_CHECK_INT(lost, 8000);
    config_free(&c);
}

TT_TEST(program_missing_binary_does_not_abort)
{
    struct engine_config c;
    setup(&c);
    char err[256];
    c.program.enabled = 1;
    c.program.keep_alive = 1;
    set_str(&c.program.program, "/nonexistent/prog --flag");
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);
    struct alert a;
    mk_alert(&a, "x");
    TT_CHECK_INT(outputs_emit(o, &a), 0);
    outputs_free(o, 200, NULL);
    config_free(&c);
}

int main(void)
{
    int rc = tt_run_all();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (tmpdir[0] && system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
    return rc;
}

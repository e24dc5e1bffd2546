/* Unit tests for launcher's command line: FG -- BG splitting, "----" escaping, --launcher-
 * options, environment variables, durations and the restart backoff sequence. */
#include "tt_test.h"

#include "args.h"
#include "procs.h"
#include "supervise.h"
#include "tt_log.h"

#define ARGV(...) ((char *[]){"launcher", __VA_ARGS__, NULL})
#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int parse(struct launcher_config *cfg, char **argv, int argc, char *err)
{
    launcher_config_init(cfg);
    return launcher_parse_args(cfg, argc, argv, err, 256);
}

TT_TEST(fg_only)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("/bin/app", "-x", "y");
    TT_CHECK_INT(parse(&c, a, 4, err), 0);
    TT_CHECK_STR(c.fg[0], "/bin/app");
    TT_CHECK_STR(c.fg[2], "y");
    TT_CHECK(c.fg[3] == NULL);
    TT_CHECK_INT(c.nbg, 0);
    TT_CHECK_INT(c.grace_ms, 20000);
    TT_CHECK_INT(c.restart, 1);
    launcher_config_free(&c);
}

TT_TEST(fg_and_two_bg)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("fg", "a", "--", "bg1", "--", "bg2", "b", "c");
    TT_CHECK_INT(parse(&c, a, 9, err), 0);
    TT_CHECK_INT(c.nbg, 2);
    TT_CHECK_STR(c.fg[0], "fg");
    TT_CHECK_STR(c.fg[1], "a");
    TT_CHECK(c.fg[2] == NULL);
    TT_CHECK_STR(c.bg[0][0], "bg1");
    TT_CHECK(c.bg[0][1] == NULL);
    TT_CHECK_STR(c.bg[1][0], "bg2");
    TT_CHECK_STR(c.bg[1][2], "c");
    TT_CHECK(c.bg[1][3] == NULL);
    launcher_config_free(&c);
}

TT_TEST(four_dashes_stand_for_two)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("fg", "----", "x", "--", "bg", "----", "-----");
    TT_CHECK_INT(parse(&c, a, 8, err), 0);
    TT_CHECK_INT(c.nbg, 1);
    TT_CHECK_STR(c.fg[1], "--");
    TT_CHECK_STR(c.fg[2], "x");
    TT_CHECK_STR(c.bg[0][1], "--");
    TT_CHECK_STR(c.bg[0][2], "-----"); /* only exactly "----" is special */
    launcher_config_free(&c);
}

TT_TEST(options_before_fg_only)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("--launcher-grace=2.5", "--launcher-no-restart", "--launcher-log-level",
                    "debug", "fg", "--launcher-grace=1");
    TT_CHECK_INT(parse(&c, a, 7, err), 0);
    TT_CHECK_INT(c.grace_ms, 2500);
    TT_CHECK_INT(c.restart, 0);
    TT_CHECK_INT(c.log_level, TT_LOG_DEBUG);
    TT_CHECK_STR(c.fg[0], "fg");
    TT_CHECK_STR(c.fg[1], "--launcher-grace=1"); /* after FG: the command's own argument */
    launcher_config_free(&c);
}

TT_TEST(grace_separate_value)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("--launcher-grace", "3", "fg");
    TT_CHECK_INT(parse(&c, a, 4, err), 0);
    TT_CHECK_INT(c.grace_ms, 3000);
    TT_CHECK_STR(c.fg[0], "fg");
    launcher_config_free(&c);
}

TT_TEST(errors)
{
    struct launcher_config c;
    char err[256];
    char **a1 = ARGV("--launcher-bogus", "fg");
    TT_CHECK_INT(parse(&c, a1, 3, err), -1);
    TT_CHECK(strstr(err, "--launcher-bogus") != NULL);
    char **a2 = ARGV("--", "bg");
    TT_CHECK_INT(parse(&c, a2, 3, err), -1);
    TT_CHECK(strstr(err, "foreground") != NULL);
    char **a3 = ARGV("fg", "--", "--", "bg");
    TT_CHECK_INT(parse(&c, a3, 5, err), -1);
    TT_CHECK(strstr(err, "background command 1 is empty") != NULL);
    char **a4 = ARGV("fg", "--");
    TT_CHECK_INT(parse(&c, a4, 3, err), -1);
    char **a5 = ARGV("--launcher-grace=abc", "fg");
    TT_CHECK_INT(parse(&c, a5, 3, err), -1);
    char *a6[] = {"launcher", NULL};
    TT_CHECK_INT(parse(&c, a6, 1, err), -1);
    char **a7 = ARGV("--launcher-grace");
    TT_CHECK_INT(parse(&c, a7, 2, err), -1);
}

TT_TEST(help_and_version)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("--help");
    TT_CHECK_INT(parse(&c, a, 2, err), 0);
    TT_CHECK(c.want_help);
    char **b = ARGV("--launcher-version");
    TT_CHECK_INT(parse(&c, b, 2, err), 0);
    TT_CHECK(c.want_version);
    char **d = ARGV("--help", "x"); /* not sole argument: a command named --help */
    TT_CHECK_INT(parse(&c, d, 3, err), 0);
    TT_CHECK(!c.want_help);
    TT_CHECK_STR(c.fg[0], "--help");
    launcher_config_free(&c);
}

TT_TEST(stall_timeout)
{
    struct launcher_config c;
    char err[256];
    char **a = ARGV("--launcher-stall-timeout=2.5", "fg");
    TT_CHECK_INT(parse(&c, a, 3, err), 0);
    TT_CHECK_INT(c.stall_ms, 2500);
    launcher_config_free(&c);
    char **b = ARGV("--launcher-stall-timeout", "0", "fg");
    TT_CHECK_INT(parse(&c, b, 4, err), 0);
    TT_CHECK_INT(c.stall_ms, 0);
    launcher_config_free(&c);
    char **d = ARGV("--launcher-stall-timeout=soon", "fg");
    TT_CHECK_INT(parse(&c, d, 3, err), -1);
    TT_CHECK(strstr(err, "--launcher-stall-timeout") != NULL);
    launcher_config_free(&c);
    launcher_config_init(&c);
    TT_CHECK_INT(c.stall_ms, LAUNCHER_DEFAULT_STALL_MS);
    TT_CHECK_INT(launcher_config_env_stall(&c, "7", err, sizeof err), 0);
    TT_CHECK_INT(c.stall_ms, 7000);
    TT_CHECK_INT(launcher_config_env_stall(&c, NULL, err, sizeof err), 0);
    TT_CHECK_INT(c.stall_ms, 7000);
    TT_CHECK_INT(launcher_config_env_stall(&c, "x", err, sizeof err), -1);
    TT_CHECK(strstr(err, "LAUNCHER_STALL_TIMEOUT=x") != NULL);
    launcher_config_free(&c);
}

TT_TEST(environment)
{
    struct launcher_config c;
    char err[256];
    launcher_config_init(&c);
    TT_CHECK_INT(launcher_config_env(&c, "4", "0", "warning", err, sizeof err), 0);
    TT_CHECK_INT(c.grace_ms, 4000);
    TT_CHECK_INT(c.restart, 0);
    TT_CHECK_INT(c.log_level, TT_LOG_WARN);
    TT_CHECK_INT(launcher_config_env(&c, NULL, "yes", NULL, err, sizeof err), 0);
    TT_CHECK_INT(c.restart, 1);
    TT_CHECK_INT(c.grace_ms, 4000);
    TT_CHECK_INT(launcher_config_env(&c, "-1", NULL, NULL, err, sizeof err), -1);
    TT_CHECK(strstr(err, "LAUNCHER_GRACE_PERIOD") != NULL);
    TT_CHECK_INT(launcher_config_env(&c, NULL, "maybe", NULL, err, sizeof err), -1);
    TT_CHECK_INT(launcher_config_env(&c, NULL, NULL, "loud", err, sizeof err), -1);
    /* the flag overrides the environment */
    char **a = ARGV("--launcher-grace=1", "fg");
    TT_CHECK_INT(launcher_parse_args(&c, 3, a, err, sizeof err), 0);
    TT_CHECK_INT(c.grace_ms, 1000);
    launcher_config_free(&c);
}

TT_TEST(seconds)
{
    TT_CHECK_INT(launcher_parse_seconds("0"), 0);
    TT_CHECK_INT(launcher_parse_seconds("10"), 10000);
    TT_CHECK_INT(launcher_parse_seconds("0.25"), 250);
    TT_CHECK_INT(launcher_parse_seconds("1.2345"), 1234);
    TT_CHECK_INT(launcher_parse_seconds("86400"), 86400000);
    TT_CHECK_INT(launcher_parse_seconds("86401"), -1);
    TT_CHECK_INT(launcher_parse_seconds("99999999999999999999"), -1);
    TT_CHECK_INT(launcher_parse_seconds(""), -1);
    TT_CHECK_INT(launcher_parse_seconds("1."), -1);
    TT_CHECK_INT(launcher_parse_seconds(".5"), -1);
    TT_CHECK_INT(launcher_parse_seconds("5s"), -1);
    TT_CHECK_INT(launcher_parse_seconds("-3"), -1);
}

TT_TEST(backoff_doubles_to_30s)
{
    long long d = LAUNCHER_BACKOFF_MIN_MS;
    long long want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        TT_CHECK_INT(d, want[i]);
        d = launcher_next_backoff(d);
    }
}

TT_TEST(stat_ppid)
{
    TT_CHECK_INT(launcher_stat_ppid("42 (sh) S 7 42 42 0"), 7);
    TT_CHECK_INT(launcher_stat_ppid("42 (a) b) c) Z 1 42 42 0"), 1);
    TT_CHECK_INT(launcher_stat_ppid("42 (x y) R 123 0"), 123);
    TT_CHECK_INT(launcher_stat_ppid("42 sh S 7"), -1);
    TT_CHECK_INT(launcher_stat_ppid("42 (sh) S"), -1);
}

int main(void)
{
    return tt_run_all();
}

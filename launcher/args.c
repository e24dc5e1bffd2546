/* launcher command-line and environment parsing (see args.h for the grammar). */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_log.h"

const char launcher_usage[] =
    "usage: launcher [--launcher-OPTION]... FG [ARGS...] [-- BG [ARGS...]]...\n"
    "\n"
    "Starts every background command BG (each in its own session), then the foreground\n"
    "command FG; forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to FG;\n"
    "reaps every zombie; restarts a background command that exits early; when FG exits, sends\n"
    "SIGTERM to the background commands, SIGKILLs what is left after the grace period and exits\n"
    "with FG's status (its exit code, or 128+N if killed by signal N).\n"
    "A literal \"----\" argument stands for \"--\" inside a command.\n"
    "\n"
    "Options (only before FG):\n"
    "  --launcher-grace=SECONDS    grace period before SIGKILL (default 20; env\n"
    "                              LAUNCHER_GRACE_PERIOD)\n"
    "  --launcher-no-restart       do not restart background commands (env LAUNCHER_RESTART=0)\n"
    "  --launcher-restart          restart them (the default)\n"
    "  --launcher-log-level=LEVEL  error, warning, info (default) or debug (env\n"
    "                              LAUNCHER_LOG_LEVEL)\n"
    "  --launcher-stall-timeout=SECONDS\n"
    "                              kill (then restart) a background command that reads FG's\n"
    "                              event ring and stops reading it this long (default 10;\n"
    "                              0 off; env LAUNCHER_STALL_TIMEOUT)\n"
    "  --launcher-help, --help     this text (--help only as the sole argument)\n"
    "  --launcher-version, --version\n"
    "\n"
    "Exit status: FG's status; 126 FG cannot be executed; 127 FG not found;\n"
    "125 launcher usage or setup error (docs/exit-codes.md).\n";

void launcher_config_init(struct launcher_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->grace_ms = LAUNCHER_DEFAULT_GRACE_MS;
    cfg->restart = 1;
    cfg->log_level = TT_LOG_INFO;
    cfg->stall_ms = LAUNCHER_DEFAULT_STALL_MS;
}

void launcher_config_free(struct launcher_config *cfg)
{
    free(cfg->store_);
    free(cfg->bg);
    cfg->store_ = NULL;
    cfg->bg = NULL;
    cfg->fg = NULL;
    cfg->nbg = 0;
}

long launcher_parse_seconds(const char *s)
{
    long ms = 0;
    const char *p = s;
    if (!s || !*s)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        ms = ms * 10 + (*p - '0');
        if (ms > LAUNCHER_MAX_GRACE_MS / 1000)
            return -1;
    }
    if (p == s)
        return -1;
    ms *= 1000;
    if (*p == '.') {
        long scale = 100;
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
            ms += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (*p)
        return -1;
    return ms > LAUNCHER_MAX_GRACE_MS ? -1 : ms;
}

static int parse_bool(const char *s)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcmp(s, yes[i]))
            return 1;
        if (!strcmp(s, no[i]))
            return 0;
    }
    return -1;
}

int launcher_config_env(struct launcher_config *cfg, const char *grace, const char *restart,
                        const char *level, char *err, size_t errsz)
{
    if (grace && *grace) {
        long ms = launcher_parse_seconds(grace);
        if (ms < 0) {
            snprintf(err, errsz, "LAUNCHER_GRACE_PERIOD=%s: not a number of seconds", grace);
            return -1;
        }
        cfg->grace_ms = ms;
    }
    if (restart && *restart) {
        int b = parse_bool(restart);
        if (b < 0) {
            snprintf(err, errsz, "LAUNCHER_RESTART=%s: want 0 or 1", restart);
            return -1;
        }
        cfg->restart = b;
    }
    if (level && *level) {
        int l = tt_log_level_parse(level);
        if (l < 0) {
            snprintf(err, errsz, "LAUNCHER_LOG_LEVEL=%s: unknown level", level);
            return -1;
        }
        cfg->log_level = l;
    }
    return 0;
}

int launcher_config_env_stall(struct launcher_config *cfg, const char *stall, char *err,
                              size_t errsz)
{
    if (!stall || !*stall)
        return 0;
    long ms = launcher_parse_seconds(stall);
    if (ms < 0) {
        snprintf(err, errsz, "LAUNCHER_STALL_TIMEOUT=%s: not a number of seconds", stall);
        return -1;
    }
    cfg->stall_ms = ms;
    return 0;
}

/* Value of "--name=VALUE" or "--name VALUE"; advances *i for the second form. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int opt_is(const char *a, const char *name, int takes_value)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == '\0' || (takes_value && a[n] == '='));
}

static int parse_option(struct launcher_config *cfg, int argc, char **argv, int *i, char *err,
                        size_t errsz)
{
    const char *a = argv[*i];
    if (opt_is(a, "--launcher-grace", 1)) {
        const char *v = opt_value(argc, argv, i, "--launcher-grace");
        long ms = v ? launcher_parse_seconds(v) : -1;
        if (ms < 0) {
            snprintf(err, errsz, "--launcher-grace: want a number of seconds, got '%s'",
                     v ? v : "");
            return -1;
        }
        cfg->grace_ms = ms;
    } else if (opt_is(a, "--launcher-log-level", 1)) {
        const char *v = opt_value(argc, argv, i, "--launcher-log-level");
        int l = v ? tt_log_level_parse(v) : -1;
        if (l < 0) {
            snprintf(err, errsz, "--launcher-log-level: unknown level '%s'", v ? v : "");
            return -1;
        }
        cfg->log_level = l;
    } else if (opt_is(a, "--launcher-stall-timeout", 1)) {
        const char *v = opt_value(argc, argv, i, "--launcher-stall-timeout");
        long ms = v ? launcher_parse_seconds(v) : -1;
        if (ms < 0) {
            snprintf(err, errsz, "--launcher-stall-timeout: want a number of seconds, got '%s'",
                     v ? v : "");
            return -1;
        }
        cfg->stall_ms = ms;
    } else if (opt_is(a, "--launcher-no-restart", 0)) {
        cfg->restart = 0;
    } else if (opt_is(a, "--launcher-restart", 0)) {
        cfg->restart = 1;
    } else if (opt_is(a, "--launcher-help", 0)) {
        cfg->want_help = 1;
    } else if (opt_is(a, "--launcher-version", 0)) {
        cfg->want_version = 1;
    } else {
        snprintf(err, errsz, "unknown option '%s' (see --launcher-help)", a);
        return -1;
    }
    return 0;
}

int launcher_parse_args(struct launcher_config *cfg, int argc, char **argv, char *err, size_t errsz)
{
    int i = 1;
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        cfg->want_help = 1;
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        cfg->want_version = 1;
        return 0;
    }
    for (; i < argc && !strncmp(argv[i], "--launcher-", 11); i++)
        if (parse_option(cfg, argc, argv, &i, err, errsz) < 0)
            return -1;
    if (cfg->want_help || cfg->want_version)
        return 0;
    if (i >= argc) {
        snprintf(err, errsz, "no command given (see --launcher-help)");
        return -1;
    }
    /* Each "--" ends a command (one NULL slot); every other argument is copied. */
    size_t nargs = (size_t)(argc - i), ncmds = 1;
    for (int j = i; j < argc; j++)
        if (!strcmp(argv[j], "--"))
            ncmds++;
    char **store = calloc(nargs + 1, sizeof *store);
    char ***bg = ncmds > 1 ? calloc(ncmds - 1, sizeof *bg) : NULL;
    if (!store || (ncmds > 1 && !bg)) {
        free(store);
        free(bg);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    static char dashdash[] = "--";
    size_t k = 0, cmd = 0, start = 0;
    for (int j = i; j <= argc; j++) {
        if (j == argc || !strcmp(argv[j], "--")) {
            if (k == start) {
                free(store);
                free(bg);
                if (cmd == 0)
                    snprintf(err, errsz, "no foreground command before the first '--'");
                else
                    snprintf(err, errsz, "background command %zu is empty", cmd);
                return -1;
            }
            store[k++] = NULL;
            if (cmd > 0)
                bg[cmd - 1] = &store[start];
            cmd++;
            start = k;
            continue;
        }
        store[k++] = !strcmp(argv[j], "----") ? dashdash : argv[j];
    }
    cfg->store_ = store;
    cfg->fg = store;
    cfg->bg = bg;
    cfg->nbg = ncmds - 1;
    return 0;
}

/* launcher's command line and environment: options, then FG [ARGS] -- BG [ARGS] [-- BG ...].
 *
 * Launcher options come only before the foreground command and all start with "--launcher-",
 * so any Kilt-style command line (which has none) means exactly what it meant under Kilt.
 * A literal "----" argument stands for "--" inside a command. */
#ifndef LAUNCHER_ARGS_H
#define LAUNCHER_ARGS_H

#include <stddef.h>

#include "tt_exit.h"

#define LAUNCHER_DEFAULT_GRACE_MS 20000L /* fits the engine's stop budget: docs/operations.md */
#define LAUNCHER_MAX_GRACE_MS (24L * 3600 * 1000)
#define LAUNCHER_EXIT_USAGE TT_EXIT_USAGE /* launcher's own failure (usage, setup), like env(1) */
/* A background command reading the foreground's event ring that stops reading it for this long
 * is killed and restarted (watchdog.h). */
#define LAUNCHER_DEFAULT_STALL_MS 10000L

struct launcher_config {
    long grace_ms; /* SIGTERM -> SIGKILL grace period for background commands */
    int restart;   /* restart background commands that exit early */
    int log_level; /* enum tt_log_level */
    long stall_ms; /* engine watchdog: heartbeat silence before a kill; 0 off */
    int want_help; /* --launcher-help / --help: print usage, exit 0 */
    int want_version;
    char **fg;  /* NULL-terminated argv of the foreground command */
    char ***bg; /* nbg NULL-terminated argvs */
    size_t nbg;
    char **store_; /* owns the argv arrays */
};

void launcher_config_init(struct launcher_config *cfg);
void launcher_config_free(struct launcher_config *cfg);

/* Applies LAUNCHER_GRACE_PERIOD, LAUNCHER_RESTART and LAUNCHER_LOG_LEVEL (each may be NULL
 * when unset). Returns 0, or -1 with a one-line message in err. */
int launcher_config_env(struct launcher_config *cfg, const char *grace, const char *restart,
                        const char *level, char *err, size_t errsz);

/* Applies LAUNCHER_STALL_TIMEOUT (NULL when unset). Returns 0, or -1 with a message. */
int launcher_config_env_stall(struct launcher_config *cfg, const char *stall, char *err,
                              size_t errsz);

/* Parses argv (flags override the environment). Returns 0, or -1 with a message in err.
 * Borrows the strings of argv, which must outlive cfg. */
int launcher_parse_args(struct launcher_config *cfg, int argc, char **argv, char *err,
                        size_t errsz);

/* Parses a non-negative duration in seconds with up to 3 decimals ("10", "2.5"); -1 if bad. */
long launcher_parse_seconds(const char *s);

/* Usage text for --launcher-help. */
extern const char launcher_usage[];

#endif

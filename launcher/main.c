/* launcher: Kilt-compatible PID 1 for a Fargate workload container.
 *   launcher [--launcher-OPTION]... FG [ARGS...] [-- BG [ARGS...]]...
 * Parses the command line and environment, then hands over to the supervision loop
 * (supervise.c). See docs/launcher.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "supervise.h"
#include "tt_log.h"
#include "tt_nodump.h"
#include "tt_version.h"

int main(int argc, char **argv)
{
    struct launcher_config cfg;
    char err[256];
    tt_log_init("launcher");
    if (tt_nodump() != 0)
        tt_warn("cannot make the launcher non-dumpable: %s", strerror(errno));
    launcher_config_init(&cfg);
    if (launcher_config_env(&cfg, getenv("LAUNCHER_GRACE_PERIOD"), getenv("LAUNCHER_RESTART"),
                            getenv("LAUNCHER_LOG_LEVEL"), err, sizeof err) < 0 ||
        launcher_config_env_stall(&cfg, getenv("LAUNCHER_STALL_TIMEOUT"), err, sizeof err) < 0 ||
        launcher_parse_args(&cfg, argc, argv, err, sizeof err) < 0) {
        tt_error("%s", err);
        launcher_config_free(&cfg);
        return LAUNCHER_EXIT_USAGE;
    }
    if (cfg.want_help || cfg.want_version) {
        fputs(cfg.want_help ? launcher_usage : "launcher " TT_VERSION "\n", stdout);
        launcher_config_free(&cfg);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    tt_log_set_level((enum tt_log_level)cfg.log_level);
    int status = launcher_run(&cfg);
    launcher_config_free(&cfg);
    return status;
}

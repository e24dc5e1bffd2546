/* stderr logging with a program prefix. A whole line is written with one write(2) so lines
 * from cooperating processes sharing a stderr do not interleave. */
#include "tt_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static char prog_name[32] = "tartan";
static enum tt_log_level cur_level = TT_LOG_INFO;
static int out_stderr = 1, out_syslog = 0;

void tt_log_set_outputs(int to_stderr, int to_syslog)
{
    out_stderr = to_stderr;
    out_syslog = to_syslog;
}

void tt_log_init(const char *prog)
{
    snprintf(prog_name, sizeof prog_name, "%s", prog);
}

void tt_log_set_level(enum tt_log_level lvl)
{
    cur_level = lvl;
}

enum tt_log_level tt_log_get_level(void)
{
    return cur_level;
}

int tt_log_level_parse(const char *s)
{
    if (!strcmp(s, "error") || !strcmp(s, "emergency") || !strcmp(s, "alert") ||
        !strcmp(s, "critical"))
        return TT_LOG_ERROR;
    if (!strcmp(s, "warning") || !strcmp(s, "warn"))
        return TT_LOG_WARN;
    if (!strcmp(s, "notice") || !strcmp(s, "info"))
        return TT_LOG_INFO;
    if (!strcmp(s, "debug"))
        return TT_LOG_DEBUG;
    return -1;
}

void tt_log(enum tt_log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (lvl > cur_level)
        return;
    int saved = errno;
    char line[2048];
    int n = snprintf(line, sizeof line, "[%s] %s: ", prog_name, names[lvl]);
    if (n < 0)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    if (out_stderr) {
        ssize_t w = write(STDERR_FILENO, line, len);
        (void)w;
    }
    if (out_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(LOG_USER | prio[lvl], "%.*s", (int)(len - 1), line);
    }
    errno = saved;
}

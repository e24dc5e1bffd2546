/* One-line diagnostics on stderr: "[prog] level: message". Programs set their name once.
 * Library code logs through this too; it never exits. */
#ifndef TT_LOG_H
#define TT_LOG_H

enum tt_log_level { TT_LOG_ERROR = 0, TT_LOG_WARN, TT_LOG_INFO, TT_LOG_DEBUG };

void tt_log_init(const char *prog);          /* "launcher" -> lines start with "[launcher]" */
void tt_log_set_level(enum tt_log_level lvl); /* default TT_LOG_INFO */
enum tt_log_level tt_log_get_level(void);
/* Parses "error", "warning"/"warn", "notice"/"info", "debug" (Falco's names); -1 if unknown. */
int tt_log_level_parse(const char *s);
/* Where lines go: stderr (default on) and/or syslog (default off; LOG_USER facility, syslog
 * priority from the level). The engine's log_stderr / log_syslog. */
void tt_log_set_outputs(int to_stderr, int to_syslog);
void tt_log(enum tt_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define tt_error(...) tt_log(TT_LOG_ERROR, __VA_ARGS__)
#define tt_warn(...) tt_log(TT_LOG_WARN, __VA_ARGS__)
#define tt_info(...) tt_log(TT_LOG_INFO, __VA_ARGS__)
#define tt_debug(...) tt_log(TT_LOG_DEBUG, __VA_ARGS__)

#endif

/* Signal flags and the configuration/rules file watcher of the engine. */
#ifndef ENGINE_SIGNALS_H
#define ENGINE_SIGNALS_H

#include <signal.h>
#include <stddef.h>

extern volatile sig_atomic_t sig_stop;   /* SIGTERM / SIGINT (holds the signal number) */
extern volatile sig_atomic_t sig_reload; /* SIGHUP */
extern volatile sig_atomic_t sig_reopen; /* SIGUSR1 */

/* Installs the handlers (no SA_RESTART, so blocking reads wake up) and ignores SIGPIPE. */
int signals_install(void);

/* inotify watch on files and directories; any change is reported by signals_watch_poll. */
struct file_watch;
struct file_watch *file_watch_new(const char *const *paths, size_t n);
/* 1 if something changed since the last call (non-blocking). */
int file_watch_poll(struct file_watch *w);
void file_watch_free(struct file_watch *w);

#endif

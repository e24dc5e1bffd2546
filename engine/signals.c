/* Signals as flags read by the main loop (SIGTERM/SIGINT stop, SIGHUP reload, SIGUSR1 reopen
 * outputs), and an inotify watcher for watch_config_files. */
#include "signals.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tt_log.h"

volatile sig_atomic_t sig_stop;
volatile sig_atomic_t sig_reload;
volatile sig_atomic_t sig_reopen;

static void on_signal(int sig)
{
    if (sig == SIGTERM || sig == SIGINT)
        sig_stop = sig;
    else if (sig == SIGHUP)
        sig_reload = 1;
    else if (sig == SIGUSR1)
        sig_reopen = 1;
}

int signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -1;
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return -1;
    return 0;
}

struct file_watch {
    int fd;
};

struct file_watch *file_watch_new(const char *const *paths, size_t n)
{
    struct file_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        tt_warn("watch_config_files: inotify unavailable: %s", strerror(errno));
        free(w);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (!paths[i] || stat(paths[i], &st) != 0)
            continue;
        uint32_t mask =
            S_ISDIR(st.st_mode)
                ? IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE
                : IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF | IN_MODIFY | IN_ATTRIB;
        if (inotify_add_watch(w->fd, paths[i], mask) < 0)
            tt_warn("watch_config_files: cannot watch %s: %s", paths[i], strerror(errno));
    }
    return w;
}

int file_watch_poll(struct file_watch *w)
{
    if (!w)
        return 0;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    for (;;) {
        ssize_t r = read(w->fd, buf, sizeof buf);
        if (r <= 0)
            break;
        changed = 1;
    }
    return changed;
}

void file_watch_free(struct file_watch *w)
{
    if (!w)
        return;
    close(w->fd);
    free(w);
}

/* waitforever: keeps a volume-donor container alive. Blocks, using no CPU, until SIGTERM or
 * SIGINT, then exits 0; reaps any child that exits meanwhile (it is PID 1 of its container).
 *
 * The three signals are blocked and taken synchronously with sigwaitinfo(), so there are no
 * handlers and no timeouts: the process sleeps in the kernel until one of them arrives. A
 * blocked signal is also never "ignored" by the kernel's PID 1 protection, so SIGTERM from
 * inside the container works too. Output uses write(2) only, to keep the static binary small. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tt_exit.h"

#include "tt_version.h"

static const char usage[] =
    "usage: waitforever [--help | --version]\n"
    "Blocks without using CPU until SIGTERM or SIGINT, then exits 0. Reaps children.\n"
    "Exit status: 0 on SIGTERM/SIGINT or --help/--version; 1 setup error; 125 usage error\n"
    "(docs/exit-codes.md).\n";

static void put(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void reap_all(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            put(STDOUT_FILENO, usage);
            return 0;
        }
        if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
            put(STDOUT_FILENO, "waitforever " TT_VERSION "\n");
            return 0;
        }
        put(STDERR_FILENO, "[waitforever] error: unexpected argument: ");
        put(STDERR_FILENO, argv[1]);
        put(STDERR_FILENO, "\n");
        put(STDERR_FILENO, usage);
        return TT_EXIT_USAGE;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
        put(STDERR_FILENO, "[waitforever] error: sigprocmask failed\n");
        return 1;
    }
    reap_all(); /* children that exited before the mask was set sent a SIGCHLD we never saw */
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig < 0) {
            if (errno == EINTR)
                continue;
            put(STDERR_FILENO, "[waitforever] error: sigwaitinfo failed\n");
            return 1;
        }
        if (sig == SIGCHLD)
            reap_all();
        else
            return 0;
    }
}

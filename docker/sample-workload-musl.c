/* Tartan's sample workload for a musl image (Dockerfile.workload, target musl-workload):
 * a dynamically linked musl program in an image that holds only musl's loader/libc, no shell.
 * Same actions, output lines and environment as sample-workload.sh: each round it starts a
 * child process (itself), reads /etc/shadow, writes and removes a file below /etc, and
 * connects to SAMPLE_CONNECT (host:port, IPv4). On SIGTERM it starts one last child with
 * "tartan-final TAG" on its command line, which reads /etc/shadow, and exits with
 * SAMPLE_TERM_EXIT. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static int read_shadow(void)
{
    char buf[256];
    int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    return n < 0 ? -1 : 0;
}

/* Runs argv[0] again with two words, waits for it. */
static int run_child(const char *self, const char *word, const char *tag)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(self, "workload-musl", word, tag, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int connect_to(const char *target)
{
    char host[64];
    const char *colon = strrchr(target, ':');
    if (!colon || (size_t)(colon - target) >= sizeof host)
        return -1;
    memcpy(host, target, (size_t)(colon - target));
    host[colon - target] = '\0';
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (rc == 0) {
        static const char msg[] = "hello from the sample workload\n";
        if (write(fd, msg, sizeof msg - 1) < 0)
            rc = -1;
    }
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    const char *self = argv[0][0] == '/' ? argv[0] : "/proc/self/exe";
    const char *tag = getenv("SAMPLE_TAG") ? getenv("SAMPLE_TAG") : "sample";
    if (argc > 1) /* a child: tartan-shell does nothing, tartan-final reads /etc/shadow */
        return strcmp(argv[1], "tartan-final") == 0 ? (read_shadow() < 0) : 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa = {.sa_handler = on_term};
    if (sigaction(SIGTERM, &sa, NULL) < 0) {
        perror("sigaction");
        return 2;
    }
    int rounds = env_int("SAMPLE_ROUNDS", 0), interval = env_int("SAMPLE_INTERVAL", 2);
    const char *etc =
        getenv("SAMPLE_ETC_FILE") ? getenv("SAMPLE_ETC_FILE") : "/etc/tartan-sample.conf";
    const char *target = getenv("SAMPLE_CONNECT");
    int n = 0;
    while (!got_term && (rounds == 0 || n < rounds)) {
        n++;
        if (run_child(self, "tartan-shell", tag) == 0)
            printf("sample: spawned a child %d\n", n);
        if (read_shadow() == 0)
            printf("sample: read /etc/shadow %d\n", n);
        else
            printf("sample: could not read /etc/shadow %d\n", n);
        int fd = open(etc, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            close(fd);
            unlink(etc);
            printf("sample: wrote %s %d\n", etc, n);
        }
        if (target && *target) {
            if (connect_to(target) == 0)
                printf("sample: connected to %s %d\n", target, n);
            else
                printf("sample: connection to %s failed %d\n", target, n);
        }
        struct timespec ts = {.tv_sec = interval};
        while (!got_term && nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    if (got_term) {
        printf("sample: SIGTERM received\n");
        run_child(self, "tartan-final", tag);
        printf("sample: exiting %d\n", env_int("SAMPLE_TERM_EXIT", 143));
        return env_int("SAMPLE_TERM_EXIT", 143);
    }
    printf("sample: done after %d rounds, exiting %d\n", n, env_int("SAMPLE_EXIT", 0));
    return env_int("SAMPLE_EXIT", 0);
}

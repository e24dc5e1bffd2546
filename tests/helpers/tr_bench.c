/* Syscall-heavy benchmark workloads for bench/tracer_bench.sh (OSBench-like). Prints the elapsed
 * wall time in seconds of the loop only (start-up excluded), e.g. "files 20000 0.183421".
 *
 *   tr_bench files N     create+write+close+delete N files in a temporary directory
 *   tr_bench openclose N open+close an existing file N times
 *   tr_bench fork N      fork+wait N times
 *   tr_bench exec N      fork+exec(/bin/true)+wait N times
 *   tr_bench threads N   pthread_create+join N times
 *   tr_bench connect N   loopback TCP connect+accept+close N times
 *   tr_bench malloc N    N rounds of malloc/free of mixed sizes
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *w)
{
    perror(w);
    exit(1);
}

static void *thr(void *a)
{
    return a;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tr_bench files|openclose|fork|exec|threads|connect|malloc N\n");
        return 2;
    }
    const char *w = argv[1];
    long n = atol(argv[2]);
    char dir[] = "/tmp/tr_bench.XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp");
    char path[256];
    int ls = -1;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (!strcmp(w, "openclose")) {
        snprintf(path, sizeof path, "%s/f", dir);
        int fd = open(path, O_CREAT | O_WRONLY, 0600);
        if (fd < 0)
            die("create");
        close(fd);
    } else if (!strcmp(w, "connect")) {
        ls = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 128) ||
            getsockname(ls, (struct sockaddr *)&sa, &sl))
            die("listen");
    }
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (!strcmp(w, "files")) {
            snprintf(path, sizeof path, "%s/f%ld", dir, i);
            int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
            if (fd < 0 || write(fd, "0123456789abcdef", 16) != 16)
                die("file");
            close(fd);
            if (unlink(path))
                die("unlink");
        } else if (!strcmp(w, "openclose")) {
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                die("open");
            close(fd);
        } else if (!strcmp(w, "fork") || !strcmp(w, "exec")) {
            pid_t p = fork();
            if (p < 0)
                die("fork");
            if (p == 0) {
                if (w[0] == 'e')
                    execl("/bin/true", "true", (char *)NULL);
                _exit(0);
            }
            int st;
            waitpid(p, &st, 0);
        } else if (!strcmp(w, "threads")) {
            pthread_t t;
            if (pthread_create(&t, NULL, thr, NULL))
                die("pthread_create");
            pthread_join(t, NULL);
        } else if (!strcmp(w, "connect")) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa))
                die("connect");
            int a = accept(ls, NULL, NULL);
            if (a < 0)
                die("accept");
            close(a);
            close(c);
        } else if (!strcmp(w, "malloc")) {
            void *p[16];
            for (int k = 0; k < 16; k++)
                p[k] = malloc((size_t)(16 << (k % 10)));
            for (int k = 0; k < 16; k++)
                free(p[k]);
        } else {
            fprintf(stderr, "unknown workload %s\n", w);
            return 2;
        }
    }
    double el = now() - t0;
    if (ls >= 0)
        close(ls);
    if (!strcmp(w, "openclose"))
        unlink(path);
    rmdir(dir);
    printf("%s %ld %.6f\n", w, n, el);
    return 0;
}

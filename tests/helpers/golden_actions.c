/* golden_actions: small, deterministic behaviours recorded by tests/data/engine/golden/record.sh
 * (each subcommand does one thing a Falco rule watches for):
 *   packet                 socket(AF_PACKET, SOCK_RAW)
 *   connect PORT           connect to 127.0.0.1:PORT (a listener child accepts)
 *   redirect PORT          connect to 127.0.0.1:PORT, then dup2 the socket onto 0, 1 and 2
 *   ptrace                 PTRACE_ATTACH to a child, then PTRACE_TRACEME in another child
 *   memfd FILE [ARGS...]   copy FILE into a memfd and execute it from there (fileless)
 *   threads                a second thread opens a file, forks a child that runs /bin/true,
 *                          then execs /bin/cat /etc/hostname (exec from a non-leader thread)
 * Exit status 0 when the action was attempted (the syscall itself may fail under a tracer). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static int listener(int port, pid_t *child)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        return -1;
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) {
        close(l);
        return -1;
    }
    *child = fork();
    if (*child == 0) {
        int c = accept(l, NULL, NULL);
        char buf[64];
        if (c >= 0)
            while (read(c, buf, sizeof buf) > 0)
                ;
        _exit(0);
    }
    close(l);
    return 0;
}

static int connect_to(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        close(s);
        return -1;
    }
    return s;
}

static void *thread_main(void *arg)
{
    (void)arg;
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    pid_t c = fork();
    if (c == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    if (c > 0)
        waitpid(c, NULL, 0);
    execl("/bin/cat", "cat", "/etc/hostname", (char *)NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: golden_actions packet|connect PORT|redirect PORT|ptrace\n");
        return 2;
    }
    const char *what = argv[1];
    if (strcmp(what, "packet") == 0) {
        int s = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
        if (s >= 0)
            close(s);
        return 0;
    }
    if ((strcmp(what, "connect") == 0 || strcmp(what, "redirect") == 0) && argc > 2) {
        int port = atoi(argv[2]);
        pid_t child;
        if (listener(port, &child) < 0)
            return 1;
        int s = connect_to(port);
        if (s < 0)
            return 1;
        if (strcmp(what, "redirect") == 0) {
            int saved = dup(2);
            dup2(s, 0);
            dup2(s, 1);
            dup2(s, 2);
            dup2(saved, 2);
            close(saved);
            close(0);
            close(1);
        }
        close(s);
        waitpid(child, NULL, 0);
        return 0;
    }
    if (strcmp(what, "ptrace") == 0) {
        pid_t c = fork();
        if (c == 0) {
            pause();
            _exit(0);
        }
        if (ptrace(PTRACE_ATTACH, c, NULL, NULL) == 0)
            ptrace(PTRACE_DETACH, c, NULL, NULL);
        kill(c, SIGKILL);
        waitpid(c, NULL, 0);
        pid_t d = fork();
        if (d == 0) {
            ptrace(PTRACE_TRACEME, 0, NULL, NULL);
            _exit(0);
        }
        waitpid(d, NULL, 0);
        return 0;
    }
    if (strcmp(what, "threads") == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_main, NULL) != 0)
            return 1;
        pthread_join(t, NULL); /* never returns: the thread's exec replaces the process */
        return 1;
    }
    if (strcmp(what, "memfd") == 0 && argc > 2) {
        int in = open(argv[2], O_RDONLY | O_CLOEXEC);
        int m = memfd_create("eg_memfd", 0);
        if (in < 0 || m < 0)
            return 1;
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(m, buf, (size_t)n) != n)
                return 1;
        close(in);
        extern char **environ;
        fexecve(m, argv + 2, environ);
        return 1;
    }
    fprintf(stderr, "golden_actions: unknown action %s\n", what);
    return 2;
}

/* lw_orphans: test helper for launcher/waitforever reaping.
 *   lw_orphans N [TIMEOUT_MS]
 * Double-forks N orphans (named "lw_orphan"), which are re-parented to this helper's parent (a
 * subreaper or PID 1) and block on a pipe. Once all N are seen there, closing the pipe makes
 * them all exit at once. Then it watches /proc for processes named "lw_orphan" whose parent is
 * that parent, until none is left alive or as a zombie, or TIMEOUT_MS (default 5000) passes.
 * Prints one line
 *   orphans=N reparented=R zombies=Z alive=A
 * (R: how many were seen under the parent before release) and exits 0 when R is N and Z and A
 * are 0. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int release_fd = -1;

static void msleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Counts lw_orphan processes whose parent is ppid: zombies and live ones. */
static int scan(pid_t ppid, int *zombies, int *alive)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    *zombies = *alive = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = 0;
        char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
        if (!open_p || !close_p || close_p[1] != ' ')
            continue;
        *close_p = 0;
        char state = close_p[2];
        long pp = strtol(close_p + 4, NULL, 10);
        if (pp != ppid || strcmp(open_p + 1, "lw_orphan") != 0)
            continue;
        if (state == 'Z')
            (*zombies)++;
        else
            (*alive)++;
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: lw_orphans N [TIMEOUT_MS]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    long timeout = argc > 2 ? atol(argv[2]) : 5000;
    pid_t parent = getppid();
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    release_fd = fds[1];
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c < 0) {
            perror("fork");
            return 1;
        }
        if (c == 0) {
            pid_t g = fork();
            if (g == 0) {
                char b;
                prctl(PR_SET_NAME, "lw_orphan", 0, 0, 0);
                close(release_fd);
                while (read(fds[0], &b, 1) < 0)
                    ;
                _exit(0);
            }
            _exit(g < 0 ? 1 : 0);
        }
        if (waitpid(c, NULL, 0) < 0) {
            perror("waitpid");
            return 1;
        }
    }
    close(fds[0]);
    int zombies = 0, alive = 0, reparented = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int phase = 0;;) {
        if (scan(parent, &zombies, &alive) < 0) {
            perror("/proc");
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (phase == 0 && (alive >= n || el > timeout)) {
            reparented = alive;
            close(release_fd); /* every orphan's read() returns 0: they all exit now */
            phase = 1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            continue;
        }
        if (phase == 1 && ((zombies == 0 && alive == 0) || el > timeout))
            break;
        msleep(20);
    }
    printf("orphans=%d reparented=%d zombies=%d alive=%d\n", n, reparented, zombies, alive);
    return reparented == n && zombies == 0 && alive == 0 ? 0 : 1;
}

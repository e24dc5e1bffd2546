/* Finds a process's children by scanning /proc/PID/stat (works without CONFIG_PROC_CHILDREN). */
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pid_t launcher_stat_ppid(const char *stat_text)
{
    /* "pid (comm) state ppid ...": comm may hold spaces and ')', so use the last ')'. */
    const char *p = strrchr(stat_text, ')');
    if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
        return -1;
    char *end;
    long v = strtol(p + 4, &end, 10);
    if (end == p + 4 || *end != ' ' || v < 0)
        return -1;
    return (pid_t)v;
}

static pid_t read_ppid(const char *pid_name)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return launcher_stat_ppid(buf);
}

int launcher_signal_children(pid_t parent, int sig, int (*skip)(void *ctx, pid_t pid), void *ctx)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        if (read_ppid(e->d_name) != parent)
            continue;
        pid_t pid = (pid_t)atol(e->d_name);
        if (skip && skip(ctx, pid))
            continue;
        if (kill(pid, sig) == 0)
            count++;
    }
    closedir(d);
    return count;
}

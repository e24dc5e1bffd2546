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

/* The fields after "(comm)" in /proc/<pid_name>/stat into buf: "S ppid pgrp session ...".
 * NULL if unreadable or malformed. */
static const char *stat_fields(const char *pid_name, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/stat", pid_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got <= 0)
        return NULL;
    buf[got] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] ? p + 2 : NULL;
}

static pid_t read_ppid(const char *pid_name)
{
    char buf[512];
    const char *f = stat_fields(pid_name, buf, sizeof buf);
    return f ? launcher_stat_ppid(f - 2) : -1;
}

pid_t launcher_proc_session(pid_t pid)
{
    char name[24], buf[512];
    snprintf(name, sizeof name, "%d", (int)pid);
    const char *f = stat_fields(name, buf, sizeof buf);
    long ppid, pgrp, sid;
    if (!f || sscanf(f + 1, " %ld %ld %ld", &ppid, &pgrp, &sid) != 3)
        return -1;
    return (pid_t)sid;
}

char launcher_proc_state(pid_t pid)
{
    char name[24], buf[512];
    snprintf(name, sizeof name, "%d", (int)pid);
    const char *f = stat_fields(name, buf, sizeof buf);
    return f ? f[0] : 0;
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

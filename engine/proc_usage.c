/* /proc and cgroup readers for the metrics snapshot. */
#include "proc_usage.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tt_io.h"

static char *slurp(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t len = 0;
    char *t = tt_read_fd(fd, max, &len);
    close(fd);
    return t;
}

/* The number after prefix on the first line that starts with it ("VmRSS:", "btime "). */
static int line_num(const char *text, const char *prefix, uint64_t *out)
{
    size_t pl = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, prefix, pl)) {
            *out = strtoull(p + pl, NULL, 10);
            return 0;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return -1;
}

int proc_usage_read(int pid, struct proc_usage *out)
{
    char path[64];
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char *st = slurp(path, 4096);
    if (!st)
        return -1;
    /* comm may hold spaces and parentheses: fields resume after the last ')' */
    char *l = strchr(st, '('), *r = strrchr(st, ')');
    if (!l || !r || r < l) {
        free(st);
        return -1;
    }
    size_t cl =
        (size_t)(r - l - 1) < sizeof out->comm - 1 ? (size_t)(r - l - 1) : sizeof out->comm - 1;
    memcpy(out->comm, l + 1, cl);
    out->comm[cl] = '\0';
    /* after ") ": state(3) ppid ... utime(14) stime(15) ... starttime(22) */
    unsigned long long v[20] = {0};
    char state;
    int got = sscanf(r + 1,
                     " %c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                     "%llu %llu %llu %llu",
                     &state, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                     &v[10], &v[11], &v[12], &v[13], &v[14], &v[15], &v[16], &v[17]);
    free(st);
    if (got < 19 || state == 'Z' || state == 'X') /* a zombie has no memory left to report */
        return -1;
    out->cpu_ticks = v[10] + v[11]; /* utime, stime */
    out->start_ticks = v[17];       /* starttime */
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    char *status = slurp(path, 16384);
    if (status) {
        line_num(status, "VmRSS:", &out->rss_kb);
        line_num(status, "VmSize:", &out->vsz_kb);
        free(status);
    }
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    char *sm = slurp(path, 16384);
    if (sm) {
        out->have_pss = line_num(sm, "Pss:", &out->pss_kb) == 0;
        free(sm);
    }
    return 0;
}

double proc_usage_cpu_perc(const struct proc_usage *prev, const struct proc_usage *cur,
                           double elapsed_s)
{
    double hz = (double)sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    if (prev && prev->start_ticks == cur->start_ticks && elapsed_s > 0) {
        uint64_t d = cur->cpu_ticks >= prev->cpu_ticks ? cur->cpu_ticks - prev->cpu_ticks : 0;
        return (double)d / hz / elapsed_s * 100.0;
    }
    char *up = slurp("/proc/uptime", 256);
    double uptime = up ? strtod(up, NULL) : 0;
    free(up);
    double lived = uptime - (double)cur->start_ticks / hz;
    return lived > 0 ? (double)cur->cpu_ticks / hz / lived * 100.0 : 0;
}

static int64_t read_num(const char *path)
{
    char *t = slurp(path, 64);
    if (!t)
        return -1;
    char *end;
    long long v = strtoll(t, &end, 10);
    int ok = end != t;
    free(t);
    return ok ? v : -1;
}

int64_t proc_container_memory(void)
{
    uint64_t inactive = 0;
    int64_t cur = read_num("/sys/fs/cgroup/memory.current");
    if (cur >= 0) {
        char *stat = slurp("/sys/fs/cgroup/memory.stat", 65536);
        if (stat) {
            line_num(stat, "inactive_file ", &inactive);
            free(stat);
        }
    } else if ((cur = read_num("/sys/fs/cgroup/memory/memory.usage_in_bytes")) >= 0) {
        char *stat = slurp("/sys/fs/cgroup/memory/memory.stat", 65536);
        if (stat) {
            line_num(stat, "total_inactive_file ", &inactive);
            free(stat);
        }
    } else {
        return -1;
    }
    return (uint64_t)cur > inactive ? cur - (int64_t)inactive : cur;
}

uint64_t proc_boot_ns(void)
{
    char *st = slurp("/proc/stat", 1 << 20);
    uint64_t bt = 0;
    if (st) {
        line_num(st, "btime ", &bt);
        free(st);
    }
    return bt * 1000000000ull;
}

/* CPU and memory of a process from /proc, and the container's memory from its cgroup, for the
 * metrics snapshot (falco.cpu_usage_perc, falco.memory_rss_mb, ...). */
#ifndef ENGINE_PROC_USAGE_H
#define ENGINE_PROC_USAGE_H

#include <stddef.h>
#include <stdint.h>

struct proc_usage {
    uint64_t cpu_ticks;   /* utime + stime, clock ticks */
    uint64_t start_ticks; /* start time after boot, clock ticks */
    uint64_t rss_kb, vsz_kb, pss_kb;
    int have_pss;
    char comm[17];
};

/* Reads /proc/<pid>/{stat,status,smaps_rollup}. 0, or -1 (gone, a zombie, not readable). */
int proc_usage_read(int pid, struct proc_usage *out);
/* Percent of one CPU used between two readings ms apart; for the first reading (prev NULL),
 * since the process started (uptime from /proc/uptime). */
double proc_usage_cpu_perc(const struct proc_usage *prev, const struct proc_usage *cur,
                           double elapsed_s);
/* The container's memory working set (cgroup v2 memory.current - inactive_file, v1
 * usage_in_bytes - total_inactive_file) in bytes, or -1 when there is no cgroup to read. */
int64_t proc_container_memory(void);
/* Boot time (ns since the epoch) from /proc/stat btime, 0 if unknown. */
uint64_t proc_boot_ns(void);

#endif

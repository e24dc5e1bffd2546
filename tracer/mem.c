/* tracer: tracee memory reads (see mem.h). */
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tt_log.h"

#define PAGE 4096u

pid_t tr_mem_refused;
int tr_mem_via_proc;

/* Container runtimes' default seccomp profiles allow ptrace but, in some versions (Docker 20.10,
 * older containerd), process_vm_readv only with CAP_SYS_PTRACE. Reading /proc/PID/mem needs the
 * same kernel permission and no particular syscall. Probed once, on our own memory, which only a
 * seccomp profile (or an LSM) can refuse. */
static int via_procmem = -1;

static int vm_readv_filtered(void)
{
    if (via_procmem < 0) {
        char src = 1, dst = 0;
        struct iovec local = {&dst, 1}, remote = {&src, 1};
        via_procmem = process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1;
        if (via_procmem)
            tt_info("process_vm_readv is refused here (%s: a seccomp profile without "
                    "CAP_SYS_PTRACE); reading tracee memory through /proc/PID/mem",
                    strerror(errno));
    }
    return via_procmem;
}

/* /proc/TID/mem of the last thread read, kept open (reads come in runs from one task). */
static int mem_fd = -1;
static pid_t mem_fd_tid;

static int open_mem(pid_t tid)
{
    if (mem_fd >= 0)
        close(mem_fd);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)tid);
    mem_fd = open(path, O_RDONLY | O_CLOEXEC);
    mem_fd_tid = tid;
    return mem_fd;
}

static ssize_t procmem_read(pid_t tid, void *buf, uint64_t addr, size_t len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((mem_fd < 0 || mem_fd_tid != tid || attempt) && open_mem(tid) < 0)
            return -1;
        ssize_t n = pread(mem_fd, buf, len, (off_t)addr);
        if (n > 0)
            return n;
        /* A kept fd names the memory of the program that was there when it was opened: after
         * an exec (or a reused tid) it reads nothing. One retry on a fresh one. */
    }
    return -1;
}

/* One read, noting a tracee the kernel no longer lets us read. */
static ssize_t readv_one(pid_t tid, void *buf, uint64_t addr, size_t len)
{
    ssize_t n;
    if (tr_mem_via_proc || vm_readv_filtered()) {
        n = procmem_read(tid, buf, addr, len);
    } else {
        struct iovec local = {buf, len};
        struct iovec remote = {(void *)(uintptr_t)addr, len};
        n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    }
    if (n < 0 && (errno == EPERM || errno == EACCES))
        tr_mem_refused = tid;
    return n;
}

int tr_mem_readable(pid_t tid)
{
    if (tr_mem_via_proc || vm_readv_filtered()) {
        if (open_mem(tid) >= 0)
            return 1;
    } else {
        /* The kernel checks access before the address: EFAULT means allowed. */
        char c;
        struct iovec local = {&c, 1};
        struct iovec remote = {(void *)(uintptr_t)4096, 1};
        if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == 1)
            return 1;
    }
    if (errno == ESRCH || errno == ENOENT)
        return -1;
    return errno != EPERM && errno != EACCES;
}

int tr_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
    if (!addr)
        return -1;
    return readv_one(tid, buf, addr, len) == (ssize_t)len ? 0 : -1;
}

ssize_t tr_mem_string(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
    if (!addr || cap == 0)
        return -1;
    size_t got = 0;
    while (got + 1 < cap) {
        /* Never cross a page boundary in one read: the next page may be unmapped. */
        uint64_t a = addr + got;
        size_t chunk = PAGE - (size_t)(a % PAGE);
        if (chunk > cap - 1 - got)
            chunk = cap - 1 - got;
        ssize_t n = readv_one(tid, buf + got, a, chunk);
        if (n <= 0) {
            if (got == 0)
                return -1;
            break;
        }
        char *z = memchr(buf + got, '\0', (size_t)n);
        if (z)
            return z - buf;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return (ssize_t)got;
}

ssize_t tr_mem_strlist(pid_t tid, uint64_t arr, char *first, size_t firstcap, char *buf, size_t cap,
                       size_t max_items)
{
    if (!arr)
        return -1;
    size_t used = 0;
    uint64_t ptrs[64];
    size_t idx = 0;
    if (first && firstcap)
        first[0] = '\0';
    for (;;) {
        size_t cnt = 64;
        if (tr_mem_read(tid, arr + idx * 8, ptrs, sizeof ptrs) != 0) {
            /* The array may end near an unmapped page: fall back to one pointer at a time. */
            cnt = 1;
            if (tr_mem_read(tid, arr + idx * 8, ptrs, 8) != 0)
                return idx == 0 ? -1 : (ssize_t)used;
        }
        for (size_t k = 0; k < cnt; k++, idx++) {
            if (!ptrs[k] || idx >= max_items)
                return (ssize_t)used;
            if (idx == 0 && first) {
                if (tr_mem_string(tid, ptrs[k], first, firstcap) < 0)
                    first[0] = '\0';
                continue;
            }
            if (used >= cap)
                return (ssize_t)used;
            ssize_t n = tr_mem_string(tid, ptrs[k], buf + used, cap - used);
            if (n < 0) {
                buf[used] = '\0';
                n = 0;
            }
            used += (size_t)n + 1;
            if (used > cap)
                used = cap;
        }
    }
}

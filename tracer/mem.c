/* tracer: tracee memory reads (see mem.h). */
#include "mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define PAGE 4096u

pid_t tr_mem_refused;

/* process_vm_readv, noting a tracee the kernel no longer lets us read. */
static ssize_t readv_one(pid_t tid, void *buf, uint64_t addr, size_t len)
{
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n < 0 && (errno == EPERM || errno == EACCES))
        tr_mem_refused = tid;
    return n;
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

/* The 32-bit ABI (int 0x80 from a 64-bit program, pointers below 4 GiB) and the x32 ABI:
 * syscalls with other numbers, which a filter or tracer that only knows the 64-bit ones
 * misses. Usage:
 *   adv_compat open FILE        i386 open(FILE) and the first bytes read
 *   adv_compat shm KEY          i386 ipc(SHMGET, KEY) + ipc(SHMAT), then shmget/shmat (395/397)
 *   adv_compat kill PID SIG     i386 kill(PID, SIG)
 *   adv_compat x32kill PID SIG  x32 kill(PID, SIG) */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adv.h"

#if defined(__x86_64__)

enum { I386_OPEN = 5, I386_KILL = 37, I386_IPC = 117, I386_SHMGET = 395, I386_SHMAT = 397 };
enum { IPC_SHMAT = 21, IPC_SHMGET = 23 };

static long int80(long nr, long a, long b, long c, long d, long e)
{
    long ret;
    __asm__ volatile("push %%rbp\n\tmov %[e], %%rbp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), [e] "D"(e)
                     : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

/* Reports a raw result (-errno on failure) the way adv_report does. */
static void report_raw(const char *what, long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        r = -1;
    }
    adv_report(what, r);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: adv_compat open FILE | shm KEY | kill PID SIG | x32kill PID SIG\n", stderr);
        return 2;
    }
    char *low =
        mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED)
        return 1;
    if (strcmp(argv[1], "open") == 0) {
        snprintf(low, 4096, "%s", argv[2]);
        long fd = int80(I386_OPEN, (long)(uintptr_t)low, O_RDONLY, 0, 0, 0);
        report_raw("i386_open", fd);
        if (fd >= 0)
            adv_print_first_line((int)fd);
    } else if (strcmp(argv[1], "shm") == 0) {
        long key = adv_num(argc, argv, 2, 0);
        long id = int80(I386_IPC, IPC_SHMGET, key, 0, 0, 0);
        report_raw("i386_ipc_shmget", id);
        uint32_t *raddr = (uint32_t *)(low + 4096);
        if (id >= 0) {
            long r = int80(I386_IPC, IPC_SHMAT, id, 0, (long)(uintptr_t)raddr, 0);
            report_raw("i386_ipc_shmat", r);
        }
        long id2 = int80(I386_SHMGET, key, 0, 0, 0, 0);
        report_raw("i386_shmget", id2);
        if (id2 >= 0)
            report_raw("i386_shmat", int80(I386_SHMAT, id2, 0, 0, 0, 0));
    } else if (strcmp(argv[1], "kill") == 0) {
        report_raw("i386_kill",
                   int80(I386_KILL, adv_num(argc, argv, 2, 0), adv_num(argc, argv, 3, 0), 0, 0, 0));
    } else if (strcmp(argv[1], "x32kill") == 0) {
        long r =
            syscall(0x40000000L | SYS_kill, adv_num(argc, argv, 2, 0), adv_num(argc, argv, 3, 0));
        adv_report("x32_kill", r);
    } else {
        return 2;
    }
    return 0;
}
#else
int main(void)
{
    puts("adv_compat: x86_64 only (its 32-bit and x32 ABIs)");
    return 77;
}
#endif

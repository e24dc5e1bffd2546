/* Shared-memory event ring between one tracer (producer) and one engine (consumer).
 *
 * Transport: a System V shared memory segment, so it is visible to every process in the same
 * IPC namespace (another container with `--ipc container:X`, a Kubernetes pod) and to nothing
 * else. The segment starts with a struct tt_stream_hdr (magic + format version), then ring
 * control words, then a power-of-two data area holding tt_event records (never split: a
 * padding record fills the tail before wrapping).
 *
 * Single producer, single consumer, lock-free. head/tail are byte counters that only grow.
 * Invariant kept in the control block: produced == consumed + dropped + (records in the ring).
 * Non-blocking by default: when a record does not fit, it is dropped and counted. In blocking
 * mode the producer waits (futex) for space instead.
 * Sleeping is done with futexes on the shared words, so an idle consumer costs no CPU.
 *
 * The consumer validates every record (tt_event_validate) before handing it out: the segment is
 * shared with another container and must be treated as untrusted input. */
#ifndef TT_RING_H
#define TT_RING_H

#include <stddef.h>
#include <stdint.h>

#include "tt_event.h"

#define TT_RING_DEFAULT_KEY 0x54415254 /* "TART" */
#define TT_RING_DEFAULT_SIZE (8u << 20) /* data area bytes */

struct tt_ring; /* opaque handle, one per process per segment */

struct tt_ring_stats {
    uint64_t produced; /* records the producer tried to write */
    uint64_t consumed; /* records handed to the consumer */
    uint64_t dropped;  /* records lost because the ring was full */
    uint64_t dropped_bytes;
    uint32_t producer_pid;
    uint32_t consumer_pid;
    int producer_done; /* the producer closed the stream (workload ended) */
    int consumer_attached;
};

enum tt_ring_flags {
    TT_RING_BLOCKING = 1u << 0, /* producer waits for space instead of dropping */
};

/* Producer side. Creates (or replaces a stale) segment for key; data_size is rounded up to a
 * power of two. mode is the shm permission (0600). Returns NULL with errno set and a one-line
 * reason in why. *shmid_out (optional) receives the segment id (the tracer denies the workload
 * access to it through seccomp). */
struct tt_ring *tt_ring_create(int key, size_t data_size, unsigned flags, int mode, int *shmid_out,
                               char *why, size_t whylen);
/* Copies one complete record (len from the record header). 0 on success, -1 when dropped
 * (ring full, non-blocking mode), counted in the stats. */
int tt_ring_write(struct tt_ring *r, const struct tt_event *ev);
/* Wait until a consumer attached, up to timeout_ms (-1: forever). 1 if attached, 0 on timeout. */
int tt_ring_wait_consumer(struct tt_ring *r, int timeout_ms);
/* Mark end of stream (consumer drains what is left, then sees EOF), then detach. Removes the
 * segment once both sides have detached. */
void tt_ring_close_producer(struct tt_ring *r);

/* Consumer side. Attaches to the segment for key, waiting up to timeout_ms for a producer to
 * create it (-1 forever, 0 no wait). Refuses a wrong magic or version with a clear reason. */
struct tt_ring *tt_ring_attach(int key, int timeout_ms, char *why, size_t whylen);
/* Next record: returns 1 with *ev pointing into the ring (valid until tt_ring_release), 0 if
 * none arrived within timeout_ms, -1 at end of stream (producer done and ring drained),
 * -2 on a corrupt record (the consumer then skips to the producer's head, counting a drop). */
int tt_ring_read(struct tt_ring *r, const struct tt_event **ev, int timeout_ms);
void tt_ring_release(struct tt_ring *r, const struct tt_event *ev);
void tt_ring_detach(struct tt_ring *r);

void tt_ring_get_stats(const struct tt_ring *r, struct tt_ring_stats *out);
int tt_ring_shmid(const struct tt_ring *r);

#endif

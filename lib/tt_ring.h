/* Shared-memory event ring between one tracer (producer) and one engine (consumer).
 *
 * Transport: a System V shared memory segment, so it is visible to every process in the same
 * IPC namespace (another container with `--ipc container:X`, a Kubernetes pod) and to nothing
 * else. The segment starts with a struct tt_stream_hdr (magic + format version), then ring
 * control words, then a power-of-two data area holding tt_event records (never split: a
 * padding record fills the tail before wrapping). Full description: docs/internals/ring.md.
 *
 * Single producer, single consumer, lock-free. head/tail are byte counters that only grow.
 * Invariant kept in the control block: produced == consumed + dropped + (records in the ring)
 * (+ corrupt: records the consumer skipped because they failed validation).
 * Non-blocking by default: when a record does not fit, it is dropped and counted. In blocking
 * mode the producer waits (futex) for space instead, as long as a live consumer is attached.
 * Sleeping is done with futexes on the shared words, so an idle consumer costs no CPU.
 *
 * No blind start: the consumer starts at the beginning of the ring (or where a previous consumer
 * stopped), so events written before it attached are read; if the ring filled first, the
 * overflow is counted in `dropped`.
 *
 * Lifetime: created 0600 by the producer; a stale segment (its producer dead or finished) is
 * replaced on create; the segment is removed by the last side out (a producer that finishes
 * with unread events and no consumer leaves it for a consumer still to come). Liveness of each
 * side is a robust process-shared mutex it holds in the segment (works across pid namespaces):
 * the consumer sees a dead producer as end of stream, a blocked producer stops waiting for a
 * dead consumer. Each handle must be created and closed by the same thread, which must live as
 * long as the handle (use the main thread).
 *
 * Several tracers in one IPC namespace: give each its own key (e.g. TT_RING_DEFAULT_KEY + N) and
 * point each engine at the key of its tracer; a second producer on a live key is refused.
 *
 * The consumer validates every record (tt_event_validate) on a private copy before handing it
 * out: the segment is shared with another container and must be treated as untrusted input. */
#ifndef TT_RING_H
#define TT_RING_H

#include <stddef.h>
#include <stdint.h>

#include "tt_event.h"

#define TT_RING_DEFAULT_KEY 0x54415254  /* "TART" */
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
    /* Appended fields. With honest counters, at any quiescent moment:
     *   produced == consumed + dropped + corrupt + in_flight */
    uint64_t corrupt;   /* records the consumer skipped because they failed validation */
    uint64_t in_flight; /* records written into the ring and not yet consumed */
    uint64_t data_size; /* bytes of the data area */
    uint64_t used_bytes;
    int producer_alive; /* the producer process still holds the ring */
    int blocking;       /* created with TT_RING_BLOCKING */
    uint32_t attaches;  /* consumer attaches so far (a restarted engine resumes) */
};

enum tt_ring_flags {
    TT_RING_BLOCKING = 1u << 0, /* producer waits for space instead of dropping */
};

/* Producer side. Creates (or replaces a stale) segment for key; data_size is rounded up to a
 * power of two (4 KiB .. 1 GiB). mode is the shm permission (0600). Returns NULL with a one-line
 * reason in why (key in use by a live tracer, foreign segment, shmget error). *shmid_out
 * (optional) receives the segment id (the tracer denies the workload shmat/shmctl on it through
 * seccomp; the mapping itself is never inherited across fork). */
struct tt_ring *tt_ring_create(int key, size_t data_size, unsigned flags, int mode, int *shmid_out,
                               char *why, size_t whylen);
/* Copies one complete record (len from the record header). 0 on success, -1 when dropped
 * (ring full in non-blocking mode or with no live consumer, or a record longer than half the
 * data area), counted in the stats. */
int tt_ring_write(struct tt_ring *r, const struct tt_event *ev);
/* Wait until a consumer attached, up to timeout_ms (-1: forever). 1 if attached, 0 on timeout;
 * also 0 at once when the attached consumer reads another format version (the reason is logged
 * and left in tt_ring_error). */
int tt_ring_wait_consumer(struct tt_ring *r, int timeout_ms);
/* Mark end of stream (consumer drains what is left, then sees EOF), then detach. Removes the
 * segment once both sides have detached. */
void tt_ring_close_producer(struct tt_ring *r);

/* Consumer side. Attaches to the segment for key, waiting up to timeout_ms for a producer to
 * create it (-1 forever, 0 no wait). Refuses a wrong magic or version, or a ring that already
 * has a live consumer, with a clear reason. A stale ring (producer gone, nothing unread) is
 * ignored while waiting for its replacement. On failure errno tells a caller that retries
 * what happened: ENOENT no ring appeared within timeout_ms (retrying makes sense), EPROTO not a
 * ring this program can read (magic, format version, layout), EBUSY the ring already has a live
 * consumer, EACCES/ENOMEM/... from shmget/shmat. */
struct tt_ring *tt_ring_attach(int key, int timeout_ms, char *why, size_t whylen);
/* Next record: returns 1 with *ev pointing to a validated private copy (valid until
 * tt_ring_release or the next tt_ring_read), 0 if none arrived within timeout_ms (0: do not
 * wait, -1: forever), -1 at end of stream (producer done or dead, and ring drained), -2 on a
 * corrupt record (the consumer then skips to the producer's head, counting the skipped records
 * in stats.corrupt; reason in tt_ring_error). */
int tt_ring_read(struct tt_ring *r, const struct tt_event **ev, int timeout_ms);
void tt_ring_release(struct tt_ring *r, const struct tt_event *ev);
void tt_ring_detach(struct tt_ring *r);

/* Read-only attach for counters only (tracer dump --stats): never claims the consumer slot. */
struct tt_ring *tt_ring_observe(int key, char *why, size_t whylen);

/* Works on any handle (producer, consumer, observer). */
void tt_ring_get_stats(const struct tt_ring *r, struct tt_ring_stats *out);
int tt_ring_shmid(const struct tt_ring *r);
/* Reason for the last -1/-2 of tt_ring_wait_consumer / tt_ring_read, or why the producer
 * refused a consumer of another version ("" if none). tt_ring_write checks the version of a
 * consumer that attached since the last check (every 64 records), so a consumer that attaches
 * without tt_ring_wait_consumer (tracer --wait-engine 0, a restarted engine) is checked too:
 * the refusal is logged once per attach. */
const char *tt_ring_error(const struct tt_ring *r);
/* Parses a key ("0x54415254" or decimal; 0 is refused). 0 on success. */
int tt_ring_parse_key(const char *s, int *key);

#endif

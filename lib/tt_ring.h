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
#include <sys/types.h>

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
    int producer_alive;        /* the producer process still holds the ring */
    int blocking;              /* created with TT_RING_BLOCKING */
    uint32_t attaches;         /* consumer attaches so far (a restarted engine resumes) */
    int consumer_heartbeat;    /* the consumer keeps a heartbeat (older ones do not) */
    uint32_t consumer_beats;   /* its heartbeat counter */
    uint64_t consumer_beat_ns; /* CLOCK_REALTIME of its last beat */
    uint64_t drops_reported;   /* `dropped` that the consumer's alerts have covered */
};

/* Why the last tt_ring_read returned -1 or -2 (tt_ring_problem). */
enum tt_ring_problem {
    TT_RING_OK = 0,        /* -1: the producer closed the stream and is gone */
    TT_RING_CORRUPT,       /* -2: a record failed validation; skipped to the producer's head */
    TT_RING_GAP,           /* -2: the producer's counts and the consumer's disagree once the
                              ring is drained: records lost (records > 0) or added (< 0)
                              without being counted */
    TT_RING_FORGED_END,    /* -2: the end-of-stream flag was set while the producer still maps
                              the ring, or it wrote after it: not the producer's; reading goes
                              on */
    TT_RING_PRODUCER_DIED, /* -1: the producer is gone without closing the stream */
};

/* What a consumer found when it attached to a ring another consumer had before it. */
struct tt_ring_takeover {
    int happened;      /* another consumer had this ring before */
    int died;          /* ... and died attached (crash, SIGKILL) instead of detaching */
    uint32_t pid;      /* its pid in its own namespace (0 if unknown) */
    uint64_t beat_ns;  /* its last heartbeat (CLOCK_REALTIME), 0 if it kept none */
    uint64_t consumed; /* records it had published as consumed: reading resumes there */
    /* The producer's counts at the instant this consumer attached (before the producer could
     * see it): drops up to here happened while no consumer read the ring, later ones with
     * this consumer reading. */
    uint64_t produced_at_attach, dropped_at_attach;
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
 * wait, -1: forever), -1 at end of stream, -2 when the ring's integrity failed (reading goes
 * on; reason in tt_ring_error, kind in tt_ring_problem): a corrupt record (the consumer skips
 * to the producer's head, counting the skipped records in stats.corrupt), counts that do not
 * add up (a gap), an end flag the producer did not set.
 * End of stream means the ring is drained and the producer can no longer write: it detached
 * (the kernel's attach count, which no writer of the segment can forge) or, in the same pid
 * namespace, exited (its pidfd). The `done` flag and the lock word only say whether it closed
 * the stream (TT_RING_OK) or died (TT_RING_PRODUCER_DIED). */
int tt_ring_read(struct tt_ring *r, const struct tt_event **ev, int timeout_ms);
void tt_ring_release(struct tt_ring *r, const struct tt_event *ev);
void tt_ring_detach(struct tt_ring *r);

/* Why the last -1/-2 of tt_ring_read happened (enum tt_ring_problem); *records (optional)
 * gets the records concerned (TT_RING_GAP: lost, negative when added). */
int tt_ring_problem(const struct tt_ring *r, int64_t *records);
void tt_ring_get_takeover(const struct tt_ring *r, struct tt_ring_takeover *t);
/* Drop reporting that survives a consumer restart: the producer's `dropped` count that this
 * consumer's alerts have covered. A consumer that takes over starts from its predecessor's
 * value (0 on a new ring: drops before the first attach are unreported). */
uint64_t tt_ring_drops_reported(const struct tt_ring *r);
void tt_ring_set_drops_reported(struct tt_ring *r, uint64_t dropped);
/* tt_ring_read beats the consumer's heartbeat (while waiting, and every 64 records); a consumer
 * that spends long between reads beats it with this. */
void tt_ring_heartbeat(struct tt_ring *r);
/* Test switch, for negative controls only: the behaviour before the ring's integrity was
 * checked: the stream ends at the producer's `done` flag or lock word alone, and the counts
 * are not compared once drained (no TT_RING_GAP, TT_RING_FORGED_END). */
void tt_ring_trust_end_flag(struct tt_ring *r, int on);

/* Consumer health of segment shmid without attaching as anything (watchdogs, health checks):
 * maps it read-only, copies these words and unmaps. Reads no lock word, so it works from a
 * program built with another C library than the consumer's (the launcher is static musl).
 * 0, or -1 with a reason in why. */
struct tt_ring_health {
    uint32_t consumer_pid; /* as the consumer stored it (its pid namespace) */
    int consumer_attached; /* the consumer's attached flag (cleared by a clean detach only) */
    int heartbeat;         /* the consumer keeps a heartbeat (older consumers do not) */
    uint32_t beats;        /* changes while the consumer's reading thread runs */
    uint64_t beat_ns;      /* CLOCK_REALTIME of the last beat */
    uint64_t produced, dropped, consumed, head, tail;
    uint32_t producer_pid, attaches;
    int producer_done;
};
int tt_ring_peek_health(int shmid, struct tt_ring_health *h, char *why, size_t whylen);

/* What a consumer asks the producer to capture: the engine publishes the syscall list its rules
 * need (docs/tracer.md) with every attach, so it reaches the tracer in every deployment pattern
 * without a file. The segment is the tracer's and the engine's: the tracer's seccomp filter
 * keeps the traced workload from attaching to it (docs/security.md). */
#define TT_RING_REQUEST_MAX 3000
/* Consumer side, before attaching: the text every later attach of this process publishes
 * (len 0: none). 0, or -1 when it is longer than TT_RING_REQUEST_MAX. */
int tt_ring_set_consumer_request(const char *text, size_t len);
/* Producer side: the attached consumer's request, NUL-terminated in out; its length, or -1 when
 * the attached consumer published none (an older engine, `tracer dump`) or it does not fit. */
ssize_t tt_ring_consumer_request(const struct tt_ring *r, char *out, size_t cap);

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

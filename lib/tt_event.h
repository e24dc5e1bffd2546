/* The Tartan event stream: what the tracer produces and the engine consumes.
 *
 * A stream (a shared-memory ring or a capture file) starts with a struct tt_stream_hdr, then
 * holds records. Each record is a struct tt_event header followed by nparams parameters, each a
 * struct tt_param header and `len` payload bytes, packed back to back; the record is padded
 * with zeros to a multiple of 8 bytes and `len` counts the padding. All integers are
 * little-endian host order (the stream never leaves the machine). Full description:
 * docs/event-format.md.
 *
 * Readers treat every record as untrusted (the ring is shared with another container):
 * tt_event_validate() must succeed before any parameter is read. */
#ifndef TT_EVENT_H
#define TT_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TT_STREAM_MAGIC "TARTANEV" /* 8 bytes, no NUL */
/* The stream format this build writes, and the oldest one it reads. During a rolling upgrade a
 * newer engine may meet the ring of an older tracer (EKS sidecar images are updated apart from
 * workload images): readers accept [TT_EVENT_VERSION_OLDEST, TT_EVENT_VERSION], and a consumer
 * publishes the version of the stream it agreed to read, so the older tracer accepts it too.
 * When a change bumps TT_EVENT_VERSION, set TT_EVENT_VERSION_OLDEST to the previous version if
 * this build still decodes that stream correctly (event types only appended, or a translation
 * in the reader), else to the new version (and say so in CHANGELOG.md: engine and tracer must
 * then be upgraded together). Overridable for the tests that pose as the next release. */
#ifndef TT_EVENT_VERSION
#define TT_EVENT_VERSION 1u
#endif
#ifndef TT_EVENT_VERSION_OLDEST
#define TT_EVENT_VERSION_OLDEST 1u
#endif
#define TT_EVENT_MAX_LEN (256u * 1024u) /* one record, header included */
/* `ret` of a syscall reported at its entry, without its result (close, socket under the
 * seccomp filter: see docs/event-format.md). Never a real return value. */
#define TT_RET_NONE INT64_MIN

enum tt_event_type {
    TT_EV_NONE = 0,
#define TT_EVENT(id, name, flags, fd, fdkind) TT_EV_##id,
#include "tt_events.def"
#undef TT_EVENT
    TT_EV_COUNT
};

/* Properties of an event type (tt_events.def; tt_event_flags()). */
enum tt_event_flags {
    TT_EVF_SYSCALL = 1u << 0,
    TT_EVF_SYNTH = 1u << 1,
    TT_EVF_STATE = 1u << 2,
    TT_EVF_NO_RULES = 1u << 3,   /* state only: rules are never evaluated on it */
    TT_EVF_FD_CREATE = 1u << 4,  /* libsinsp EF_CREATES_FD */
    TT_EVF_FD_USE = 1u << 5,     /* libsinsp EF_USES_FD */
    TT_EVF_FD_DESTROY = 1u << 6, /* libsinsp EF_DESTROYS_FD */
    TT_EVF_RET_FD = 1u << 7,     /* the return value is the fd it creates */
    TT_EVF_FD_OPEN = 1u << 8,    /* opens a file by name (the open family) */
    TT_EVF_FD_IO = 1u << 9,      /* sends or receives data through the fd */
};
/* The fd column of tt_events.def, as flags. */
#define TT_EVFD_NONE 0u
#define TT_EVFD_USE TT_EVF_FD_USE
#define TT_EVFD_IO (TT_EVF_FD_USE | TT_EVF_FD_IO)
#define TT_EVFD_CLOSE (TT_EVF_FD_USE | TT_EVF_FD_DESTROY)
#define TT_EVFD_MAKE TT_EVF_FD_CREATE
#define TT_EVFD_RET (TT_EVF_FD_CREATE | TT_EVF_RET_FD)
#define TT_EVFD_OPEN (TT_EVF_FD_CREATE | TT_EVF_RET_FD | TT_EVF_FD_OPEN)
#define TT_EVFD_DUP (TT_EVF_FD_CREATE | TT_EVF_RET_FD | TT_EVF_FD_USE)

enum tt_param_kind {
    TT_PK_NONE = 0,
    TT_PK_I64,
    TT_PK_U64,
    TT_PK_STR,
    TT_PK_BYTES,
    TT_PK_SOCKADDR,
    TT_PK_STRLIST,
};

enum tt_param_id {
    TT_P_NONE = 0,
#define TT_PARAM(id, name, kind) TT_P_##id,
#include "tt_params.def"
#undef TT_PARAM
    TT_P_COUNT
};

/* Executable flags (TT_P_EXE_FLAGS), the same bits as Falco's PPM_EXE_*. */
enum tt_exe_flags {
    TT_EXE_WRITABLE = 1u << 0,
    TT_EXE_UPPER_LAYER = 1u << 1,
    TT_EXE_FROM_MEMFD = 1u << 2,
    TT_EXE_LOWER_LAYER = 1u << 3,
};

/* fd kinds for TT_EV_FDINFO (TT_P_FDTYPE). */
enum tt_fd_type {
    TT_FD_UNKNOWN = 0,
    TT_FD_FILE,
    TT_FD_DIRECTORY,
    TT_FD_IPV4,
    TT_FD_IPV6,
    TT_FD_UNIX,
    TT_FD_PIPE,
    TT_FD_EVENT,
    TT_FD_SIGNALFD,
    TT_FD_EVENTPOLL,
    TT_FD_INOTIFY,
    TT_FD_TIMERFD,
    TT_FD_NETLINK,
    TT_FD_BPF,
    TT_FD_USERFAULTFD,
    TT_FD_IO_URING,
    TT_FD_MEMFD,
    TT_FD_PIDFD,
};

/* Architectures, as AUDIT_ARCH_* (<linux/audit.h>, which musl builds do not have): the stream
 * header's `arch` and the `arch` parameter of syscall, tamper and tracerinfo events. */
#define TT_ARCH_X86_64 0xc000003eu  /* AUDIT_ARCH_X86_64 */
#define TT_ARCH_AARCH64 0xc00000b7u /* AUDIT_ARCH_AARCH64 */
#define TT_ARCH_I386 0x40000003u    /* AUDIT_ARCH_I386: x86's 32-bit ABI */
#define TT_ARCH_ARM 0x40000028u     /* AUDIT_ARCH_ARM: AArch32 tasks on arm64 */
#if defined(__x86_64__)
#define TT_ARCH_NATIVE TT_ARCH_X86_64
#elif defined(__aarch64__)
#define TT_ARCH_NATIVE TT_ARCH_AARCH64
#else
#error "Tartan runs on x86_64 and aarch64"
#endif

/* Start of every stream: capture file or ring. */
struct tt_stream_hdr {
    char magic[8];         /* TT_STREAM_MAGIC */
    uint32_t version;      /* TT_EVENT_VERSION */
    uint32_t hdr_size;     /* sizeof(struct tt_stream_hdr) */
    uint64_t start_ns;     /* CLOCK_REALTIME when the stream was created */
    uint32_t producer_pid; /* the tracer */
    uint32_t flags;
    uint32_t arch; /* TT_ARCH_* of the producer; 0 in streams written before the field: x86_64 */
    uint8_t reserved[28];
};
/* The producer's architecture of a checked header (0 read as x86_64). */
uint32_t tt_stream_hdr_arch(const struct tt_stream_hdr *h);

struct tt_event {
    uint32_t len;     /* whole record in bytes, header and padding included; multiple of 8 */
    uint16_t type;    /* enum tt_event_type */
    uint16_t nparams; /* parameters that follow */
    uint64_t ts_ns;   /* CLOCK_REALTIME, taken as close to the syscall as possible */
    int64_t ret;      /* syscall return value, -errno on failure; 0 for synthetic events */
    int32_t tid;      /* thread id (tracer's pid namespace) */
    int32_t pid;      /* thread-group id */
};

struct tt_param {
    uint16_t id;   /* enum tt_param_id */
    uint16_t kind; /* enum tt_param_kind */
    uint32_t len;  /* payload bytes that follow (not padded) */
};

/* A decoded view of one parameter (points into the record). */
struct tt_param_view {
    enum tt_param_id id;
    enum tt_param_kind kind;
    const uint8_t *data;
    uint32_t len;
};

/* Names and tables. Unknown values give NULL / TT_PK_NONE / 0. */
const char *tt_event_name(unsigned type);
unsigned tt_event_flags(unsigned type);
/* The kind of fd a successful call of this type creates when the type alone fixes it
 * (tt_events.def's fdkind column), TT_FD_UNKNOWN otherwise. */
enum tt_fd_type tt_event_fd_kind(unsigned type);
unsigned tt_event_type_by_name(const char *name); /* TT_EV_NONE if unknown */
const char *tt_param_name(unsigned id);
enum tt_param_kind tt_param_kind_of(unsigned id);
unsigned tt_param_by_name(const char *name); /* TT_P_NONE if unknown */

/* ---- Writing: build one record into a caller buffer, no allocation. ----
 * All add functions are no-ops once the buffer overflowed; tt_evb_finish() then reports it.
 * Strings longer than the space left are truncated (the event is still valid). */
struct tt_evb {
    uint8_t *buf;
    size_t cap;
    size_t used;
    int overflow;
};
void tt_evb_begin(struct tt_evb *b, void *buf, size_t cap, unsigned type, uint64_t ts_ns,
                  int32_t tid, int32_t pid);
void tt_evb_i64(struct tt_evb *b, unsigned id, int64_t v);
void tt_evb_u64(struct tt_evb *b, unsigned id, uint64_t v);
void tt_evb_bytes(struct tt_evb *b, unsigned id, unsigned kind, const void *p, size_t len);
void tt_evb_str(struct tt_evb *b, unsigned id, const char *s); /* NULL-safe */
/* Returns the record length (padded), or 0 if it did not fit even truncated. */
size_t tt_evb_finish(struct tt_evb *b, int64_t ret);

/* ---- Reading ---- */
/* 0 if the record at p (avail bytes readable) is well formed: sane len, known type, every
 * parameter inside the record; -1 otherwise. */
int tt_event_validate(const void *p, size_t avail);
/* Iterate parameters of a validated record: pos starts at 0; returns 1 while there is one. */
int tt_event_next_param(const struct tt_event *ev, size_t *pos, struct tt_param_view *out);
/* First parameter with this id; 1 if found. */
int tt_event_param(const struct tt_event *ev, unsigned id, struct tt_param_view *out);
int tt_event_get_i64(const struct tt_event *ev, unsigned id, int64_t *out);
int tt_event_get_u64(const struct tt_event *ev, unsigned id, uint64_t *out);

/* One readable line (no trailing newline) like `sysdig -r`:
 *   <ts> <tid>/<pid> <type> ret=<r> name=value ...
 * Returns the number of bytes written (snprintf semantics). */
int tt_event_format(const struct tt_event *ev, char *out, size_t cap);

/* Stream header helpers. */
void tt_stream_hdr_init(struct tt_stream_hdr *h, uint64_t start_ns, uint32_t producer_pid);
/* 0 if valid; otherwise -1 and a one-line reason in why. */
int tt_stream_hdr_check(const struct tt_stream_hdr *h, char *why, size_t whylen);

#endif

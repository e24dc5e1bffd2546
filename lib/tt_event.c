/* Event record encoding, validation and text rendering (see tt_event.h). */
#include "tt_event.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

struct event_info {
    const char *name;
    unsigned flags;
    enum tt_fd_type fd_kind;
};

static const struct event_info event_table[TT_EV_COUNT] = {
    [TT_EV_NONE] = {NULL, 0, TT_FD_UNKNOWN},
#define TT_EVENT(id, name, flags, fd, fdkind)                                                      \
    [TT_EV_##id] = {name, (flags) | TT_EVFD_##fd, TT_FD_##fdkind},
#include "tt_events.def"
#undef TT_EVENT
};

struct param_info {
    const char *name;
    enum tt_param_kind kind;
};

static const struct param_info param_table[TT_P_COUNT] = {
    [TT_P_NONE] = {NULL, TT_PK_NONE},
#define TT_PARAM(id, name, kind) [TT_P_##id] = {name, TT_PK_##kind},
#include "tt_params.def"
#undef TT_PARAM
};

const char *tt_event_name(unsigned type)
{
    return type < TT_EV_COUNT ? event_table[type].name : NULL;
}

unsigned tt_event_flags(unsigned type)
{
    return type < TT_EV_COUNT ? event_table[type].flags : 0;
}

enum tt_fd_type tt_event_fd_kind(unsigned type)
{
    return type < TT_EV_COUNT ? event_table[type].fd_kind : TT_FD_UNKNOWN;
}

unsigned tt_event_type_by_name(const char *name)
{
    for (unsigned i = 1; i < TT_EV_COUNT; i++)
        if (strcmp(event_table[i].name, name) == 0)
            return i;
    return TT_EV_NONE;
}

const char *tt_param_name(unsigned id)
{
    return id < TT_P_COUNT ? param_table[id].name : NULL;
}

enum tt_param_kind tt_param_kind_of(unsigned id)
{
    return id < TT_P_COUNT ? param_table[id].kind : TT_PK_NONE;
}

unsigned tt_param_by_name(const char *name)
{
    for (unsigned i = 1; i < TT_P_COUNT; i++)
        if (strcmp(param_table[i].name, name) == 0)
            return i;
    return TT_P_NONE;
}

/* ---- writing ---- */

void tt_evb_begin(struct tt_evb *b, void *buf, size_t cap, unsigned type, uint64_t ts_ns,
                  int32_t tid, int32_t pid)
{
    b->buf = buf;
    b->cap = cap > TT_EVENT_MAX_LEN ? TT_EVENT_MAX_LEN : cap;
    b->used = sizeof(struct tt_event);
    b->overflow = b->cap < sizeof(struct tt_event);
    if (b->overflow)
        return;
    struct tt_event ev = {0};
    ev.type = (uint16_t)type;
    ev.ts_ns = ts_ns;
    ev.tid = tid;
    ev.pid = pid;
    memcpy(b->buf, &ev, sizeof ev);
}

/* Appends a parameter; payloads are truncated to fit (keeping room for padding). */
void tt_evb_bytes(struct tt_evb *b, unsigned id, unsigned kind, const void *p, size_t len)
{
    if (b->overflow)
        return;
    size_t room = b->cap - b->used;
    if (room < sizeof(struct tt_param) + 8) {
        b->overflow = 1;
        return;
    }
    size_t max_payload = room - sizeof(struct tt_param) - 7;
    if (len > max_payload) {
        if (kind == TT_PK_I64 || kind == TT_PK_U64 || kind == TT_PK_SOCKADDR) {
            b->overflow = 1;
            return;
        }
        len = max_payload;
    }
    struct tt_param ph = {(uint16_t)id, (uint16_t)kind, (uint32_t)len};
    memcpy(b->buf + b->used, &ph, sizeof ph);
    b->used += sizeof ph;
    if (len)
        memcpy(b->buf + b->used, p, len);
    b->used += len;
    struct tt_event *ev = (struct tt_event *)(void *)b->buf;
    uint16_t n;
    memcpy(&n, &ev->nparams, sizeof n);
    n++;
    memcpy(&ev->nparams, &n, sizeof n);
}

void tt_evb_i64(struct tt_evb *b, unsigned id, int64_t v)
{
    tt_evb_bytes(b, id, TT_PK_I64, &v, sizeof v);
}

void tt_evb_u64(struct tt_evb *b, unsigned id, uint64_t v)
{
    tt_evb_bytes(b, id, TT_PK_U64, &v, sizeof v);
}

void tt_evb_str(struct tt_evb *b, unsigned id, const char *s)
{
    if (s)
        tt_evb_bytes(b, id, TT_PK_STR, s, strlen(s));
}

size_t tt_evb_finish(struct tt_evb *b, int64_t ret)
{
    if (b->cap < sizeof(struct tt_event))
        return 0;
    size_t len = (b->used + 7u) & ~(size_t)7u;
    if (len > b->cap)
        return 0;
    memset(b->buf + b->used, 0, len - b->used);
    struct tt_event *ev = (struct tt_event *)(void *)b->buf;
    uint32_t l32 = (uint32_t)len;
    memcpy(&ev->len, &l32, sizeof l32);
    memcpy(&ev->ret, &ret, sizeof ret);
    return len;
}

/* ---- reading ---- */

int tt_event_validate(const void *p, size_t avail)
{
    struct tt_event ev;
    if (avail < sizeof ev)
        return -1;
    memcpy(&ev, p, sizeof ev);
    if (ev.len < sizeof ev || ev.len > avail || ev.len > TT_EVENT_MAX_LEN || (ev.len & 7u))
        return -1;
    if (ev.type == TT_EV_NONE || ev.type >= TT_EV_COUNT)
        return -1;
    const uint8_t *base = p;
    size_t pos = sizeof ev;
    for (unsigned i = 0; i < ev.nparams; i++) {
        struct tt_param ph;
        if (ev.len - pos < sizeof ph)
            return -1;
        memcpy(&ph, base + pos, sizeof ph);
        pos += sizeof ph;
        if (ph.len > ev.len - pos)
            return -1;
        if ((ph.kind == TT_PK_I64 || ph.kind == TT_PK_U64) && ph.len != 8)
            return -1;
        if (ph.kind == TT_PK_NONE || ph.kind > TT_PK_STRLIST)
            return -1;
        pos += ph.len;
    }
    /* Only zero padding (under 8 bytes) may follow the parameters: otherwise a reader walking
     * parameters by position (tt_event_next_param) would find unvalidated ones there. */
    if (ev.len - pos >= 8)
        return -1;
    for (; pos < ev.len; pos++)
        if (base[pos] != 0)
            return -1;
    return 0;
}

int tt_event_next_param(const struct tt_event *ev, size_t *pos, struct tt_param_view *out)
{
    const uint8_t *base = (const uint8_t *)ev;
    if (*pos == 0)
        *pos = sizeof(struct tt_event);
    if (*pos + sizeof(struct tt_param) > ev->len)
        return 0;
    /* Count how far we are: parameters are only valid up to nparams. */
    struct tt_param ph;
    memcpy(&ph, base + *pos, sizeof ph);
    if (ph.id == 0 && ph.kind == 0 && ph.len == 0)
        return 0; /* padding */
    if (*pos + sizeof ph + ph.len > ev->len)
        return 0;
    out->id = ph.id;
    out->kind = ph.kind;
    out->data = base + *pos + sizeof ph;
    out->len = ph.len;
    *pos += sizeof ph + ph.len;
    return 1;
}

int tt_event_param(const struct tt_event *ev, unsigned id, struct tt_param_view *out)
{
    size_t pos = 0;
    struct tt_param_view v;
    while (tt_event_next_param(ev, &pos, &v)) {
        if (v.id == id) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

int tt_event_get_i64(const struct tt_event *ev, unsigned id, int64_t *out)
{
    struct tt_param_view v;
    if (!tt_event_param(ev, id, &v) || v.len != 8)
        return 0;
    memcpy(out, v.data, 8);
    return 1;
}

int tt_event_get_u64(const struct tt_event *ev, unsigned id, uint64_t *out)
{
    struct tt_param_view v;
    if (!tt_event_param(ev, id, &v) || v.len != 8)
        return 0;
    memcpy(out, v.data, 8);
    return 1;
}

/* ---- text rendering ---- */

struct out_buf {
    char *p;
    size_t cap, len;
};

static void ob_put(struct out_buf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (o->len + 1 < o->cap)
            o->p[o->len] = s[i];
        o->len++;
    }
    if (o->cap)
        o->p[o->len < o->cap ? o->len : o->cap - 1] = '\0';
}

static void ob_printf(struct out_buf *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void ob_printf(struct out_buf *o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        ob_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Printable bytes as-is; others as \xNN. Stops at maxlen. */
static void ob_escaped(struct out_buf *o, const uint8_t *d, size_t n, char sep_for_nul)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if (c == 0 && sep_for_nul) {
            if (i + 1 < n)
                ob_put(o, &sep_for_nul, 1);
        } else if (c >= 0x20 && c < 0x7f && c != '\\') {
            char ch = (char)c;
            ob_put(o, &ch, 1);
        } else {
            ob_printf(o, "\\x%02x", c);
        }
    }
}

static void ob_sockaddr(struct out_buf *o, const uint8_t *d, size_t n)
{
    sa_family_t fam;
    if (n < sizeof fam) {
        ob_put(o, "?", 1);
        return;
    }
    memcpy(&fam, d, sizeof fam);
    char ip[INET6_ADDRSTRLEN];
    if (fam == AF_INET && n >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, d, sizeof sin);
        inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
        ob_printf(o, "%s:%u", ip, ntohs(sin.sin_port));
    } else if (fam == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, d, sizeof sin6);
        inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof ip);
        ob_printf(o, "[%s]:%u", ip, ntohs(sin6.sin6_port));
    } else if (fam == AF_UNIX) {
        size_t off = offsetof(struct sockaddr_un, sun_path);
        ob_put(o, "unix:", 5);
        if (n > off) {
            const uint8_t *path = d + off;
            size_t plen = n - off;
            if (plen && path[0] == 0) { /* abstract */
                ob_put(o, "@", 1);
                ob_escaped(o, path + 1, plen - 1, 0);
            } else {
                size_t l = strnlen((const char *)path, plen);
                ob_escaped(o, path, l, 0);
            }
        }
    } else {
        ob_printf(o, "family%u", (unsigned)fam);
    }
}

int tt_event_format(const struct tt_event *ev, char *out, size_t cap)
{
    struct out_buf o = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    const char *name = tt_event_name(ev->type);
    ob_printf(&o, "%" PRIu64 ".%09" PRIu64 " %d/%d %s ", ev->ts_ns / 1000000000u,
              ev->ts_ns % 1000000000u, ev->tid, ev->pid, name ? name : "?");
    if (ev->ret == TT_RET_NONE)
        ob_printf(&o, "ret=none");
    else
        ob_printf(&o, "ret=%" PRId64, ev->ret);
    size_t pos = 0;
    struct tt_param_view v;
    while (tt_event_next_param(ev, &pos, &v)) {
        const char *pn = tt_param_name(v.id);
        if (pn)
            ob_printf(&o, " %s=", pn);
        else
            ob_printf(&o, " p%u=", (unsigned)v.id);
        int64_t i64;
        uint64_t u64;
        switch (v.kind) {
        case TT_PK_I64:
            memcpy(&i64, v.data, 8);
            ob_printf(&o, "%" PRId64, i64);
            break;
        case TT_PK_U64:
            memcpy(&u64, v.data, 8);
            if (v.id == TT_P_FLAGS || v.id == TT_P_MODE || v.id == TT_P_CLONE_FLAGS ||
                (v.id >= TT_P_CAP_INH && v.id <= TT_P_CAP_EFF))
                ob_printf(&o, "0x%" PRIx64, u64);
            else
                ob_printf(&o, "%" PRIu64, u64);
            break;
        case TT_PK_STR:
            ob_escaped(&o, v.data, v.len, 0);
            break;
        case TT_PK_STRLIST:
            ob_put(&o, "[", 1);
            ob_escaped(&o, v.data, v.len, ' ');
            ob_put(&o, "]", 1);
            break;
        case TT_PK_SOCKADDR:
            ob_sockaddr(&o, v.data, v.len);
            break;
        case TT_PK_BYTES:
        default:
            ob_printf(&o, "<%u bytes>", v.len);
            break;
        }
    }
    return (int)o.len;
}

void tt_stream_hdr_init(struct tt_stream_hdr *h, uint64_t start_ns, uint32_t producer_pid)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, TT_STREAM_MAGIC, 8);
    h->version = TT_EVENT_VERSION;
    h->hdr_size = sizeof *h;
    h->start_ns = start_ns;
    h->producer_pid = producer_pid;
    h->arch = TT_ARCH_NATIVE;
}

uint32_t tt_stream_hdr_arch(const struct tt_stream_hdr *h)
{
    return h->arch ? h->arch : TT_ARCH_X86_64;
}

/* The stream versions this program reads. Test helpers that compile this file in define
 * TT_RING_TEST_HOOKS to pose as another release (ring_consume --reads A-B). */
#ifdef TT_RING_TEST_HOOKS
static uint32_t reads_oldest = TT_EVENT_VERSION_OLDEST, reads_newest = TT_EVENT_VERSION;
#else
static const uint32_t reads_oldest = TT_EVENT_VERSION_OLDEST, reads_newest = TT_EVENT_VERSION;
#endif

int tt_stream_hdr_check(const struct tt_stream_hdr *h, char *why, size_t whylen)
{
    if (memcmp(h->magic, TT_STREAM_MAGIC, 8) != 0) {
        snprintf(why, whylen, "not a Tartan event stream (bad magic)");
        return -1;
    }
    if (h->version < reads_oldest || h->version > reads_newest) {
        char reads[48];
        if (reads_oldest == reads_newest)
            snprintf(reads, sizeof reads, "version %u", reads_newest);
        else
            snprintf(reads, sizeof reads, "versions %u to %u", reads_oldest, reads_newest);
        snprintf(why, whylen, "event stream format version %u, this program reads %s (%s)",
                 h->version, reads,
                 h->version > reads_newest
                     ? "the tracer is newer: upgrade the engine first, see docs/deploy.md, "
                       "version skew"
                     : "the tracer is older than this program supports: upgrade it");
        return -1;
    }
    if (h->hdr_size != sizeof *h) {
        snprintf(why, whylen, "event stream header size %u, expected %zu", h->hdr_size, sizeof *h);
        return -1;
    }
    return 0;
}

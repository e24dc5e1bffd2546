/* The field registry (fields.def): name resolution with arguments, --list output, and the
 * text/JSON forms of extracted values. */
#include "fields.h"

#include "fields_ids.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tt_event.h"

static const struct fld_info registry[FLD_COUNT] = {
#define FLD(id, name, type, flags, desc) [FLD_##id] = {name, type, flags, desc, FLD_##id},
#include "fields.def"
#undef FLD
};

size_t fld_count(void)
{
    return FLD_COUNT;
}

const struct fld_info *fld_at(size_t i)
{
    return i < FLD_COUNT ? &registry[i] : NULL;
}

/* Names in sorted order for lookup() (built on first use: rules are loaded by one thread);
 * a listed field comes before a hidden one of the same name (evt.rawarg's typed variants). */
static int by_name[FLD_COUNT];
static int by_name_ready;

static int cmp_by_name(const void *a, const void *b)
{
    const struct fld_info *x = &registry[*(const int *)a], *y = &registry[*(const int *)b];
    int r = strcmp(x->name, y->name);
    if (r)
        return r;
    int hx = (x->flags & FF_HIDDEN) != 0, hy = (y->flags & FF_HIDDEN) != 0;
    return hx != hy ? hx - hy : x->id - y->id;
}

static const struct fld_info *lookup(const char *name)
{
    if (!by_name_ready) {
        for (int i = 0; i < FLD_COUNT; i++)
            by_name[i] = i;
        qsort(by_name, FLD_COUNT, sizeof by_name[0], cmp_by_name);
        by_name_ready = 1;
    }
    size_t lo = 0, hi = FLD_COUNT;
    while (lo < hi) { /* the first entry with this name */
        size_t mid = (lo + hi) / 2;
        if (strcmp(registry[by_name[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < FLD_COUNT && strcmp(registry[by_name[lo]].name, name) == 0 ? &registry[by_name[lo]]
                                                                           : NULL;
}

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Falco's parameter name aliases that are not tt param names. */
static int param_of_key(const char *key)
{
    if (strcmp(key, "res") == 0 || strcmp(key, "tuple") == 0)
        return 0;
    return (int)tt_param_by_name(key);
}

int fld_resolve(const char *name, const char *arg, struct fld_ref *out, char *err, size_t errlen)
{
    if (!name || !out)
        return bad(err, errlen, "%s", "invalid field reference");
    memset(out, 0, sizeof *out);
    const char *dotted = NULL;
    int raw = 0;
    if (strncmp(name, "evt.arg.", 8) == 0) {
        dotted = name + 8;
    } else if (strncmp(name, "evt.rawarg.", 11) == 0) {
        dotted = name + 11;
        raw = 1;
    }
    if (dotted) {
        if (!*dotted || strlen(dotted) >= sizeof out->key || arg)
            return bad(err, errlen, "filter_check called with nonexistent field %s", name);
        snprintf(out->key, sizeof out->key, "%s", dotted);
        out->has_arg = 1;
        out->index = -1;
        out->param_id = param_of_key(dotted);
        if (!raw) {
            out->info = &registry[FLD_EVT_ARG];
        } else {
            enum tt_param_kind k = tt_param_kind_of((unsigned)out->param_id);
            out->info =
                k == TT_PK_STR || k == TT_PK_STRLIST || k == TT_PK_BYTES || k == TT_PK_SOCKADDR
                    ? &registry[FLD_EVT_RAWARG_STR]
                : k == TT_PK_U64 ? &registry[FLD_EVT_RAWARG_U64]
                                 : &registry[FLD_EVT_RAWARG];
        }
        return 0;
    }
    const struct fld_info *fi = lookup(name);
    if (!fi)
        return bad(err, errlen, "filter_check called with nonexistent field %s", name);
    out->info = fi;
    out->index = -1;
    if (!arg) {
        if ((fi->flags & FF_ARG_REQUIRED) && !(fi->flags & FF_DOTTED_ARG))
            return bad(err, errlen, "filter_check: field %s requires an argument", name);
        if (fi->id == FLD_EVT_ARG || fi->id == FLD_EVT_RAWARG)
            return bad(err, errlen, "filter_check called with nonexistent field %s", name);
        return 0;
    }
    if (fi->flags & FF_ARG_INDEX) {
        char *end;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        int numeric = end != arg && !*end && !errno && v >= 0;
        if (numeric) {
            out->has_arg = 1;
            out->index = v;
            return 0;
        }
        /* fields taking an index or a key (container.mount.dest[0], [/proc*]) */
        if (!(fi->flags & FF_ARG_KEY))
            return bad(err, errlen, "filter_check: invalid index argument in field %s", name);
    }
    if (fi->flags & FF_ARG_KEY) {
        if (strlen(arg) >= sizeof out->key)
            return bad(err, errlen, "filter_check: argument too long in field %s", name);
        snprintf(out->key, sizeof out->key, "%s", arg);
        out->has_arg = 1;
        return 0;
    }
    return bad(err, errlen, "filter_check: field %s does not take an argument", name);
}

static const char *type_name(enum fld_type t)
{
    switch (t) {
    case FT_STRING:
        return "CHARBUF";
    case FT_INT64:
        return "INT64";
    case FT_UINT64:
        return "UINT64";
    case FT_BOOL:
        return "BOOL";
    case FT_IPADDR:
        return "IPADDR";
    case FT_IPNET:
        return "IPNET";
    case FT_PORT:
        return "PORT";
    case FT_RELTIME:
        return "RELTIME";
    case FT_ABSTIME:
        return "ABSTIME";
    case FT_BYTES:
        return "BYTEBUF";
    default:
        return "NONE";
    }
}

static int json_str(FILE *out, const char *s)
{
    if (fputc('"', out) == EOF)
        return -1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int r;
        if (c == '"' || c == '\\')
            r = fprintf(out, "\\%c", c);
        else if (c < 0x20)
            r = fprintf(out, "\\u%04x", c);
        else
            r = fputc(c, out) == EOF ? -1 : 1;
        if (r < 0)
            return -1;
    }
    return fputc('"', out) == EOF ? -1 : 0;
}

static const char *class_desc(const char *cls, size_t n)
{
    static const struct {
        const char *name, *desc;
    } d[] = {
        {"evt", "All event types"},
        {"syscall", "System call events"},
        {"proc", "Process information of the thread that generated the event"},
        {"thread", "Thread information of the thread that generated the event"},
        {"user", "Information about the user executing the specific event"},
        {"group", "Information about the user group"},
        {"fd", "File descriptor of the event (opened, used, or created)"},
        {"container", "Container the process runs in (id from the cgroup, metadata from ECS)"},
        {"k8s", "Kubernetes metadata (not available here: always missing)"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (strlen(d[i].name) == n && strncmp(d[i].name, cls, n) == 0)
            return d[i].desc;
    return "";
}

static size_t class_len(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? (size_t)(dot - name) : strlen(name);
}

/* Listing order: registry order, each class gathered where it first appears (fields appended
 * at the end of fields.def join their class). */
static void list_order(int order[FLD_COUNT])
{
    int n = 0;
    for (int i = 0; i < FLD_COUNT; i++) {
        size_t cl = class_len(registry[i].name);
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = class_len(registry[j].name) == cl &&
                   !strncmp(registry[j].name, registry[i].name, cl);
        if (seen)
            continue;
        for (int j = i; j < FLD_COUNT; j++)
            if (class_len(registry[j].name) == cl &&
                !strncmp(registry[j].name, registry[i].name, cl))
                order[n++] = j;
    }
}

int fields_list(FILE *out, int mode)
{
    int rc = 0;
    const char *cls = "";
    size_t clen = 0;
    if (mode == 1 && fputs("[", out) == EOF)
        return -1;
    int first = 1;
    int order[FLD_COUNT];
    list_order(order);
    for (int k = 0; k < FLD_COUNT; k++) {
        int i = order[k];
        const struct fld_info *f = &registry[i];
        if (f->flags & FF_HIDDEN)
            continue;
        const char *dot = strchr(f->name, '.');
        size_t cl = dot ? (size_t)(dot - f->name) : strlen(f->name);
        char nm[64];
        snprintf(nm, sizeof nm, "%s%s", f->name,
                 (f->flags & FF_DOTTED_ARG)  ? ".NAME"
                 : (f->flags & FF_ARG_INDEX) ? "[N]"
                 : (f->flags & FF_ARG_KEY)   ? "[KEY]"
                                             : "");
        if (mode == 2) { /* names only (-N) */
            if (fprintf(out, "%s\n", f->name) < 0)
                rc = -1;
            continue;
        }
        if (mode == 1) {
            if (!first && fputs(",", out) == EOF)
                rc = -1;
            first = 0;
            if (fputs("{\"name\":", out) == EOF || json_str(out, f->name) < 0 ||
                fprintf(out, ",\"type\":\"%s\",\"desc\":", type_name(f->type)) < 0 ||
                json_str(out, f->desc) < 0 || fputs("}", out) == EOF)
                rc = -1;
            continue;
        }
        if (cl != clen || strncmp(cls, f->name, cl) != 0) {
            cls = f->name;
            clen = cl;
            if (fprintf(out,
                        "%s-------------------------------------------------------------------"
                        "------------\nField Class:                  %.*s (%s)\n"
                        "Event Sources:                syscall\n\n",
                        k ? "\n" : "", (int)cl, f->name, class_desc(f->name, cl)) < 0)
                rc = -1;
        }
        if (fprintf(out, "%-29s %s%s%s\n", nm, f->desc,
                    (f->flags & FF_FILTER_ONLY) ? " (filter only)" : "", "") < 0)
            rc = -1;
    }
    if (mode == 1 && fputs("]\n", out) == EOF)
        rc = -1;
    return rc;
}

int fld_value_to_text(const struct fld_value *v, char *buf, size_t cap)
{
    switch (v->type) {
    case FT_STRING:
        return snprintf(buf, cap, "%.*s", (int)v->v.s.len, v->v.s.p ? v->v.s.p : "");
    case FT_BYTES: /* libsinsp's default buffer format: printable ASCII, '.' for the rest */
        for (size_t i = 0; i < v->v.s.len; i++)
            if (i + 1 < cap)
                buf[i] = isprint((unsigned char)v->v.s.p[i]) ? v->v.s.p[i] : '.';
        if (cap)
            buf[v->v.s.len < cap ? v->v.s.len : cap - 1] = '\0';
        return (int)v->v.s.len;
    case FT_INT64:
    case FT_RELTIME:
        return snprintf(buf, cap, "%" PRId64, v->v.i);
    case FT_UINT64:
    case FT_PORT:
    case FT_ABSTIME:
        return snprintf(buf, cap, "%" PRIu64, v->v.u);
    case FT_BOOL:
        return snprintf(buf, cap, "%s", v->v.b ? "true" : "false");
    case FT_IPADDR:
    case FT_IPNET: {
        char ip[INET6_ADDRSTRLEN];
        if (!inet_ntop(v->v.ip.family == 6 ? AF_INET6 : AF_INET, v->v.ip.addr, ip, sizeof ip))
            ip[0] = '\0';
        if (v->type == FT_IPNET)
            return snprintf(buf, cap, "%s/%u", ip, v->v.ip.prefix);
        return snprintf(buf, cap, "%s", ip);
    }
    default:
        return snprintf(buf, cap, "<NA>");
    }
}

int fld_value_to_json(const struct fld_value *v, char *buf, size_t cap)
{
    switch (v->type) {
    case FT_INT64:
    case FT_RELTIME:
    case FT_UINT64:
    case FT_PORT:
    case FT_ABSTIME:
    case FT_BOOL:
        return fld_value_to_text(v, buf, cap);
    default:
        break;
    }
    char tmp[512];
    const char *s;
    size_t n;
    if (v->type == FT_STRING) {
        s = v->v.s.p ? v->v.s.p : "";
        n = v->v.s.len;
    } else {
        int r = fld_value_to_text(v, tmp, sizeof tmp);
        s = tmp;
        n = r > 0 ? ((size_t)r < sizeof tmp ? (size_t)r : sizeof tmp - 1) : 0;
    }
    size_t w = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (w + 1 < cap)                                                                           \
            buf[w] = (c);                                                                          \
        w++;                                                                                       \
    } while (0)
    PUT('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            for (int k = 0; e[k]; k++)
                PUT(e[k]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (cap)
        buf[w < cap ? w : cap - 1] = '\0';
    return (int)w;
}

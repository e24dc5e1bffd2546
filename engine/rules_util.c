/* Rules language helpers: arena allocator, growable strings, priorities, diagnostic codes,
 * diagnostic contexts and snippets (the exact shape Falco prints with -V). */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

/* ---- arena ---- */
struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void arena_init(struct arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    struct arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 32768 ? n : 32768;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

/* ---- sbuf ---- */
void sb_init(struct sbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void sb_free(struct sbuf *b)
{
    free(b->p);
    sb_init(b);
}

static int sb_grow(struct sbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (sb_grow(b, n) < 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_putc(struct sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *sb_str(struct sbuf *b)
{
    return b->p ? b->p : "";
}

/* ---- priorities ---- */
static const char *const prio_names[] = {"Emergency", "Alert",  "Critical",      "Error",
                                         "Warning",   "Notice", "Informational", "Debug"};

const char *rule_priority_name(int prio)
{
    if (prio < 0 || prio > PRI_DEBUG)
        return NULL;
    return prio_names[prio];
}

int rule_priority_parse(const char *s)
{
    static const char *const lower[] = {"emergency", "alert",  "critical", "error",
                                        "warning",   "notice", "info",     "debug"};
    for (int i = 0; i <= PRI_DEBUG; i++)
        if (strcasecmp(s, lower[i]) == 0)
            return i;
    if (strcasecmp(s, "informational") == 0)
        return PRI_INFO;
    return -1;
}

/* ---- diagnostic codes ---- */
static const char *const code_str[RULES_DIAG_CODE_COUNT] = {
    "LOAD_ERR_FILE_READ",      "LOAD_ERR_YAML_PARSE",
    "LOAD_ERR_YAML_VALIDATE",  "LOAD_ERR_COMPILE_CONDITION",
    "LOAD_ERR_COMPILE_OUTPUT", "LOAD_ERR_VALIDATE",
    "LOAD_ERR_EXTENSION",      "LOAD_UNKNOWN_SOURCE",
    "LOAD_UNSAFE_NA_CHECK",    "LOAD_NO_EVTTYPE",
    "LOAD_UNKNOWN_FILTER",     "LOAD_UNUSED_MACRO",
    "LOAD_UNUSED_LIST",        "LOAD_UNKNOWN_ITEM",
    "LOAD_DEPRECATED_ITEM",    "LOAD_WARNING_EXTENSION",
    "LOAD_APPEND_NO_VALUES",   "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
    "LOAD_INVALID_MACRO_NAME", "LOAD_INVALID_LIST_NAME",
    "LOAD_COMPILE_CONDITION",  "LOAD_UNKNOWN_KEY",
};

static const char *const code_desc[RULES_DIAG_CODE_COUNT] = {
    "File read error",
    "YAML parse error",
    "Error validating internal structure of YAML file",
    "Error compiling condition",
    "Error compiling output",
    "Error validating rule/macro/list/exception objects",
    "Error in extension item",
    "Unknown event source",
    "Unsafe <NA> comparison in condition",
    "Condition has no event-type restriction",
    "Unknown field or event-type in condition or output",
    "Unused macro",
    "Unused list",
    "Unknown rules file item",
    "Used deprecated item",
    "Warning in extension item",
    "Overriding/appending with no values",
    "Multiple exceptions defined with the same name",
    "Invalid macro name",
    "Invalid list name",
    "Warning in rule condition",
    "Unknown key in item definition",
};

const char *rules_diag_code_str(int code)
{
    return code >= 0 && code < RULES_DIAG_CODE_COUNT ? code_str[code] : "LOAD_UNKNOWN";
}

const char *rules_diag_code_desc(int code)
{
    return code >= 0 && code < RULES_DIAG_CODE_COUNT ? code_desc[code] : "Unknown";
}

/* ---- contexts ---- */
void rctx_root(struct rctx *c, const char *file)
{
    memset(c, 0, sizeof(*c));
    c->n = 1;
    c->l[0].type = "rules content";
    c->l[0].iname = "";
    c->l[0].name = file;
}

void rctx_push(struct rctx *c, const struct rctx *parent, const char *type, const char *iname,
               int line, int col, size_t off)
{
    if (c != parent)
        *c = *parent;
    c->alt = NULL;
    if (c->n >= RCTX_MAX)
        return;
    struct rctx_loc *l = &c->l[c->n++];
    l->type = type;
    l->iname = iname ? iname : "";
    l->name = parent->l[0].name;
    l->line = line;
    l->col = col;
    l->off = off;
}

void rctx_cond(struct rctx *c, const struct rctx *parent, struct arena *a, const char *cond,
               size_t idx, int line, int col)
{
    const struct rctx_loc *last = &parent->l[parent->n - 1];
    size_t n = strlen(cond);
    char *name = arena_alloc(a, 24);
    if (name) {
        if (n > 20)
            snprintf(name, 24, "\"%.17s...\"", cond);
        else
            snprintf(name, 24, "\"%s\"", cond);
        for (char *p = name; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
    }
    int pl = last->line, pc = last->col;
    size_t po = last->off;
    if (c != parent)
        *c = *parent;
    if (c->n < RCTX_MAX) {
        struct rctx_loc *l = &c->l[c->n++];
        l->type = "condition expression";
        l->iname = "";
        l->name = name ? name : "\"\"";
        l->line = line + pl;
        l->col = col + pc;
        l->off = idx + po;
    }
    c->alt = cond;
}

/* ---- diagnostics ---- */
void rules_diags_init(struct rules_diags *d)
{
    memset(d, 0, sizeof(*d));
}

void rules_diags_free(struct rules_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        struct rules_diag *g = &d->v[i];
        free(g->message);
        free(g->file);
        free(g->snippet);
        for (size_t j = 0; j < g->nlocs; j++) {
            free(g->locs[j].item_name);
            free(g->locs[j].name);
        }
        free(g->locs);
    }
    free(d->v);
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i].name);
    free(d->files);
    rules_diags_init(d);
}

int rdiag_begin_file(struct rules_diags *d, const char *name)
{
    if (!d)
        return 0;
    if (d->nfiles == d->capfiles) {
        size_t cap = d->capfiles ? d->capfiles * 2 : 4;
        struct rules_file_result *p = realloc(d->files, cap * sizeof(*p));
        if (!p)
            return -1;
        d->files = p;
        d->capfiles = cap;
    }
    struct rules_file_result *f = &d->files[d->nfiles];
    f->name = strdup(name);
    if (!f->name)
        return -1;
    f->ok = 1;
    f->first = d->n;
    f->n = 0;
    d->nfiles++;
    return 0;
}

/* Falco's snippet: the line holding pos (at most width/2 chars either side) and a caret. */
static char *make_snippet(const char *content, size_t size, size_t pos)
{
    const size_t width = 160;
    struct sbuf b;
    sb_init(&b);
    if (!content || size == 0) {
        sb_puts(&b, "<No context available>\n");
        return b.oom ? NULL : b.p;
    }
    for (; pos > 0 && (pos >= size || content[pos] == '\n'); pos--)
        ;
    size_t from = pos, to = pos;
    for (; from > 0 && content[from] != '\n' && (pos - from) < width / 2; from--)
        ;
    for (; to < size - 1 && content[to] != '\n' && (to - pos) < width / 2; to++)
        ;
    if (from < size && content[from] == '\n')
        from++;
    if (to < size && content[to] == '\n' && to > 0)
        to--;
    if (to + 1 <= from) {
        sb_puts(&b, "<No context available>\n");
        return b.oom ? NULL : b.p;
    }
    size_t len = to - from + 1;
    char *line = malloc(len + 1);
    if (!line) {
        sb_free(&b);
        return NULL;
    }
    memcpy(line, content + from, len);
    line[len] = '\0';
    if (pos - from >= width / 2 && len >= 3)
        memcpy(line, "...", 3);
    if (to - pos >= width / 2 && len >= 3)
        memcpy(line + len - 3, "...", 3);
    sb_putn(&b, line, len);
    sb_putc(&b, '\n');
    free(line);
    if (pos - from <= len) {
        for (size_t i = 0; i < pos - from; i++)
            sb_putc(&b, ' ');
        sb_puts(&b, "^\n");
    }
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return b.p;
}

int rdiag_add(struct rules_diags *d, int code, const char *msg, const struct rctx *c,
              const char *file, const char *content, size_t content_len)
{
    if (!d)
        return 0;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct rules_diag *p = realloc(d->v, cap * sizeof(*p));
        if (!p)
            return -1;
        d->v = p;
        d->cap = cap;
    }
    struct rules_diag *g = &d->v[d->n];
    memset(g, 0, sizeof(*g));
    g->code = code;
    g->message = strdup(msg);
    g->file = strdup(file ? file : "");
    g->locs = calloc((size_t)(c->n > 0 ? c->n : 1), sizeof(*g->locs));
    if (!g->message || !g->file || !g->locs) {
        free(g->message);
        free(g->file);
        free(g->locs);
        return -1;
    }
    d->n++;
    g->nlocs = (size_t)c->n;
    for (int i = 0; i < c->n; i++) {
        g->locs[i].item_type = c->l[i].type;
        g->locs[i].item_name = strdup(c->l[i].iname ? c->l[i].iname : "");
        g->locs[i].name = strdup(c->l[i].name ? c->l[i].name : "");
        g->locs[i].line = c->l[i].line;
        g->locs[i].column = c->l[i].col;
        g->locs[i].offset = c->l[i].off;
        if (!g->locs[i].item_name || !g->locs[i].name)
            return -1;
        /* the innermost location inside the file itself */
        if (i == 0 || !c->alt || i < c->n - 1) {
            g->line = c->l[i].line;
            g->column = c->l[i].col;
        }
    }
    const struct rctx_loc *last = &c->l[c->n - 1];
    if (c->alt)
        g->snippet = make_snippet(c->alt, strlen(c->alt), last->off);
    else
        g->snippet = make_snippet(content, content_len, last->off);
    if (!g->snippet)
        return -1;
    if (RULES_DIAG_IS_ERROR(code)) {
        d->nerrors++;
        if (d->nfiles)
            d->files[d->nfiles - 1].ok = 0;
    } else {
        d->nwarnings++;
    }
    if (d->nfiles)
        d->files[d->nfiles - 1].n = d->n - d->files[d->nfiles - 1].first;
    return 0;
}

static void print_diag(const struct rules_diag *g, FILE *out)
{
    for (size_t i = 0; i < g->nlocs; i++) {
        const struct rules_diag_loc *l = &g->locs[i];
        fputs(i == 0 ? "In " : "    ", out);
        fputs(l->item_type, out);
        if (l->item_name[0])
            fprintf(out, " '%s'", l->item_name);
        fprintf(out, ": (%s:%d:%d)\n", l->name, l->line, l->column);
    }
    fprintf(out, "------\n%s------\n", g->snippet);
    if (g->deprecated_field)
        fprintf(out, "%s (%s: field '%s'): %s\n", rules_diag_code_str(g->code),
                rules_diag_code_desc(g->code), g->deprecated_field, g->message);
    else
        fprintf(out, "%s (%s): %s\n", rules_diag_code_str(g->code), rules_diag_code_desc(g->code),
                g->message);
}

/* One file's verbose result, as Falco's as_verbose_string. */
void rules_diags_print_file(const struct rules_diags *d, size_t fi, FILE *out)
{
    const struct rules_file_result *f = &d->files[fi];
    size_t nerr = 0, nwarn = 0;
    for (size_t i = f->first; i < f->first + f->n; i++) {
        if (RULES_DIAG_IS_ERROR(d->v[i].code))
            nerr++;
        else
            nwarn++;
    }
    fprintf(out, "%s: %s", f->name, nerr ? "Invalid" : nwarn ? "Ok, with warnings" : "Ok");
    if (nerr) {
        fprintf(out, "\n%zu Errors:\n", nerr);
        for (size_t i = f->first; i < f->first + f->n; i++)
            if (RULES_DIAG_IS_ERROR(d->v[i].code))
                print_diag(&d->v[i], out);
    }
    if (nwarn) {
        fprintf(out, "\n%zu Warnings:\n", nwarn);
        for (size_t i = f->first; i < f->first + f->n; i++)
            if (!RULES_DIAG_IS_ERROR(d->v[i].code))
                print_diag(&d->v[i], out);
    }
}

void rules_diags_print(const struct rules_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->nfiles; i++) {
        if (i)
            fputc('\n', out);
        rules_diags_print_file(d, i, out);
    }
    if (d->nfiles)
        fputc('\n', out);
    if (d->oom)
        fputs("Error: out of memory while loading the rules\n", out);
}

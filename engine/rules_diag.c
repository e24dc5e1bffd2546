/* Diagnostics of the rules loader, in the exact shape Falco prints with -V: codes
 * (rules_diag.def), context chains ("In rule 'x': (file:line:col)"), snippets with a caret,
 * and the loader's entry point ld_diag, which finds the snippet's file among those read. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules_load.h"

/* ---- diagnostic codes ---- */
#define RULES_DIAG(code, kind, desc)                                                               \
    _Static_assert(RULES_DIAG_KIND_##kind == RULES_DIAG_IS_ERROR(code),                            \
                   #code ": every error code comes before every warning code");
#include "rules_diag.def"
#undef RULES_DIAG

static const char *const code_str[RULES_DIAG_CODE_COUNT] = {
#define RULES_DIAG(code, kind, desc) [code] = #code,
#include "rules_diag.def"
#undef RULES_DIAG
};

static const char *const code_desc[RULES_DIAG_CODE_COUNT] = {
#define RULES_DIAG(code, kind, desc) [code] = desc,
#include "rules_diag.def"
#undef RULES_DIAG
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

/* Records a diagnostic; content is the file text the snippet is cut from (may be NULL). */
static int rdiag_add(struct rules_diags *d, int code, const char *msg, const struct rctx *c,
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

int rules_diags_file_error(struct rules_diags *d, const char *file, const char *msg)
{
    if (!d)
        return 0;
    struct rctx c;
    rctx_root(&c, file);
    if (rdiag_begin_file(d, file) < 0)
        return -1;
    return rdiag_add(d, LOAD_ERR_FILE_READ, msg, &c, file, NULL, 0);
}

/* ---- the loader's diagnostics ---- */
void ld_diag(struct loader *ld, int code, const char *msg, const struct rctx *c)
{
    const char *fname = c->l[c->n - 1].name;
    const char *data = NULL;
    size_t len = 0;
    for (size_t i = 0; i < ld->nfiles; i++)
        if (strcmp(ld->files[i].name, fname) == 0) {
            data = ld->files[i].data;
            len = ld->files[i].len;
        }
    const char *result = ld->nfiles ? ld->files[ld->nfiles - 1].name : fname;
    if (rdiag_add(ld->d, code, msg, c, result, data, len) < 0)
        ld->oom = 1;
}

void ld_diag_field(struct loader *ld, const char *df, const char *msg, const struct rctx *c)
{
    size_t before = ld->d ? ld->d->n : 0;
    ld_diag(ld, LOAD_DEPRECATED_ITEM, msg, c);
    if (ld->d && ld->d->n > before)
        ld->d->v[ld->d->n - 1].deprecated_field = df;
}

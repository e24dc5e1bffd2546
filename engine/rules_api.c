/* Public rules API (ruleset.h): loading rules texts cumulatively (files and directories are
 * read by config_rules.c, the engine's one rules-collection path), applying the enable/disable
 * selections, building the per-event-type index, evaluating. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "rules_load.h"

static void loader_init(struct loader *ld, const struct ruleset_opts *o, struct rules_diags *d)
{
    memset(ld, 0, sizeof(*ld));
    arena_init(&ld->a);
    ld->opts = o;
    ld->d = d;
    ld->fields = o->fields ? o->fields : &cond_fields_default;
}

static void loader_free(struct loader *ld)
{
    for (size_t i = 0; i < ld->nfiles; i++)
        free((char *)ld->files[i].data);
    free(ld->files);
    ld_free_maps(ld);
    arena_free(&ld->a);
}

static int loader_add_file(struct loader *ld, const char *name, const char *data, size_t len)
{
    if (ld->nfiles == ld->capfiles) {
        size_t cap = ld->capfiles ? ld->capfiles * 2 : 8;
        struct file_content *p = realloc(ld->files, cap * sizeof(*p));
        if (!p)
            return -1;
        ld->files = p;
        ld->capfiles = cap;
    }
    char *copy = malloc(len + 1);
    const char *nm = arena_strdup(&ld->a, name);
    if (!copy || !nm) {
        free(copy);
        return -1;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    ld->files[ld->nfiles].name = nm;
    ld->files[ld->nfiles].data = copy;
    ld->files[ld->nfiles].len = len;
    ld->nfiles++;
    return 0;
}

/* Loads one content: read + build (Falco recompiles everything after every file). */
static int load_one(struct loader *ld, const char *name, const char *data, size_t len,
                    struct ruleset *out)
{
    if (rdiag_begin_file(ld->d, name) < 0 || loader_add_file(ld, name, data, len) < 0)
        return -1;
    if (ld_read(ld, name, data, len) < 0)
        return -1;
    if (ld_build(ld, out) < 0)
        return -1;
    /* Falco checks plugin requirements after loading, against the loaded plugins */
    for (size_t i = 0; i < ld->npreqs; i++) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "Plugin requirement not satisfied, must load one of: %s",
                 ld->preqs[i].text);
        ld_diag(ld, LOAD_ERR_VALIDATE, msg, &ld->preqs[i].ctx);
        return -1;
    }
    return 0;
}

/* Falco's matches_wildcard: only '*' is special. */
static int wild_match(const char *pat, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*pat == '*') {
            star = pat++;
            ss = s;
        } else if (*pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++ss;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int has_tag(const struct rule *r, const char *t)
{
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i], t) == 0)
            return 1;
    return 0;
}

/* The evaluation order is the order in which rules were enabled, like Falco's per-type lists:
 * rules enabled at load time in rule order, then a rule disabled and enabled again by a
 * selection moves to the end. */
static void seq_remove(struct ruleset *rs, size_t idx)
{
    for (size_t i = 0; i < rs->norder; i++)
        if (rs->order[i] == idx) {
            memmove(&rs->order[i], &rs->order[i + 1], (rs->norder - i - 1) * sizeof(*rs->order));
            rs->norder--;
            return;
        }
}

static void seq_add(struct ruleset *rs, size_t idx)
{
    for (size_t i = 0; i < rs->norder; i++)
        if (rs->order[i] == idx)
            return;
    rs->order[rs->norder++] = idx;
}

static void set_enabled(struct ruleset *rs, size_t i, int en)
{
    rs->rules[i].pub.enabled = en;
    if (en)
        seq_add(rs, i);
    else
        seq_remove(rs, i);
}

static int apply_selection(struct ruleset *rs, const struct ruleset_opts *o)
{
    rs->order = arena_alloc(&rs->arena, (rs->nrules + 1) * sizeof(*rs->order));
    if (!rs->order)
        return -1;
    rs->norder = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        struct rule *r = &rs->rules[i].pub;
        if (o->min_priority_set && r->priority > o->min_priority) {
            r->enabled = 0; /* never added to the ruleset */
            continue;
        }
        if (r->enabled)
            seq_add(rs, i);
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        struct rule *r = &rs->rules[i].pub;
        if (o->min_priority_set && r->priority > o->min_priority)
            continue;
        for (size_t k = 0; k < o->ndisable_substr; k++)
            if (strstr(r->name, o->disable_substr[k]))
                set_enabled(rs, i, 0);
        for (size_t k = 0; k < o->ndisable_tags; k++)
            if (has_tag(r, o->disable_tags[k]))
                set_enabled(rs, i, 0);
        if (o->nonly_tags) {
            int any = 0;
            for (size_t k = 0; k < o->nonly_tags; k++)
                any |= has_tag(r, o->only_tags[k]);
            if (!any)
                set_enabled(rs, i, 0);
        }
    }
    for (size_t k = 0; k < o->nsel; k++) {
        const struct rule_selection *sel = &o->sel[k];
        for (int pass = 0; pass < 2; pass++) {
            const char *what = pass == 0 ? sel->rule : sel->tag;
            if (!what || !*what)
                continue;
            for (size_t i = 0; i < rs->nrules; i++) {
                struct rule *r = &rs->rules[i].pub;
                if (o->min_priority_set && r->priority > o->min_priority)
                    continue;
                if (pass == 0 ? wild_match(what, r->name) : has_tag(r, what))
                    set_enabled(rs, i, sel->enable);
            }
        }
    }
    return 0;
}

static int build_index(struct ruleset *rs)
{
    size_t cnt[TT_EV_COUNT] = {0};
    rs->nenabled = rs->norder;
    for (size_t k = 0; k < rs->norder; k++) {
        const struct rs_rule *r = &rs->rules[rs->order[k]];
        for (unsigned t = 1; t < TT_EV_COUNT; t++)
            cnt[t] += r->evset[t];
    }
    for (unsigned t = 1; t < TT_EV_COUNT; t++) {
        rs->nbytype[t] = 0;
        if (!cnt[t])
            continue;
        rs->bytype[t] = arena_alloc(&rs->arena, cnt[t] * sizeof(*rs->bytype[t]));
        if (!rs->bytype[t])
            return -1;
        for (size_t k = 0; k < rs->norder; k++) {
            const struct rs_rule *r = &rs->rules[rs->order[k]];
            if (r->evset[t])
                rs->bytype[t][rs->nbytype[t]++] = r;
        }
    }
    return 0;
}

static const struct ruleset_opts default_opts;

static int load_all_once(const char *const *names, const char *const *bufs, const size_t *lens,
                         size_t n, const struct ruleset_opts *o, struct rules_diags *d,
                         struct ruleset **out)
{
    *out = NULL;
    if (!o)
        o = &default_opts;
    struct loader ld;
    loader_init(&ld, o, d);
    struct ruleset *rs = calloc(1, sizeof(*rs));
    if (!rs) {
        loader_free(&ld);
        return -1;
    }
    arena_init(&rs->arena);
    rs->fields = ld.fields;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = load_one(&ld, names[i], bufs[i], lens[i], i + 1 == n ? rs : NULL);
        if (rc < 0) {
            failed = 1;
            if (!o->keep_going)
                break;
        }
    }
    if (n == 0 && ld_build(&ld, rs) < 0)
        failed = 1;
    if (failed && n > 0 && !o->keep_going) {
        /* nothing */
    }
    loader_free(&ld);
    rs->scratch = failed ? NULL : calloc(1, sizeof(*rs->scratch));
    cregs_forget_nodes(&rs->regs);
    if (rs->scratch && rs->regs.nchecks) {
        rs->scratch->rgen = calloc(rs->regs.nchecks, sizeof(*rs->scratch->rgen));
        rs->scratch->rval = calloc(rs->regs.nchecks, sizeof(*rs->scratch->rval));
        if (rs->scratch->rgen && rs->scratch->rval)
            rs->scratch->nres = rs->regs.nchecks;
    }
    if (rs->scratch && rs->regs.nslots) {
        rs->scratch->cache = calloc(rs->regs.nslots, sizeof(*rs->scratch->cache));
        if (rs->scratch->cache)
            rs->scratch->ncache = rs->regs.nslots;
    }
    if (failed || !rs->scratch) {
        ruleset_free(rs);
        return -1;
    }
    if (apply_selection(rs, o) < 0 || build_index(rs) < 0) {
        ruleset_free(rs);
        return -1;
    }
    *out = rs;
    return 0;
}

/* A load in which any allocation failed fails as a whole (rules_alloc.h). */
static int load_all(const char *const *names, const char *const *bufs, const size_t *lens, size_t n,
                    const struct ruleset_opts *o, struct rules_diags *d, struct ruleset **out)
{
    rules_alloc_failed_take();
    int rc = load_all_once(names, bufs, lens, n, o, d, out);
    if (rules_alloc_failed_take()) {
        ruleset_free(*out);
        *out = NULL;
        rc = -1;
        if (d && !d->oom) {
            d->oom = 1;
            d->nerrors++;
        }
    }
    return rc;
}

int ruleset_load_buffers(const char *const *names, const char *const *bufs, const size_t *lens,
                         size_t n, const struct ruleset_opts *o, struct rules_diags *d,
                         struct ruleset **out)
{
    return load_all(names, bufs, lens, n, o, d, out);
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        if (rs->rules[i].pub.fmt)
            fmt_free(rs->rules[i].pub.fmt);
    cregs_free(&rs->regs);
    if (rs->scratch) {
        free(rs->scratch->cache);
        free(rs->scratch->rgen);
        free(rs->scratch->rval);
    }
    free(rs->scratch);
    arena_free(&rs->arena);
    free(rs);
}

size_t ruleset_nrules(const struct ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

size_t ruleset_nenabled(const struct ruleset *rs)
{
    return rs ? rs->nenabled : 0;
}

const struct rule *ruleset_rule(const struct ruleset *rs, size_t i)
{
    return rs && i < rs->nrules ? &rs->rules[i].pub : NULL;
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *name)
{
    for (size_t i = 0; rs && i < rs->nrules; i++)
        if (strcmp(rs->rules[i].pub.name, name) == 0)
            return &rs->rules[i].pub;
    return NULL;
}

int ruleset_eval(const struct ruleset *rs, struct eval_ctx *ctx, unsigned evtype, int match_all,
                 int min_priority,
                 void (*on_match)(const struct rule *r, struct eval_ctx *ctx, void *arg), void *arg)
{
    if (!rs || evtype == 0 || evtype >= TT_EV_COUNT)
        return 0;
    int n = 0;
    const struct rs_rule *const *v = rs->bytype[evtype];
    size_t cnt = rs->nbytype[evtype];
    rs->scratch->gen++;
    for (size_t i = 0; i < cnt; i++) {
        const struct rs_rule *r = v[i];
        if (r->pub.priority > min_priority)
            continue;
        if (cond_eval(&r->prog, rs->fields, ctx, evtype, rs->scratch)) {
            n++;
            if (on_match)
                on_match(&r->pub, ctx, arg);
            if (!match_all)
                break;
        }
    }
    return n;
}

int ruleset_eval_rule(const struct ruleset *rs, size_t i, struct eval_ctx *ctx, unsigned evtype)
{
    if (!rs || i >= rs->nrules)
        return 0;
    rs->scratch->gen++;
    return cond_eval(&rs->rules[i].prog, rs->fields, ctx, evtype, rs->scratch);
}

int ruleset_rule_event_types(const struct ruleset *rs, size_t i, uint8_t *set)
{
    memset(set, 0, TT_EV_COUNT);
    if (!rs || i >= rs->nrules)
        return 0;
    int n = 0;
    for (unsigned t = 1; t < TT_EV_COUNT; t++) {
        set[t] = rs->rules[i].evset[t];
        n += set[t];
    }
    return n;
}

uint64_t ruleset_socket_domains(const struct ruleset *rs)
{
    uint64_t m = 0;
    for (size_t i = 0; rs && i < rs->nbytype[TT_EV_SOCKET]; i++)
        m |= rs->bytype[TT_EV_SOCKET][i]->socket_domains;
    return m;
}

int ruleset_event_types(const struct ruleset *rs, uint8_t *set)
{
    memset(set, 0, TT_EV_COUNT);
    int n = 0;
    for (unsigned t = 1; rs && t < TT_EV_COUNT; t++) {
        set[t] = rs->nbytype[t] > 0;
        n += set[t];
    }
    return n;
}

/* Whether a compiled condition reads a field that `want` accepts (left or right side). */
static int prog_reads(const struct cprog *p, int (*want)(const struct fld_ref *))
{
    for (uint32_t k = 0; k < p->nins; k++) {
        const struct cins *in = &p->ins[k];
        if (in->kind != CK_FIELD && in->kind != CK_VAL)
            continue;
        if ((in->lhs.ref.info && want(&in->lhs.ref)) ||
            (in->kind == CK_VAL && in->rhs.ref.info && want(&in->rhs.ref)))
            return 1;
    }
    return 0;
}

static int is_env_name(const char *name)
{
    return strcmp(name, "proc.env") == 0 || strcmp(name, "proc.aenv") == 0;
}

static int is_env_ref(const struct fld_ref *r)
{
    return is_env_name(r->info->name);
}

int ruleset_needs_env(const struct ruleset *rs)
{
    for (size_t i = 0; rs && i < rs->nrules; i++) {
        const struct rs_rule *r = &rs->rules[i];
        if (!r->pub.enabled)
            continue;
        if (prog_reads(&r->prog, is_env_ref))
            return 1;
        for (size_t k = 0; k < fmt_nfields(r->pub.fmt); k++) {
            const struct fld_ref *f = fmt_field_ref(r->pub.fmt, k);
            if (f && f->info && is_env_name(f->info->name))
                return 1;
        }
    }
    return 0;
}

/* Fields that read the data a call carries (recvfrom's received bytes). */
static int is_data_ref(const struct fld_ref *r)
{
    const char *n = r->info->name;
    if (strcmp(n, "evt.buffer") == 0 || strcmp(n, "evt.buflen") == 0)
        return 1;
    if (strcmp(n, "evt.arg") == 0 || strcmp(n, "evt.rawarg") == 0)
        return strcmp(r->key, "data") == 0 || (!r->key[0] && r->index == 1);
    return 0;
}

int ruleset_recvfrom_needs_all(const struct ruleset *rs)
{
    for (size_t i = 0; rs && i < rs->nbytype[TT_EV_RECVFROM]; i++)
        if (prog_reads(&rs->bytype[TT_EV_RECVFROM][i]->prog, is_data_ref))
            return 1;
    return 0;
}

int ruleset_matches_failed_exec(const struct ruleset *rs, unsigned evtype)
{
    unsigned bit = evtype == TT_EV_EXECVE ? 1u : evtype == TT_EV_EXECVEAT ? 2u : 0u;
    if (!bit)
        return 1;
    for (size_t i = 0; rs && i < rs->nbytype[evtype]; i++)
        if (rs->bytype[evtype][i]->failed_exec & bit)
            return 1;
    return 0;
}

/* Fields whose value for a call depends on what the kernel returned or left (its result, the fd
 * it made or used, what the tracer reads back at the exit stop), or that render every
 * parameter. evt.arg.NAME of an argument the call was made with does not. */
static int is_result_ref(const struct fld_ref *r)
{
    const char *n = r->info->name;
    if (strncmp(n, "fd.", 3) == 0 || strcmp(n, "evt.res") == 0 || strcmp(n, "evt.rawres") == 0 ||
        strcmp(n, "evt.failed") == 0 || strcmp(n, "evt.args") == 0 ||
        strcmp(n, "evt.buffer") == 0 || strcmp(n, "evt.buflen") == 0)
        return 1;
    if (strcmp(n, "evt.arg") == 0 || strcmp(n, "evt.rawarg") == 0)
        return !r->key[0] || strcmp(r->key, "res") == 0; /* (by index: the result is [0]) */
    return 0;
}

/* Event types whose parameters the tracer reads only at the call's entry and which change no
 * state the engine keeps: a `NAME.entry` stop reports them exactly when no rule reads the
 * result. (symlink and link are not: their target is read back at the exit; fchmod and
 * finit_module describe their fd from the engine's fd table.) */
static int entry_candidate(unsigned t)
{
    switch (t) {
    case TT_EV_UNLINK:
    case TT_EV_UNLINKAT:
    case TT_EV_RENAME:
    case TT_EV_RENAMEAT:
    case TT_EV_RENAMEAT2:
    case TT_EV_MKDIR:
    case TT_EV_MKDIRAT:
    case TT_EV_RMDIR:
    case TT_EV_CHMOD:
    case TT_EV_FCHMODAT:
    case TT_EV_MOUNT:
    case TT_EV_UMOUNT2:
    case TT_EV_PTRACE:
    case TT_EV_INIT_MODULE:
    case TT_EV_SETNS:
    case TT_EV_UNSHARE:
    case TT_EV_KILL:
    case TT_EV_TKILL:
    case TT_EV_TGKILL:
        return 1;
    default:
        return 0;
    }
}

int ruleset_reads_result(const struct ruleset *rs, unsigned evtype)
{
    if (evtype >= TT_EV_COUNT || !entry_candidate(evtype) ||
        (tt_event_flags(evtype) & TT_EVF_STATE))
        return 1;
    for (size_t i = 0; rs && i < rs->nbytype[evtype]; i++) {
        const struct rs_rule *r = rs->bytype[evtype][i];
        if (prog_reads(&r->prog, is_result_ref))
            return 1;
        for (size_t k = 0; k < fmt_nfields(r->pub.fmt); k++) {
            const struct fld_ref *f = fmt_field_ref(r->pub.fmt, k);
            if (f && f->info && is_result_ref(f))
                return 1;
        }
    }
    return 0;
}

void ruleset_note_literals(const struct ruleset *rs)
{
    if (!rs || !rs->fields || !rs->fields->note_literal)
        return;
    const struct cond_fields *fp = rs->fields;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct rs_rule *r = &rs->rules[i];
        if (!r->pub.enabled)
            continue;
        for (uint32_t k = 0; k < r->prog.nins; k++) {
            const struct cins *in = &r->prog.ins[k];
            if (in->kind != CK_FIELD || in->mod != MOD_NONE || in->lhs.ntr ||
                (in->op != OP_EQ && in->op != OP_NE && in->op != OP_IN))
                continue;
            for (size_t v = 0; v < in->nvals; v++) {
                if (in->vals[v].type != FT_STRING)
                    continue;
                char buf[256];
                size_t n = in->vals[v].v.s.len < sizeof buf - 1 ? in->vals[v].v.s.len : 0;
                if (!n)
                    continue; /* empty or too long for a host name */
                memcpy(buf, in->vals[v].v.s.p, n);
                buf[n] = '\0';
                fp->note_literal(fp->arg, &in->lhs.ref, buf);
            }
        }
    }
}

/* libFuzzer target: the condition parser and compiler (real field registry) on arbitrary
 * text, the event-type analysis of whatever parses, and evaluation of whatever compiles
 * against a fake field provider whose values come from the input (operators, transformers,
 * regex, glob, pmatch, sets, caches). Input: "<condition>\n<value bytes>". */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

static struct fld_info fi[] = {
    {"proc.name", FT_STRING, 0, "", 0},
    {"fd.num", FT_INT64, 0, "", 1},
    {"fd.sport", FT_PORT, 0, "", 2},
    {"fd.sip", FT_IPADDR, 0, "", 3},
    {"fd.net", FT_IPNET, FF_MULTI | FF_NE_ALL | FF_FILTER_ONLY, "", 4},
    {"proc.aname", FT_STRING, FF_MULTI | FF_NO_TRANSFORMER | FF_ARG_INDEX, "", 5},
    {"evt.buffer", FT_BYTES, 0, "", 6},
    {"evt.is_open_read", FT_BOOL, 0, "", 7},
    {"evt.count", FT_UINT64, 0, "", 8},
    {"proc.env", FT_STRING, FF_ARG_KEY, "", 9},
    {"evt.type", FT_STRING, 0, "", 10},
    {"proc.missing", FT_STRING, 0, "", 11},
};

static const char *val;
static size_t vlen;

static int fk_resolve(void *arg, const char *name, const char *farg, struct fld_ref *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(fi) / sizeof(fi[0]); i++)
        if (strcmp(fi[i].name, name) == 0) {
            out->info = &fi[i];
            if (farg) {
                out->has_arg = 1;
                out->index = atoi(farg);
            }
            return 0;
        }
    snprintf(err, errlen, "filter_check called with nonexistent field %s", name);
    return -1;
}

static int fk_extract(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx,
                      enum fld_mode mode, struct fld_value *out, int max)
{
    uint64_t num = 0;
    for (size_t i = 0; i < vlen && i < 8; i++)
        num = num << 8 | (uint8_t)val[i];
    switch (ref->info->id) {
    case 0:
    case 6:
    case 9:
    case 10:
        out->type = ref->info->type;
        out->v.s.p = val;
        out->v.s.len = vlen;
        return 1;
    case 1:
        out->type = FT_INT64;
        out->v.i = (int64_t)num;
        return 1;
    case 2:
        out->type = FT_PORT;
        out->v.u = num & 0xffff;
        return 1;
    case 3:
    case 4: {
        int n = ref->info->id == 4 ? 2 : 1;
        for (int k = 0; k < n && k < max; k++) {
            memset(&out[k], 0, sizeof(out[k]));
            out[k].type = FT_IPADDR;
            out[k].v.ip.family = (num >> k) & 1 ? 6 : 4;
            out[k].v.ip.prefix = out[k].v.ip.family == 4 ? 32 : 128;
            memcpy(out[k].v.ip.addr, val, vlen < 16 ? vlen : 16);
        }
        return n;
    }
    case 5: {
        int n = (int)(vlen % 5);
        for (int k = 0; k < n && k < max; k++) {
            out[k].type = FT_STRING;
            out[k].v.s.p = val + k;
            out[k].v.s.len = vlen - (size_t)k;
        }
        return n;
    }
    case 7:
        out->type = FT_BOOL;
        out->v.b = (int)(num & 1);
        return 1;
    case 8:
        out->type = FT_UINT64;
        out->v.u = num;
        return 1;
    default:
        return 0;
    }
}

static const struct cond_fields fake = {fk_resolve, fk_extract, NULL, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = memchr(text, '\n', size);
    val = "";
    vlen = 0;
    if (nl) {
        *nl = '\0';
        val = nl + 1;
        vlen = size - (size_t)(nl + 1 - text);
    }
    struct arena a;
    arena_init(&a);
    struct cparse_err perr;
    struct cnode *ast = cond_parse(&a, text, 1000, &perr);
    if (ast) {
        uint8_t set[TT_EV_COUNT];
        cond_evtypes(ast, set);
        struct cregs regs = {0};
        struct cprog prog;
        struct ccomp_err cerr;
        /* the real registry (compile only) */
        cond_compile(&a, &regs, NULL, ast, &prog, &cerr);
        cregs_free(&regs);
        /* the fake provider: compile and evaluate, twice with the caches on */
        memset(&regs, 0, sizeof(regs));
        if (cond_compile(&a, &regs, &fake, ast, &prog, &cerr) == 0) {
            struct cscratch *s = calloc(1, sizeof(*s));
            if (s) {
                s->cache = calloc(regs.nslots + 1, sizeof(*s->cache));
                s->rgen = calloc(regs.nchecks + 1, sizeof(*s->rgen));
                s->rval = calloc(regs.nchecks + 1, sizeof(*s->rval));
                if (s->cache && s->rgen && s->rval) {
                    s->ncache = regs.nslots;
                    s->nres = regs.nchecks;
                }
                for (unsigned t = 1; t < 4; t++) {
                    s->gen++;
                    int r1 = cond_eval(&prog, &fake, NULL, t, s);
                    int r2 = cond_eval(&prog, &fake, NULL, t, s); /* cached: same answer */
                    if (r1 != r2)
                        abort();
                }
                free(s->cache);
                free(s->rgen);
                free(s->rval);
                free(s);
            }
        }
        cregs_free(&regs);
    }
    arena_free(&a);
    free(text);
    return 0;
}

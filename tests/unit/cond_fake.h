/* A fake field provider for condition tests: field values are set by each test, extractions
 * are counted, and rules load from a generated YAML buffer. Included by one test file each
 * (static definitions). */
#ifndef COND_FAKE_H
#define COND_FAKE_H
#include <arpa/inet.h>
#include <stdint.h>

#include "../../engine/rules_int.h"
#include "ruleset.h"
#include "tt_test.h"

enum {
    F_S,
    F_S2,
    F_BUF,
    F_N,
    F_U,
    F_IP,
    F_NET,
    F_ANC,
    F_LIST,
    F_RT,
    F_BOOL,
    F_EITHER,
    F_PORT,
    F_ABS,
    F_NORHS,
    F_NOTR,
    F_ENV,
    F_FDIP,
    F_FDNET,
    F_FDPORT,
    F_FDPROTO,
    F_EVTYPE,
    F_EVNUM,
    F_COUNT
};

static struct fld_info fi[] = {
    {"b.s", FT_STRING, 0, "", F_S},
    {"b.s2", FT_STRING, 0, "", F_S2},
    {"b.buf", FT_BYTES, 0, "", F_BUF},
    {"b.n", FT_INT64, 0, "", F_N},
    {"b.u", FT_UINT64, 0, "", F_U},
    {"b.ip", FT_IPADDR, 0, "", F_IP},
    {"b.net", FT_IPNET, FF_FILTER_ONLY, "", F_NET},
    {"b.anc", FT_STRING, FF_MULTI | FF_ARG_INDEX, "", F_ANC},
    {"b.list", FT_STRING, 0, "", F_LIST},
    {"b.rt", FT_RELTIME, 0, "", F_RT},
    {"b.bool", FT_BOOL, 0, "", F_BOOL},
    {"b.either", FT_IPADDR, FF_MULTI | FF_NE_ALL, "", F_EITHER},
    {"b.port", FT_PORT, 0, "", F_PORT},
    {"b.abs", FT_ABSTIME, 0, "", F_ABS},
    {"b.norhs", FT_STRING, FF_NO_RHS, "", F_NORHS},
    {"b.notr", FT_STRING, FF_NO_TRANSFORMER, "", F_NOTR},
    {"b.env", FT_STRING, FF_ARG_KEY, "", F_ENV},
    /* Falco's client-or-server fields by name, without FF_NE_ALL: the compiler knows them */
    {"fd.ip", FT_IPADDR, 0, "", F_FDIP},
    {"fd.net", FT_IPNET, 0, "", F_FDNET},
    {"fd.port", FT_PORT, 0, "", F_FDPORT},
    {"fd.proto", FT_STRING, 0, "", F_FDPROTO},
    {"evt.type", FT_STRING, 0, "", F_EVTYPE},
    {"evt.num", FT_UINT64, 0, "", F_EVNUM},
};
#define NFI (sizeof(fi) / sizeof(fi[0]))

/* Values of the current event. A NULL string means the field is missing. */
static const char *s_val, *s2_val;
static const char *buf_val;
static size_t buf_len;
static int64_t n_val, rt_val;
static uint64_t u_val;
static int bool_val;
static const char *ip_val, *either_val[2];
#define MAXV 12
static const char *multi_val[MAXV];
static int multi_n;
static int extractions[F_COUNT];

static void reset_values(void)
{
    s_val = "runc";
    s2_val = "runc";
    buf_val = "\x01\x02\x03";
    buf_len = 3;
    n_val = 0;
    rt_val = 0;
    u_val = 0;
    bool_val = 0;
    ip_val = "10.1.2.3";
    either_val[0] = "127.0.0.1";
    either_val[1] = "10.0.0.9";
    multi_n = 0;
    memset(extractions, 0, sizeof(extractions));
}

static int fk_resolve(void *arg, const char *name, const char *farg, struct fld_ref *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < NFI; i++)
        if (strcmp(fi[i].name, name) == 0) {
            out->info = &fi[i];
            if (farg) {
                out->has_arg = 1;
                out->index = atoi(farg);
                if (fi[i].flags & FF_ARG_KEY)
                    snprintf(out->key, sizeof(out->key), "%s", farg);
            }
            return 0;
        }
    if (strncmp(name, "b.any.", 6) == 0) { /* takes any suffix, like evt.arg.NAME */
        out->info = &fi[F_S];
        return 0;
    }
    snprintf(err, errlen, "filter_check called with nonexistent field %s", name);
    return -1;
}

static int set_str(struct fld_value *v, const char *s)
{
    if (!s)
        return 0;
    v->type = FT_STRING;
    v->v.s.p = s;
    v->v.s.len = strlen(s);
    return 1;
}

static int set_ip(struct fld_value *v, const char *s)
{
    memset(v, 0, sizeof(*v));
    v->type = FT_IPADDR;
    if (strchr(s, ':')) {
        v->v.ip.family = 6;
        return inet_pton(AF_INET6, s, v->v.ip.addr) == 1;
    }
    v->v.ip.family = 4;
    return inet_pton(AF_INET, s, v->v.ip.addr) == 1;
}

static int fk_extract(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx,
                      enum fld_mode mode, struct fld_value *out, int max)
{
    int id = ref->info->id;
    extractions[id]++;
    switch (id) {
    case F_S:
        return set_str(out, s_val);
    case F_S2:
        return set_str(out, s2_val);
    case F_BUF:
        out->type = FT_BYTES;
        out->v.s.p = buf_val;
        out->v.s.len = buf_len;
        return 1;
    case F_N:
        out->type = FT_INT64;
        out->v.i = n_val;
        return 1;
    case F_RT:
        out->type = FT_RELTIME;
        out->v.i = rt_val;
        return 1;
    case F_U:
        out->type = FT_UINT64;
        out->v.u = u_val;
        return 1;
    case F_BOOL:
        out->type = FT_BOOL;
        out->v.b = bool_val;
        return 1;
    case F_IP:
    case F_NET:
        return set_ip(out, ip_val);
    case F_EITHER:
    case F_FDIP:
    case F_FDNET:
        return set_ip(&out[0], either_val[0]) + set_ip(&out[1], either_val[1]);
    case F_PORT:
    case F_ABS:
        out->type = id == F_PORT ? FT_PORT : FT_ABSTIME;
        out->v.u = u_val;
        return 1;
    case F_FDPORT:
        out[0].type = out[1].type = FT_PORT;
        out[0].v.u = 40000;
        out[1].v.u = u_val;
        return 2;
    case F_FDPROTO:
        return set_str(&out[0], "tcp") + set_str(&out[1], s_val);
    case F_NORHS:
    case F_NOTR:
        return set_str(out, s_val);
    case F_ENV: /* b.env[KEY]: the key itself, so that two keys give two values */
        return set_str(out, ref->key);
    case F_EVTYPE:
        return set_str(out, "open");
    case F_EVNUM:
        out->type = FT_UINT64;
        out->v.u = 1;
        return 1;
    case F_ANC:
        if (ref->has_arg) {
            if (ref->index < 1 || ref->index > multi_n)
                return 0;
            return set_str(out, multi_val[ref->index - 1]);
        }
        /* fall through */
    case F_LIST:
        for (int i = 0; i < multi_n && i < max; i++)
            set_str(&out[i], multi_val[i]);
        return multi_n < max ? multi_n : max;
    }
    return 0;
}

static const struct cond_fields fake = {fk_resolve, fk_extract, NULL, NULL, NULL};

/* A provider that also answers comparisons of a missing value (as the engine's does for
 * fd.*ip.name): records what it was asked, answers missing_answer. */
static int missing_answer, missing_calls, missing_op;
static size_t missing_nvals;
static int fk_missing(void *arg, const struct fld_ref *ref, struct eval_ctx *ctx, int op,
                      const struct fld_value *vals, size_t nvals)
{
    missing_calls++;
    missing_op = op;
    missing_nvals = nvals;
    return missing_answer;
}
static const struct cond_fields fake_missing = {fk_resolve, fk_extract, NULL, NULL, fk_missing};
static const struct cond_fields *provider = &fake;

static char last_err[256];  /* first error of the last load */
static char last_warn[512]; /* first warning of the last load */
static int last_nwarn;

/* Loads one rule per condition (rule i is "r<i>" with conds[i]), after a macro when
 * macro_name is set, and returns the ruleset, or NULL with last_err set. */
static struct ruleset *load_rules_with_macro(const char *macro_name, const char *macro_cond,
                                             const char *const *conds, size_t n)
{
    static char yaml[65536];
    size_t off = (size_t)snprintf(yaml, sizeof(yaml), "- list: empty_list\n  items: []\n");
    if (macro_name)
        off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "- macro: %s\n  condition: %s\n",
                                macro_name, macro_cond);
    for (size_t i = 0; i < n && off < sizeof(yaml); i++)
        off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
                                "- rule: r%zu\n  desc: d\n  condition: |-\n    %s\n  output: o\n"
                                "  priority: INFO\n",
                                i, conds[i]);
    const char *names[] = {"cond.yaml"}, *bufs[] = {yaml};
    size_t lens[] = {strlen(yaml)};
    struct ruleset_opts o;
    memset(&o, 0, sizeof(o));
    o.fields = provider;
    o.no_output_compile = 1;
    struct rules_diags d;
    rules_diags_init(&d);
    struct ruleset *rs = NULL;
    last_err[0] = '\0';
    last_warn[0] = '\0';
    last_nwarn = 0;
    int rc = ruleset_load_buffers(names, bufs, lens, 1, &o, &d, &rs);
    for (size_t i = 0; i < d.n; i++) {
        if (RULES_DIAG_IS_ERROR(d.v[i].code)) {
            if (!last_err[0])
                snprintf(last_err, sizeof(last_err), "%s", d.v[i].message);
        } else if (d.v[i].code == LOAD_COMPILE_CONDITION) {
            if (!last_nwarn++)
                snprintf(last_warn, sizeof(last_warn), "%s", d.v[i].message);
        }
    }
    if (rc < 0)
        rs = NULL;
    rules_diags_free(&d);
    return rs;
}

static struct ruleset *load_rules(const char *const *conds, size_t n)
{
    return load_rules_with_macro(NULL, NULL, conds, n);
}

/* 1 or 0 for the condition on the current values and an event of this type, -1 when it does
 * not load. */
static int ev_type(const char *cond, unsigned type)
{
    struct ruleset *rs = load_rules(&cond, 1);
    if (!rs)
        return -1;
    int r = ruleset_eval_rule(rs, 0, NULL, type);
    ruleset_free(rs);
    return r;
}

static int ev(const char *cond)
{
    return ev_type(cond, TT_EV_OPEN);
}

/* ruleset_eval callback: counts matches and keeps the last rule matched. */
static int nmatched;
static const struct rule *last_match;
static void count_match(const struct rule *r, struct eval_ctx *ctx, void *arg)
{
    nmatched++;
    last_match = r;
}

#endif

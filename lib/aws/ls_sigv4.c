/* SigV4: canonical request, string to sign, signing key, signature. Digests and MACs come from
 * OpenSSL; this file only does the canonicalisation. */
#include "ls_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tt_hex.h"

static const char hexd[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexd[in[i] >> 4];
        out[2 * i + 1] = hexd[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int ls_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        memset(out, '0', 64);
        out[64] = '\0';
        return -1;
    }
    to_hex(md, 32, out);
    return 0;
}

static int hmac256(const void *key, size_t klen, const void *d, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, d, n, out, &len) || len != 32)
        return -1;
    return 0;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int ls_uri_encode(struct ls_buf *b, const char *s, size_t n, int keep_slash)
{
    if (ls_buf_reserve(b, n * 3) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            b->p[b->len++] = (char)c;
        } else {
            b->p[b->len++] = '%';
            b->p[b->len++] = "0123456789ABCDEF"[c >> 4];
            b->p[b->len++] = "0123456789ABCDEF"[c & 15];
        }
    }
    b->p[b->len] = '\0';
    return 0;
}

/* Percent-decode s[0..n) into b (invalid escapes are kept literally). */
static int uri_decode(struct ls_buf *b, const char *s, size_t n)
{
    if (ls_buf_reserve(b, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = tt_hexval(s[i + 1])) >= 0 &&
            (l = tt_hexval(s[i + 2])) >= 0) {
            b->p[b->len++] = (char)(h * 16 + l);
            i += 2;
        } else {
            b->p[b->len++] = s[i];
        }
    }
    b->p[b->len] = '\0';
    return 0;
}

/* Path: remove "." and ".." segments and empty segments (as the AWS SDKs do), then encode
 * every byte but unreserved characters and '/' (this encodes the wire form a second time). */
static int canonical_path(struct ls_buf *out, const char *p, size_t n)
{
    if (n == 0)
        return ls_buf_addc(out, '/');
    size_t start = out->len; /* (out holds the canonical request so far) */
    /* Segment boundaries of the result, as offsets into p. */
    size_t cap = n / 2 + 2, nseg = 0;
    size_t *so = malloc(cap * sizeof *so), *sl = malloc(cap * sizeof *sl);
    int rc = -1;
    if (!so || !sl)
        goto done;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 0 || (len == 1 && p[i] == '.')) {
            /* skip */
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
            if (nseg)
                nseg--;
        } else {
            so[nseg] = i;
            sl[nseg] = len;
            nseg++;
        }
        i = j + 1;
    }
    if (p[0] == '/' && ls_buf_addc(out, '/') < 0)
        goto done;
    for (size_t k = 0; k < nseg; k++) {
        if (k && ls_buf_addc(out, '/') < 0)
            goto done;
        if (ls_uri_encode(out, p + so[k], sl[k], 0) < 0)
            goto done;
    }
    if (p[n - 1] == '/' && nseg && ls_buf_addc(out, '/') < 0)
        goto done;
    if (out->len == start && ls_buf_addc(out, '/') < 0) /* ("a/..": nothing left) */
        goto done;
    rc = 0;
done:
    free(so);
    free(sl);
    return rc;
}

struct kv {
    char *k, *v;
};

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

/* Query: each name and value decoded, re-encoded strictly, sorted by name then value. */
static int canonical_query(struct ls_buf *out, const char *q, size_t n)
{
    if (!q || n == 0)
        return 0;
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += q[i] == '&';
    struct kv *kvs = calloc(cap, sizeof *kvs);
    if (!kvs)
        return -1;
    size_t nkv = 0;
    int rc = -1;
    struct ls_buf tmp = {0}, enc = {0};
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (q + i)) : j - i;
            const char *vs = eq ? eq + 1 : q + j;
            size_t vl = eq ? (size_t)(q + j - vs) : 0;
            ls_buf_reset(&tmp);
            ls_buf_reset(&enc);
            if (uri_decode(&tmp, q + i, kl) < 0 || ls_uri_encode(&enc, tmp.p, tmp.len, 0) < 0)
                goto done;
            kvs[nkv].k = strdup(enc.p ? enc.p : "");
            ls_buf_reset(&tmp);
            ls_buf_reset(&enc);
            if (uri_decode(&tmp, vs, vl) < 0 || ls_uri_encode(&enc, tmp.p, tmp.len, 0) < 0)
                goto done;
            kvs[nkv].v = strdup(enc.p ? enc.p : "");
            nkv++;
            if (!kvs[nkv - 1].k || !kvs[nkv - 1].v)
                goto done;
        }
        i = j + 1;
    }
    qsort(kvs, nkv, sizeof *kvs, kv_cmp);
    for (size_t k = 0; k < nkv; k++) {
        if (ls_buf_printf(out, "%s%s=%s", k ? "&" : "", kvs[k].k, kvs[k].v) < 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t k = 0; k < nkv; k++) {
        free(kvs[k].k);
        free(kvs[k].v);
    }
    free(kvs);
    ls_buf_free(&tmp);
    ls_buf_free(&enc);
    return rc;
}

struct hdr {
    char *name; /* lowercase */
    const struct ls_sig_header *src;
    size_t idx;
};

static int hdr_cmp(const void *a, const void *b)
{
    const struct hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim and collapse runs of white space to one space. */
static int add_trimmed(struct ls_buf *b, const char *v, size_t n)
{
    size_t i = 0;
    int first = 1;
    while (i < n) {
        while (i < n && is_ws(v[i]))
            i++;
        size_t j = i;
        while (j < n && !is_ws(v[j]))
            j++;
        if (j > i) {
            if (!first && ls_buf_addc(b, ' ') < 0)
                return -1;
            if (ls_buf_add(b, v + i, j - i) < 0)
                return -1;
            first = 0;
        }
        i = j;
    }
    return 0;
}

static int canonical_headers(struct ls_buf *out, struct ls_buf *signed_headers,
                             const struct ls_sig_request *rq)
{
    size_t n = rq->nheaders;
    struct hdr *h = calloc(n ? n : 1, sizeof *h);
    if (!h)
        return -1;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        const struct ls_sig_header *s = &rq->headers[i];
        struct ls_buf nb = {0};
        if (add_trimmed(&nb, s->name, s->name_len) < 0 || ls_buf_reserve(&nb, 0) < 0) {
            ls_buf_free(&nb);
            goto done;
        }
        for (size_t k = 0; k < nb.len; k++)
            if (nb.p[k] >= 'A' && nb.p[k] <= 'Z')
                nb.p[k] = (char)(nb.p[k] - 'A' + 'a');
        h[i].name = nb.p;
        h[i].src = s;
        h[i].idx = i;
    }
    qsort(h, n, sizeof *h, hdr_cmp);
    for (size_t i = 0; i < n; i++) {
        int same = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
        if (same) {
            if (ls_buf_addc(out, ',') < 0)
                goto done;
        } else {
            if (i > 0 && ls_buf_addc(out, '\n') < 0)
                goto done;
            if (ls_buf_printf(out, "%s:", h[i].name) < 0)
                goto done;
            if (signed_headers && ls_buf_printf(signed_headers, "%s%s",
                                                signed_headers->len ? ";" : "", h[i].name) < 0)
                goto done;
        }
        if (add_trimmed(out, h[i].src->value, h[i].src->value_len) < 0)
            goto done;
    }
    if (ls_buf_addc(out, '\n') < 0)
        goto done;
    rc = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(h[i].name);
    free(h);
    return rc;
}

int ls_sigv4_canonical(const struct ls_sig_request *rq, struct ls_buf *creq,
                       struct ls_buf *signed_headers)
{
    char bodyhash[65];
    ls_buf_reset(signed_headers);
    if (ls_buf_adds(creq, rq->method) < 0 || ls_buf_addc(creq, '\n') < 0 ||
        canonical_path(creq, rq->path, rq->path_len) < 0 || ls_buf_addc(creq, '\n') < 0 ||
        canonical_query(creq, rq->query, rq->query_len) < 0 || ls_buf_addc(creq, '\n') < 0 ||
        canonical_headers(creq, signed_headers, rq) < 0 || ls_buf_addc(creq, '\n') < 0 ||
        ls_buf_add(creq, signed_headers->p ? signed_headers->p : "", signed_headers->len) < 0 ||
        ls_buf_addc(creq, '\n') < 0)
        return -1;
    if (ls_sha256_hex(rq->body ? rq->body : "", rq->body_len, bodyhash) < 0)
        return -1;
    return ls_buf_adds(creq, bodyhash);
}

int ls_sigv4_sign(const struct ls_sig_request *rq, const char *amz_date, const char *region,
                  const char *service, const char *akid, const char *secret,
                  struct ls_sig_result *out)
{
    struct ls_buf sh = {0}, key = {0};
    char date[9], creq_hash[65];
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    int rc = -1;
    if (strlen(amz_date) < 8)
        return -1;
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    ls_buf_reset(&out->creq);
    ls_buf_reset(&out->sts);
    ls_buf_reset(&out->authorization);
    if (ls_sigv4_canonical(rq, &out->creq, &sh) < 0)
        goto done;
    if (ls_sha256_hex(out->creq.p, out->creq.len, creq_hash) < 0)
        goto done;
    if (ls_buf_printf(&out->sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date,
                      region, service, creq_hash) < 0)
        goto done;
    if (ls_buf_printf(&key, "AWS4%s", secret) < 0)
        goto done;
    if (hmac256(key.p, key.len, date, 8, k1) < 0 ||
        hmac256(k1, 32, region, strlen(region), k2) < 0 ||
        hmac256(k2, 32, service, strlen(service), k3) < 0 ||
        hmac256(k3, 32, "aws4_request", 12, k4) < 0 ||
        hmac256(k4, 32, out->sts.p, out->sts.len, sig) < 0)
        goto done;
    to_hex(sig, 32, out->signature);
    if (ls_buf_printf(&out->authorization,
                      "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                      "Signature=%s",
                      akid, date, region, service, sh.p ? sh.p : "", out->signature) < 0)
        goto done;
    rc = 0;
done:
    explicit_bzero(k1, sizeof k1);
    explicit_bzero(k2, sizeof k2);
    explicit_bzero(k3, sizeof k3);
    explicit_bzero(k4, sizeof k4);
    ls_buf_wipe(&key);
    ls_buf_free(&sh);
    return rc;
}

void ls_sig_result_free(struct ls_sig_result *r)
{
    ls_buf_free(&r->creq);
    ls_buf_free(&r->sts);
    ls_buf_free(&r->authorization);
}

void ls_amz_date(long long t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
        out[0] = '\0'; /* (past year 9999: no date rather than undefined bytes) */
}

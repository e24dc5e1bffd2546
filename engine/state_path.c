/* Path handling as libsinsp does it: relative paths are joined with the cwd or the dirfd's
 * path and normalized lexically ("." and ".." collapsed, repeated '/' squeezed); symlinks are
 * never resolved. */
#include "state_priv.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>

size_t st_path_normalize(char *p, size_t len)
{
    /* p[0] == '/' expected; works in place: w <= r always. */
    size_t r = 0, w = 0;
    if (len == 0 || p[0] != '/')
        return len;
    while (r < len) {
        while (r < len && p[r] == '/')
            r++;
        if (r >= len)
            break;
        size_t s = r;
        while (r < len && p[r] != '/')
            r++;
        size_t clen = r - s;
        if (clen == 1 && p[s] == '.')
            continue;
        if (clen == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (w > 0 && p[w - 1] != '/')
                w--;
            if (w > 0)
                w--; /* drop the '/' before the removed component */
            continue;
        }
        p[w++] = '/';
        memmove(p + w, p + s, clen);
        w += clen;
    }
    if (w == 0)
        p[w++] = '/';
    p[w] = '\0';
    return w;
}

size_t st_path_join(const char *base, size_t blen, const char *path, size_t plen, char *out,
                    size_t cap)
{
    size_t n = 0;
    if (plen > 0 && path[0] == '/') {
        if (plen + 1 > cap)
            return (size_t)-1;
        memcpy(out, path, plen);
        n = plen;
    } else {
        if (!base || blen == 0 || base[0] != '/')
            return (size_t)-1;
        if (blen + 1 + plen + 1 > cap)
            return (size_t)-1;
        memcpy(out, base, blen);
        n = blen;
        if (out[n - 1] != '/')
            out[n++] = '/';
        memcpy(out + n, path, plen);
        n += plen;
    }
    out[n] = '\0';
    return st_path_normalize(out, n);
}

/* Directory an *at syscall resolves a relative path against (cwd for AT_FDCWD): pointer and
 * length, or NULL if unknown. */
static const char *st_dirfd_path(struct engine_state *st, struct eval_ctx *ctx, int64_t dirfd,
                                 size_t *len)
{
    (void)st;
    if (!ctx->proc)
        return NULL;
    if (dirfd == AT_FDCWD || dirfd == (int64_t)(int32_t)AT_FDCWD) {
        if (!ctx->proc->cwd)
            return NULL;
        *len = ctx->proc->cwd->len;
        return ctx->proc->cwd->s;
    }
    struct st_fd *f = state_fd(ctx->proc, dirfd);
    if (!f || !f->name || f->name->len == 0 || f->name->s[0] != '/')
        return NULL;
    *len = f->name->len;
    return f->name->s;
}

const char *st_resolve_param(struct eval_ctx *ctx, unsigned pid, unsigned did, size_t *len)
{
    const char *s;
    size_t n;
    if (!st_param_str(ctx->ev, pid, &s, &n))
        return NULL;
    const char *base = NULL;
    size_t blen = 0;
    if (n == 0 || s[0] != '/') {
        int64_t dirfd = AT_FDCWD;
        if (did)
            tt_event_get_i64(ctx->ev, did, &dirfd);
        base = st_dirfd_path(ctx->st, ctx, dirfd, &blen);
        if (!base) { /* unknown base: Falco prints the path as given */
            *len = n;
            return s;
        }
    }
    size_t cap = blen + n + 2;
    char *out = ctx_scratch(ctx, cap);
    if (!out)
        return NULL;
    size_t r = st_path_join(base, blen, s, n, out, cap);
    if (r == (size_t)-1)
        return NULL;
    *len = r;
    return out;
}

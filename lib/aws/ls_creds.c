/* Default credential chain: environment, web identity, shared files, container, IMDSv2. The first
 * provider that is configured is pinned; its credentials are cached and refreshed before they
 * expire (and on demand after an expired-token error). */
#include "ls_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_log.h"
#include "tt_time.h"

typedef int (*net_provider)(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen);

static int p_env(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen)
{
    (void)ch;
    return ls_cred_env(c, err, errlen);
}
static int p_webid(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen)
{
    return ls_cred_webid(&ch->http, ch->region, c, err, errlen);
}
static int p_profile(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen)
{
    return ls_cred_profile(&ch->http, ch->region, c, err, errlen);
}
static int p_container(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen)
{
    return ls_cred_container(&ch->http, c, err, errlen);
}
static int p_imds(struct ls_cred_chain *ch, struct ls_creds *c, char *err, size_t errlen)
{
    return ls_cred_imds(&ch->http, c, err, errlen);
}

static const struct {
    const char *name;
    net_provider fn;
} providers[] = {
    {"environment", p_env},     {"web-identity", p_webid}, {"profile", p_profile},
    {"container", p_container}, {"imds", p_imds},
};
#define NPROVIDERS (int)(sizeof providers / sizeof providers[0])

int ls_cred_chain_init(struct ls_cred_chain *ch, const char *region)
{
    memset(ch, 0, sizeof *ch);
    ch->region = region;
    ch->provider = -1;
    ch->refresh_window_ms = 5 * 60 * 1000;
    const char *w = getenv("LOGSHIPPER_CREDENTIAL_REFRESH_WINDOW");
    if (w && *w)
        ch->refresh_window_ms = strtoll(w, NULL, 10) * 1000;
    if (ls_http_init(&ch->http, 2000, 5000) < 0)
        return -1;
    ch->http.max_body = 64 * 1024;
    return 0;
}

void ls_cred_chain_free(struct ls_cred_chain *ch)
{
    explicit_bzero(&ch->cur, sizeof ch->cur);
    ls_http_cleanup(&ch->http);
}

int ls_cred_chain_get(struct ls_cred_chain *ch, int force, const struct ls_creds **out, char *err,
                      size_t errlen)
{
    int64_t now = tt_wall_ms();
    int stale =
        !ch->have || (ch->cur.expires_ms && now >= ch->cur.expires_ms - ch->refresh_window_ms);
    if (!force && !stale) {
        *out = &ch->cur;
        return 0;
    }
    /* Do not hammer a provider whose fresh credentials are already inside the window. */
    if (ch->have && !force && (now - ch->last_attempt_ms < 1000 || now < ch->next_attempt_ms) &&
        (!ch->cur.expires_ms || now < ch->cur.expires_ms)) {
        *out = &ch->cur;
        return 0;
    }
    ch->last_attempt_ms = now;
    struct ls_creds *fresh = calloc(1, sizeof *fresh);
    if (!fresh) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    err[0] = '\0';
    if (ch->provider >= 0) {
        rc = providers[ch->provider].fn(ch, fresh, err, errlen);
    } else {
        for (int i = 0; i < NPROVIDERS; i++) {
            rc = providers[i].fn(ch, fresh, err, errlen);
            if (rc != 0) {
                ch->provider = i;
                break;
            }
        }
        if (rc == 0)
            snprintf(err, errlen,
                     "no credentials found (environment, web identity, profile, "
                     "container, IMDS)");
    }
    if (rc == 1) {
        fresh->source = providers[ch->provider].name;
        ch->cur = *fresh;
        ch->have = 1;
        /* A provider that hands out credentials already inside the refresh window is asked
         * again at half their remaining life (at most every 30 s), not on every request. */
        ch->next_attempt_ms = 0;
        if (fresh->expires_ms && fresh->expires_ms - now <= ch->refresh_window_ms) {
            int64_t half = (fresh->expires_ms - now) / 2;
            ch->next_attempt_ms = now + (half < 30000 ? half : 30000);
        }
        tt_debug("credentials from %s provider%s", fresh->source,
                 fresh->expires_ms ? " (temporary)" : "");
    }
    explicit_bzero(fresh, sizeof *fresh);
    free(fresh);
    if (rc == 1 || (ch->have && (!ch->cur.expires_ms || now < ch->cur.expires_ms))) {
        if (rc != 1)
            tt_warn("credential refresh failed (%s); using the current ones", err);
        *out = &ch->cur;
        return 0;
    }
    if (rc == 0 && ch->provider >= 0 && !ch->have)
        ch->provider = -1;
    return -1;
}

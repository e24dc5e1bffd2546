/* Image reference parsing. */
#include "in_imageref.h"

#include <stdio.h>
#include <string.h>

static int valid_digest(const char *d)
{
    const char *c = strchr(d, ':');
    if (!c || c == d || strncmp(d, "sha256:", 7) || strlen(c + 1) != 64)
        return 0;
    for (const char *p = c + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static int path_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '/';
}

static int tag_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
}

int in_imageref_parse(const char *s, struct in_imageref *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    char buf[1024];
    if (!*s || strlen(s) >= sizeof buf) {
        snprintf(err, errlen, "image reference '%.100s' is empty or too long", s);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        if (!valid_digest(at + 1)) {
            snprintf(err, errlen, "image %s: the digest is not sha256:<64 lowercase hex>", s);
            return -1;
        }
        snprintf(r->digest, sizeof r->digest, "%s", at + 1);
    }
    char *name = buf, *slash = strchr(buf, '/');
    if (slash && (memchr(buf, '.', (size_t)(slash - buf)) ||
                  memchr(buf, ':', (size_t)(slash - buf)) || !strncmp(buf, "localhost/", 10))) {
        *slash = '\0';
        const char *rb = strrchr(buf, ']'), *colon = strrchr(rb ? rb : buf, ':');
        int ok = colon != buf;
        for (const char *p = buf; *p; p++)
            ok &= host_char(*p) && (!colon || p <= colon || (*p >= '0' && *p <= '9'));
        if (!ok || (colon && !colon[1])) { /* the port is a number */
            snprintf(err, errlen, "image %s: '%s' is not a registry host", s, buf);
            return -1;
        }
        if (strlen(buf) >= sizeof r->host) {
            snprintf(err, errlen, "image %s: registry host too long", s);
            return -1;
        }
        snprintf(r->host, sizeof r->host, "%.255s", buf);
        name = slash + 1;
    }
    char *lastslash = strrchr(name, '/');
    char *colon = strchr(lastslash ? lastslash : name, ':');
    if (colon) {
        *colon = '\0';
        size_t tl = strlen(colon + 1);
        if (!tl || tl > 128) {
            snprintf(err, errlen, "image %s: the tag is empty or longer than 128 characters", s);
            return -1;
        }
        for (const char *p = colon + 1; *p; p++)
            if (!tag_char(*p)) {
                snprintf(err, errlen, "image %s: the tag has a character a registry refuses", s);
                return -1;
            }
        snprintf(r->tag, sizeof r->tag, "%s", colon + 1);
    }
    if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/' || strstr(name, "//") ||
        strstr(name, "..")) {
        snprintf(err, errlen, "image %s: no repository name", s);
        return -1;
    }
    for (const char *p = name; *p; p++)
        if (!path_char(*p)) {
            snprintf(err, errlen,
                     "image %s: the repository name has a character a registry refuses "
                     "(lowercase letters, digits, . _ - / only)",
                     s);
            return -1;
        }
    if (!r->host[0] || !strcmp(r->host, "docker.io") || !strcmp(r->host, "index.docker.io")) {
        snprintf(r->host, sizeof r->host, "registry-1.docker.io");
        r->docker_hub = 1;
    }
    if (strlen(name) + 9 > sizeof r->repo) {
        snprintf(err, errlen, "image %s: repository name too long", s);
        return -1;
    }
    snprintf(r->repo, sizeof r->repo, "%s%.240s",
             r->docker_hub && !strchr(name, '/') ? "library/" : "", name);
    return 0;
}

const char *in_imageref_ref(const struct in_imageref *r)
{
    return r->digest[0] ? r->digest : r->tag[0] ? r->tag : "latest";
}

int in_imageref_pin(const char *image, const char *digest, char *out, size_t outlen)
{
    size_t n = strcspn(image, "@");
    /* a ':' after the last '/' starts the tag */
    const char *lastslash = NULL;
    for (size_t i = 0; i < n; i++)
        if (image[i] == '/')
            lastslash = image + i;
    const char *colon = memchr(lastslash ? lastslash : image, ':',
                               n - (size_t)((lastslash ? lastslash : image) - image));
    if (colon)
        n = (size_t)(colon - image);
    int w = snprintf(out, outlen, "%.*s@%s", (int)n, image, digest);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

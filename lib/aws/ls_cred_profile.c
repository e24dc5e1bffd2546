/* Shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_PROFILE):
 * static keys, credential_process, web_identity_token_file + role_arn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ls_creds.h"

const char *ls_profile_name(void)
{
    const char *p = getenv("AWS_PROFILE");
    if (!p || !*p)
        p = getenv("AWS_DEFAULT_PROFILE");
    return p && *p ? p : "default";
}

static void file_path(int creds_file, char *out, size_t n)
{
    const char *e = getenv(creds_file ? "AWS_SHARED_CREDENTIALS_FILE" : "AWS_CONFIG_FILE");
    if (e && *e) {
        snprintf(out, n, "%s", e);
        return;
    }
    const char *home = getenv("HOME");
    snprintf(out, n, "%s/.aws/%s", home && *home ? home : "/",
             creds_file ? "credentials" : "config");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Look key up in [section] of an INI file. 1 found, 0 not. */
static int ini_get(const char *path, const char *section, const char *key, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    int in = 0, found = 0;
    while (getline(&line, &cap, f) > 0) {
        char *t = trim(line);
        if (*t == '#' || *t == ';' || !*t)
            continue;
        if (*t == '[') {
            char *e = strchr(t, ']');
            if (e) {
                *e = '\0';
                in = !strcmp(trim(t + 1), section);
            }
            continue;
        }
        if (!in || line[0] == ' ' || line[0] == '\t') /* nested sub-section values */
            continue;
        char *eq = strchr(t, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (!strcmp(trim(t), key)) {
            snprintf(out, outlen, "%s", trim(eq + 1));
            found = 1;
            break;
        }
    }
    if (line)
        explicit_bzero(line, cap);
    free(line);
    fclose(f);
    return found;
}

int ls_profile_get(const char *profile, const char *key, int creds_file, char *out, size_t outlen)
{
    char path[4096], sect[512];
    if (creds_file) {
        file_path(1, path, sizeof path);
        if (ini_get(path, profile, key, out, outlen))
            return 1;
    }
    file_path(0, path, sizeof path);
    if (!strcmp(profile, "default") && ini_get(path, "default", key, out, outlen))
        return 1;
    snprintf(sect, sizeof sect, "profile %s", profile);
    return ini_get(path, sect, key, out, outlen);
}

static int static_keys(const char *prof, struct ls_creds *c, char *err, size_t errlen)
{
    char ak[256], v[512];
    if (!ls_profile_get(prof, "aws_access_key_id", 1, ak, sizeof ak))
        return 0;
    int rc = -1;
    if (!ls_profile_get(prof, "aws_secret_access_key", 1, v, sizeof v) || !*v) {
        snprintf(err, errlen, "profile %s has aws_access_key_id but no secret", prof);
    } else if (strlen(ak) >= sizeof c->akid || strlen(v) >= sizeof c->secret) {
        snprintf(err, errlen, "profile %s: key too long", prof);
    } else {
        memcpy(c->akid, ak, strlen(ak) + 1);
        memcpy(c->secret, v, strlen(v) + 1);
        c->token[0] = '\0';
        if (ls_profile_get(prof, "aws_session_token", 1, c->token, sizeof c->token) == 0)
            c->token[0] = '\0';
        c->expires_ms = 0;
        rc = 1;
    }
    explicit_bzero(v, sizeof v);
    return rc;
}

/* Credentials of profile prof; depth bounds source_profile chains. */
static int profile_creds(struct ls_http *h, const char *region, const char *prof,
                         struct ls_creds *c, char *err, size_t errlen, int depth)
{
    char v[4096], role[2048], sess[256], src[256], ext[1024], dur[32];
    if (depth > 4) {
        snprintf(err, errlen, "source_profile chain too long at profile %s", prof);
        return -1;
    }
    /* role_arn + source_profile: AssumeRole with the source profile's credentials (a profile
     * naming itself as source uses its own static keys). */
    if (ls_profile_get(prof, "role_arn", 1, role, sizeof role) && *role &&
        ls_profile_get(prof, "source_profile", 1, src, sizeof src) && *src) {
        struct ls_creds *base = calloc(1, sizeof *base);
        if (!base) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        int rc = strcmp(src, prof) == 0
                     ? static_keys(prof, base, err, errlen)
                     : profile_creds(h, region, src, base, err, errlen, depth + 1);
        if (rc == 0)
            snprintf(err, errlen, "source_profile %s has no credentials", src);
        if (rc == 1) {
            if (!ls_profile_get(prof, "role_session_name", 1, sess, sizeof sess))
                snprintf(sess, sizeof sess, "logshipper");
            if (!ls_profile_get(prof, "external_id", 1, ext, sizeof ext))
                ext[0] = '\0';
            int d = ls_profile_get(prof, "duration_seconds", 1, dur, sizeof dur) ? atoi(dur) : 0;
            rc = ls_sts_assume_role(h, region, base, role, sess, ext, d, c, err, errlen) == 0 ? 1
                                                                                              : -1;
        } else {
            rc = -1;
        }
        explicit_bzero(base, sizeof *base);
        free(base);
        return rc;
    }
    int rc = static_keys(prof, c, err, errlen);
    if (rc != 0)
        return rc;
    if (ls_profile_get(prof, "credential_process", 1, v, sizeof v) && *v)
        return ls_cred_process_run(v, c, err, errlen) == 0 ? 1 : -1;
    if (ls_profile_get(prof, "web_identity_token_file", 0, v, sizeof v) && *v &&
        ls_profile_get(prof, "role_arn", 0, role, sizeof role)) {
        if (!ls_profile_get(prof, "role_session_name", 0, sess, sizeof sess))
            snprintf(sess, sizeof sess, "logshipper");
        return ls_sts_assume_role_web_identity(h, region, role, sess, v, c, err, errlen) == 0 ? 1
                                                                                              : -1;
    }
    return 0;
}

int ls_cred_profile(struct ls_http *h, const char *region, struct ls_creds *c, char *err,
                    size_t errlen)
{
    return profile_creds(h, region, ls_profile_name(), c, err, errlen, 0);
}

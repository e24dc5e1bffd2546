/* AWS credentials and the SDKs' default provider chain, with caching and refresh. */
#ifndef LS_CREDS_H
#define LS_CREDS_H
#include <stddef.h>
#include <stdint.h>

#include "ls_http.h"

struct ls_creds {
    char akid[128];
    char secret[256];
    char token[8192];   /* "" for long-term keys */
    int64_t expires_ms; /* wall clock; 0 = does not expire */
    const char *source; /* provider name, for messages */
};

/* Providers: 1 = credentials obtained, 0 = not configured here (try the next one),
 * -1 = configured but failed (why in err). */
int ls_cred_env(struct ls_creds *c, char *err, size_t errlen);
int ls_cred_webid(struct ls_http *h, const char *region, struct ls_creds *c, char *err,
                  size_t errlen);
int ls_cred_profile(struct ls_http *h, const char *region, struct ls_creds *c, char *err,
                    size_t errlen);
int ls_cred_container(struct ls_http *h, struct ls_creds *c, char *err, size_t errlen);
/* AWS_CONTAINER_CREDENTIALS_FULL_URI hosts the SDKs accept: https, loopback, 169.254.170.2,
 * 169.254.170.23, [fd00:ec2::23]. */
int ls_container_uri_allowed(const char *uri);
int ls_cred_imds(struct ls_http *h, struct ls_creds *c, char *err, size_t errlen);

/* Credentials JSON as served by container endpoints, IMDS and credential_process:
 * AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration (RFC 3339). 0 or -1. */
int ls_creds_parse_json(const char *s, size_t n, struct ls_creds *c, char *err, size_t errlen);
/* credential_process output: JSON with "Version": 1 and the credentials. 0 or -1. No I/O. */
int ls_cred_process_parse(const char *out, size_t len, struct ls_creds *c, char *err,
                          size_t errlen);
/* IMDSv2: the token response body -> "X-aws-ec2-metadata-token: TOKEN" in out (1..200 visible
 * ASCII characters, no space or control character), and the security-credentials listing -> the
 * first role name (IAM role name characters only). 0 or -1. No I/O. */
int ls_imds_token_header(const char *body, size_t len, char *out, size_t outlen);
int ls_imds_role_name(const char *body, size_t len, char *out, size_t outlen);
/* A token file (web identity, container authorization) read whole, at most max bytes, trailing
 * CR, LF and spaces cut: a heap string to wipe and free, or NULL (errno). */
char *ls_read_token_file(const char *path, size_t max, size_t *len);
/* Run credential_process `cmd` (through /bin/sh) and parse its output. */
int ls_cred_process_run(const char *cmd, struct ls_creds *c, char *err, size_t errlen);
/* STS AssumeRoleWithWebIdentity (unsigned). */
int ls_sts_assume_role_web_identity(struct ls_http *h, const char *region, const char *role_arn,
                                    const char *session_name, const char *token_file,
                                    struct ls_creds *c, char *err, size_t errlen);

/* STS AssumeRole signed with the source credentials src (profile role_arn + source_profile).
 * external_id and duration_s (0 = default) are optional. */
int ls_sts_assume_role(struct ls_http *h, const char *region, const struct ls_creds *src,
                       const char *role_arn, const char *session_name, const char *external_id,
                       int duration_s, struct ls_creds *c, char *err, size_t errlen);
/* An STS Query API (XML) response to action ("AssumeRole"): credentials into c when status is 200
 * and they are all there, else -1 with the error Code in err. No I/O. */
int ls_sts_parse_response(const char *action, long status, const char *body, struct ls_creds *c,
                          char *err, size_t errlen);
/* POST body to the STS endpoint url and parse the answer to action with ls_sts_parse_response; the
 * response body is wiped. 0 or -1 (why in err). */
int ls_sts_post(struct ls_http *h, const char *url, const char *const *headers, size_t nheaders,
                const char *body, size_t body_len, const char *action, struct ls_creds *c,
                char *err, size_t errlen);
/* Text of the first <tag>...</tag> of an XML document into out: 1 found, 0 not. */
int ls_xml_text(const char *xml, const char *tag, char *out, size_t outlen);

/* Shared config files: value of key in profile (credentials file first when creds_file), into
 * out. 1 found, 0 not. */
int ls_profile_get(const char *profile, const char *key, int creds_file, char *out, size_t outlen);
const char *ls_profile_name(void);

struct ls_cred_chain {
    struct ls_http http; /* for the network providers */
    const char *region;
    int64_t refresh_window_ms; /* refresh this long before expiry */
    int provider;              /* pinned provider, -1 until found */
    int have;
    struct ls_creds cur;
    int64_t last_attempt_ms;
    int64_t next_attempt_ms; /* no routine refresh before this (wall clock ms) */
};

int ls_cred_chain_init(struct ls_cred_chain *ch, const char *region);
void ls_cred_chain_free(struct ls_cred_chain *ch);
/* Current credentials, refreshed when they expire within the window or when force is set.
 * 0 or -1 (nothing usable; why in err). The result stays valid until the next call. */
int ls_cred_chain_get(struct ls_cred_chain *ch, int force, const struct ls_creds **out, char *err,
                      size_t errlen);

#endif

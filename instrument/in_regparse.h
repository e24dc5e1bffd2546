/* Parsers of what a container registry sends (Docker Registry HTTP API v2, OCI distribution):
 * the WWW-Authenticate challenge, token responses, manifest lists / OCI indexes, image manifests
 * and image configurations. No I/O; every input is untrusted (libFuzzer targets exercise them),
 * and every digest they return has been checked to be sha256:<64 hex> before it goes into a URL. */
#ifndef IN_REGPARSE_H
#define IN_REGPARSE_H
#include <jansson.h>
#include <stddef.h>

struct in_challenge {
    char scheme[16]; /* "Bearer" or "Basic" */
    char realm[1024];
    char service[256];
    char scope[512];
};

/* One WWW-Authenticate value. 0, or -1 (not a challenge this client can answer). */
int in_reg_parse_challenge(const char *hdr, struct in_challenge *c);

/* A token service's answer: "token" or "access_token"; a heap string or NULL (why in err). */
char *in_reg_parse_token(const char *body, size_t n, char *err, size_t errlen);

enum in_mf_kind { IN_MF_UNKNOWN = -1, IN_MF_INDEX, IN_MF_IMAGE, IN_MF_SCHEMA1 };
/* What a manifest response is, from its Content-Type (may be NULL) or else its mediaType or
 * shape. */
enum in_mf_kind in_reg_manifest_kind(const char *ctype, const char *body, size_t n);

/* Manifest list / OCI index: the digest of the manifest for platform ("linux/amd64",
 * "linux/arm64/v8"). 0, or -1 with why in err (listing the platforms it has). */
int in_reg_pick_platform(const char *body, size_t n, const char *platform, char *digest,
                         size_t dlen, char *err, size_t errlen);

/* Image manifest: the config blob's digest. 0 or -1. */
int in_reg_config_digest(const char *body, size_t n, char *digest, size_t dlen, char *err,
                         size_t errlen);

/* Image configuration blob: config.Entrypoint and config.Cmd (new references, NULL when unset).
 * 0 or -1. */
int in_reg_parse_config(const char *body, size_t n, json_t **ep, json_t **cmd, char *err,
                        size_t errlen);

/* Schema 1 manifest: the same from history[0].v1Compatibility. 0 or -1. */
int in_reg_parse_schema1(const char *body, size_t n, json_t **ep, json_t **cmd, char *err,
                         size_t errlen);

/* "sha256:" followed by 64 lowercase hex digits. */
int in_reg_valid_digest(const char *d);

#endif

/* Image references as Docker reads them: [HOST[:PORT]/]PATH[:TAG][@DIGEST]. A first component with
 * a '.' or ':', or "localhost", is a registry; otherwise the registry is Docker Hub and a
 * one-component path gets "library/". */
#ifndef IN_IMAGEREF_H
#define IN_IMAGEREF_H
#include <stddef.h>

struct in_imageref {
    char host[256];  /* "registry-1.docker.io" for Docker Hub */
    char repo[256];  /* "library/nginx" */
    char tag[130];   /* "" when not given */
    char digest[80]; /* "sha256:<64 hex>" or "" */
    int docker_hub;
};

/* 0, or -1 with why in err (characters a registry would refuse, a malformed digest...). */
int in_imageref_parse(const char *s, struct in_imageref *r, char *err, size_t errlen);
/* The manifest reference to ask for: the digest, else the tag, else "latest". */
const char *in_imageref_ref(const struct in_imageref *r);
/* image (as written) without its tag and digest, then "@" digest. 0 or -1. */
int in_imageref_pin(const char *image, const char *digest, char *out, size_t outlen);

#endif

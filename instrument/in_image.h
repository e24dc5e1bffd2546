/* An image's ENTRYPOINT and CMD: from --image-config, else from its registry (unless --offline),
 * remembered for the run. */
#ifndef IN_IMAGE_H
#define IN_IMAGE_H
#include <jansson.h>
#include <stddef.h>

#include "in_opts.h"

struct in_image_cfg {
    json_t *entrypoint, *cmd; /* arrays of strings, or NULL when the image sets none */
    char digest[80];          /* "sha256:..." the reference resolved to ("" when unknown) */
};

struct in_images;

struct in_images *in_images_new(const struct in_opts *o, char *err, size_t errlen);
void in_images_free(struct in_images *im);
/* platform: "linux/amd64". 0 and *out (valid until the next in_images_get), or -1 with why in
 * err. */
int in_images_get(struct in_images *im, const char *image, const char *platform,
                  const struct in_image_cfg **out, char *err, size_t errlen);

#endif

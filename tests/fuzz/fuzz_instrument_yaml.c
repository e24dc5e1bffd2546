/* libFuzzer target: documents (YAML or JSON, as instrument reads templates and manifests) on
 * arbitrary bytes. Whatever loads must be written back, and what is written must load again into
 * the same data: the round trip that keeps a template's tags and styles may not change what it
 * means. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "in_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in_doc d, e;
    char err[1024];
    if (in_doc_load(&d, (const char *)data, size, "fuzz", err, sizeof err) < 0) {
        in_doc_free(&d);
        return 0;
    }
    char *out = NULL;
    size_t outlen = 0;
    if (in_doc_dump(&d, 0, &out, &outlen, err, sizeof err) == 0) {
        if (in_doc_load(&e, out, outlen, "again", err, sizeof err) < 0)
            abort(); /* written, but not readable */
        if (e.nroots != d.nroots)
            abort();
        for (size_t i = 0; i < d.nroots; i++)
            if (!json_equal(d.roots[i], e.roots[i]))
                abort(); /* the round trip changed the data */
        in_doc_free(&e);
        free(out);
    }
    in_doc_free(&d);
    return 0;
}

/* libFuzzer target: the whole instrumentation (shape recognition, ECS task definitions,
 * CloudFormation templates, Kubernetes manifests) on arbitrary documents, offline. Whatever is
 * instrumented must be instrumented again into exactly the same bytes (twice is once). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "in_err.h"
#include "in_opts.h"
#include "in_run.h"
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* instrument's warnings would flood the fuzzer's output: stderr goes to /dev/null while it
     * runs (and comes back for libFuzzer's own reports) */
    static int null_fd = -1, saved_fd = -1;
    if (null_fd < 0 && ((null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
                        (saved_fd = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0))
        return 0;
    fflush(stderr);
    dup2(null_fd, 2);
    struct in_opts o;
    in_opts_init(&o);
    o.binaries_image = strdup("tartan-binaries:1");
    o.engine_image = strdup("tartan-engine:1");
    o.offline = 1;
    o.allow_no_task_role = size & 1;
    o.sys_ptrace = (size >> 1) & 1;
    struct in_errs errs = {0};
    char *out = NULL, *again = NULL;
    size_t n = 0, n2 = 0;
    if (in_run_text(&o, (const char *)data, size, "fuzz", NULL, &out, &n, &errs) == 0) {
        struct in_errs errs2 = {0};
        if (in_run_text(&o, out, n, "again", NULL, &again, &n2, &errs2) < 0 || n2 != n ||
            memcmp(out, again, n)) {
            dup2(saved_fd, 2);
            fprintf(stderr, "%s\n", errs2.n ? "instrumented, then refused" : "not idempotent");
            abort();
        }
        in_errs_free(&errs2);
    }
    free(out);
    free(again);
    in_errs_free(&errs);
    in_opts_free(&o);
    fflush(stderr);
    dup2(saved_fd, 2);
    return 0;
}

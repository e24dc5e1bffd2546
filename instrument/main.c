/* instrument: an ECS task definition, a CloudFormation template or a Kubernetes manifest in,
 * the same instrumented with Tartan out. See docs/instrument.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "in_err.h"
#include "in_lambda.h"
#include "in_opts.h"
#include "in_run.h"
#include "in_tf.h"
#include "ls_http.h"
#include "tt_io.h"
#include "tt_log.h"
#include "tt_exit.h"

#define MAX_INPUT (32u << 20)

/* Deployed as a Lambda function's bootstrap, the binary serves the macro. */
static int lambda_mode(const struct in_opts *o, const char *argv0)
{
    if (o->lambda)
        return 1;
    const char *b = strrchr(argv0, '/');
    b = b ? b + 1 : argv0;
    return !strcmp(b, "bootstrap") && getenv("AWS_LAMBDA_RUNTIME_API");
}

int main(int argc, char **argv)
{
    tt_log_init("instrument");
    struct in_opts o;
    in_opts_init(&o);
    char err[1024];
    if (in_opts_parse_argv(&o, argc, argv, err, sizeof err) < 0 ||
        in_opts_check(&o, err, sizeof err) < 0) {
        fprintf(stderr, "instrument: %s (instrument --help)\n", err);
        in_opts_free(&o);
        return TT_EXIT_USAGE;
    }
    if (o.show_help || o.show_version) {
        if (o.show_help)
            in_opts_usage(stdout);
        else
            printf("instrument %s (writes layout %s)\n", IN_VERSION, IN_MARK);
        in_opts_free(&o);
        return 0;
    }
    if (ls_http_global_init() < 0) {
        fprintf(stderr, "instrument: libcurl initialisation failed\n");
        return 1;
    }
    if (lambda_mode(&o, argv[0])) {
        in_opts_free(&o);
        int rc = in_lambda_serve();
        ls_http_global_cleanup();
        return rc;
    }
    const char *name = o.input && strcmp(o.input, "-") ? o.input : "<stdin>";
    size_t len = 0;
    char *text = o.input && strcmp(o.input, "-") ? tt_read_file(o.input, MAX_INPUT, &len)
                                                 : tt_read_fd(0, MAX_INPUT, &len);
    if (!text) {
        fprintf(stderr, "instrument: %s: %s\n", name,
                errno == EFBIG ? "larger than 32 MiB" : strerror(errno));
        in_opts_free(&o);
        return 1;
    }
    struct in_errs errs = {0};
    char *out = NULL;
    size_t outlen = 0;
    int rc = o.terraform ? in_tf_run(&o, text, len, &out, &outlen, &errs)
                         : in_run_text(&o, text, len, name, NULL, &out, &outlen, &errs);
    free(text);
    int status = 0;
    if (rc < 0) {
        in_errs_print(&errs, stderr);
        fprintf(stderr, "instrument: nothing written\n");
        status = 1;
    } else if (tt_write_full(1, out, outlen) != (ssize_t)outlen) {
        fprintf(stderr, "instrument: writing the output: %s\n", strerror(errno));
        status = 1;
    }
    free(out);
    in_errs_free(&errs);
    in_opts_free(&o);
    ls_http_global_cleanup();
    return status;
}

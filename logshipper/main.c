/* logshipper: placeholder main while the shipper is being built; --sign works. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ls_buf.h"
#include "ls_signcmd.h"

static int sign_main(int argc, char **argv)
{
    struct ls_sign_opts o = {.region = getenv("AWS_REGION"), .service = "logs"};
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--region") && i + 1 < argc)
            o.region = argv[++i];
        else if (!strcmp(argv[i], "--service") && i + 1 < argc)
            o.service = argv[++i];
        else if (!strcmp(argv[i], "--date") && i + 1 < argc)
            o.date = argv[++i];
    }
    if (!o.region)
        o.region = "us-east-1";
    o.akid = getenv("AWS_ACCESS_KEY_ID");
    o.secret = getenv("AWS_SECRET_ACCESS_KEY");
    o.token = getenv("AWS_SESSION_TOKEN");
    if (!o.akid || !o.secret) {
        fputs("logshipper: --sign needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n", stderr);
        return 2;
    }
    struct ls_buf in = {0};
    char chunk[65536];
    ssize_t n;
    while ((n = read(0, chunk, sizeof chunk)) > 0)
        if (ls_buf_add(&in, chunk, (size_t)n) < 0)
            return 1;
    char err[256];
    int rc = ls_sign_request_text(in.p ? in.p : "", in.len, &o, stdout, err, sizeof err);
    ls_buf_free(&in);
    if (rc < 0) {
        fprintf(stderr, "logshipper: --sign: %s\n", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--sign"))
        return sign_main(argc, argv);
    fputs("logshipper: not implemented yet\n", stderr);
    return 2;
}

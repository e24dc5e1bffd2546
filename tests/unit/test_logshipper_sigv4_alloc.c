/* SigV4 signing when memory runs out: each allocation of a signing fails in turn, and the
 * signing either fails (-1) or gives the very signature it gives with memory, and leaks nothing.
 * A signature made from a header or query cut short by a failed allocation would be sent and
 * refused by AWS as a mismatch, a misleading error far from its cause. */
#include "tt_alloc.h"
#include "tt_test.h"

#include "ls_sigv4.h"

#include <openssl/err.h>

static int sign(struct ls_sig_result *r)
{
    struct ls_sig_header h[] = {
        {"Host", 4, "logs.us-east-1.amazonaws.com", 28},
        {"  X-Amz-Target ", 15, "  Logs_20140328.PutLogEvents  ", 30},
        {"Content-Type", 12, "application/x-amz-json-1.1", 26},
        {"x-amz-target", 12, "second   value", 14},
    };
    struct ls_sig_request rq = {.method = "POST",
                                .path = "/a/./b/../c",
                                .path_len = 11,
                                .query = "z=1&a=%41%2&m",
                                .query_len = 13,
                                .headers = h,
                                .nheaders = 4,
                                .body = "{}",
                                .body_len = 2};
    return ls_sigv4_sign(&rq, "20150830T123600Z", "us-east-1", "logs", "AKIDEXAMPLE",
                         "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", r);
}

TT_TEST(sigv4_failed_allocations_fail_the_signature)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    struct ls_sig_result r = {0};
    TT_REQUIRE(sign(&r) == 0);
    char want[65];
    snprintf(want, sizeof want, "%s", r.signature);
    ls_sig_result_free(&r);
    tt_alloc_arm();
    memset(&r, 0, sizeof r);
    int rc = sign(&r);
    unsigned long n = tt_alloc_count();
    ls_sig_result_free(&r);
    tt_alloc_disarm();
    TT_REQUIRE(rc == 0 && n > 10);
    int failed = 0, wrong = 0;
    long leaked = 0;
    for (unsigned long k = 1; k <= n; k++) {
        memset(&r, 0, sizeof r);
        TT_ALLOC_LSAN_OFF();
        tt_alloc_arm();
        tt_alloc_fail_at(k);
        rc = sign(&r);
        ls_sig_result_free(&r);
        ERR_clear_error(); /* (OpenSSL's queue keeps the error it raised, bounded, until now) */
        leaked += tt_alloc_live();
        tt_alloc_disarm();
        TT_ALLOC_LSAN_ON();
        if (rc != 0)
            failed++;
        else if (strcmp(r.signature, want) != 0)
            wrong++;
    }
    TT_CHECKF(wrong == 0, "%d of %lu failed allocations gave another signature", wrong, n);
    TT_CHECKF(failed > 0, "no failed allocation failed the signing (of %lu)", n);
    TT_CHECK_INT(leaked, 0);
}

int main(void)
{
    return tt_run_all();
}

/* SigV4 against the request/signature pairs AWS published (the SigV4 test suite, credentials
 * AKIDEXAMPLE, 2015-08-30T12:36:00Z, region us-east-1, service "service"; and the IAM ListUsers
 * example). Signatures here are the published ones, not computed by this code. */
#include "tt_test.h"

#include "ls_signcmd.h"
#include "ls_sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* Sign request text through the --sign code path and return the Authorization value. */
static char *sign_text(const char *text, const char *service, const char *token)
{
    static char auth[512];
    struct ls_sign_opts o = {
        .region = "us-east-1", .service = service, .akid = AKID, .secret = SECRET, .token = token};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char err[128];
    auth[0] = '\0';
    if (!f)
        return auth;
    int rc = ls_sign_request_text(text, strlen(text), &o, f, err, sizeof err);
    fclose(f);
    if (rc == 0) {
        char *a = strstr(buf, "\nAuthorization: ");
        if (a) {
            a += 16;
            size_t n = strcspn(a, "\n");
            snprintf(auth, sizeof auth, "%.*s", (int)n, a);
        }
    }
    free(buf);
    return auth;
}

static const char *sig_of(const char *auth)
{
    const char *s = strstr(auth, "Signature=");
    return s ? s + 10 : "";
}

#define SUITE_HDRS "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n"

TT_TEST(sigv4_get_vanilla)
{
    const char *a = sign_text("GET / HTTP/1.1\n" SUITE_HDRS, "service", NULL);
    TT_CHECK_STR(a, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                    "aws4_request, SignedHeaders=host;x-amz-date, "
                    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TT_TEST(sigv4_post_vanilla)
{
    TT_CHECK_STR(sig_of(sign_text("POST / HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TT_TEST(sigv4_get_vanilla_empty_query_key)
{
    TT_CHECK_STR(sig_of(sign_text("GET /?Param1=value1 HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");
}

TT_TEST(sigv4_get_slash_pointless_dot)
{
    TT_CHECK_STR(sig_of(sign_text("GET /./example HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5");
}

TT_TEST(sigv4_get_header_value_multiline)
{
    const char *a = sign_text("GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n"
                              "  value2\n     value3\nX-Amz-Date:20150830T123600Z\n\n",
                              "service", NULL);
    TT_CHECK(strstr(a, "SignedHeaders=host;my-header1;x-amz-date") != NULL);
    TT_CHECK_STR(sig_of(a), "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790");
}

/* More of the published suite (as redistributed with aws-c-auth's test data). */
TT_TEST(sigv4_get_vanilla_query_order_key_case)
{
    TT_CHECK_STR(sig_of(sign_text("GET /?Param2=value2&Param1=value1 HTTP/1.1\n" SUITE_HDRS,
                                  "service", NULL)),
                 "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TT_TEST(sigv4_get_vanilla_query_unreserved)
{
    TT_CHECK_STR(
        sig_of(sign_text("GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         " HTTP/1.1\n" SUITE_HDRS,
                         "service", NULL)),
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
}

TT_TEST(sigv4_get_vanilla_utf8_query)
{
    TT_CHECK_STR(sig_of(sign_text("GET /?\xe1\x88\xb4=bar HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TT_TEST(sigv4_get_space_normalized)
{
    TT_CHECK_STR(sig_of(sign_text("GET /example space/ HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

TT_TEST(sigv4_get_header_value_trim)
{
    TT_CHECK_STR(sig_of(sign_text("GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\n"
                                  "My-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z\n\n",
                                  "service", NULL)),
                 "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TT_TEST(sigv4_get_vanilla_with_session_token)
{
    const char *a = sign_text("GET / HTTP/1.1\n" SUITE_HDRS, "service",
                              "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267");
    TT_CHECK(strstr(a, "SignedHeaders=host;x-amz-date;x-amz-security-token") != NULL);
    TT_CHECK_STR(sig_of(a), "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
}

TT_TEST(sigv4_get_slashes_normalized)
{
    TT_CHECK_STR(sig_of(sign_text("GET //example// HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
                 "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84");
}

TT_TEST(sigv4_get_relative_relative_normalized)
{
    TT_CHECK_STR(
        sig_of(sign_text("GET /example1/example2/../.. HTTP/1.1\n" SUITE_HDRS, "service", NULL)),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TT_TEST(sigv4_get_header_key_duplicate)
{
    TT_CHECK_STR(sig_of(sign_text("GET / HTTP/1.1\nHost:example.amazonaws.com\n"
                                  "My-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\n"
                                  "X-Amz-Date:20150830T123600Z\n\n",
                                  "service", NULL)),
                 "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TT_TEST(sigv4_iam_list_users_example)
{
    const char *a = sign_text("GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\n"
                              "Host:iam.amazonaws.com\n"
                              "Content-Type:application/x-www-form-urlencoded; charset=utf-8\n"
                              "X-Amz-Date:20150830T123600Z\n\n",
                              "iam", NULL);
    TT_CHECK(strstr(a, "SignedHeaders=content-type;host;x-amz-date") != NULL);
    TT_CHECK_STR(sig_of(a), "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

/* Canonical request of the IAM example as the documentation prints it. */
TT_TEST(sigv4_iam_canonical_request)
{
    struct ls_sig_header h[] = {
        {"Host", 4, "iam.amazonaws.com", 17},
        {"Content-Type", 12, "application/x-www-form-urlencoded; charset=utf-8", 48},
        {"X-Amz-Date", 10, "20150830T123600Z", 16},
    };
    struct ls_sig_request rq = {.method = "GET",
                                .path = "/",
                                .path_len = 1,
                                .query = "Version=2010-05-08&Action=ListUsers",
                                .query_len = 35,
                                .headers = h,
                                .nheaders = 3};
    struct ls_buf creq = {0}, sh = {0};
    TT_CHECK(ls_sigv4_canonical(&rq, &creq, &sh) == 0);
    TT_CHECK_STR(creq.p, "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                         "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                         "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                         "content-type;host;x-amz-date\n"
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    TT_CHECK_STR(sh.p, "content-type;host;x-amz-date");
    ls_buf_free(&creq);
    ls_buf_free(&sh);
}

/* The canonical query: sorted by name, a name without '=' has an empty value, each value decoded
 * once and encoded again with '/' as %2F (only the path keeps its slashes), a '%' that does not
 * start an escape is a literal '%'. */
TT_TEST(sigv4_canonical_query_encoding)
{
    struct ls_sig_header h[] = {{"Host", 4, "logs.us-east-1.amazonaws.com", 28}};
    static const char q[] = "b=x/y&a&c=%2F%41&d=50%&e=%4&f=a%20b";
    struct ls_sig_request rq = {.method = "GET",
                                .path = "/",
                                .path_len = 1,
                                .query = q,
                                .query_len = sizeof q - 1,
                                .headers = h,
                                .nheaders = 1};
    struct ls_buf creq = {0}, sh = {0};
    TT_REQUIRE(ls_sigv4_canonical(&rq, &creq, &sh) == 0);
    TT_CHECK_STR(creq.p, "GET\n/\na=&b=x%2Fy&c=%2FA&d=50%25&e=%254&f=a%20b\n"
                         "host:logs.us-east-1.amazonaws.com\n\nhost\n"
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ls_buf_free(&creq);
    ls_buf_free(&sh);
}

/* The string to sign and the derived signature for the IAM example. */
TT_TEST(sigv4_iam_string_to_sign)
{
    struct ls_sig_header h[] = {
        {"Host", 4, "iam.amazonaws.com", 17},
        {"Content-Type", 12, "application/x-www-form-urlencoded; charset=utf-8", 48},
        {"X-Amz-Date", 10, "20150830T123600Z", 16},
    };
    struct ls_sig_request rq = {.method = "GET",
                                .path = "/",
                                .path_len = 1,
                                .query = "Action=ListUsers&Version=2010-05-08",
                                .query_len = 35,
                                .headers = h,
                                .nheaders = 3};
    struct ls_sig_result r = {0};
    TT_CHECK(ls_sigv4_sign(&rq, "20150830T123600Z", "us-east-1", "iam", AKID, SECRET, &r) == 0);
    TT_CHECK_STR(r.sts.p,
                 "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                 "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    TT_CHECK_STR(r.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    ls_sig_result_free(&r);
}

TT_TEST(sigv4_security_token_is_signed)
{
    const char *a = sign_text("POST / HTTP/1.1\n" SUITE_HDRS, "service", "TOKEN123");
    TT_CHECK(strstr(a, "SignedHeaders=host;x-amz-date;x-amz-security-token") != NULL);
}

TT_TEST(sigv4_uri_encode)
{
    struct ls_buf b = {0};
    TT_CHECK(ls_uri_encode(&b, "a b/~-_.*\xe1\x88\xb4", 12, 1) == 0);
    TT_CHECK_STR(b.p, "a%20b/~-_.%2A%E1%88%B4");
    ls_buf_reset(&b);
    TT_CHECK(ls_uri_encode(&b, "a/b", 3, 0) == 0);
    TT_CHECK_STR(b.p, "a%2Fb");
    ls_buf_free(&b);
}

TT_TEST(sigv4_query_sorted_and_reencoded)
{
    struct ls_sig_header h[] = {{"Host", 4, "h", 1}};
    struct ls_sig_request rq = {.method = "GET",
                                .path = "//a/../b//c/",
                                .path_len = 12,
                                .query = "b=2&a=%7e x&a=1&c",
                                .query_len = 17,
                                .headers = h,
                                .nheaders = 1};
    struct ls_buf creq = {0}, sh = {0};
    TT_CHECK(ls_sigv4_canonical(&rq, &creq, &sh) == 0);
    TT_CHECK(strncmp(creq.p, "GET\n/b/c/\na=1&a=~%20x&b=2&c=\nhost:h\n", 36) == 0);
    ls_buf_free(&creq);
    ls_buf_free(&sh);
}

TT_TEST(sigv4_amz_date)
{
    char d[17];
    ls_amz_date(1440938160LL, d);
    TT_CHECK_STR(d, "20150830T123600Z");
    ls_amz_date(253402300799LL, d); /* 9999-12-31T23:59:59Z */
    TT_CHECK_STR(d, "99991231T235959Z");
    ls_amz_date(253402300800LL, d); /* year 10000: does not fit */
    TT_CHECK_STR(d, "");
}

/* The canonical request of a GET with this path and query (both slices: pointer and length). */
static const char *canonical_of(const char *path, size_t path_len, const char *q, size_t qlen)
{
    static char out[512];
    struct ls_sig_header h[] = {{"Host", 4, "h", 1}};
    struct ls_sig_request rq = {.method = "GET",
                                .path = path,
                                .path_len = path_len,
                                .query = q,
                                .query_len = qlen,
                                .headers = h,
                                .nheaders = 1};
    struct ls_buf creq = {0}, sh = {0};
    out[0] = '\0';
    if (ls_sigv4_canonical(&rq, &creq, &sh) == 0) {
        size_t n = strcspn(creq.p, "h"); /* up to the headers */
        snprintf(out, sizeof out, "%.*s", (int)n, creq.p);
    }
    ls_buf_free(&creq);
    ls_buf_free(&sh);
    return out;
}

/* An empty path, and one that normalizes to nothing, are "/" (the path is read within its
 * length only: the empty one is a heap block of its own, past which ASan sees any read). */
TT_TEST(sigv4_empty_paths_are_the_root)
{
    char *p = malloc(1);
    TT_REQUIRE(p != NULL);
    p[0] = 'x';
    TT_CHECK_STR(canonical_of(p, 0, NULL, 0), "GET\n/\n\n");
    free(p);
    TT_CHECK_STR(canonical_of("a/..", 4, NULL, 0), "GET\n/\n\n");
    TT_CHECK_STR(canonical_of("/a/..", 5, NULL, 0), "GET\n/\n\n");
    TT_CHECK_STR(canonical_of("./", 2, NULL, 0), "GET\n/\n\n");
    TT_CHECK_STR(canonical_of("a/b", 3, NULL, 0), "GET\na/b\n\n");
    TT_CHECK_STR(canonical_of("x", 1, NULL, 0), "GET\nx\n\n"); /* (one byte: not the root) */
}

/* A query is a slice: an escape cut by its end is a literal '%', whatever bytes follow it. */
TT_TEST(sigv4_query_escape_cut_by_the_end)
{
    static const char q[] = "a=%4F&b=%";
    TT_CHECK_STR(canonical_of("/", 1, q, 4), "GET\n/\na=%254\n");
    TT_CHECK_STR(canonical_of("/", 1, q, 5), "GET\n/\na=O\n");
    TT_CHECK_STR(canonical_of("/", 1, q, sizeof q - 1), "GET\n/\na=O&b=%25\n");
}

int main(void)
{
    return tt_run_all();
}

/* lib/tt_base64: libsinsp's decoding rules (Base64::decodeWithoutPadding, the b64 transformer),
 * the widening options of environment configuration, and decoding in place. */
#include "tt_test.h"

#include "tt_base64.h"

/* Decoded text, or "(invalid)". */
static const char *dec(const char *in, unsigned opts)
{
    static char out[256];
    ssize_t n = tt_b64_decode(in, strlen(in), out, opts);
    if (n < 0)
        return "(invalid)";
    out[n] = '\0';
    return out;
}

TT_TEST(libsinsp_unit_cases)
{
    /* the cases of libsinsp's filter_transformer test */
    TT_CHECK_STR(dec("aGVsbG8=", 0), "hello");
    TT_CHECK_STR(dec("d29ybGQgIQ==", 0), "world !");
    TT_CHECK_STR(dec("", 0), "");
    TT_CHECK_STR(dec("YWFhLWJiYg==", 0), "aaa-bbb");
    TT_CHECK_STR(dec("YWFhYmJi", 0), "aaabbb");
}

TT_TEST(padding_is_optional_and_only_trailing)
{
    TT_CHECK_STR(dec("aGVsbG8", 0), "hello");
    TT_CHECK_STR(dec("YQ", 0), "a");
    TT_CHECK_STR(dec("YQ=", 0), "a");
    TT_CHECK_STR(dec("YQ==", 0), "a");
    TT_CHECK_STR(dec("YWJj==", 0), "abc"); /* up to two '=' are dropped whatever the length */
    TT_CHECK_STR(dec("YQ===", 0), "(invalid)");
    TT_CHECK_STR(dec("=", 0), "(invalid)");
    TT_CHECK_STR(dec("==", 0), "(invalid)");
    TT_CHECK_STR(dec("aGVs=bG8", 0), "(invalid)");
    TT_CHECK_STR(dec("aGVsbG8=x", 0), "(invalid)");
}

TT_TEST(last_group_must_be_canonical)
{
    TT_CHECK_STR(dec("a", 0), "(invalid)");     /* one character carries no byte */
    TT_CHECK_STR(dec("YWJja", 0), "(invalid)"); /* 4n+1 characters */
    /* ... even when the last character's bits are all zero ('A'), alone or after full groups,
     * with or without padding, and white space not counted as a character */
    TT_CHECK_STR(dec("A", 0), "(invalid)");
    TT_CHECK_STR(dec("YWJjA", 0), "(invalid)");
    TT_CHECK_STR(dec("YWJjA==", 0), "(invalid)");
    TT_CHECK_STR(dec("YW Jj\nA", TT_B64_SKIP_SPACE), "(invalid)");
    TT_CHECK_STR(dec("YW Jj\nZA", TT_B64_SKIP_SPACE), "abcd");
    TT_CHECK_STR(dec("YR", 0), "(invalid)"); /* low 4 bits of R are not zero */
    TT_CHECK_STR(dec("YWI", 0), "ab");
    TT_CHECK_STR(dec("YWJ", 0), "(invalid)"); /* low 2 bits of J are not zero */
    TT_CHECK_STR(dec("aGVsbG9=", 0), "(invalid)");
}

TT_TEST(strict_refuses_anything_outside_the_alphabet)
{
    TT_CHECK_STR(dec("aGVs bG8=", 0), "(invalid)");
    TT_CHECK_STR(dec("aGVsbG8=\n", 0), "(invalid)");
    TT_CHECK_STR(dec("aGVs\nbG8=", 0), "(invalid)");
    TT_CHECK_STR(dec("a-_b", 0), "(invalid)");
    TT_CHECK_STR(dec("ab_c", 0), "(invalid)"); /* '_' alone, not behind a refused '-' */
    TT_CHECK_STR(dec("ab-c", 0), "(invalid)");
    TT_CHECK_STR(dec("aGVs*G8=", 0), "(invalid)");
    char pad[] = "==";
    TT_CHECK_INT(tt_b64_decode(pad, 1, pad, 0), -1); /* -1 exactly, as documented */
    TT_CHECK_INT(tt_b64_decode(pad, 2, pad, 0), -1);
    char nul[] = "YQ\0=";
    TT_CHECK_INT(tt_b64_decode(nul, 4, nul, 0), -1);
}

TT_TEST(options_widen_the_input_only)
{
    TT_CHECK_STR(dec("aGVs bG8=", TT_B64_SKIP_SPACE), "hello");
    TT_CHECK_STR(dec(" aGVs\n bG8\t=\r\n", TT_B64_SKIP_SPACE), "hello");
    TT_CHECK_STR(dec("YQ = =\n", TT_B64_SKIP_SPACE), "a");
    TT_CHECK_STR(dec("   ", TT_B64_SKIP_SPACE), "");
    TT_CHECK_STR(dec(" = ", TT_B64_SKIP_SPACE), "(invalid)");
    TT_CHECK_STR(dec("-_-_", TT_B64_URL), "\xfb\xff\xbf");
    TT_CHECK_STR(dec("+/+/", TT_B64_URL), "\xfb\xff\xbf");
    TT_CHECK_STR(dec("-_-_", TT_B64_SKIP_SPACE), "(invalid)");
    TT_CHECK_STR(dec("aGVs*G8=", TT_B64_URL), "(invalid)"); /* only '-' and '_' are added */
    TT_CHECK_STR(dec("aGVs.G8=", TT_B64_URL), "(invalid)");
    /* the same rules otherwise */
    TT_CHECK_STR(dec("YR", TT_B64_SKIP_SPACE | TT_B64_URL), "(invalid)");
    TT_CHECK_STR(dec("Y Q = = =", TT_B64_SKIP_SPACE), "(invalid)");
}

TT_TEST(decodes_in_place_and_within_its_bound)
{
    char buf[] = "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==";
    size_t n = strlen(buf);
    ssize_t o = tt_b64_decode(buf, n, buf, 0);
    TT_REQUIRE(o > 0);
    TT_CHECK((size_t)o <= tt_b64_decoded_max(n));
    TT_CHECK(memcmp(buf, "The quick brown fox jumps over the lazy dog", (size_t)o) == 0);
    for (size_t len = 0; len < 12; len++)
        TT_CHECKF(tt_b64_decoded_max(len) >= len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0),
                  "bound too small for %zu characters", len);
}

int main(void)
{
    return tt_run_all();
}

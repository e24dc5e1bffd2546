/* Event record encoding, validation, parameter lookup and text rendering. */
#include "tt_test.h"
#include "tt_event.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

TT_TEST(roundtrip_params)
{
    uint8_t buf[512];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_OPENAT, 1234567890123456789ull, 42, 40);
    tt_evb_i64(&b, TT_P_DIRFD, -100);
    tt_evb_str(&b, TT_P_NAME, "etc/shadow");
    tt_evb_u64(&b, TT_P_FLAGS, 0x80000);
    size_t len = tt_evb_finish(&b, 3);
    TT_CHECK(len > 0 && len % 8 == 0);
    TT_CHECK_INT(tt_event_validate(buf, len), 0);
    const struct tt_event *ev = (const void *)buf;
    TT_CHECK_INT(ev->nparams, 3);
    TT_CHECK_INT(ev->ret, 3);
    int64_t dirfd = 0;
    TT_CHECK(tt_event_get_i64(ev, TT_P_DIRFD, &dirfd));
    TT_CHECK_INT(dirfd, -100);
    struct tt_param_view v;
    TT_CHECK(tt_event_param(ev, TT_P_NAME, &v));
    TT_CHECK_INT(v.len, 10);
    TT_CHECK(memcmp(v.data, "etc/shadow", 10) == 0);
    TT_CHECK(!tt_event_param(ev, TT_P_MODE, &v));
}

TT_TEST(validate_rejects_truncated_and_garbage)
{
    uint8_t buf[256];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_OPEN, 1, 1, 1);
    tt_evb_str(&b, TT_P_NAME, "/etc/passwd");
    size_t len = tt_evb_finish(&b, 0);
    TT_CHECK_INT(tt_event_validate(buf, len - 8), -1);
    uint8_t bad[sizeof buf];
    memcpy(bad, buf, len);
    struct tt_param ph;
    memcpy(&ph, bad + sizeof(struct tt_event), sizeof ph);
    ph.len = 1000;
    memcpy(bad + sizeof(struct tt_event), &ph, sizeof ph);
    TT_CHECK_INT(tt_event_validate(bad, len), -1);
    memcpy(bad, buf, len);
    ((struct tt_event *)(void *)bad)->type = 60000;
    TT_CHECK_INT(tt_event_validate(bad, len), -1);
}

TT_TEST(truncates_long_strings)
{
    uint8_t buf[128];
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_EXECVE, 1, 1, 1);
    tt_evb_str(&b, TT_P_FILENAME, big);
    size_t len = tt_evb_finish(&b, 0);
    TT_CHECK(len > 0 && len <= sizeof buf);
    TT_CHECK_INT(tt_event_validate(buf, len), 0);
}

TT_TEST(names_tables)
{
    TT_CHECK_STR(tt_event_name(TT_EV_OPENAT), "openat");
    TT_CHECK_INT(tt_event_type_by_name("execveat"), TT_EV_EXECVEAT);
    TT_CHECK_INT(tt_event_type_by_name("nope"), TT_EV_NONE);
    TT_CHECK_STR(tt_param_name(TT_P_LINKPATH), "linkpath");
    TT_CHECK_INT(tt_param_by_name("flags"), TT_P_FLAGS);
}

TT_TEST(format_line)
{
    uint8_t buf[512];
    struct tt_evb b;
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_CONNECT, 5000000001ull, 7, 7);
    tt_evb_i64(&b, TT_P_FD, 3);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(8080);
    sin.sin_addr.s_addr = htonl(0x7f000001);
    tt_evb_bytes(&b, TT_P_ADDR, TT_PK_SOCKADDR, &sin, sizeof sin);
    tt_evb_finish(&b, 0);
    char line[256];
    tt_event_format((const void *)buf, line, sizeof line);
    TT_CHECK_STR(line, "5.000000001 7/7 connect ret=0 fd=3 addr=127.0.0.1:8080");
    /* an event reported at entry has no result */
    tt_evb_begin(&b, buf, sizeof buf, TT_EV_CLOSE, 5000000001ull, 7, 7);
    tt_evb_i64(&b, TT_P_FD, 3);
    tt_evb_finish(&b, TT_RET_NONE);
    tt_event_format((const void *)buf, line, sizeof line);
    TT_CHECK_STR(line, "5.000000001 7/7 close ret=none fd=3");
}

TT_TEST(stream_header)
{
    struct tt_stream_hdr h;
    char why[128];
    tt_stream_hdr_init(&h, 1, 2);
    TT_CHECK_INT(tt_stream_hdr_check(&h, why, sizeof why), 0);
    h.version = 99;
    TT_CHECK_INT(tt_stream_hdr_check(&h, why, sizeof why), -1);
    TT_CHECK(strstr(why, "version 99") != NULL);
}

int main(void)
{
    return tt_run_all();
}

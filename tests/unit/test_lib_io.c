/* lib/tt_io (exact read/write loops, whole-file reading with a limit) and lib/tt_time (clock
 * helpers). */
#include "tt_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tt_io.h"
#include "tt_time.h"

static char tmpl[] = "/tmp/tt_io_test.XXXXXX";

TT_TEST(read_full_collects_pieces_and_stops_at_eof)
{
    int p[2];
    TT_CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 10; i++) { /* ten separate writes of 3 bytes */
            if (write(p[1], "abc", 3) != 3)
                _exit(1);
            usleep(2000);
        }
        _exit(0);
    }
    close(p[1]);
    char buf[64];
    TT_CHECK_INT(tt_read_full(p[0], buf, 30), 30);
    TT_CHECK(!memcmp(buf, "abcabcabcabcabcabcabcabcabcabc", 30));
    TT_CHECK_INT(tt_read_full(p[0], buf, sizeof buf), 0); /* end of file */
    close(p[0]);
    waitpid(pid, NULL, 0);
    TT_CHECK_INT(tt_read_full(-1, buf, 1), -1);
    TT_CHECK_INT(errno, EBADF);
}

TT_TEST(write_full_and_short_read_at_eof)
{
    int p[2];
    TT_CHECK(pipe(p) == 0);
    TT_CHECK_INT(tt_write_full(p[1], "hello", 5), 5);
    close(p[1]);
    char buf[16];
    TT_CHECK_INT(tt_read_full(p[0], buf, sizeof buf), 5);
    close(p[0]);
    TT_CHECK_INT(tt_write_full(-1, "x", 1), -1);
    TT_CHECK_INT(errno, EBADF);
}

TT_TEST(read_file_whole_limited_missing)
{
    char path[sizeof tmpl];
    memcpy(path, tmpl, sizeof tmpl);
    int fd = mkstemp(path);
    TT_CHECK(fd >= 0);
    if (fd < 0)
        return;
    static char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    TT_CHECK_INT(tt_write_full(fd, big, sizeof big), (long long)sizeof big);
    close(fd);
    size_t len = 0;
    char *s = tt_read_file(path, sizeof big, &len);
    TT_REQUIRE(s != NULL);
    TT_CHECK_INT(len, sizeof big);
    if (s) {
        TT_CHECK(!memcmp(s, big, sizeof big));
        TT_CHECK_INT(s[len], 0);
    }
    free(s);
    errno = 0;
    TT_CHECK(tt_read_file(path, sizeof big - 1, &len) == NULL);
    TT_CHECK_INT(errno, EFBIG);
    unlink(path);
    TT_CHECK(tt_read_file(path, 100, &len) == NULL);
    TT_CHECK_INT(errno, ENOENT);
    /* an empty stream gives an empty string, not NULL */
    int p[2];
    TT_CHECK(pipe(p) == 0);
    close(p[1]);
    s = tt_read_fd(p[0], 10, &len);
    TT_REQUIRE(s != NULL);
    TT_CHECK_INT(len, 0);
    if (s)
        TT_CHECK_STR(s, "");
    free(s);
    close(p[0]);
}

TT_TEST(clocks)
{
    uint64_t a = tt_mono_ns();
    usleep(20000);
    uint64_t b = tt_mono_ns();
    TT_CHECK(b - a >= 20000000u);
    TT_CHECK(b - a < 5000000000u);
    int64_t ms = tt_mono_ms();
    TT_CHECK(ms >= (int64_t)(b / 1000000u) && ms - (int64_t)(b / 1000000u) < 5000);
    /* wall clock: after 2020, and ms agrees with ns */
    TT_CHECK(tt_wall_ns() > 1577836800ull * 1000000000u);
    TT_CHECK(tt_wall_ms() - (int64_t)(tt_wall_ns() / 1000000u) <= 0);
    TT_CHECK(tt_coarse_ns() > 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return tt_run_all();
}

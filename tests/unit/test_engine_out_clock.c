/* The outputs' timed waits run on CLOCK_MONOTONIC: a wall-clock step during the shutdown drain
 * does not cut it short. clock_gettime is interposed here so that CLOCK_REALTIME reads an hour
 * behind the kernel's (what a deadline computed just before the wall clock was stepped forward
 * looks like); a drain timed on the wall clock would then give up at once with alerts still
 * queued. The slow channel is a file output into a FIFO whose reader starts late. */
#include "tt_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "config.h"
#include "outputs.h"

static volatile int wall_behind;

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    if (syscall(SYS_clock_gettime, clk, ts) != 0)
        return -1;
    if (wall_behind && clk == CLOCK_REALTIME)
        ts->tv_sec -= 3600;
    return 0;
}

enum { NALERTS = 100, MSGLEN = 2000 };

struct reader {
    int fd;
    int lines;
};

/* Starts reading only after 400 ms, so that the pipe fills and the output thread blocks. */
static void *late_reader(void *arg)
{
    struct reader *r = arg;
    usleep(400 * 1000);
    char buf[65536];
    while (r->lines < NALERTS) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t n = read(r->fd, buf, sizeof buf);
        if (n < 0 && errno == EAGAIN)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            r->lines += buf[i] == '\n';
    }
    return NULL;
}

TT_TEST(wall_clock_step_does_not_cut_the_drain_short)
{
    char dir[] = "/tmp/tt_out_clock_XXXXXX";
    TT_REQUIRE(mkdtemp(dir) != NULL);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    TT_REQUIRE(mkfifo(fifo, 0600) == 0);
    struct reader r = {.fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
    TT_REQUIRE(r.fd >= 0);
    /* a writer kept open, so that the reader never sees end-of-file between the file output's
     * per-alert open and close */
    int keep = open(fifo, O_WRONLY | O_CLOEXEC);
    TT_REQUIRE(keep >= 0);
    signal(SIGPIPE, SIG_IGN); /* a failed run closes the FIFO under the output thread */

    struct engine_config c;
    char err[256];
    config_defaults(&c);
    config_from_tree(&c, cfg_node_new(CFG_MAP, "t", 1), err, sizeof err);
    c.stdout_enabled = 0;
    c.syslog_enabled = 0;
    c.file.enabled = 1;
    free(c.file.filename);
    c.file.filename = strdup(fifo);
    struct outputs *o = outputs_new(&c, "h", err, sizeof err);
    TT_REQUIRE(o != NULL);

    static char msg[MSGLEN + 1];
    memset(msg, 'x', MSGLEN);
    struct alert a;
    memset(&a, 0, sizeof a);
    a.ts_ns = 1700000000123456789ULL;
    a.priority = PRI_WARNING;
    a.rule = "r";
    a.source = "syscall";
    a.message = msg;
    for (int i = 0; i < NALERTS; i++)
        TT_CHECK_INT(outputs_emit(o, &a), 0);

    pthread_t th;
    TT_REQUIRE(pthread_create(&th, NULL, late_reader, &r) == 0);
    wall_behind = 1;
    int drained = outputs_flush(o, 10000);
    wall_behind = 0;
    pthread_join(th, NULL);
    TT_CHECKF(drained == 0, "outputs_flush gave up before the queue was written");
    TT_CHECK_INT(r.lines, NALERTS);
    struct outputs_stats st;
    outputs_get_stats(o, &st);
    TT_CHECK_INT(st.written, NALERTS);
    close(keep);
    close(r.fd);
    outputs_free(o, 1000, NULL);
    config_free(&c);
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    return tt_run_all();
}

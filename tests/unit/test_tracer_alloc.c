/* The tracer's per-stop work allocates nothing once warm: decoding a syscall's entry and exit
 * stops into an event (per-task buffers come back through tr_buf_get's freelist) and handing it
 * to the sink. Measured with the counting allocator of tt_alloc.h, this process standing in for
 * the tracee (process_vm_readv on oneself is allowed). */
#include "tt_alloc.h"
#include "tt_test.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "decode.h"
#include "tasks.h"
#include "trace.h"
#include "tracer.h"

static const char path[] = "/etc/hostname";

/* One openat and one close, as the loop decodes them at their stops. */
static void stops(struct tr_state *st, struct tr_task *t)
{
    uint64_t open_args[6] = {(uint64_t)(int64_t)AT_FDCWD, (uint64_t)(uintptr_t)path, O_RDONLY};
    if (tr_decode_entry(st, t, __NR_openat, open_args, TR_AUDIT_ARCH, 0))
        tr_decode_exit(st, t, 3);
    uint64_t close_args[6] = {3};
    if (tr_decode_entry(st, t, __NR_close, close_args, TR_AUDIT_ARCH, 0))
        tr_decode_exit(st, t, 0);
}

TT_TEST(decode_and_emit_allocate_nothing_per_stop)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    char dir[] = "/tmp/tt_tracer_alloc_XXXXXX";
    TT_REQUIRE(mkdtemp(dir) != NULL);
    char cap[64];
    snprintf(cap, sizeof cap, "%s/cap", dir);
    struct tr_opts o = {.trace_all = 1};
    struct tr_state st = {.o = &o, .sigfd = -1};
    char why[256] = "";
    TT_REQUIRE(tr_sink_open(&st.sink, cap, 0, 0, 0, why, sizeof why) == 0);
    TT_REQUIRE(tr_tasks_init(&st.tasks) == 0);
    struct tr_task *t = tr_task_add(&st.tasks, getpid(), getpid());
    TT_REQUIRE(t != NULL);
    for (int i = 0; i < 100; i++) /* warm-up: the freelist, stdio's buffer */
        stops(&st, t);
    uint64_t before = st.events;
    enum { N = 5000 };
    tt_alloc_arm();
    for (int i = 0; i < N; i++)
        stops(&st, t);
    unsigned long n = tt_alloc_count();
    tt_alloc_disarm();
    TT_CHECKF(n == 0, "%lu allocations for %d stop pairs", n, 2 * N);
    TT_CHECK_INT(st.events - before, 2 * N); /* the events were built and emitted */
    TT_CHECK_INT(st.sink.failed, 0);
    tr_tasks_free(&st.tasks);
    tr_sink_close(&st.sink);
    unlink(cap);
    rmdir(dir);
}

/* Negative control: with the freelist empty each entry stop allocates its buffer, and the
 * counter sees it (so the zero above is a measurement, not a blind counter). */
TT_TEST(counter_sees_a_buffer_allocation)
{
    if (!tt_alloc_works())
        TT_SKIP("malloc is not interposable in a static link");
    tt_alloc_arm();
    size_t cap1 = 0, cap2 = 0;
    uint8_t *a = tr_buf_get(1 << 20, &cap1); /* larger than the pooled size: always malloc */
    uint8_t *b = tr_buf_get(1 << 20, &cap2);
    unsigned long n = tt_alloc_count();
    tt_alloc_disarm();
    TT_CHECK_INT(n, 2);
    tr_buf_put(a, cap1);
    tr_buf_put(b, cap2);
}

int main(void)
{
    return tt_run_all();
}

/* Unit tests: tracee memory readers (tracer/mem.c, exercised on this process itself, which
 * process_vm_readv allows) and the tid table (tracer/tasks.c). */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"
#include "tasks.h"
#include "tt_test.h"

TT_TEST(mem_string_reads_and_truncates)
{
    const char *s = "/etc/hostname";
    char buf[64];
    TT_CHECK_INT(tr_mem_string(getpid(), (uint64_t)(uintptr_t)s, buf, sizeof buf), 13);
    TT_CHECK_STR(buf, s);
    char small[5];
    TT_CHECK_INT(tr_mem_string(getpid(), (uint64_t)(uintptr_t)s, small, sizeof small), 4);
    TT_CHECK_STR(small, "/etc");
    TT_CHECK_INT(tr_mem_string(getpid(), 0, buf, sizeof buf), -1);
}

TT_TEST(mem_string_stops_at_unmapped_page)
{
    /* a string that ends exactly at the end of a page followed by an unmapped page */
    long pg = sysconf(_SC_PAGESIZE);
    char *m =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TT_CHECK(m != MAP_FAILED);
    if (m == MAP_FAILED)
        return;
    munmap(m + pg, (size_t)pg);
    char *s = m + pg - 6;
    memcpy(s, "abcde", 6); /* NUL is the page's last byte */
    char buf[64];
    TT_CHECK_INT(tr_mem_string(getpid(), (uint64_t)(uintptr_t)s, buf, sizeof buf), 5);
    TT_CHECK_STR(buf, "abcde");
    memcpy(s, "abcdef", 6); /* no NUL before the hole: what is readable, no crash */
    TT_CHECK_INT(tr_mem_string(getpid(), (uint64_t)(uintptr_t)s, buf, sizeof buf), 6);
    TT_CHECK_INT(tr_mem_string(getpid(), (uint64_t)(uintptr_t)(m + pg), buf, sizeof buf), -1);
    munmap(m, (size_t)pg);
}

TT_TEST(mem_strlist_argv)
{
    char *argv[] = {"prog", "one", "two words", "", "last", NULL};
    char first[16], rest[64];
    ssize_t n = tr_mem_strlist(getpid(), (uint64_t)(uintptr_t)argv, first, sizeof first, rest,
                               sizeof rest, 100);
    TT_CHECK_STR(first, "prog");
    static const char want[] = "one\0two words\0\0last";
    TT_CHECK_INT(n, sizeof want);
    TT_CHECK(n == sizeof want && memcmp(rest, want, sizeof want) == 0);
    /* at most max_items, counting argv[0] */
    n = tr_mem_strlist(getpid(), (uint64_t)(uintptr_t)argv, first, sizeof first, rest, sizeof rest,
                       2);
    TT_CHECK_INT(n, 4);
    TT_CHECK_INT(tr_mem_strlist(getpid(), 0, first, sizeof first, rest, sizeof rest, 9), -1);
}

TT_TEST(tasks_add_find_delete_grow)
{
    struct tr_tasks t;
    TT_CHECK_INT(tr_tasks_init(&t), 0);
    for (pid_t tid = 100; tid < 5100; tid++)
        TT_CHECK(tr_task_add(&t, tid, tid - tid % 10) != NULL);
    TT_CHECK_INT(t.count, 5000);
    TT_CHECK(tr_task_find(&t, 4321) && tr_task_find(&t, 4321)->tgid == 4320);
    TT_CHECK(tr_task_add(&t, 4321, 1) == tr_task_find(&t, 4321)); /* no duplicate */
    TT_CHECK_INT(t.count, 5000);
    for (pid_t tid = 100; tid < 5100; tid += 2)
        tr_task_del(&t, tid);
    TT_CHECK_INT(t.count, 2500);
    TT_CHECK(tr_task_find(&t, 200) == NULL);
    TT_CHECK(tr_task_find(&t, 201) != NULL);
    tr_task_del(&t, 999999); /* unknown: no-op */
    TT_CHECK_INT(t.count, 2500);
    tr_tasks_free(&t);
}

TT_TEST(tasks_rekey_and_iterate_with_deletion)
{
    struct tr_tasks t;
    TT_CHECK_INT(tr_tasks_init(&t), 0);
    for (pid_t tid = 1; tid <= 300; tid++)
        tr_task_add(&t, tid, 1);
    struct tr_task *k = tr_task_find(&t, 7);
    tr_task_rekey(&t, k, 7000);
    TT_CHECK(tr_task_find(&t, 7) == NULL);
    TT_CHECK(tr_task_find(&t, 7000) == k);
    size_t b = 0, seen = 0;
    struct tr_task *cur = NULL, *x;
    while ((x = tr_task_iter(&t, &b, &cur))) {
        seen++;
        if (x->tid % 3 == 0)
            tr_task_del(&t, x->tid);
    }
    TT_CHECK_INT(seen, 300);
    TT_CHECK_INT(t.count, 200);
    tr_tasks_free(&t);
}

TT_TEST(pending_buffers_recycle)
{
    size_t cap;
    uint8_t *a = tr_buf_get(100, &cap);
    TT_CHECK(a != NULL && cap >= 100);
    tr_buf_put(a, cap);
    size_t cap2;
    uint8_t *b = tr_buf_get(200, &cap2);
    TT_CHECK(b == a); /* small buffers come back from the free list */
    tr_buf_put(b, cap2);
    uint8_t *big = tr_buf_get(200000, &cap);
    TT_CHECK(big != NULL && cap >= 200000);
    tr_buf_put(big, cap);
}

int main(void)
{
    return tt_run_all();
}

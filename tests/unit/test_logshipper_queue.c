/* Event queue: memory bound, disk spool order and bound, batch limits, spool reopen. */
#include "tt_test.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "ls_queue.h"
#include "ls_spool.h"

static struct ls_event *ev(int64_t ts, int i)
{
    char m[64];
    int n = snprintf(m, sizeof m, "e-%d", i);
    struct ls_event *e = malloc(sizeof *e + (size_t)n);
    memcpy(e->msg, m, (size_t)n);
    e->len = (uint32_t)n;
    e->notice = 0;
    e->ts = ts;
    e->next = NULL;
    return e;
}

static int num(const struct ls_event *e)
{
    char b[32];
    snprintf(b, sizeof b, "%.*s", (int)e->len, e->msg);
    return atoi(b + 2);
}

/* Drain everything through take; return the list of numbers in order, count in *n. */
static int drain(struct ls_queue *q, int *out, int max)
{
    int n = 0;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct ls_event *list;
        size_t k = ls_queue_take_locked(q, 7, 1 << 20, 1000000, &list);
        if (!k)
            break;
        for (struct ls_event *e = list; e; e = e->next)
            if (n < max)
                out[n++] = num(e);
        ls_event_list_free(list);
    }
    pthread_mutex_unlock(&q->mu);
    return n;
}

TT_TEST(queue_memory_bound_drops_oldest)
{
    struct ls_queue q;
    /* each event "e-N" is 3-4 bytes + 26 */
    TT_CHECK(ls_queue_init(&q, 300, NULL, 0) == 0);
    for (int i = 0; i < 100; i++)
        ls_queue_push(&q, ev(i, i));
    int got[200];
    int n = drain(&q, got, 200);
    TT_CHECK(q.dropped > 0 && (int)q.dropped + n == 100);
    TT_CHECK(n > 0 && got[n - 1] == 99 && got[0] == 100 - n);
    ls_queue_destroy(&q);
}

static char *mkspool(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/ls-unit-spool-XXXXXX");
    return mkdtemp(dir);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

TT_TEST(queue_spool_keeps_everything_in_order)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    struct ls_queue q;
    TT_CHECK(sp && ls_queue_init(&q, 300, sp, 1 << 20) == 0);
    for (int i = 0; i < 5000; i++)
        ls_queue_push(&q, ev(i, i));
    TT_CHECK(ls_spool_count(sp) > 4000);
    static int got[6000];
    int n = drain(&q, got, 6000);
    TT_CHECK_INT(n, 5000);
    int ordered = 1;
    for (int i = 0; i < n; i++)
        ordered &= got[i] == i;
    TT_CHECK(ordered);
    TT_CHECK_INT(q.dropped, 0);
    TT_CHECK_INT(files_in(dir), 0);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(queue_spool_bound_drops_oldest)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    struct ls_queue q;
    TT_CHECK(sp && ls_queue_init(&q, 300, sp, 3000) == 0);
    for (int i = 0; i < 1000; i++)
        ls_queue_push(&q, ev(i, i));
    static int got[2000];
    int n = drain(&q, got, 2000);
    TT_CHECK(q.dropped > 0 && (int)q.dropped + n == 1000);
    int ordered = n > 0 && got[n - 1] == 999;
    for (int i = 1; i < n; i++)
        ordered &= got[i] == got[i - 1] + 1;
    TT_CHECK(ordered);
    ls_queue_destroy(&q);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(spool_survives_restart)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    TT_REQUIRE(sp != NULL);
    for (int i = 0; i < 10; i++) {
        struct ls_event *e = ev(i, i);
        TT_CHECK(ls_spool_append(sp, e) == 0);
        free(e);
    }
    ls_spool_close(sp);
    sp = ls_spool_open(dir);
    TT_CHECK(sp && ls_spool_count(sp) == 10);
    for (int i = 0; i < 10; i++) {
        struct ls_event *e = ls_spool_pop(sp);
        TT_CHECK(e && e->ts == i && num(e) == i);
        free(e);
    }
    TT_CHECK(ls_spool_pop(sp) == NULL);
    TT_CHECK_INT(files_in(dir), 0);
    ls_spool_close(sp);
    rmdir(dir);
}

TT_TEST(spool_close_forgets_consumed_records)
{
    char *dir = mkspool();
    struct ls_spool *sp = ls_spool_open(dir);
    TT_REQUIRE(sp != NULL);
    for (int i = 0; i < 10; i++) {
        struct ls_event *e = ev(i, i);
        TT_CHECK(ls_spool_append(sp, e) == 0);
        free(e);
    }
    for (int i = 0; i < 4; i++)
        free(ls_spool_pop(sp));
    ls_spool_close(sp);
    sp = ls_spool_open(dir);
    TT_CHECK(sp && ls_spool_count(sp) == 6);
    struct ls_event *e = ls_spool_pop(sp);
    TT_CHECK(e && num(e) == 4);
    free(e);
    while ((e = ls_spool_pop(sp)))
        free(e);
    ls_spool_close(sp);
    TT_CHECK_INT(files_in(dir), 0);
    rmdir(dir);
}

TT_TEST(take_respects_count_bytes_and_span)
{
    struct ls_queue q;
    TT_CHECK(ls_queue_init(&q, 1 << 20, NULL, 0) == 0);
    for (int i = 0; i < 20; i++)
        ls_queue_push(&q, ev(i < 10 ? 0 : 5000, i));
    pthread_mutex_lock(&q.mu);
    struct ls_event *l;
    TT_CHECK_INT(ls_queue_take_locked(&q, 4, 1 << 20, 1000, &l), 4);
    ls_event_list_free(l);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 3 * 30, 1000, &l), 3); /* bytes: 3 x (3+26) */
    ls_event_list_free(l);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 1000, &l), 3); /* span stops at ts 5000 */
    ls_event_list_free(l);
    TT_CHECK_INT(ls_queue_take_locked(&q, 100, 1 << 20, 1000, &l), 10);
    ls_event_list_free(l);
    pthread_mutex_unlock(&q.mu);
    ls_queue_destroy(&q);
}

int main(void)
{
    return tt_run_all();
}

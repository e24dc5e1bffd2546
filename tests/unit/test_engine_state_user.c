/* User and group names from passwd and group files: the lines Falco's lookup skips (comments,
 * an empty name, too few fields, a non-numeric id), home and shell when the line has them,
 * the first of two entries with one id, root without a line, the 1 MiB bound on a file, the
 * container's own files (/proc/<pid>/root) before the host's, and the cache per container. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"
#include "tt_io.h"

#include "engine_test_events.h"
#include "state_priv.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void write_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    TT_CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void make_root(void)
{
    snprintf(dir, sizeof dir, "/tmp/tt_users_XXXXXX");
    TT_CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/etc", dir);
    mkdir(path, 0755);
}

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    TT_CHECK(system(cmd) == 0);
}

static struct eval_ctx ctx;
static struct tev e;

static struct st_proc *proc_in(struct engine_state *st, int32_t pid, const char *cid)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_COMM, "p");
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, cid);
    tev_apply(st, &ctx, tev_end(&e, 0));
    return state_proc(st, pid);
}

/* "name home shell" of uid, or "(none)". */
static const char *user(struct engine_state *st, struct st_proc *p, uint32_t uid)
{
    static char b[256];
    const char *home = "?", *shell = "?";
    const char *n = st_user_name(st, p, uid, &home, &shell);
    if (!n)
        return "(none)";
    snprintf(b, sizeof b, "%s %s %s", n, home ? home : "(null)", shell ? shell : "(null)");
    return b;
}

static const char *group(struct engine_state *st, struct st_proc *p, uint32_t gid)
{
    const char *n = st_group_name(st, p, gid);
    return n ? n : "(none)";
}

TT_TEST(passwd_and_group_lines)
{
    make_root();
    write_file("etc/passwd", "# a comment:x:5:5::/c:/bin/c\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
                             "\n"
                             ":x:1001:1001::/home/noname:/bin/sh\n"
                             "short:x\n"
                             "bad:x:abc:1::/bad:/bin/sh\n"
                             "nohome:x:1002:1002\n"
                             "noshell:x:1003:1003::/home/ns\n"
                             "extra:x:1004:1004::/home/e:/bin/e:more:fields\n"
                             "dup:x:1005:1005::/first:/bin/1\n"
                             "dup2:x:1005:1005::/second:/bin/2\n"
                             "  spaced:x:1006:1::/s:/s\n"
                             "big:x:4294967295:1::/b:/b\n"
                             "five:x:1008:1:gecos\n"
                             "last:x:1007:1::/l:/bin/l");
    write_file("etc/group", "#c:x:10:\nstaff:x:50:alice\n:x:51:\nwheel:x:10:\nnogid:x\nlastg:x:52");
    struct state_opts o = {.host_root = dir, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    struct st_proc *p = proc_in(st, 10, "host");
    TT_CHECK_STR(user(st, p, 1000), "alice /home/alice /bin/bash");
    TT_CHECK_STR(user(st, p, 5), "(none)");
    TT_CHECK_STR(user(st, p, 1001), "(none)");
    TT_CHECK_STR(user(st, p, 1002), "nohome  ");
    TT_CHECK_STR(user(st, p, 1003), "noshell /home/ns ");
    TT_CHECK_STR(user(st, p, 1004), "extra /home/e /bin/e");
    TT_CHECK_STR(user(st, p, 1005), "dup /first /bin/1");
    TT_CHECK_STR(user(st, p, 1006), "  spaced /s /s");
    TT_CHECK_STR(user(st, p, 4294967295u), "big /b /b");
    TT_CHECK_STR(user(st, p, 1007), "last /l /bin/l");
    TT_CHECK_STR(user(st, p, 1008), "five  ");         /* five fields: no home, no shell */
    TT_CHECK_STR(user(st, p, 0), "root /root (null)"); /* no line for root */
    TT_CHECK_STR(user(st, p, 4242), "(none)");
    TT_CHECK(st_user_name(st, p, 1000, NULL, NULL) != NULL);
    TT_CHECK(st_user_name(st, p, 0, NULL, NULL) != NULL);
    TT_CHECK_STR(group(st, p, 50), "staff");
    TT_CHECK_STR(group(st, p, 10), "wheel");
    TT_CHECK_STR(group(st, p, 51), "(none)");
    TT_CHECK_STR(group(st, p, 52), "lastg");
    TT_CHECK_STR(group(st, p, 0), "root");
    TT_CHECK_STR(group(st, p, 7), "(none)");
    /* loaded once per container: a later change of the files is not seen */
    write_file("etc/passwd", "carol:x:1000:1000::/home/carol:/bin/sh\n");
    TT_CHECK_STR(user(st, p, 1000), "alice /home/alice /bin/bash");
    state_free(st);
    remove_root();
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

TT_TEST(files_without_comments_or_final_newline_and_no_fd_left_open)
{
    make_root();
    write_file("etc/passwd", "a:x:1:1::/a:/a\nb:x:2:2::/b:/b"); /* every line an entry */
    write_file("etc/group", "g:x:1:\nh:x:2:");
    struct state_opts o = {.host_root = dir, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    struct st_proc *p = proc_in(st, 13, "host");
    int fds = open_fds();
    TT_CHECK_STR(user(st, p, 2), "b /b /b");
    TT_CHECK_STR(group(st, p, 2), "h");
    TT_CHECK_INT(open_fds(), fds); /* the files were closed */
    state_free(st);
    remove_root();
}

TT_TEST(files_missing_or_too_large)
{
    make_root();
    struct state_opts o = {.host_root = dir, .no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    struct st_proc *p = proc_in(st, 11, "host");
    TT_CHECK_STR(user(st, p, 0), "root /root (null)");
    TT_CHECK_STR(user(st, p, 1), "(none)");
    TT_CHECK_STR(group(st, p, 0), "root");
    state_free(st);
    /* a passwd file of exactly TT_CAP_USERS_FILE bytes is read whole; one byte more and it is
     * refused whole (no name from it), never cut */
    for (int extra = 0; extra <= 1; extra++) {
        char path[256];
        snprintf(path, sizeof path, "%s/etc/passwd", dir);
        FILE *f = fopen(path, "w");
        TT_REQUIRE(f != NULL);
        static const char head[] = "first:x:2000:1::/f:/f\n";
        static const char tail[] = "edge:x:2001:1::/e:/e\n"; /* ends at the file's last byte */
        fputs(head, f);
        size_t written = sizeof head - 1;
        static const char filler[] =
            "#..............................................................\n";
        size_t room = TT_CAP_USERS_FILE + (size_t)extra - (sizeof tail - 1) - 1;
        while (written + sizeof filler - 1 <= room) {
            fputs(filler, f);
            written += sizeof filler - 1;
        }
        while (written < room) {
            fputc('#', f);
            written++;
        }
        fputc('\n', f);
        fputs(tail, f);
        TT_CHECK_INT(ftell(f), TT_CAP_USERS_FILE + extra);
        fclose(f);
        st = state_new_opts(&o);
        p = proc_in(st, 12, "host");
        TT_CHECK_STR(user(st, p, 2000), extra ? "(none)" : "first /f /f");
        TT_CHECK_STR(user(st, p, 2001), extra ? "(none)" : "edge /e /e");
        state_free(st);
    }
    remove_root();
}

TT_TEST(a_container_reads_its_own_files_first)
{
    make_root();
    write_file("etc/passwd", "hostonly:x:4242:1::/h:/h\n");
    write_file("etc/group", "hostgroup:x:4242:\n");
    struct state_opts o = {.host_root = dir};
    struct engine_state *st = state_new_opts(&o);
    /* this test's own process as the container's: /proc/<pid>/root/etc is the system's */
    struct st_proc *p = proc_in(st, (int32_t)getpid(), "0123456789ab");
    struct passwd *root = getpwuid(0);
    char want[256];
    snprintf(want, sizeof want, "%s %s %s", root ? root->pw_name : "?", root ? root->pw_dir : "?",
             root ? root->pw_shell : "?");
    TT_CHECK_STR(user(st, p, 0), want); /* the system's line, shell included */
    if (!getpwuid(4242))
        TT_CHECK_STR(user(st, p, 4242), "(none)");
    if (!getgrgid(4242))
        TT_CHECK_STR(group(st, p, 4242), "(none)");
    /* a container process whose root cannot be read: the host's files */
    struct st_proc *gone = proc_in(st, 999999, "ba9876543210");
    TT_CHECK_STR(user(st, gone, 4242), "hostonly /h /h");
    TT_CHECK_STR(group(st, gone, 4242), "hostgroup");
    /* on the host, the host's files whatever the process */
    struct st_proc *h = proc_in(st, (int32_t)getpid() + 1, "host");
    TT_CHECK_STR(user(st, h, 4242), "hostonly /h /h");
    /* no_proc_lookup: the host's files for containers too */
    struct state_opts o2 = {.host_root = dir, .no_proc_lookup = 1};
    struct engine_state *st2 = state_new_opts(&o2);
    struct st_proc *q = proc_in(st2, (int32_t)getpid(), "0123456789ab");
    TT_CHECK_STR(user(st2, q, 4242), "hostonly /h /h");
    TT_CHECK_STR(group(st2, q, 4242), "hostgroup");
    state_free(st2);
    TT_CHECK(st_user_name(st, NULL, 0, NULL, NULL) != NULL); /* no process: root still known */
    state_free(st);
    remove_root();
}

int main(void)
{
    return tt_run_all();
}

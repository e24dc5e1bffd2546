/* Unit tests of tracer/decode.c on files: what the kernel did, read back at the exit stop
 * (the target of the symlink created, the file a hard link names, the name of an opened fd
 * under a changed root), the arg_swap reports when they differ from the arguments, and opens of
 * a monitor's /proc files. This process (or a child it keeps paused) is the tracee. */
#include "tracer_decode_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void check_swap(const struct tt_event *ev, long nr, const char *target, const char *reason)
{
    TT_CHECK_INT(ev->type, TT_EV_TAMPER);
    TT_CHECK_STR(ev_str(ev, TT_P_TECHNIQUE), "arg_swap");
    TT_CHECK_STR(ev_str(ev, TT_P_ACTION), "observed");
    TT_CHECK_STR(ev_str(ev, TT_P_TARGET), target);
    TT_CHECK_STR(ev_str(ev, TT_P_REASON), reason);
    TT_CHECK_INT(ev_i64(ev, TT_P_NR), nr);
    TT_CHECK_INT(ev->ret, 0);
}

/* symlinkat: the link's target read back from the link the kernel created, for an absolute
 * path, one relative to a directory fd and one relative to the cwd. */
TT_TEST(symlink_target_read_back_from_the_link)
{
    struct dec f;
    dec_init(&f, 1);
    snprintf(dir, sizeof dir, "%s", f.dir);
    char sub[128];
    path_in(sub, sizeof sub, "sub"); /* (the dirfd's directory is not the cwd) */
    TT_REQUIRE(mkdir(sub, 0700) == 0);
    int dfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    TT_REQUIRE(dfd >= 0);
    char abs_link[128], rel_link[] = "rel-link", cwd_link[] = "cwd-link", reason[1024];
    path_in(abs_link, sizeof abs_link, "abs-link");
    TT_REQUIRE(symlink("the-target", abs_link) == 0);
    TT_REQUIRE(symlinkat("the-target", dfd, rel_link) == 0);
    char here[4096];
    TT_REQUIRE(getcwd(here, sizeof here) != NULL);
    TT_REQUIRE(chdir(dir) == 0);
    TT_REQUIRE(symlink("the-target", cwd_link) == 0);
    static char target[64];
    const char *links[] = {abs_link, rel_link, cwd_link};
    const int dirs[] = {AT_FDCWD, dfd, AT_FDCWD};
    for (int i = 0; i < 3; i++) {
        /* as passed: no report */
        snprintf(target, sizeof target, "the-target");
        uint64_t a[6] = {U(target), FDARG(dirs[i]), U(links[i])};
        dec_call(&f, __NR_symlinkat, a, 0);
        const struct tt_event *ev = dec_one(&f, TT_EV_SYMLINKAT);
        TT_CHECK_STR(ev_str(ev, TT_P_TARGET), "the-target");
        TT_CHECK_STR(ev_str(ev, TT_P_LINKPATH), links[i]);
        TT_CHECK_INT(ev_i64(ev, TT_P_LINKDIRFD), dirs[i]);
        /* the target argument rewritten after the stop */
        snprintf(target, sizeof target, "x");
        TT_REQUIRE_INT(tr_decode_entry(&f.st, f.t, __NR_symlinkat, a, TR_AUDIT_ARCH, 0), 1);
        snprintf(target, sizeof target, "the-target");
        tr_decode_exit(&f.st, f.t, 0);
        TT_REQUIRE_INT(dec_collect(&f), 2);
        snprintf(reason, sizeof reason,
                 "symlink: %s was created pointing to the-target; the target argument read at "
                 "the stop said x",
                 links[i]);
        check_swap(f.ev[0], __NR_symlinkat, "the-target", reason);
        TT_CHECK_STR(ev_str(f.ev[1], TT_P_TARGET), "the-target"); /* replaced */
        TT_CHECK_STR(ev_str(f.ev[1], TT_P_LINKPATH), links[i]);
        TT_CHECK_INT(ev_i64(f.ev[1], TT_P_LINKDIRFD), dirs[i]);
        /* failed: not read back */
        snprintf(target, sizeof target, "x");
        dec_call(&f, __NR_symlinkat, a, -EEXIST);
        ev = dec_one(&f, TT_EV_SYMLINKAT);
        TT_CHECK_STR(ev_str(ev, TT_P_TARGET), "x");
    }
    TT_REQUIRE(chdir(here) == 0);
    /* no link where the path argument said */
    uint64_t a[6] = {U("t"), FDARG(dfd), U("missing")};
    dec_call(&f, __NR_symlinkat, a, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    check_swap(f.ev[0], __NR_symlinkat, "missing",
               "symlink: no link at missing (the path argument read at the stop) after the call: "
               "the arguments were rewritten meanwhile");
#ifdef __NR_symlink
    snprintf(target, sizeof target, "other");
    uint64_t s[6] = {U(target), U(abs_link)};
    dec_call(&f, __NR_symlink, s, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    snprintf(reason, sizeof reason,
             "symlink: %s was created pointing to the-target; the target argument read at the "
             "stop said other",
             abs_link);
    check_swap(f.ev[0], __NR_symlink, "the-target", reason);
    TT_CHECK_INT(f.ev[1]->type, TT_EV_SYMLINK);
    TT_CHECK_STR(ev_str(f.ev[1], TT_P_TARGET), "the-target");
#endif
    /* without the defence: as read at the stop */
    f.o.unsafe_off = TR_DEF_BIT(TR_DEF_ARG_SWAP);
    snprintf(target, sizeof target, "x");
    uint64_t b[6] = {U(target), FDARG(AT_FDCWD), U(abs_link)};
    dec_call(&f, __NR_symlinkat, b, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_SYMLINKAT);
    TT_CHECK_STR(ev_str(ev, TT_P_TARGET), "x");
    unlink(abs_link);
    unlinkat(dfd, rel_link, 0);
    char cwd_path[160];
    path_in(cwd_path, sizeof cwd_path, cwd_link);
    unlink(cwd_path);
    close(dfd);
    rmdir(sub);
    dec_free(&f);
}

/* linkat: the new name must be the file the old name is (followed with AT_SYMLINK_FOLLOW). */
TT_TEST(hard_link_must_name_the_old_file)
{
    struct dec f;
    dec_init(&f, 1);
    snprintf(dir, sizeof dir, "%s", f.dir);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    TT_REQUIRE(dfd >= 0);
    char file[128], other[128], sym[128], reason[1024];
    path_in(file, sizeof file, "file");
    path_in(other, sizeof other, "other");
    path_in(sym, sizeof sym, "sym");
    int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    close(fd);
    fd = open(other, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    close(fd);
    TT_REQUIRE(symlink(file, sym) == 0);
    TT_REQUIRE(linkat(dfd, "file", dfd, "same", 0) == 0);
    /* the same file, by directory fds */
    uint64_t a[6] = {FDARG(dfd), U("file"), FDARG(dfd), U("same"), 0};
    dec_call(&f, __NR_linkat, a, 0);
    const struct tt_event *ev = dec_one(&f, TT_EV_LINKAT);
    TT_CHECK_STR(ev_str(ev, TT_P_OLDPATH), "file");
    TT_CHECK_STR(ev_str(ev, TT_P_NEWPATH), "same");
    TT_CHECK_INT(ev_i64(ev, TT_P_OLDDIR), dfd);
    TT_CHECK_INT(ev_i64(ev, TT_P_NEWDIR), dfd);
    /* another file */
    uint64_t b[6] = {FDARG(AT_FDCWD), U(other), FDARG(dfd), U("same"), 0};
    dec_call(&f, __NR_linkat, b, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    snprintf(reason, sizeof reason,
             "link: same is not the file %s (the arguments read at the stop) after the call: "
             "they were rewritten meanwhile",
             other);
    check_swap(f.ev[0], __NR_linkat, "same", reason);
    /* nothing at the new name */
    uint64_t c[6] = {FDARG(dfd), U("file"), FDARG(AT_FDCWD), U("/nonexistent/n"), 0};
    dec_call(&f, __NR_linkat, c, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    check_swap(f.ev[0], __NR_linkat, "/nonexistent/n",
               "link: /nonexistent/n is missing, not the file file (the arguments read at the "
               "stop) after the call: they were rewritten meanwhile");
    /* nothing at the old name */
    uint64_t d[6] = {FDARG(dfd), U("gone"), FDARG(dfd), U("same"), 0};
    dec_call(&f, __NR_linkat, d, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    check_swap(f.ev[0], __NR_linkat, "same",
               "link: same is not the file gone (the arguments read at the stop) after the "
               "call: they were rewritten meanwhile");
    /* a symlink as the old name: the link itself, or with AT_SYMLINK_FOLLOW its file */
    uint64_t e[6] = {FDARG(AT_FDCWD), U(sym), FDARG(dfd), U("same"), AT_SYMLINK_FOLLOW};
    dec_call(&f, __NR_linkat, e, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    e[4] = AT_EMPTY_PATH;
    dec_call(&f, __NR_linkat, e, 0);
    TT_CHECK_INT(dec_collect(&f), 2);
    /* failed: not checked */
    dec_call(&f, __NR_linkat, b, -EEXIST);
    TT_CHECK_INT(dec_collect(&f), 1);
#ifdef __NR_link
    char same[128];
    path_in(same, sizeof same, "same");
    uint64_t l[6] = {U(file), U(same)};
    dec_call(&f, __NR_link, l, 0);
    ev = dec_one(&f, TT_EV_LINK);
    TT_CHECK_STR(ev_str(ev, TT_P_NEWPATH), same);
    uint64_t m[6] = {U(other), U(same)};
    dec_call(&f, __NR_link, m, 0);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    snprintf(reason, sizeof reason,
             "link: %s is not the file %s (the arguments read at the stop) after the call: they "
             "were rewritten meanwhile",
             same, other);
    check_swap(f.ev[0], __NR_link, same, reason);
    /* link() does not follow a symlink: the new name is the link itself */
    char symlink2[128];
    path_in(symlink2, sizeof symlink2, "sym2");
    TT_REQUIRE(link(sym, symlink2) == 0);
    uint64_t o[6] = {U(sym), U(symlink2)};
    dec_call(&f, __NR_link, o, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    unlink(symlink2);
#endif
    /* other calls with paths are not read back */
    uint64_t r[6] = {FDARG(dfd), U("nothing-here"), FDARG(dfd), U("nor-here")};
    dec_call(&f, __NR_renameat, r, 0);
    TT_CHECK_INT(dec_collect(&f), 1);
    unlinkat(dfd, "same", 0);
    unlink(sym);
    unlink(file);
    unlink(other);
    close(dfd);
    dec_free(&f);
}

/* A child that chroots into root (a directory of the test), opens the files named in paths
 * there (NULL: the next one opened before the chroot) and pauses. Their fds in fds. */
static pid_t chrooted_child(const char *root, const char *const *before, const char *const *after,
                            int *fds, int n)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        int got[8];
        for (int i = 0; i < n; i++)
            got[i] = before[i] ? open(before[i], O_RDONLY) : -1;
        int ok = chroot(root) == 0 && chdir("/") == 0;
        for (int i = 0; i < n; i++)
            if (!before[i])
                got[i] = open(after[i], O_RDONLY);
        if (!ok)
            got[0] = -2;
        if (write(p[1], got, sizeof got[0] * (size_t)n) < 0)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    ssize_t r = read(p[0], fds, sizeof fds[0] * (size_t)n);
    close(p[0]);
    if (r != (ssize_t)(sizeof fds[0] * (size_t)n)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* Under a changed root, the name of an opened fd is the one the tracee sees: the root taken off
 * a path inside it, other paths left as they are. */
TT_TEST(opened_file_named_from_inside_a_changed_root)
{
    struct dec f;
    dec_init(&f, 1);
    snprintf(dir, sizeof dir, "%s", f.dir);
    char root[128], inside[160], beside[160], twin[160];
    path_in(root, sizeof root, "root");
    snprintf(inside, sizeof inside, "%s/inside", root);
    snprintf(beside, sizeof beside, "%s/rootfile", f.dir); /* (shares the root's prefix) */
    snprintf(twin, sizeof twin, "%s/root/root", f.dir);
    TT_REQUIRE(mkdir(root, 0700) == 0);
    TT_REQUIRE(mkdir(twin, 0700) == 0);
    int fd = open(inside, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    close(fd);
    fd = open(beside, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    TT_REQUIRE(fd >= 0);
    close(fd);
    const char *before[] = {NULL, beside, NULL, NULL};
    const char *after[] = {"/inside", NULL, "/", "/root"};
    int fds[4];
    pid_t kid = chrooted_child(root, before, after, fds, 4);
    TT_REQUIRE(kid > 0);
    if (fds[0] == -2) {
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        dec_free(&f);
        TT_SKIP("chroot is not allowed here");
    }
    struct tr_task *k = tr_task_add(&f.st.tasks, kid, kid);
    TT_REQUIRE(k != NULL);
    const char *want[] = {"/inside", beside, "/", "/root"};
    for (int changed = 0; changed < 2; changed++) {
        k->flags = changed ? TF_ROOT_CHANGED : 0;
        for (int i = 0; i < 4; i++) {
            TT_REQUIRE(fds[i] >= 0);
            uint64_t a[6] = {FDARG(AT_FDCWD), U("/inside"), O_RDONLY};
            if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
                tr_decode_exit(&f.st, k, fds[i]);
            const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT);
            TT_CHECK_STR(ev_str(ev, TT_P_NAME), "/inside"); /* (read from the child) */
            char host[400];
            snprintf(host, sizeof host, "%s%s", i == 1 ? "" : root,
                     i == 1   ? beside
                     : i == 2 ? ""
                              : want[i]);
            TT_CHECKF(strcmp(ev_str(ev, TT_P_FDNAME), changed ? want[i] : host) == 0,
                      "fd %d (%s root): %s", fds[i], changed ? "changed" : "same",
                      ev_str(ev, TT_P_FDNAME));
        }
    }
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    unlink(inside);
    unlink(beside);
    rmdir(twin);
    rmdir(root);
    dec_free(&f);
}

/* A root of the longest path the kernel names (4095 bytes): an fd on it is still "/". */
TT_TEST(fd_on_a_root_of_the_longest_path)
{
    struct dec f;
    dec_init(&f, 1);
    static char root[4096];
    size_t len = (size_t)snprintf(root, sizeof root, "%s", f.dir);
    size_t ends[32];
    int levels = 0;
    while (len < 4095 && levels < 32) {
        size_t left = 4095 - len, k = left - 1 < 200 ? left - 1 : 200;
        if (left - 1 - k == 1)
            k--;
        root[len] = '/';
        memset(root + len + 1, 'd', k);
        len += 1 + k;
        root[len] = '\0';
        TT_REQUIRE(mkdir(root, 0700) == 0);
        ends[levels++] = len;
    }
    TT_REQUIRE_INT(strlen(root), 4095);
    const char *before[] = {NULL};
    const char *after[] = {"/"};
    int fd;
    pid_t kid = chrooted_child(root, before, after, &fd, 1);
    TT_REQUIRE(kid > 0);
    if (fd == -2) {
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        dec_free(&f);
        TT_SKIP("chroot is not allowed here");
    }
    struct tr_task *k = tr_task_add(&f.st.tasks, kid, kid);
    TT_REQUIRE(k != NULL);
    k->flags = TF_ROOT_CHANGED;
    uint64_t a[6] = {FDARG(AT_FDCWD), U("/"), O_RDONLY};
    if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
        tr_decode_exit(&f.st, k, fd);
    const struct tt_event *ev = dec_one(&f, TT_EV_OPENAT);
    TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), "/");
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    while (levels-- > 0) {
        root[ends[levels]] = '\0';
        rmdir(root);
    }
    dec_free(&f);
}

/* An open of a monitor's /proc file that tunes it, for writing: reported (the tracer cannot close
 * it in a process it does not trace, so it says so); for reading, or with flags that could not
 * be read, nothing. */
TT_TEST(open_of_a_monitors_proc_file_by_its_flags)
{
    struct dec f;
    dec_init(&f, 1);
    pid_t monitor = getppid(); /* (not a tracee) */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)monitor);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    TT_REQUIRE(fd >= 0);
    uint64_t how[3] = {O_WRONLY, 0, 0};
    const uint64_t sizes[] = {24, 0};
    for (int i = 0; i < 2; i++) {
        uint64_t a[6] = {FDARG(AT_FDCWD), U(path), U(how), sizes[i]};
        dec_call(&f, __NR_openat2, a, fd);
        int n = dec_collect(&f);
        TT_CHECKF(n == (sizes[i] ? 2 : 1), "how of %llu bytes: %d records",
                  (unsigned long long)sizes[i], n);
        const struct tt_event *tamper = dec_find(&f, TT_EV_TAMPER);
        if (sizes[i]) {
            TT_REQUIRE(tamper != NULL);
            TT_CHECK_STR(ev_str(tamper, TT_P_TECHNIQUE), "prio_monitor");
            TT_CHECK_STR(ev_str(tamper, TT_P_ACTION), "observed");
        }
        const struct tt_event *ev = dec_find(&f, TT_EV_OPENAT2);
        TT_REQUIRE(ev != NULL);
        TT_CHECK_INT(ev->ret, fd);
        TT_CHECK_STR(ev_str(ev, TT_P_FDNAME), path);
    }
    /* openat's flags */
    const uint64_t flags[] = {O_RDWR, O_RDONLY};
    for (int i = 0; i < 2; i++) {
        uint64_t a[6] = {FDARG(AT_FDCWD), U(path), flags[i], 0};
        dec_call(&f, __NR_openat, a, fd);
        TT_CHECK_INT(dec_collect(&f), flags[i] == O_RDONLY ? 1 : 2);
    }
    /* a failed open is judged by the path as passed */
    uint64_t a[6] = {FDARG(AT_FDCWD), U(path), O_WRONLY, 0};
    dec_call(&f, __NR_openat, a, -EACCES);
    TT_REQUIRE_INT(dec_collect(&f), 2);
    TT_CHECK_INT(f.ev[0]->type, TT_EV_TAMPER);
    TT_CHECK_STR(ev_str(f.ev[0], TT_P_ACTION), "denied");
    close(fd);
    dec_free(&f);
}

/* The kept /proc/TID/fd directories: a directory pushed out by newer tasks is closed, whatever
 * its fd number (here 1, the lowest free one while stdout is closed). */
TT_TEST(kept_fd_directories_are_closed_when_pushed_out)
{
    struct dec f;
    dec_init(&f, 1);
    enum { KIDS = 9 };
    pid_t kids[KIDS];
    dec_paused_children(kids, KIDS);
    fflush(stdout);
    int saved = dup(1);
    TT_REQUIRE(saved >= 0);
    close(1);
    int named[KIDS], first_dir_closed = 0, first_dir_open = 0;
    for (int i = 0; i < KIDS; i++) {
        struct tr_task *k = tr_task_add(&f.st.tasks, kids[i], kids[i]);
        named[i] = 0;
        if (!k)
            continue;
        uint64_t a[6] = {FDARG(AT_FDCWD), U("/"), O_RDONLY};
        if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
            tr_decode_exit(&f.st, k, 2); /* (its stderr) */
        if (i == 0)
            first_dir_open = fcntl(1, F_GETFD) >= 0;
    }
    first_dir_closed = fcntl(1, F_GETFD) < 0;
    /* the directory kept for a task serves its next stops (it is not opened again): the
     * first task's, at fd 1 once more, stays open through more stops than there are kept
     * directories */
    struct tr_task *k0 = tr_task_find(&f.st.tasks, kids[0]);
    int reused = k0 != NULL;
    for (int i = 0; k0 && i < 10; i++) {
        uint64_t a[6] = {FDARG(AT_FDCWD), U("/"), O_RDONLY};
        if (tr_decode_entry(&f.st, k0, __NR_openat, a, TR_AUDIT_ARCH, 0))
            tr_decode_exit(&f.st, k0, 2);
        reused &= fcntl(1, F_GETFD) >= 0;
    }
    dup2(saved, 1);
    close(saved);
    int n = dec_collect(&f);
    for (int i = 0; i < n && i < KIDS; i++)
        named[i] = ev_has(f.ev[i], TT_P_FDNAME);
    TT_CHECK_INT(n, KIDS + 10);
    for (int i = 0; i < KIDS; i++)
        TT_CHECKF(named[i], "task %d: no fd name", i);
    TT_CHECK(first_dir_open);   /* the first task's directory took fd 1 */
    TT_CHECK(first_dir_closed); /* and was closed when the ninth task took its place */
    TT_CHECK(reused);
    dec_reap(kids, KIDS);
    dec_free(&f);
}

/* Which of this process's first 1024 fds are open, as a string of 0 and 1. */
static void open_fds(char set[1025])
{
    for (int fd = 0; fd < 1024; fd++)
        set[fd] = fcntl(fd, F_GETFD) >= 0 ? '1' : '0';
    set[1024] = '\0';
}

/* A tracer started with stdin closed keeps a task's /proc/TID/fd directory at fd 0: it is a
 * kept directory like any other, reused by the task's next stops, not taken for an empty slot
 * (which leaked it, and opened the directory again in another slot, closing that one's). */
TT_TEST(kept_fd_directory_at_fd_0_is_reused)
{
    struct dec f;
    dec_init(&f, 1);
    pid_t kid;
    dec_paused_children(&kid, 1);
    int saved = dec_fd0_take(-1);
    struct tr_task *k = tr_task_add(&f.st.tasks, kid, kid);
    int at_fd0 = 0;
    static char before[1025], after[1025];
    if (k) {
        uint64_t a[6] = {FDARG(AT_FDCWD), U("/"), O_RDONLY};
        if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
            tr_decode_exit(&f.st, k, 2);
        at_fd0 = fcntl(0, F_GETFD) >= 0;
        open_fds(before);
        for (int i = 0; i < 10; i++)
            if (tr_decode_entry(&f.st, k, __NR_openat, a, TR_AUDIT_ARCH, 0))
                tr_decode_exit(&f.st, k, 2);
        open_fds(after);
    }
    dec_fd0_restore(saved);
    int n = dec_collect(&f);
    TT_CHECK_INT(n, 11);
    for (int i = 0; i < n; i++)
        TT_CHECKF(ev_has(f.ev[i], TT_P_FDNAME), "stop %d: no fd name", i);
    TT_CHECK(at_fd0);
    TT_CHECK_STR(after, before); /* no directory opened or closed */
    dec_reap(&kid, 1);
    dec_free(&f);
}

int main(void)
{
    return tt_run_all();
}

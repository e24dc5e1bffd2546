/* Paths as libsinsp builds them: lexical normalization ("." and ".." collapsed, repeated '/'
 * squeezed, never above "/", symlinks never resolved), joins with the cwd or a directory fd,
 * the buffer limits of a join, and a relative path whose base is unknown kept as given. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "state_priv.h"

#include <fcntl.h>

static const char *norm(const char *in)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    size_t n = st_path_normalize(buf, strlen(buf));
    if (n != strlen(buf))
        return "(length differs from the text)";
    return buf;
}

TT_TEST(normalization)
{
    TT_CHECK_STR(norm("/"), "/");
    TT_CHECK_STR(norm("//"), "/");
    TT_CHECK_STR(norm("/a"), "/a");
    TT_CHECK_STR(norm("/a/"), "/a");
    TT_CHECK_STR(norm("/a//b///c"), "/a/b/c");
    TT_CHECK_STR(norm("/a/./b/."), "/a/b");
    TT_CHECK_STR(norm("/a/b/.."), "/a");
    TT_CHECK_STR(norm("/a/b/../.."), "/");
    TT_CHECK_STR(norm("/.."), "/");
    TT_CHECK_STR(norm("/../../etc"), "/etc");
    TT_CHECK_STR(norm("/a/../b/../c/./d/.."), "/c");
    TT_CHECK_STR(norm("/a/.b/..c/.../x"), "/a/.b/..c/.../x"); /* not "." or ".." */
    TT_CHECK_STR(norm("/a./b.."), "/a./b..");
    TT_CHECK_STR(norm("/etc/passwd/.."), "/etc");
    TT_CHECK_STR(norm("/x/y/z/../../w"), "/x/w");
    TT_CHECK_STR(norm("/aa/bb/../cc"), "/aa/cc");
    /* relative and empty paths are left alone */
    TT_CHECK_STR(norm("a/../b"), "a/../b");
    char empty[4] = "";
    TT_CHECK_INT(st_path_normalize(empty, 0), 0);
    /* the length given, not the NUL, bounds it */
    char part[] = "/a/b/c";
    TT_CHECK_INT(st_path_normalize(part, 4), 4);
    TT_CHECK_STR(part, "/a/b");
    char slash[] = "/x";
    TT_CHECK_INT(st_path_normalize(slash, 1), 1);
    TT_CHECK_STR(slash, "/");
    char dots[] = "/a/..xyz";
    TT_CHECK_INT(st_path_normalize(dots, 5), 1);
    TT_CHECK_STR(dots, "/");
}

static const char *join(const char *base, const char *path, size_t cap)
{
    static char out[512];
    size_t n = st_path_join(base, base ? strlen(base) : 0, path, strlen(path), out, cap);
    if (n == (size_t)-1)
        return "(does not fit)";
    if (n != strlen(out))
        return "(length differs from the text)";
    return out;
}

TT_TEST(joins_and_their_limits)
{
    TT_CHECK_STR(join("/home/u", "f", 64), "/home/u/f");
    TT_CHECK_STR(join("/home/u/", "f", 64), "/home/u/f");
    TT_CHECK_STR(join("/home/u/", "../v/./g", 64), "/home/v/g");
    TT_CHECK_STR(join("/home/u", "/abs//x", 64), "/abs/x");
    TT_CHECK_STR(join("/home/u", "", 64), "/home/u");
    TT_CHECK_STR(join("/", "..", 64), "/");
    TT_CHECK_STR(join("/home/u", "/", 64), "/");
    TT_CHECK_STR(join("rel", "f", 64), "(does not fit)"); /* the base must be absolute */
    TT_CHECK_STR(join(NULL, "f", 64), "(does not fit)");
    TT_CHECK_STR(join("", "f", 64), "(does not fit)");
    TT_CHECK_STR(join(NULL, "/abs", 64), "/abs");
    /* capacity: base + '/' + path + NUL */
    TT_CHECK_STR(join("/ab", "cd", 7), "/ab/cd");
    TT_CHECK_STR(join("/ab", "cd", 6), "(does not fit)");
    TT_CHECK_STR(join("/ab/", "cd", 8), "/ab/cd"); /* room for a '/' is kept all the same */
    TT_CHECK_STR(join("/ab/", "cd", 7), "(does not fit)");
    TT_CHECK_STR(join("/x", "/abcd", 6), "/abcd");
    TT_CHECK_STR(join("/x", "/abcd", 5), "(does not fit)");
}

static struct eval_ctx ctx;
static struct tev e;
static uint64_t evn;

static void apply(struct engine_state *st, const struct tt_event *ev)
{
    state_begin_event(st, ev, ++evn, &ctx);
    state_end_event(st, &ctx);
}

/* The path an openat with this dirfd and name resolves to (ctx->path), or "(none)". */
static const char *resolved(struct engine_state *st, int64_t dirfd, int with_dirfd,
                            const char *name)
{
    static char buf[512];
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    if (with_dirfd)
        tt_evb_i64(&e.b, TT_P_DIRFD, dirfd);
    tt_evb_str(&e.b, TT_P_NAME, name);
    state_begin_event(st, tev_end(&e, -2), ++evn, &ctx);
    if (ctx.path)
        snprintf(buf, sizeof buf, "%.*s", (int)ctx.pathlen, ctx.path);
    else
        snprintf(buf, sizeof buf, "(none)");
    state_end_event(st, &ctx);
    return buf;
}

TT_TEST(paths_resolved_against_cwd_or_a_directory_fd)
{
    struct state_opts o = {.no_proc_lookup = 1};
    struct engine_state *st = state_new_opts(&o);
    apply(st, tev_procinfo(&e, 100, 1, "app", "/bin/app", "", "/srv/app", 0));
    TT_CHECK_STR(resolved(st, AT_FDCWD, 1, "conf/x.yaml"), "/srv/app/conf/x.yaml");
    TT_CHECK_STR(resolved(st, 0, 0, "z"), "/srv/app/z"); /* no dirfd parameter: the cwd */
    TT_CHECK_STR(resolved(st, AT_FDCWD, 1, "/etc/../etc/hosts"), "/etc/hosts");
    TT_CHECK_STR(resolved(st, AT_FDCWD, 1, ""), "/srv/app");
    /* a directory fd */
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/var/log");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_DIRECTORY);
    apply(st, tev_end(&e, 3));
    TT_CHECK_STR(resolved(st, 3, 1, "syslog"), "/var/log/syslog");
    TT_CHECK_STR(resolved(st, 3, 1, "../lib"), "/var/lib");
    TT_CHECK_STR(resolved(st, AT_FDCWD, 1, "../.."), "/"); /* a result of one character */
    tev_begin(&e, TT_EV_OPENAT, 100, 100);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/");
    tt_evb_u64(&e.b, TT_P_FLAGS, O_DIRECTORY);
    apply(st, tev_end(&e, 7));
    TT_CHECK_STR(resolved(st, 7, 1, "etc"), "/etc"); /* the root directory as dirfd */
    /* an fd not known, or not named by an absolute path: the path as given */
    TT_CHECK_STR(resolved(st, 9, 1, "syslog"), "syslog");
    tev_begin(&e, TT_EV_PIPE, 100, 100);
    tt_evb_i64(&e.b, TT_P_FD1, 4);
    tt_evb_i64(&e.b, TT_P_FD2, 5);
    tt_evb_u64(&e.b, TT_P_INO, 12);
    apply(st, tev_end(&e, 0));
    TT_CHECK_STR(resolved(st, 4, 1, "x"), "x"); /* "pipe:[12]" */
    tev_begin(&e, TT_EV_EVENTFD, 100, 100);
    apply(st, tev_end(&e, 6));
    TT_CHECK_STR(resolved(st, 6, 1, "x"), "x"); /* no name at all */
    /* a process without a known cwd: relative paths as given, absolute ones normalized */
    tev_begin(&e, TT_EV_OPENAT, 200, 200);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "rel/../x");
    state_begin_event(st, tev_end(&e, -2), ++evn, &ctx);
    TT_CHECK(ctx.path && ctx.pathlen == 8 && memcmp(ctx.path, "rel/../x", 8) == 0);
    state_end_event(st, &ctx);
    tev_begin(&e, TT_EV_OPENAT, 200, 200);
    tt_evb_i64(&e.b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&e.b, TT_P_NAME, "/a/./b");
    state_begin_event(st, tev_end(&e, -2), ++evn, &ctx);
    TT_CHECK(ctx.path && ctx.pathlen == 4 && memcmp(ctx.path, "/a/b", 4) == 0);
    state_end_event(st, &ctx);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

/* eg_proc: the program that becomes every process of an event-generator suite case
 * (tests/evtgen/evtgen.py writes the plan, this program carries it out under the tracer).
 *
 *   eg_proc --batch FILE     batch driver: FILE lists "case LANE PLAN" lines; lanes run in
 *                            parallel, the cases of one lane one after the other
 *   EG_PLAN=PLAN EG_INDEX=I  (any argv) act as process I of the case's process chain: a
 *                            non-leaf forks and execs process I+1 and waits for it; the leaf
 *                            runs the before script, creates the resources, performs the
 *                            syscall steps, runs the after script and releases the resources
 *   EG_MODE=idle             (any argv) the process of a `process` resource: waits for SIGTERM
 *   EG_MAIN_OUT=PATH         (with --batch) the batch driver appends "pid main PID" to PATH
 *                            first: in a container it is the traced workload's main process,
 *                            whose exec is the container's start (context.container.entrypoint)
 *
 * Process I+1 is prepared by its parent between fork and exec: its executable is a copy of
 * this program at the plan's exe path (its directories created), reached through a symlink
 * named after the process name (so the kernel's comm is that name), with the plan's argv[0]
 * and arguments; with a user, the child switches to that user and keeps every capability it
 * had as ambient capabilities (the event-generator gives its processes the full set).
 *
 * The plan is one directive per line, fields separated by one space, each field
 * percent-encoded (%XX for '%', space, newline and anything not printable):
 *   out PATH                          results: "pid I PID", "step NAME RET ERRNO", "err TEXT",
 *                                     "done RC" lines appended to PATH
 *   proc I EXEPATH NAME ARG0 USER     (NAME/USER "-" when not given)
 *   arg I VALUE / env I KEY=VALUE
 *   before SCRIPT / after SCRIPT      run with /bin/bash -c in the leaf
 *   res file|dir NAME PATH / res cs NAME PROTO ADDRESS / res proc NAME FILELESS(0|1) ARG0
 *   step NAME SYSCALL KEY=VALUE...    integers, paths, or ${res.field} / ${step.field}
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

extern char **environ;

#define MAXF 16  /* fields per line */
#define MAXP 16  /* processes per chain */
#define MAXA 32  /* args per process */
#define MAXR 8   /* resources */
#define MAXS 16  /* steps */
#define MAXKV 12 /* key=value pairs per step */

struct proc {
    char *exepath, *name, *arg0, *user;
    int tty;    /* a controlling terminal of its own (new session, pty) */
    int nocaps; /* a non-root user without capabilities (none kept over the user switch) */
    char *args[MAXA];
    int nargs;
    char *env[MAXA];
    int nenv;
};

struct res {
    char kind[8]; /* file dir cs proc */
    char *name, *a, *b;
    int fd, fd2, pid;
    int listener;      /* a stream server's listening socket, kept: a step may connect again */
    char *created_dir; /* first directory this resource created */
    int created_file;
    char unix_path[108];
};

struct step {
    char *name, *syscall;
    char *key[MAXKV], *val[MAXKV];
    int nkv;
    long ret;
    int err;
};

struct plan {
    char *out;
    struct proc p[MAXP];
    int np;
    char *before, *after;
    struct res r[MAXR];
    int nr;
    struct step s[MAXS];
    int ns;
};

static int out_fd = -1;
static int netns_done;

static void report(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    if (out_fd >= 0 && write(out_fd, buf, n) < 0)
        return;
}

static char *decode(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (!d)
        return NULL;
    char *o = d;
    while (*s) {
        if (s[0] == '%' && s[1] && s[2]) {
            char hex[3] = {s[1], s[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    return d;
}

static int split(char *line, char **f)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \n", &save); t && n < MAXF; t = strtok_r(NULL, " \n", &save))
        f[n++] = decode(t);
    return n;
}

static int load_plan(const char *path, struct plan *pl)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    memset(pl, 0, sizeof *pl);
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (getline(&line, &cap, fp) > 0) {
        char *f[MAXF];
        int n = split(line, f);
        if (n == 0)
            continue;
        int idx = n > 1 ? atoi(f[1]) : 0;
        if (!strcmp(f[0], "out") && n == 2) {
            pl->out = f[1];
        } else if (!strcmp(f[0], "proc") && n == 6 && idx >= 0 && idx < MAXP) {
            struct proc *p = &pl->p[idx];
            p->exepath = f[2];
            p->name = strcmp(f[3], "-") ? f[3] : NULL;
            p->arg0 = f[4];
            p->user = strcmp(f[5], "-") ? f[5] : NULL;
            if (idx + 1 > pl->np)
                pl->np = idx + 1;
        } else if (!strcmp(f[0], "arg") && n == 3 && idx >= 0 && idx < MAXP &&
                   pl->p[idx].nargs < MAXA) {
            pl->p[idx].args[pl->p[idx].nargs++] = f[2];
        } else if (!strcmp(f[0], "env") && n == 3 && idx >= 0 && idx < MAXP &&
                   pl->p[idx].nenv < MAXA) {
            pl->p[idx].env[pl->p[idx].nenv++] = f[2];
        } else if (!strcmp(f[0], "opt") && n == 3 && idx >= 0 && idx < MAXP) {
            if (!strcmp(f[2], "tty"))
                pl->p[idx].tty = 1;
            else if (!strcmp(f[2], "nocaps"))
                pl->p[idx].nocaps = 1;
            else
                rc = -1;
        } else if (!strcmp(f[0], "before") && n == 2) {
            pl->before = f[1];
        } else if (!strcmp(f[0], "after") && n == 2) {
            pl->after = f[1];
        } else if (!strcmp(f[0], "res") && n >= 4 && pl->nr < MAXR) {
            struct res *r = &pl->r[pl->nr++];
            snprintf(r->kind, sizeof r->kind, "%s", f[1]);
            r->name = f[2];
            r->a = f[3];
            r->b = n > 4 ? f[4] : NULL;
            r->fd = r->fd2 = r->pid = r->listener = -1;
        } else if (!strcmp(f[0], "step") && n >= 3 && pl->ns < MAXS) {
            struct step *s = &pl->s[pl->ns++];
            s->name = f[1];
            s->syscall = f[2];
            for (int i = 3; i < n && s->nkv < MAXKV; i++) {
                char *eq = strchr(f[i], '=');
                if (!eq)
                    continue;
                *eq = 0;
                s->key[s->nkv] = f[i];
                s->val[s->nkv++] = eq + 1;
            }
        } else {
            rc = -1;
        }
    }
    free(line);
    fclose(fp);
    if (pl->np == 0)
        rc = -1;
    return rc;
}

/* mkdir -p; *first gets the first directory created (NULL if none). */
static int mkdirs(const char *dir, char **first)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    *first = NULL;
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) == 0) {
                if (!*first)
                    *first = strdup(buf);
            } else if (errno != EEXIST) {
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

static void rm_rf(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static int copy_self(const char *dst)
{
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    unlink(dst);
    int o = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (o < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(o, buf, n) != n) {
            rc = -1;
            break;
        }
    }
    if (n < 0)
        rc = -1;
    close(in);
    if (fchmod(o, 0755) != 0)
        rc = -1;
    if (close(o) != 0)
        rc = -1;
    return rc;
}

static int cap_all_ambient(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        d[i].effective = d[i].permitted;
        d[i].inheritable = d[i].permitted;
    }
    if (syscall(SYS_capset, &h, d) != 0)
        return -1;
    for (int c = 0; c < 64; c++)
        if (d[c / 32].permitted & (1u << (c % 32)))
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0);
    return 0;
}

static int switch_user(const char *user, int nocaps)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        report("err user %s does not exist", user);
        return -1;
    }
    if (nocaps && pw->pw_uid == 0) {
        report("err capabilities \"\" needs a non-root user");
        return -1;
    }
    if (pw->pw_uid == geteuid() && pw->pw_gid == getegid())
        return 0;
    gid_t g = pw->pw_gid;
    if (setgroups(1, &g) != 0 || setresgid(g, g, g) != 0 ||
        prctl(PR_SET_KEEPCAPS, !nocaps, 0, 0, 0) != 0 ||
        setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid)) {
        report("err switching to user %s: %s", user, strerror(errno));
        return -1;
    }
    if (nocaps) /* the kernel cleared the capabilities with the uid change */
        return 0;
    if (cap_all_ambient() != 0)
        report("err keeping capabilities as %s: %s", user, strerror(errno));
    return 0;
}

/* A new session whose controlling terminal is a fresh pty (an interactive login): the process
 * leads its session and process group. The master stays open across the exec (a closed master
 * would hang the terminal up). */
static int take_tty(void)
{
    if (setsid() < 0) {
        report("err setsid: %s", strerror(errno));
        return -1;
    }
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    char *name = m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 ? ptsname(m) : NULL;
    int t = name ? open(name, O_RDWR) : -1; /* a session leader's first tty becomes its own */
    if (t < 0 || ioctl(t, TIOCSCTTY, 0) != 0) {
        report("err controlling terminal: %s", strerror(errno));
        return -1;
    }
    close(t);
    return 0;
}

/* In the child of a fork: turn into process i of the plan. Never returns on success. */
static void become(const char *planpath, struct plan *pl, int i)
{
    struct proc *p = &pl->p[i];
    char *first = NULL, dir[PATH_MAX], execpath[PATH_MAX + 256];
    snprintf(dir, sizeof dir, "%s", p->exepath);
    char *slash = strrchr(dir, '/');
    if (!slash) {
        report("err exe path %s is not absolute", p->exepath);
        _exit(120);
    }
    *slash = 0;
    if (dir[0] && mkdirs(dir, &first) != 0) {
        report("err mkdir %s: %s", dir, strerror(errno));
        _exit(120);
    }
    if (copy_self(p->exepath) != 0) {
        report("err copying the executable to %s: %s", p->exepath, strerror(errno));
        _exit(120);
    }
    snprintf(execpath, sizeof execpath, "%s", p->exepath);
    if (p->name && strcmp(p->name, slash + 1) != 0) {
        snprintf(execpath, sizeof execpath, "%s/%s", dir, p->name);
        unlink(execpath);
        if (symlink(p->exepath, execpath) != 0) {
            report("err symlink %s: %s", execpath, strerror(errno));
            _exit(120);
        }
    }
    char *argv[MAXA + 2];
    int n = 0;
    argv[n++] = p->arg0;
    for (int k = 0; k < p->nargs; k++)
        argv[n++] = p->args[k];
    argv[n] = NULL;
    char idx[16];
    snprintf(idx, sizeof idx, "%d", i);
    if (setenv("EG_PLAN", planpath, 1) != 0 || setenv("EG_INDEX", idx, 1) != 0)
        _exit(120);
    for (int k = 0; k < p->nenv; k++)
        putenv(p->env[k]);
    if (p->tty && take_tty() != 0)
        _exit(120);
    if (p->user && switch_user(p->user, p->nocaps) != 0)
        _exit(120);
    execve(execpath, argv, environ);
    report("err execve %s: %s", execpath, strerror(errno));
    _exit(120);
}

static int wait_rc(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 125;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_script(const char *script)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl("/bin/bash", "bash", "-c", script, (char *)NULL);
        _exit(127);
    }
    return wait_rc(pid);
}

/* --- addresses and the private network namespace for non-loopback test addresses --- */

struct addr {
    struct sockaddr_storage ss;
    socklen_t len;
    int family;
};

static int parse_addr(const char *s, struct addr *a)
{
    char host[128];
    const char *port;
    memset(a, 0, sizeof *a);
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, e - s - 1);
        host[e - s - 1] = 0;
        port = e + 2;
    } else {
        const char *c = strrchr(s, ':');
        if (!c || (size_t)(c - s) >= sizeof host)
            return -1;
        memcpy(host, s, c - s);
        host[c - s] = 0;
        port = c + 1;
    }
    struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(atoi(port));
        a->len = sizeof *in;
        a->family = AF_INET;
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(atoi(port));
        a->len = sizeof *in6;
        a->family = AF_INET6;
    } else {
        return -1;
    }
    return 0;
}

static int is_loopback(const struct addr *a)
{
    if (a->family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

/* The event-generator adds a non-loopback test address to the machine; here the leaf moves
 * into a network namespace of its own first, so nothing outside the test changes. */
static int netns_with(const struct addr *a)
{
    if (!netns_done) {
        if (unshare(CLONE_NEWNET) != 0)
            return -1;
        netns_done = 1;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
            return -1;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0 ||
            (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) != 0)) {
            close(s);
            return -1;
        }
        close(s);
    }
    if (is_loopback(a))
        return 0;
    if (a->family == AF_INET) {
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
            return -1;
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, IFNAMSIZ, "lo:eg");
        struct sockaddr_in *in = (struct sockaddr_in *)&ifr.ifr_addr;
        *in = *(struct sockaddr_in *)&a->ss;
        in->sin_port = 0;
        int rc = ioctl(s, SIOCSIFADDR, &ifr);
        close(s);
        return rc;
    }
    struct in6_ifreq {
        struct in6_addr addr;
        unsigned prefixlen;
        int ifindex;
    } r6;
    int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    r6.addr = ((struct sockaddr_in6 *)&a->ss)->sin6_addr;
    r6.prefixlen = 128;
    r6.ifindex = (int)if_nametoindex("lo");
    int rc = ioctl(s, SIOCSIFADDR, &r6);
    close(s);
    return rc;
}

static int l4(const char *proto, int *family, int *type)
{
    *type = SOCK_STREAM;
    if (!strcmp(proto, "tcp4") || !strcmp(proto, "tcp6"))
        *type = SOCK_STREAM;
    else if (!strcmp(proto, "udp4") || !strcmp(proto, "udp6"))
        *type = SOCK_DGRAM;
    else if (!strcmp(proto, "unix"))
        *type = SOCK_STREAM;
    else
        return -1;
    *family = proto[3] == '6' ? AF_INET6 : proto[0] == 'u' && proto[1] == 'n' ? AF_UNIX : AF_INET;
    return 0;
}

static int make_cs(struct res *r)
{
    int family, type;
    if (l4(r->a, &family, &type) != 0) {
        report("err clientServer %s: unknown l4Proto %s", r->name, r->a);
        return -1;
    }
    struct addr a;
    if (family == AF_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&a.ss;
        memset(&a, 0, sizeof a);
        un->sun_family = AF_UNIX;
        snprintf(r->unix_path, sizeof r->unix_path, "/tmp/eg-cs-%d.sock", (int)getpid());
        snprintf(un->sun_path, sizeof un->sun_path, "%s", r->unix_path);
        a.len = sizeof *un;
        a.family = AF_UNIX;
        unlink(r->unix_path);
    } else if (!r->b || parse_addr(r->b, &a) != 0 || a.family != family) {
        report("err clientServer %s: bad address %s", r->name, r->b ? r->b : "");
        return -1;
    } else if (!is_loopback(&a) && netns_with(&a) != 0) {
        report("err clientServer %s: private network namespace for %s: %s", r->name, r->b,
               strerror(errno));
        return -1;
    }
    int srv = socket(family, type, 0);
    if (srv < 0)
        return -1;
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(srv, (struct sockaddr *)&a.ss, a.len) != 0 ||
        (type == SOCK_STREAM && listen(srv, 4) != 0)) {
        report("err clientServer %s: bind/listen %s: %s", r->name, r->b ? r->b : r->unix_path,
               strerror(errno));
        close(srv);
        return -1;
    }
    int cli = socket(family, type, 0);
    if (cli < 0 || connect(cli, (struct sockaddr *)&a.ss, a.len) != 0) {
        report("err clientServer %s: connect: %s", r->name, strerror(errno));
        close(srv);
        if (cli >= 0)
            close(cli);
        return -1;
    }
    if (type == SOCK_STREAM) {
        int acc = accept(srv, NULL, NULL);
        if (acc < 0) {
            report("err clientServer %s: accept: %s", r->name, strerror(errno));
            close(srv);
            close(cli);
            return -1;
        }
        r->listener = srv;
        srv = acc;
    }
    r->fd = cli;
    r->fd2 = srv;
    return 0;
}

static int make_proc(struct res *r)
{
    int fileless = r->a && atoi(r->a);
    int mfd = -1;
    if (fileless) {
        mfd = (int)syscall(SYS_memfd_create, r->name, 0);
        int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (mfd < 0 || in < 0) {
            report("err process %s: memfd: %s", r->name, strerror(errno));
            return -1;
        }
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(mfd, buf, n) != n)
                break;
        close(in);
    }
    /* The resource exists once its program runs: the child writes one byte on the inherited
     * pipe from main() (an exec failure writes the errno instead). Waiting only for the exec
     * (a close-on-exec pipe) is not enough under ptrace: a SIGKILL sent right after the exec
     * can land before the tracer's exec stop, and the exec is never reported (a kernel
     * driver still sees it). */
    int sync[2];
    if (pipe(sync) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char *argv[] = {r->b ? r->b : r->name, NULL};
        char fdtext[16];
        close(sync[0]);
        snprintf(fdtext, sizeof fdtext, "%d", sync[1]);
        setenv("EG_MODE", "idle", 1);
        setenv("EG_READY_FD", fdtext, 1);
        unsetenv("EG_PLAN");
        if (fileless)
            syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
        else
            execv("/proc/self/exe", argv);
        int e = errno;
        if (write(sync[1], &e, sizeof e) < 0)
            _exit(121);
        _exit(121);
    }
    close(sync[1]);
    if (mfd >= 0)
        close(mfd);
    int e = 0;
    ssize_t got;
    while ((got = read(sync[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(sync[0]);
    r->pid = pid;
    if (got != 1) {
        report("err process %s: %s", r->name,
               got == (ssize_t)sizeof e ? strerror(e) : "did not start");
        return -1;
    }
    report("pid res %d", (int)pid);
    return 0;
}

static int create_res(struct res *r)
{
    if (!strcmp(r->kind, "file")) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", r->a);
        char *sl = strrchr(dir, '/');
        if (sl && sl != dir) {
            *sl = 0;
            if (mkdirs(dir, &r->created_dir) != 0) {
                report("err file %s: mkdir %s: %s", r->name, dir, strerror(errno));
                return -1;
            }
        }
        struct stat st;
        int flags = O_RDWR;
        if (stat(r->a, &st) != 0) {
            flags |= O_CREAT;
            r->created_file = 1;
        }
        r->fd = open(r->a, flags, 0);
        if (r->fd < 0) {
            report("err file %s: open %s: %s", r->name, r->a, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!strcmp(r->kind, "dir")) {
        if (mkdirs(r->a, &r->created_dir) != 0) {
            report("err directory %s: mkdir %s: %s", r->name, r->a, strerror(errno));
            return -1;
        }
        r->fd = open(r->a, O_RDONLY | O_DIRECTORY);
        if (r->fd < 0) {
            report("err directory %s: open %s: %s", r->name, r->a, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!strcmp(r->kind, "cs"))
        return make_cs(r);
    if (!strcmp(r->kind, "proc"))
        return make_proc(r);
    report("err unknown resource kind %s", r->kind);
    return -1;
}

static void destroy_res(struct res *r)
{
    if (r->fd >= 0)
        close(r->fd);
    if (r->fd2 >= 0)
        close(r->fd2);
    if (r->listener >= 0)
        close(r->listener);
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    if (r->unix_path[0])
        unlink(r->unix_path);
    if (r->created_dir)
        rm_rf(r->created_dir);
    else if (r->created_file)
        unlink(r->a);
}

/* --- steps --- */

static const char *arg(struct step *s, const char *key)
{
    for (int i = 0; i < s->nkv; i++)
        if (!strcmp(s->key[i], key))
            return s->val[i];
    return NULL;
}

/* An integer argument: a number, or a ${name.field} binding. */
static int iarg(struct plan *pl, struct step *s, const char *key, long dflt, long *v)
{
    const char *a = arg(s, key);
    if (!a) {
        *v = dflt;
        return 0;
    }
    if (a[0] != '$') {
        char *end;
        *v = strtol(a, &end, 0);
        return *end ? -1 : 0;
    }
    char ref[128];
    snprintf(ref, sizeof ref, "%s", a + 2);
    char *e = strchr(ref, '}');
    if (e)
        *e = 0;
    char *dot = strchr(ref, '.');
    if (!dot)
        return -1;
    *dot = 0;
    const char *field = dot + 1;
    for (int i = 0; i < pl->nr; i++) {
        struct res *r = &pl->r[i];
        if (strcmp(r->name, ref))
            continue;
        if (!strcmp(field, "fd") || !strcmp(field, "client.fd"))
            *v = r->fd;
        else if (!strcmp(field, "server.fd"))
            *v = r->fd2;
        else if (!strcmp(field, "pid"))
            *v = r->pid;
        else
            return -1;
        return 0;
    }
    for (int i = 0; i < pl->ns; i++) {
        if (strcmp(pl->s[i].name, ref))
            continue;
        if (!strcmp(field, "ret")) {
            *v = pl->s[i].ret;
            return 0;
        }
        return iarg(pl, &pl->s[i], field, 0, v);
    }
    return -1;
}

/* Syscalls performed as they are: each argument by name, in order; "s:" a string (path), "d:"
 * a directory fd (default AT_FDCWD), "i:" an integer (default 0) or a ${binding}. */
static const struct {
    const char *name;
    long nr;
    const char *args;
} plain_calls[] = {
#ifdef SYS_unlink
    {"unlink", SYS_unlink, "s:pathname"},
    {"rename", SYS_rename, "s:oldPath s:newPath"},
    {"mkdir", SYS_mkdir, "s:pathname i:mode"},
    {"rmdir", SYS_rmdir, "s:pathname"},
    {"chmod", SYS_chmod, "s:pathname i:mode"},
    {"creat", SYS_creat, "s:pathname i:mode"},
#endif
    {"unlinkat", SYS_unlinkat, "d:dirFd s:pathname i:flags"},
    {"renameat", SYS_renameat, "d:oldDirFd s:oldPath d:newDirFd s:newPath"},
    {"renameat2", SYS_renameat2, "d:oldDirFd s:oldPath d:newDirFd s:newPath i:flags"},
    {"mkdirat", SYS_mkdirat, "d:dirFd s:pathname i:mode"},
    {"fchmod", SYS_fchmod, "i:fd i:mode"},
    {"fchmodat", SYS_fchmodat, "d:dirFd s:pathname i:mode"},
    {"setuid", SYS_setuid, "i:uid"},
    {"setns", SYS_setns, "i:fd i:nsType"},
    {"unshare", SYS_unshare, "i:flags"},
    {"userfaultfd", SYS_userfaultfd, "i:flags"},
    {"close", SYS_close, "i:fd"},
};

static int plain_call(struct plan *pl, struct step *s, long *r)
{
    for (size_t k = 0; k < sizeof plain_calls / sizeof plain_calls[0]; k++) {
        if (strcmp(plain_calls[k].name, s->syscall))
            continue;
        long a[6] = {0};
        char spec[128], *save = NULL;
        int n = 0;
        snprintf(spec, sizeof spec, "%s", plain_calls[k].args);
        for (char *t = strtok_r(spec, " ", &save); t && n < 6;
             t = strtok_r(NULL, " ", &save), n++) {
            if (t[0] == 's') {
                a[n] = (long)(uintptr_t)arg(s, t + 2);
            } else if (iarg(pl, s, t + 2, t[0] == 'd' ? AT_FDCWD : 0, &a[n]) != 0) {
                report("err step %s: bad argument %s", s->name, t + 2);
                return -1;
            }
        }
        *r = syscall(plain_calls[k].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        return 1;
    }
    return 0;
}

/* bpf(BPF_PROG_LOAD) of the smallest socket filter ("return 0"), as a loader would. */
static long bpf_prog_load(void)
{
    struct {
        uint32_t prog_type, insn_cnt;
        uint64_t insns, license;
        uint32_t log_level, log_size;
        uint64_t log_buf;
        uint32_t kern_version;
    } attr;
    static const uint64_t insns[2] = {0x00000000000000b7ull /* r0 = 0 */,
                                      0x0000000000000095ull /* exit */};
    memset(&attr, 0, sizeof attr);
    attr.prog_type = 1; /* BPF_PROG_TYPE_SOCKET_FILTER */
    attr.insn_cnt = 2;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    return syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, &attr, sizeof attr);
}

/* "cafebabe" -> bytes; returns the length. */
static long hex_bytes(const char *hex, char *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        char b[3] = {hex[0], hex[1], 0};
        out[n++] = (char)strtol(b, NULL, 16);
    }
    return (long)n;
}

static int do_step(struct plan *pl, struct step *s)
{
    long a[6] = {0};
    const char *sc = s->syscall;
    const char *p1, *p2;
    long r = -1;
    errno = 0;
#define I(n, k, d)                                                                                 \
    do {                                                                                           \
        if (iarg(pl, s, k, d, &a[n]) != 0) {                                                       \
            report("err step %s: bad argument %s", s->name, k);                                    \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)
    if (!strcmp(sc, "open")) {
        I(1, "flags", 0);
        I(2, "mode", 0);
#ifdef SYS_open
        r = syscall(SYS_open, arg(s, "pathname"), a[1], a[2]);
#else
        errno = ENOSYS; /* arm64 has no open(2) (the specs' runIf skips those cases) */
#endif
    } else if (!strcmp(sc, "openat")) {
        I(0, "dirFd", AT_FDCWD);
        I(1, "flags", 0);
        I(2, "mode", 0);
        r = syscall(SYS_openat, a[0], arg(s, "pathname"), a[1], a[2]);
    } else if (!strcmp(sc, "openat2")) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        I(0, "dirFd", AT_FDCWD);
        I(1, "how.flags", 0);
        I(2, "how.mode", 0);
        I(3, "how.resolve", 0);
        how.flags = a[1];
        how.mode = a[2];
        how.resolve = a[3];
        r = syscall(SYS_openat2, a[0], arg(s, "pathname"), &how, sizeof how);
    } else if (!strcmp(sc, "symlink")) {
#ifdef SYS_symlink
        r = syscall(SYS_symlink, arg(s, "target"), arg(s, "linkPath"));
#else
        errno = ENOSYS;
#endif
    } else if (!strcmp(sc, "symlinkat")) {
        I(0, "newDirFd", AT_FDCWD);
        r = syscall(SYS_symlinkat, arg(s, "target"), a[0], arg(s, "linkPath"));
    } else if (!strcmp(sc, "link")) {
#ifdef SYS_link
        r = syscall(SYS_link, arg(s, "oldPath"), arg(s, "newPath"));
#else
        errno = ENOSYS;
#endif
    } else if (!strcmp(sc, "linkat")) {
        I(0, "oldDirFd", AT_FDCWD);
        I(1, "newDirFd", AT_FDCWD);
        I(2, "flags", 0);
        r = syscall(SYS_linkat, a[0], arg(s, "oldPath"), a[1], arg(s, "newPath"), a[2]);
    } else if (!strcmp(sc, "dup")) {
        I(0, "oldFd", -1);
        r = syscall(SYS_dup, a[0]);
    } else if (!strcmp(sc, "dup2")) {
        I(0, "oldFd", -1);
        I(1, "newFd", -1);
#ifdef SYS_dup2
        r = syscall(SYS_dup2, a[0], a[1]);
#else
        errno = ENOSYS;
#endif
    } else if (!strcmp(sc, "dup3")) {
        I(0, "oldFd", -1);
        I(1, "newFd", -1);
        I(2, "flags", 0);
        r = syscall(SYS_dup3, a[0], a[1], a[2]);
    } else if (!strcmp(sc, "socket")) {
        I(0, "domain", 0);
        I(1, "type", 0);
        I(2, "protocol", 0);
        r = syscall(SYS_socket, a[0], a[1], a[2]);
    } else if (!strcmp(sc, "connect")) {
        struct addr ad;
        I(0, "fd", -1);
        p1 = arg(s, "address");
        if (!p1 || parse_addr(p1, &ad) != 0) {
            report("err step %s: bad address", s->name);
            return -1;
        }
        r = syscall(SYS_connect, a[0], &ad.ss, ad.len);
    } else if (!strcmp(sc, "kill")) {
        I(0, "pid", 0);
        I(1, "sig", 0);
        r = syscall(SYS_kill, a[0], a[1]);
    } else if (!strcmp(sc, "write") || !strcmp(sc, "read")) {
        char buf[4096] = "event-generator";
        I(0, "fd", -1);
        p2 = arg(s, "buffer");
        long blen = (long)strlen(buf);
        if (p2)
            blen = snprintf(buf, sizeof buf, "%s", p2);
        if ((p1 = arg(s, "bufferHex")))
            blen = hex_bytes(p1, buf, sizeof buf);
        I(1, "len", blen);
        if (a[1] > (long)sizeof buf)
            a[1] = sizeof buf;
        r = syscall(sc[0] == 'w' ? SYS_write : SYS_read, a[0], buf, a[1]);
    } else if (!strcmp(sc, "sendto")) {
        struct addr ad;
        I(0, "fd", -1);
        I(1, "flags", 0);
        p1 = arg(s, "buf");
        p2 = arg(s, "destAddr");
        if (!p1)
            p1 = "";
        if (!p2 || parse_addr(p2, &ad) != 0) {
            report("err step %s: bad destAddr", s->name);
            return -1;
        }
        I(2, "len", (long)strlen(p1));
        r = syscall(SYS_sendto, a[0], p1, a[2], a[1], &ad.ss, ad.len);
    } else if (!strcmp(sc, "recvfrom")) {
        char buf[4096];
        I(0, "fd", -1);
        I(1, "len", 64);
        if (a[1] > (long)sizeof buf)
            a[1] = sizeof buf;
        r = syscall(SYS_recvfrom, a[0], buf, a[1], 0, NULL, NULL);
    } else if (!strcmp(sc, "bpf")) {
        I(0, "cmd", 5);
        if (a[0] != 5) {
            report("err step %s: only bpf cmd 5 (BPF_PROG_LOAD)", s->name);
            return -1;
        }
        r = bpf_prog_load();
    } else {
        int known = plain_call(pl, s, &r);
        if (known < 0)
            return -1;
        if (!known) {
            report("err step %s: unsupported syscall %s", s->name, sc);
            return -1;
        }
    }
#undef I
    s->ret = r;
    s->err = r < 0 ? errno : 0;
    report("step %s %ld %d", s->name, r, s->err);
    return r < 0 ? -1 : 0;
}

static int run_leaf(struct plan *pl)
{
    int rc = 0;
    if (pl->before && run_script(pl->before) != 0) {
        report("err before script failed");
        rc = 1;
    }
    int made = 0;
    for (; made < pl->nr; made++) {
        if (create_res(&pl->r[made]) != 0) {
            report("err resource %s not created", pl->r[made].name);
            rc = 1;
            break;
        }
    }
    if (made == pl->nr)
        for (int i = 0; i < pl->ns; i++)
            if (do_step(pl, &pl->s[i]) != 0)
                rc = 1;
    if (pl->after && run_script(pl->after) != 0)
        rc = 1;
    while (made-- > 0)
        destroy_res(&pl->r[made]);
    return rc;
}

static void open_out(const char *path)
{
    if (!path)
        return;
    out_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    /* writable by every process of the case, whatever the umask (a user without
     * capabilities appends its results too) */
    if (out_fd >= 0 && fchmod(out_fd, 0666) != 0 && errno != EPERM)
        report("err chmod of the results file: %s", strerror(errno));
    if (out_fd >= 0 && out_fd < 100) {
        /* keep it away from the small fds the steps use */
        int hi = fcntl(out_fd, F_DUPFD_CLOEXEC, 100);
        if (hi >= 0) {
            close(out_fd);
            out_fd = hi;
        }
    }
}

static int chain(const char *planpath, int index)
{
    static struct plan pl;
    if (load_plan(planpath, &pl) != 0 || index < 0 || index >= pl.np) {
        fprintf(stderr, "eg_proc: bad plan %s (index %d)\n", planpath, index);
        return 122;
    }
    open_out(pl.out);
    report("pid %d %d", index, (int)getpid());
    if (index == pl.np - 1) {
        int rc = run_leaf(&pl);
        report("done %d", rc);
        return rc;
    }
    pid_t pid = fork();
    if (pid < 0) {
        report("err fork: %s", strerror(errno));
        return 123;
    }
    if (pid == 0)
        become(planpath, &pl, index + 1);
    return wait_rc(pid);
}

static int run_case(const char *planpath)
{
    static struct plan pl;
    if (load_plan(planpath, &pl) != 0) {
        fprintf(stderr, "eg_proc: bad plan %s\n", planpath);
        return 122;
    }
    open_out(pl.out);
    pid_t pid = fork();
    if (pid < 0)
        return 123;
    if (pid == 0)
        become(planpath, &pl, 0);
    int rc = wait_rc(pid);
    report("exit %d", rc);
    if (out_fd >= 0)
        close(out_fd);
    out_fd = -1;
    return rc;
}

static int batch(const char *file)
{
    const char *main_out = getenv("EG_MAIN_OUT");
    if (main_out) {
        FILE *mf = fopen(main_out, "a");
        if (!mf || fprintf(mf, "pid main %d\n", (int)getpid()) < 0 || fclose(mf) != 0) {
            perror(main_out);
            return 2;
        }
    }
    FILE *fp = fopen(file, "r");
    if (!fp) {
        perror(file);
        return 2;
    }
    char lane[64], path[PATH_MAX];
    char(*lanes)[64] = NULL;
    char(*paths)[PATH_MAX] = NULL;
    size_t n = 0;
    while (fscanf(fp, "case %63s %4095s\n", lane, path) == 2) {
        void *nl = realloc(lanes, (n + 1) * sizeof *lanes);
        if (!nl)
            return 2;
        lanes = nl;
        void *np = realloc(paths, (n + 1) * sizeof *paths);
        if (!np)
            return 2;
        paths = np;
        snprintf(lanes[n], sizeof lanes[n], "%s", lane);
        snprintf(paths[n], sizeof paths[n], "%s", path);
        n++;
    }
    fclose(fp);
    /* One child per lane, each running its cases in file order. */
    int nkids = 0;
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(lanes[j], lanes[i]))
                seen = 1;
        if (seen)
            continue;
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            break;
        }
        if (pid == 0) {
            for (size_t j = i; j < n; j++)
                if (!strcmp(lanes[j], lanes[i]))
                    run_case(paths[j]);
            _exit(0);
        }
        nkids++;
    }
    while (nkids > 0) {
        if (wait(NULL) > 0)
            nkids--;
        else if (errno != EINTR)
            break;
    }
    free(lanes);
    free(paths);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = getenv("EG_MODE");
    if (mode && !strcmp(mode, "idle")) {
        const char *ready = getenv("EG_READY_FD");
        if (ready) {
            int fd = atoi(ready);
            if (write(fd, "R", 1) != 1)
                return 121;
            close(fd);
        }
        for (;;)
            pause();
    }
    const char *plan = getenv("EG_PLAN");
    const char *index = getenv("EG_INDEX");
    if (plan && index)
        return chain(plan, atoi(index));
    if (argc == 3 && !strcmp(argv[1], "--batch"))
        return batch(argv[2]);
    fprintf(stderr, "usage: eg_proc --batch FILE (or EG_PLAN=PLAN EG_INDEX=I eg_proc ...)\n");
    return 2;
}

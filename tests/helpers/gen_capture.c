/* gen_capture: writes a synthetic Tartan capture file with a realistic event mix, for the
 * engine throughput benchmark (bench/engine_throughput.sh) and for stress tests.
 *
 *   gen_capture OUT.cap [NEVENTS] [SEED]      (default 1200000 events, seed 1)
 *
 * The mix imitates a container running a web server with workers, an application with threads
 * and a database connection, and a shell that occasionally runs short commands: file opens and
 * closes (about half the events), socket accept/connect/send, dup/fcntl/pipe, clone/fork,
 * execve and exit, chdir, setuid. A sensitive file read every ~50000 events gives a few alerts.
 * Built like every tests/helpers program (one file), so it includes the event encoder. */
#include "../../lib/tt_event.c"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>

static FILE *out;
static uint64_t ts = 1700000000000000000ull;
static uint64_t nev, target;
static uint64_t rng = 1;
static uint8_t buf[16384];
static struct tt_evb b;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void begin(unsigned type, int32_t tid, int32_t pid)
{
    ts += 700 + rnd() % 2000;
    tt_evb_begin(&b, buf, sizeof buf, type, ts, tid, pid);
}

static void end(int64_t ret)
{
    size_t len = tt_evb_finish(&b, ret);
    if (len == 0 || fwrite(buf, 1, len, out) != len) {
        perror("gen_capture: write");
        exit(1);
    }
    nev++;
}

static void strlist(unsigned id, const char *s) /* space separated -> NUL separated */
{
    char tmp[512];
    size_t n = strlen(s);
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    for (size_t i = 0; i < n; i++)
        tmp[i] = s[i] == ' ' ? '\0' : s[i];
    tmp[n] = '\0';
    tt_evb_bytes(&b, id, TT_PK_STRLIST, tmp, n + 1);
}

static void describe(const char *comm, const char *exepath, const char *args, const char *cwd,
                     int64_t ptid, uint64_t uid)
{
    tt_evb_str(&b, TT_P_EXE, comm);
    if (args && *args)
        strlist(TT_P_ARGS, args);
    tt_evb_str(&b, TT_P_EXEPATH, exepath);
    tt_evb_str(&b, TT_P_CWD, cwd);
    tt_evb_str(&b, TT_P_COMM, comm);
    tt_evb_i64(&b, TT_P_PTID, ptid);
    tt_evb_u64(&b, TT_P_P_UID, uid);
    tt_evb_u64(&b, TT_P_P_EUID, uid);
    tt_evb_u64(&b, TT_P_P_GID, uid);
    tt_evb_u64(&b, TT_P_P_EGID, uid);
    tt_evb_i64(&b, TT_P_LOGINUID, -1);
    tt_evb_u64(&b, TT_P_TTY, 0);
    tt_evb_u64(&b, TT_P_CAP_EFF, 0xa80425fbull);
    tt_evb_u64(&b, TT_P_CAP_PRM, 0xa80425fbull);
    tt_evb_str(&b, TT_P_CONTAINER_ID,
               "5e1f0c2a9b3d4e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f");
    tt_evb_u64(&b, TT_P_CLONE_TS, ts - 1000000000ull);
}

static void procinfo(int32_t tid, int32_t pid, const char *comm, const char *exepath,
                     const char *args, const char *cwd, int64_t ptid, uint64_t uid)
{
    begin(TT_EV_PROCINFO, tid, pid);
    describe(comm, exepath, args, cwd, ptid, uid);
    end(0);
}

static void sin4(unsigned id, const char *ip, uint16_t port)
{
    struct sockaddr_in s;
    memset(&s, 0, sizeof s);
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    inet_pton(AF_INET, ip, &s.sin_addr);
    tt_evb_bytes(&b, id, TT_PK_SOCKADDR, &s, sizeof s);
}

static void ev_openat(int32_t tid, int32_t pid, const char *path, uint64_t flags, int64_t ret)
{
    begin(TT_EV_OPENAT, tid, pid);
    tt_evb_i64(&b, TT_P_DIRFD, AT_FDCWD);
    tt_evb_str(&b, TT_P_NAME, path);
    tt_evb_u64(&b, TT_P_FLAGS, flags);
    tt_evb_u64(&b, TT_P_MODE, (flags & O_CREAT) ? 0644 : 0);
    end(ret);
}

static void closefd(int32_t tid, int32_t pid, int64_t fd)
{
    begin(TT_EV_CLOSE, tid, pid);
    tt_evb_i64(&b, TT_P_FD, fd);
    end(0);
}

static const char *const web_files[] = {
    "/usr/share/nginx/html/index.html",
    "/usr/share/nginx/html/style.css",
    "/usr/share/nginx/html/app.js",
    "/usr/share/nginx/html/img/logo.png",
    "/etc/nginx/mime.types",
    "/var/cache/nginx/proxy_temp/1/00/0000000001",
};
static const char *const app_files[] = {
    "/app/config/settings.yaml",
    "/usr/lib/python3.11/json/__init__.py",
    "/usr/lib/python3.11/encodings/utf_8.py",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/proc/self/status",
    "templates/page.html",
    "../data/cache.db",
};

/* One web request handled by worker w: accept, open file, read, close file, send, close. */
static void web_request(int32_t w)
{
    begin(TT_EV_ACCEPT4, w, w);
    tt_evb_i64(&b, TT_P_FD, 6);
    sin4(TT_P_ADDR, "10.0.3.17", (uint16_t)(30000 + rnd() % 30000));
    sin4(TT_P_LOCAL_ADDR, "172.17.0.2", 80);
    tt_evb_i64(&b, TT_P_FLAGS, SOCK_NONBLOCK);
    end(12);
    const char *f = web_files[rnd() % (sizeof web_files / sizeof web_files[0])];
    ev_openat(w, w, f, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 13);
    closefd(w, w, 13);
    ev_openat(w, w, "/var/log/nginx/access.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 14);
    closefd(w, w, 14);
    begin(TT_EV_SENDTO, w, w);
    tt_evb_i64(&b, TT_P_FD, 12);
    tt_evb_u64(&b, TT_P_SIZE, 512 + rnd() % 4096);
    end(1024);
    closefd(w, w, 12);
}

/* The application thread t of pid 200 reads files and talks to its database. */
static void app_work(int32_t t)
{
    const char *f = app_files[rnd() % (sizeof app_files / sizeof app_files[0])];
    int fail = rnd() % 10 == 0;
    ev_openat(t, 200, f, O_RDONLY | O_CLOEXEC, fail ? -2 : 20);
    if (!fail)
        closefd(t, 200, 20);
    if (rnd() % 4 == 0) {
        begin(TT_EV_SOCKET, t, 200);
        tt_evb_i64(&b, TT_P_DOMAIN, AF_INET);
        tt_evb_i64(&b, TT_P_TYPE, SOCK_STREAM | SOCK_CLOEXEC);
        tt_evb_i64(&b, TT_P_PROTO, 0);
        end(21);
        begin(TT_EV_CONNECT, t, 200);
        tt_evb_i64(&b, TT_P_FD, 21);
        sin4(TT_P_ADDR, "10.0.5.9", 5432);
        sin4(TT_P_LOCAL_ADDR, "172.17.0.3", (uint16_t)(40000 + rnd() % 20000));
        end(-115);
        begin(TT_EV_SENDTO, t, 200);
        tt_evb_i64(&b, TT_P_FD, 21);
        tt_evb_u64(&b, TT_P_SIZE, 200);
        end(200);
        closefd(t, 200, 21);
    }
    if (rnd() % 16 == 0) {
        begin(TT_EV_FCNTL, t, 200);
        tt_evb_i64(&b, TT_P_FD, 5);
        tt_evb_i64(&b, TT_P_CMD, F_DUPFD_CLOEXEC);
        tt_evb_u64(&b, TT_P_ARG, 10);
        end(22);
        closefd(t, 200, 22);
    }
}

/* The shell (pid 300) runs a short command: pipe, fork, dup2, exec, exit. */
static void shell_command(int32_t *nextpid, int sensitive)
{
    int32_t c = (*nextpid)++;
    if (*nextpid > 30000)
        *nextpid = 1000;
    begin(TT_EV_PIPE2, 300, 300);
    tt_evb_i64(&b, TT_P_FD1, 3);
    tt_evb_i64(&b, TT_P_FD2, 4);
    tt_evb_u64(&b, TT_P_FLAGS, O_CLOEXEC);
    end(0);
    begin(TT_EV_CLONE, 300, 300);
    tt_evb_i64(&b, TT_P_CHILD_TID, c);
    tt_evb_i64(&b, TT_P_CHILD_PID, c);
    tt_evb_u64(&b, TT_P_CLONE_FLAGS, 0x1200011); /* CLONE_CHILD_SETTID|CLEARTID|SIGCHLD */
    tt_evb_u64(&b, TT_P_IS_THREAD, 0);
    end(c);
    begin(TT_EV_DUP2, c, c);
    tt_evb_i64(&b, TT_P_OLDFD, 4);
    tt_evb_i64(&b, TT_P_NEWFD, 1);
    end(1);
    static const char *const cmds[][3] = {
        {"date", "/usr/bin/date", "+%s"},
        {"ls", "/usr/bin/ls", "-l /app"},
        {"grep", "/usr/bin/grep", "-c error /var/log/app.log"},
        {"cat", "/usr/bin/cat", "/app/VERSION"},
        {"cat", "/usr/bin/cat", "/etc/shadow"},
    };
    const char *const *cmd = cmds[sensitive ? 4 : rnd() % 4];
    begin(TT_EV_EXECVE, c, c);
    tt_evb_str(&b, TT_P_FILENAME, cmd[1]);
    describe(cmd[0], cmd[1], cmd[2], "/app", 300, 1000);
    end(0);
    ev_openat(c, c, "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC, 3);
    closefd(c, c, 3);
    ev_openat(c, c, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY | O_CLOEXEC, 3);
    closefd(c, c, 3);
    if (sensitive) {
        ev_openat(c, c, "/etc/shadow", O_RDONLY, 3);
        closefd(c, c, 3);
    }
    begin(TT_EV_PROCEXIT, c, c);
    tt_evb_i64(&b, TT_P_STATUS, 0);
    end(0);
    closefd(300, 300, 3);
    closefd(300, 300, 4);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_capture OUT.cap [NEVENTS] [SEED]\n");
        return 2;
    }
    target = argc > 2 ? strtoull(argv[2], NULL, 10) : 1200000;
    rng = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 1;
    out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof obuf);
    struct tt_stream_hdr h;
    tt_stream_hdr_init(&h, ts, 1);
    if (fwrite(&h, sizeof h, 1, out) != 1) {
        perror("gen_capture: write");
        return 1;
    }
    procinfo(1, 1, "tini", "/usr/bin/tini", "-- /entrypoint.sh", "/", 0, 0);
    procinfo(10, 10, "nginx", "/usr/sbin/nginx", "-g daemon off;", "/", 1, 0);
    for (int w = 11; w <= 14; w++)
        procinfo(w, w, "nginx", "/usr/sbin/nginx", "-g daemon off;", "/", 10, 33);
    procinfo(200, 200, "python3", "/usr/bin/python3.11", "/app/server.py --port 8000", "/app", 1,
             1000);
    for (int t = 201; t <= 204; t++) {
        begin(TT_EV_CLONE, 200, 200);
        tt_evb_i64(&b, TT_P_CHILD_TID, t);
        tt_evb_i64(&b, TT_P_CHILD_PID, 200);
        tt_evb_u64(&b, TT_P_CLONE_FLAGS,
                   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                       CLONE_SYSVSEM);
        tt_evb_u64(&b, TT_P_IS_THREAD, 1);
        end(t);
    }
    procinfo(300, 300, "bash", "/usr/bin/bash", "/entrypoint.sh", "/app", 1, 1000);
    int32_t nextpid = 1000;
    uint64_t since_sensitive = 0;
    while (nev < target) {
        uint32_t r = rnd() % 100;
        if (r < 55)
            web_request((int32_t)(11 + rnd() % 4));
        else if (r < 93)
            app_work((int32_t)(200 + rnd() % 5));
        else
            shell_command(&nextpid, 0);
        if (++since_sensitive >= 8000) {
            shell_command(&nextpid, 1);
            since_sensitive = 0;
        }
    }
    if (fclose(out) != 0) {
        perror("gen_capture: close");
        return 1;
    }
    printf("%llu\n", (unsigned long long)nev);
    return 0;
}

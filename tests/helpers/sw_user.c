/* Test helper: a root entrypoint that drops to a service user and execs the service, as gosu
 * and su-exec do in many official images (redis, mongo, rabbitmq...).
 *
 *   sw_user [--threads N] [--raw] [--stay] [--euid] UID GID[,GID...] CMD [ARG...]
 *
 * setgroups(the GIDs after the first), setgid(GID), setuid(UID), then exec CMD. --threads: N
 * threads run first and are alive during the switch (glibc then makes every thread change its
 * ids, as Go's gosu does). --raw: setresgid/setresuid as raw syscalls. --stay: before the exec,
 * open and read /etc/shadow as the new user and print "sw_user: after switch: ..." (what the
 * process can do between the switch and the exec). --euid: only the effective uid changes
 * (seteuid, as a daemon that drops privileges for a while does); the groups stay. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 0, raw = 0, stay = 0, euid_only = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--raw") == 0)
            raw = 1;
        else if (strcmp(argv[i], "--stay") == 0)
            stay = 1;
        else if (strcmp(argv[i], "--euid") == 0)
            euid_only = 1;
    }
    if (argc - i < 3) {
        fprintf(stderr, "usage: sw_user [--threads N] [--raw] [--stay] [--euid] UID GID[,GID...] "
                        "CMD...\n");
        return 2;
    }
    uid_t uid = (uid_t)strtoul(argv[i], NULL, 10);
    gid_t gids[16];
    int ng = 0;
    for (char *p = argv[i + 1]; *p && ng < 16; p++) {
        gids[ng++] = (gid_t)strtoul(p, &p, 10);
        if (*p != ',')
            break;
    }
    for (int k = 0; k < threads; k++) {
        pthread_t th;
        if (pthread_create(&th, NULL, idle, NULL) != 0)
            return 1;
    }
    if (euid_only) {
        if (seteuid(uid) != 0) {
            perror("sw_user: seteuid");
            return 1;
        }
    } else if (setgroups((size_t)(ng - 1), gids + 1) != 0) {
        perror("sw_user: setgroups");
        return 1;
    }
    int rc = 0;
    if (!euid_only)
        rc = raw ? (int)syscall(SYS_setresgid, gids[0], gids[0], gids[0]) : setgid(gids[0]);
    if (rc == 0 && !euid_only)
        rc = raw ? (int)syscall(SYS_setresuid, uid, uid, uid) : setuid(uid);
    if (rc != 0) {
        perror("sw_user: switching user");
        return 1;
    }
    if (stay) {
        char buf[64];
        int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
        printf("sw_user: after switch: uid=%d euid=%d gid=%d read=%s\n", (int)getuid(),
               (int)geteuid(), (int)getgid(), n > 0 ? "ok" : strerror(errno));
        fflush(stdout);
        if (fd >= 0)
            close(fd);
    }
    execvp(argv[i + 2], argv + i + 2);
    perror("sw_user: exec");
    return 127;
}

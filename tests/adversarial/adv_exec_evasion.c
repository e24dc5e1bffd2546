/* adv_exec_evasion: runs a program the way an attacker hides it from rules that match names.
 * Each technique runs in a child, one after the other; the program run is a copy of PAYLOAD
 * (default /bin/true), given the technique's name as its only argument so that each alert can
 * be matched to its technique (proc.cmdline).
 *
 *   adv_exec_evasion DIR TECHNIQUE...     (DIR: a scratch directory, e.g. under /tmp)
 *
 *   shm-symlink   copy in /dev/shm, run through a symlink in DIR named "nginx", argv[0] "nginx"
 *   shm-fd        copy in /dev/shm, run from an fd with execveat(AT_EMPTY_PATH), argv[0] "worker"
 *   memfd         copy in a memfd, fexecve
 *   tmpfile       copy in an O_TMPFILE file of DIR (no name anywhere), run from its fd
 *   argv0-sshd    copy at DIR/evil run with argv[0] "sshd"
 *   link-sshd     DIR/sshd, a symlink to DIR/evil, run by that name (comm becomes "sshd")
 *   prctl-sshd    this process renames itself "sshd" with prctl(PR_SET_NAME)
 *   named-sshd    copy at DIR/sshd (a file really named sshd, outside the system directories)
 *   benign        /bin/true run normally (no rule may fire)
 * Exit status: the number of techniques that could not be carried out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *payload = "/bin/true";

/* Copies the payload into fd (seeking back to 0 is not needed: exec reads the file). */
static int copy_payload(int fd)
{
    int in = open(payload, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)n) != n) {
            close(in);
            return -1;
        }
    close(in);
    return n < 0 ? -1 : 0;
}

static int copy_to(const char *path)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0)
        return -1;
    int rc = copy_payload(fd);
    return close(fd) == 0 ? rc : -1;
}

/* A read-only fd on the file behind fd (a writable fd would make exec fail with ETXTBSY). */
static int reopen_ro(int fd)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    int ro = open(p, O_RDONLY | O_CLOEXEC);
    close(fd);
    return ro;
}

static void exec_fd(int fd, const char *argv0, const char *tech)
{
    char *argv[] = {(char *)argv0, (char *)tech, NULL};
    char *envp[] = {NULL};
    syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}

static void exec_path(const char *path, const char *argv0, const char *tech)
{
    char *argv[] = {(char *)argv0, (char *)tech, NULL};
    char *envp[] = {NULL};
    execve(path, argv, envp);
}

/* In the child: carries out tech; returns only on failure. */
static void run(const char *dir, const char *tech)
{
    char shm[128], path[4096], link[4096];
    snprintf(shm, sizeof shm, "/dev/shm/tartan-adv-%d", (int)getppid());
    snprintf(path, sizeof path, "%s/evil", dir);
    if (!strcmp(tech, "shm-symlink")) {
        snprintf(link, sizeof link, "%s/nginx", dir);
        unlink(link);
        if (copy_to(shm) == 0 && symlink(shm, link) == 0)
            exec_path(link, "nginx", tech);
    } else if (!strcmp(tech, "shm-fd")) {
        int fd = copy_to(shm) == 0 ? open(shm, O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0)
            exec_fd(fd, "worker", tech);
    } else if (!strcmp(tech, "memfd")) {
        int fd = (int)syscall(SYS_memfd_create, "payload", 0);
        if (fd >= 0 && copy_payload(fd) == 0)
            exec_fd(fd, "payload", tech);
    } else if (!strcmp(tech, "tmpfile")) {
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0755);
        if (fd >= 0 && copy_payload(fd) == 0 && (fd = reopen_ro(fd)) >= 0)
            exec_fd(fd, "payload", tech);
    } else if (!strcmp(tech, "argv0-sshd")) {
        if (copy_to(path) == 0)
            exec_path(path, "sshd", tech);
    } else if (!strcmp(tech, "link-sshd")) {
        snprintf(link, sizeof link, "%s/sshd", dir);
        unlink(link);
        if (copy_to(path) == 0 && symlink(path, link) == 0)
            exec_path(link, link, tech);
    } else if (!strcmp(tech, "prctl-sshd")) {
        if (prctl(PR_SET_NAME, "sshd", 0, 0, 0) == 0)
            _exit(0);
    } else if (!strcmp(tech, "named-sshd")) {
        snprintf(link, sizeof link, "%s/sshd", dir);
        if (copy_to(link) == 0)
            exec_path(link, link, tech);
    } else if (!strcmp(tech, "benign")) {
        exec_path(payload, "true", tech);
    } else {
        fprintf(stderr, "adv_exec_evasion: unknown technique %s\n", tech);
        _exit(2);
    }
    fprintf(stderr, "adv_exec_evasion: %s: %s\n", tech, strerror(errno));
    _exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: adv_exec_evasion DIR TECHNIQUE...\n");
        return 2;
    }
    const char *p = getenv("ADV_PAYLOAD");
    if (p && *p)
        payload = p;
    int failed = 0;
    for (int i = 2; i < argc; i++) {
        pid_t pid = fork();
        if (pid == 0)
            run(argv[1], argv[i]);
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed++;
    }
    char shm[128];
    snprintf(shm, sizeof shm, "/dev/shm/tartan-adv-%d", (int)getpid());
    unlink(shm);
    return failed;
}

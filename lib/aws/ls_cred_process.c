/* credential_process: run the configured command and read its JSON (Version 1) from stdout.
 * Its stderr passes through; its stdout (which holds secrets) is never echoed. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ls_buf.h"
#include "ls_creds.h"
#include "tt_time.h"
#include "tt_spawn.h"

#define PROCESS_TIMEOUT_MS 30000
#define PROCESS_MAX_OUTPUT (64 * 1024)

int ls_cred_process_parse(const char *out, size_t len, struct ls_creds *c, char *err, size_t errlen)
{
    int rc = -1;
    json_t *j = json_loadb(out, len, 0, NULL);
    json_t *ver = j ? json_object_get(j, "Version") : NULL;
    if (!ver || json_integer_value(ver) != 1)
        snprintf(err, errlen, "credential_process output is not JSON with \"Version\": 1");
    else if (ls_creds_parse_json(out, len, c, err, errlen) == 0)
        rc = 0;
    json_decref(j);
    return rc;
}

int ls_cred_process_run(const char *cmd, struct ls_creds *c, char *err, size_t errlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "credential_process: pipe: %s", strerror(errno));
        return -1;
    }
    struct tt_sigsave none; /* the child starts with no signal blocked */
    sigemptyset(&none.mask);
    char *const argv[] = {"sh", "-c", (char *)cmd, NULL};
    struct tt_spawn_opts so = {.exe = "/bin/sh",
                               .argv = argv,
                               .sigsave = &none,
                               .stdin_mode = TT_SPAWN_DEVNULL,
                               .stdout_mode = TT_SPAWN_FD,
                               .stdout_fd = p[1]};
    int exec_err = 0;
    pid_t pid = tt_spawn(&so, &exec_err);
    if (pid < 0 || exec_err) {
        snprintf(err, errlen, "credential_process: cannot run /bin/sh: %s",
                 strerror(pid < 0 ? errno : exec_err));
        close(p[0]);
        close(p[1]);
        if (pid > 0)
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return -1;
    }
    close(p[1]);
    struct ls_buf out = {0};
    int64_t deadline = tt_mono_ms() + PROCESS_TIMEOUT_MS;
    int rc = -1, timed_out = 0;
    for (;;) {
        int64_t left = deadline - tt_mono_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        int pr = poll(&pf, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            timed_out = pr == 0;
            break;
        }
        char chunk[4096];
        ssize_t n = read(p[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out.len + (size_t)n > PROCESS_MAX_OUTPUT || ls_buf_add(&out, chunk, (size_t)n) < 0) {
            timed_out = 1; /* treat as failure */
            break;
        }
        explicit_bzero(chunk, sizeof chunk);
    }
    close(p[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        snprintf(err, errlen, "credential_process timed out or wrote too much");
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "credential_process exited with status %d",
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    } else {
        rc = ls_cred_process_parse(out.p ? out.p : "", out.len, c, err, errlen);
    }
    ls_buf_wipe(&out);
    return rc;
}

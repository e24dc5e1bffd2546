/* Shared bits of the adversarial programs (tests/adversarial/): each one tries, as a hostile
 * workload would, what docs/security.md says Tartan prevents or reports, and prints one line
 * per attempt for the tests under tests/integration/adv_* to read:
 *     <what> ret=<value> errno=<ENAME or 0>
 * They are the workload under test, not part of Tartan: plain C, no Tartan headers. */
#ifndef ADV_H
#define ADV_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void adv_report(const char *what, long ret)
{
    const char *e = ret < 0 ? strerrorname_np(errno) : "0";
    printf("%s ret=%ld errno=%s\n", what, ret, e ? e : "?");
    fflush(stdout);
}

/* Prints read=<the file's first line> (what an attacker got out of fd). */
static inline void adv_print_first_line(int fd)
{
    char buf[64] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    printf("read=%s\n", buf);
}

static inline long adv_num(int argc, char **argv, int i, long dflt)
{
    return i < argc ? strtol(argv[i], NULL, 0) : dflt;
}

#endif

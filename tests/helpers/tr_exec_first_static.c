/* Test helper, linked static: no dynamic loader runs between its exec and main, so the first
 * traced syscall after the exec is the one asked for (the tracer reads the exec's /proc
 * description while this program already runs; see tracer_events.py).
 *   tr_exec_first_static rename   prctl(PR_SET_NAME, "renamed-now") first
 *   tr_exec_first_static setuid   setresuid(65534, 65534, 65534) first
 *   tr_exec_first_static exit     exit_group(7) at once (untraced) */
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (strcmp(argv[1], "rename") == 0)
        return prctl(PR_SET_NAME, "renamed-now", 0, 0, 0) == 0 ? 0 : 1;
    if (strcmp(argv[1], "setuid") == 0)
        return syscall(SYS_setresuid, 65534, 65534, 65534) == 0 ? 0 : 1;
    if (strcmp(argv[1], "exit") == 0)
        syscall(SYS_exit_group, 7);
    return 2;
}

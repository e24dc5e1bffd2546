/* musl's threads and posix_spawn under the tracer (musl never uses clone3; built static with
 * musl-gcc by the Makefile when it is there). Usage: adv_threads_musl N PROG */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

static void *thread_fn(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10, ok = 0;
    for (long i = 0; i < n; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, thread_fn, NULL) == 0 && pthread_join(th, NULL) == 0)
            ok++;
    }
    printf("musl_threads_joined ret=%ld errno=0\n", ok);
    pid_t pid;
    char *args[] = {argc > 2 ? argv[2] : "/bin/true", NULL};
    int st = -1, e = posix_spawn(&pid, args[0], NULL, NULL, args, environ);
    if (e == 0)
        waitpid(pid, &st, 0);
    printf("musl_posix_spawn ret=%d errno=%d\n", e ? -1 : WEXITSTATUS(st), e);
    return ok == n && e == 0 ? 0 : 1;
}

/* The monitors (launcher, tracer, engine, logshipper) run beside the workload, usually with its
 * uid. Made non-dumpable, they are closed to a workload process without CAP_SYS_PTRACE, even of
 * the same uid: no ptrace, no /proc/PID/mem, environ, maps or fd/, and no core dump (which
 * could hold credentials). Signals are the tracer's filter's business. */
#ifndef TT_NODUMP_H
#define TT_NODUMP_H

/* prctl(PR_SET_DUMPABLE, 0). 0 or -1 (errno set). */
int tt_nodump(void);

/* A monitor started non-dumpable from its first instruction (tt_spawn's nondumpable: the exec
 * of a memfd) is named by the kernel after the memfd ("memfd:NAME"; older kernels: the fd's
 * number): gives it `name` back then. */
void tt_name_self(const char *name);

#endif

/* tracer: reading a stopped tracee's memory with process_vm_readv (strings, argv arrays, structs).
 * Every function tolerates a bad pointer or a vanished tracee: it returns -1, never crashes. */
#ifndef TRACER_MEM_H
#define TRACER_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The tid of the last read the kernel refused (EPERM: the tracee changed uid or is not dumpable,
 * and the tracer lacks CAP_SYS_PTRACE). The loop clears it before a stop and checks it after. */
extern pid_t tr_mem_refused;

/* Set while the tracer's fs ids are a tracee's (privs.c: a tracee that switched user): reads go
 * through /proc/PID/mem, whose check takes the fs ids (process_vm_readv's takes the real ones). */
extern int tr_mem_via_proc;

/* Can the tracer read tid's memory? 1 yes, 0 no (the kernel refuses: another uid, not
 * dumpable), -1 the task is gone. */
int tr_mem_readable(pid_t tid);

/* Reads exactly len bytes at addr. 0 or -1. */
int tr_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
/* Reads a NUL-terminated string into buf (cap >= 1); truncated strings are cut at cap-1.
 * Returns the string length, or -1 (NULL pointer, unreadable). */
ssize_t tr_mem_string(pid_t tid, uint64_t addr, char *buf, size_t cap);
/* Reads a NULL-terminated array of string pointers (argv/envp) starting at index `from`, as
 * NUL-terminated strings back to back into buf (at most cap bytes; at most max_items).
 * The first string (index `from`) is also returned through first/firstcap when first is not
 * NULL (then it is not put into buf). Returns bytes used in buf, or -1. */
ssize_t tr_mem_strlist(pid_t tid, uint64_t arr, char *first, size_t firstcap, char *buf, size_t cap,
                       size_t max_items);

#endif

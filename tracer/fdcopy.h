/* tracer: copies of a tracee's file descriptors in the tracer (pidfd_getfd through a kept
 * pidfd), so the tracer can ask the kernel about the very file or socket the tracee holds
 * (peer address, socket kind, which process a pidfd names) without running code in the tracee. */
#ifndef TRACER_FDCOPY_H
#define TRACER_FDCOPY_H

#include <sys/types.h>

/* A new fd in the tracer for fd of process tgid (close it), or -1 (errno). */
int tr_fd_copy(pid_t tgid, int fd);

/* The process a tracee's fd names, in the tracer's pid namespace: a pidfd, or a /proc/PID
 * directory of a procfs mounted for the tracer's pid namespace (both are accepted by
 * pidfd_send_signal). 0 when the fd is neither (or its process is gone); -1 when it is a /proc
 * directory of another pid namespace (cannot be told). */
pid_t tr_fd_target_pid(pid_t tgid, int fd);

#endif

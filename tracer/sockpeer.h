/* tracer: the remote address of a socket as the kernel holds it, from the tracer's copy of the
 * tracee's fd: what a connect really connected to, whatever its argument said by the time the
 * tracer read it. */
#ifndef TRACER_SOCKPEER_H
#define TRACER_SOCKPEER_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The peer of socket cfd (a copy of a tracee's fd; tid: the tracee, whose network namespace
 * is searched when the socket is not connected yet). getpeername, or for a TCP connect still
 * in progress (SYN_SENT, where getpeername says ENOTCONN) the destination the kernel keeps for
 * it: sock_diag by socket cookie, or the tracee's /proc/TID/net/tcp{,6} by inode when the
 * socket lives in another network namespace. 0, or -1 when the socket has no peer. */
int tr_sock_peer(int cfd, pid_t tid, struct sockaddr_storage *out, socklen_t *len);

/* The same without a copy of the fd: the socket by its inode, in the tracee's
 * /proc/TID/net/{tcp,tcp6,udp,udp6} (remote address as the kernel holds it, any TCP state).
 * 0, or -1 when not found or not connected. */
int tr_sock_peer_inode(pid_t tid, uint64_t ino, struct sockaddr_storage *out, socklen_t *len);

#endif

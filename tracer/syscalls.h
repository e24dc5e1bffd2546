/* tracer: the table of decoded syscalls of the native ABI (x86_64 or aarch64, see arch.h): which
 * event each one becomes, how each argument turns into an event parameter, and which class
 * (state, file, network...) it belongs to. */
#ifndef TRACER_SYSCALLS_H
#define TRACER_SYSCALLS_H

#include <stdint.h>

#include "arch.h"
#include "tracer.h"

enum tr_argkind {
    AK_NONE = 0,
    AK_INT,          /* C int, sign-extended to I64 */
    AK_U64,          /* raw register as U64 */
    AK_U32,          /* low 32 bits as U64 */
    AK_PATH,         /* NUL-terminated string read from the tracee at entry */
    AK_SOCKADDR,     /* sockaddr pointer; its length is the next argument */
    AK_SOCKADDR_OUT, /* sockaddr filled by the kernel; next argument points to its length */
    AK_FDS_OUT,      /* int[2] filled by the kernel (pipe, socketpair): fd1, fd2 */
    AK_DATA,         /* buffer; its length is the next argument: first TR_SNAPLEN bytes */
    AK_DATA_OUT,     /* buffer filled by the kernel; its length is the result: at exit */
};

enum tr_special {
    SP_NONE = 0,
    SP_EXECVE,
    SP_EXECVEAT,
    SP_OPENAT2,
    SP_CREAT,
    SP_CONNECT,
    SP_ACCEPT,
    SP_SENDMSG,
    SP_RECVMSG,
    SP_GETSOCKOPT,
    SP_CAPSET,
    SP_PRCTL,
    SP_OPEN_BY_HANDLE,
};

/* Classes, used to build the traced set from what the engine asks for. */
enum tr_class {
    CL_STATE = 1u << 0,   /* process state: always traced */
    CL_FDSTATE = 1u << 1, /* fd bookkeeping (close, dup, fcntl): with any fd-creating syscall */
    CL_FD = 1u << 2,      /* creates fds */
    CL_NET = 1u << 3,     /* network: adds socket + getsockopt */
    CL_DEFAULT = 1u << 4, /* in the default set */
    /* Under the filter, reported at entry without a result (TT_RET_NONE): the exit stop would
     * add nothing the engine uses (close releases the fd whatever it returns; a socket's fd
     * number reaches the engine with its connect, which carries the socket's kind). */
    CL_ENTRY_ONLY = 1u << 5,
};

#define TR_SNAPLEN 80 /* bytes of a data buffer an event carries (Falco's default snaplen) */

struct tr_argspec {
    uint8_t idx;
    uint8_t kind;
    uint16_t param;
};

struct tr_sysdesc {
    uint16_t ev;     /* TT_EV_*; 0: not decoded */
    uint8_t cls;     /* tr_class bits */
    uint8_t special; /* tr_special */
    struct tr_argspec a[6];
};

const struct tr_sysdesc *tr_sys_desc(long nr); /* NULL if not decoded */
/* clone, clone3, fork, vfork (native numbers; aarch64 has only clone and clone3). */
int tr_is_clone_nr(long nr);

#endif

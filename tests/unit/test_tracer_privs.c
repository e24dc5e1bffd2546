/* Unit tests: the tracer's capability probe (tracer/privs.c): parsing /proc/self/status and
 * Yama, and which message and verdict each situation gets. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>

#include "privs.h"
#include "tt_test.h"

#define DOCKER_DEFAULT_CAPS 0x00000000a80425fbull /* docker run's 14 default capabilities */
#define ALL_CAPS 0x000001ffffffffffull

static struct tr_privs who(long uid, uint64_t eff, uint64_t bnd, int yama)
{
    struct tr_privs p = {uid, uid, uid, uid, eff, bnd, 0, yama};
    return p;
}

static char msg[4096];

#define CHECK_HAS(text)                                                                            \
    do {                                                                                           \
        TT_CHECKF(strstr(msg, text), "message lacks \"%s\": %s", text, msg);                       \
    } while (0)
#define CHECK_LACKS(text)                                                                          \
    do {                                                                                           \
        TT_CHECKF(!strstr(msg, text), "message has \"%s\": %s", text, msg);                        \
    } while (0)
/* Where each deployment grants CAP_SYS_PTRACE to a root tracer. */
#define CHECK_GRANT_FIELDS()                                                                       \
    do {                                                                                           \
        CHECK_HAS("linuxParameters.capabilities.add [\"SYS_PTRACE\"]");                            \
        CHECK_HAS("securityContext.capabilities.add [\"SYS_PTRACE\"]");                            \
        CHECK_HAS("--cap-add SYS_PTRACE");                                                         \
    } while (0)

TT_TEST(privs_parse_status_and_yama)
{
    const char *status =
        "Name:\ttracer\nUmask:\t0022\nState:\tR (running)\nUid:\t1000\t1001\t1002\t"
        "1003\nGid:\t50\t51\t52\t53\nCapInh:\t0000000000000000\nCapPrm:\t"
        "0000000000000000\nCapEff:\t00000000a80425fb\nCapBnd:\t000001ffffffffff\n"
        "NoNewPrivs:\t1\nSeccomp:\t2\n";
    struct tr_privs p;
    tr_privs_parse(&p, status, "1\n");
    TT_CHECK_INT(p.uid, 1000);
    TT_CHECK_INT(p.euid, 1001);
    TT_CHECK_INT(p.gid, 50);
    TT_CHECK_INT(p.egid, 51);
    TT_CHECK(p.cap_eff == DOCKER_DEFAULT_CAPS);
    TT_CHECK(p.cap_bnd == ALL_CAPS);
    TT_CHECK_INT(p.no_new_privs, 1);
    TT_CHECK_INT(p.yama, 1);
    TT_CHECK(tr_privs_has_cap(&p, CAP_SETUID));
    TT_CHECK(!tr_privs_has_cap(&p, CAP_SYS_PTRACE));
    tr_privs_parse(&p, status, NULL);
    TT_CHECK_INT(p.yama, -1);
}

TT_TEST(privs_this_process)
{
    struct tr_privs p;
    tr_privs_read(&p);
    TT_CHECK(p.uid >= 0 && p.euid >= 0 && p.gid >= 0);
}

TT_TEST(privs_launch_root_with_ptrace_is_full)
{
    struct tr_privs p = who(0, ALL_CAPS, ALL_CAPS, -1);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_FULL);
    CHECK_HAS("launch mode, uid 0 gid 0 (root), capabilities: all, no_new_privs not set, "
              "Yama absent: every process");
}

TT_TEST(privs_launch_nonroot_no_caps_is_limited)
{
    struct tr_privs p = who(1000, 0, 0, -1);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_LIMITED);
    CHECK_HAS("uid 1000 gid 1000 (not root), capabilities: none");
    CHECK_HAS("needs no capability");
    CHECK_HAS("setuid, setgid and file-capability programs run without their privilege");
    CHECK_HAS("reported and killed (fail-closed)");
    CHECK_LACKS("CAP_SETUID"); /* it cannot switch user: nothing to warn about */
    TT_CHECK_INT(tr_privs_assess(&p, 0, 1, msg, sizeof msg), TR_PRIVS_LIMITED);
    CHECK_HAS("traced without its arguments (fail-open)");
}

TT_TEST(privs_launch_root_default_docker_caps_warns_about_user_switches)
{
    struct tr_privs p = who(0, DOCKER_DEFAULT_CAPS, DOCKER_DEFAULT_CAPS, -1);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_LIMITED);
    CHECK_HAS("capabilities: chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,"
              "net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap,");
    CHECK_HAS("holds CAP_SETUID/CAP_SETGID, so a workload may switch user");
    CHECK_HAS("the tracer makes such a process dumpable again and reads it as its new user");
    CHECK_HAS("which is stopped there: run the container as that user (ECS task definition "
              "\"user\", Kubernetes securityContext.runAsUser, docker --user) or grant "
              "CAP_SYS_PTRACE");
    CHECK_GRANT_FIELDS();
}

TT_TEST(privs_capability_names)
{
    struct tr_privs p = who(0, ALL_CAPS & ~(1ull << CAP_SYS_RESOURCE), ALL_CAPS, -1);
    tr_privs_assess(&p, 0, 0, msg, sizeof msg);
    CHECK_HAS("capabilities: all but sys_resource,");
    p = who(0, 1ull << CAP_SYS_PTRACE | 1ull << 62, ALL_CAPS, -1);
    tr_privs_assess(&p, 0, 0, msg, sizeof msg);
    CHECK_HAS("capabilities: sys_ptrace,62,");
}

TT_TEST(privs_yama_2_without_cap_refuses_with_fields)
{
    struct tr_privs p = who(1000, 0, 0, 2);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_REFUSED);
    CHECK_HAS("Yama ptrace_scope is 2, so only a process holding CAP_SYS_PTRACE may trace");
    CHECK_GRANT_FIELDS();
    CHECK_HAS("runAsUser: 0");
    CHECK_HAS("kernel.yama.ptrace_scope to 0 or 1 on the host");
    /* with a capability it works */
    p = who(0, 1ull << CAP_SYS_PTRACE, ALL_CAPS, 2);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_FULL);
    CHECK_HAS("Yama ptrace_scope 2");
}

TT_TEST(privs_nonroot_with_cap_in_bounding_set_is_told_to_run_as_root)
{
    struct tr_privs p = who(1000, 0, ALL_CAPS, 2);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_REFUSED);
    CHECK_HAS("CAP_SYS_PTRACE is in this container's bounding set but uid 1000 does not receive "
              "it (added capabilities reach only root): run the tracer as root (ECS task "
              "definition: \"user\": \"0\"; Kubernetes: securityContext.runAsUser: 0; docker: "
              "--user 0)");
}

TT_TEST(privs_yama_3_refuses_whatever_the_caps)
{
    struct tr_privs p = who(0, ALL_CAPS, ALL_CAPS, 3);
    TT_CHECK_INT(tr_privs_assess(&p, 0, 0, msg, sizeof msg), TR_PRIVS_REFUSED);
    CHECK_HAS("Yama ptrace_scope is 3");
    CHECK_HAS("whatever its capabilities");
    TT_CHECK_INT(tr_privs_attach_target(&p, 42, "\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", 0, 0, msg,
                                        sizeof msg),
                 TR_PRIVS_REFUSED);
}

TT_TEST(privs_attach_modes)
{
    struct tr_privs p = who(0, ALL_CAPS, ALL_CAPS, 1);
    TT_CHECK_INT(tr_privs_assess(&p, 1, 0, msg, sizeof msg), TR_PRIVS_FULL);
    CHECK_HAS("attach mode");
    p = who(1000, 0, 0, 1);
    TT_CHECK_INT(tr_privs_assess(&p, 1, 0, msg, sizeof msg), TR_PRIVS_LIMITED);
    CHECK_HAS("only processes with this uid and gid");
    CHECK_HAS("only descendants of the tracer");
}

static const char *status_of(long uid, long gid)
{
    static char s[256];
    snprintf(s, sizeof s, "Name:\tx\nUid:\t%ld\t%ld\t%ld\t%ld\nGid:\t%ld\t%ld\t%ld\t%ld\n", uid,
             uid, uid, uid, gid, gid, gid, gid);
    return s;
}

TT_TEST(privs_attach_yama_1_non_descendant)
{
    struct tr_privs p = who(1000, 0, 0, 1);
    TT_CHECK_INT(tr_privs_attach_target(&p, 77, status_of(1000, 1000), 0, 0, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    CHECK_HAS("-p 77: Yama ptrace_scope is 1");
    CHECK_HAS("pid 77 is not one");
    CHECK_HAS("launch mode (tracer CMD), which needs no capability");
    CHECK_GRANT_FIELDS();
    /* a descendant is fine */
    TT_CHECK_INT(tr_privs_attach_target(&p, 77, status_of(1000, 1000), 1, 0, msg, sizeof msg),
                 TR_PRIVS_LIMITED);
}

TT_TEST(privs_attach_other_uid)
{
    struct tr_privs p = who(1000, 0, 0, -1);
    TT_CHECK_INT(tr_privs_attach_target(&p, 9, status_of(33, 33), 0, 0, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    CHECK_HAS("pid 9 runs as uid 33/33/33 gid 33/33/33 (real/effective/saved) and the tracer as "
              "uid 1000 gid 1000 without CAP_SYS_PTRACE");
    CHECK_HAS("run the tracer as uid 33 (ECS task definition: \"user\": \"33\"; Kubernetes: "
              "securityContext.runAsUser: 33; docker: --user 33), or ");
    CHECK_GRANT_FIELDS();
    /* a root target: running the tracer as root is enough, no capability needed */
    TT_CHECK_INT(tr_privs_attach_target(&p, 9, status_of(0, 0), 0, 0, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    CHECK_HAS("runAsUser: 0; docker: --user 0)");
    CHECK_LACKS("SYS_PTRACE\"]");
    /* same uid, other gid */
    TT_CHECK_INT(tr_privs_attach_target(&p, 9, status_of(1000, 5), 0, 0, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    /* with the capability, any uid */
    p = who(0, ALL_CAPS, ALL_CAPS, -1);
    TT_CHECK_INT(tr_privs_attach_target(&p, 9, status_of(33, 33), 0, 0, msg, sizeof msg),
                 TR_PRIVS_FULL);
}

TT_TEST(privs_attach_same_uid_refused_means_not_dumpable)
{
    struct tr_privs p = who(1000, 0, 0, 0);
    TT_CHECK_INT(tr_privs_attach_target(&p, 5, status_of(1000, 1000), 0, 0, msg, sizeof msg),
                 TR_PRIVS_LIMITED);
    TT_CHECK_INT(tr_privs_attach_target(&p, 5, status_of(1000, 1000), 0, EPERM, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    CHECK_HAS("it is not dumpable");
    CHECK_HAS("prctl(PR_SET_DUMPABLE, 0)");
    CHECK_GRANT_FIELDS();
    p = who(0, ALL_CAPS, ALL_CAPS, 0);
    TT_CHECK_INT(tr_privs_attach_target(&p, 5, status_of(1000, 1000), 0, EPERM, msg, sizeof msg),
                 TR_PRIVS_REFUSED);
    CHECK_HAS("although the tracer holds CAP_SYS_PTRACE: a seccomp, AppArmor or SELinux profile");
}

TT_TEST(privs_launch_refusal_names_profiles)
{
    struct tr_privs p = who(1000, 0, 0, -1);
    tr_privs_launch_refusal(&p, msg, sizeof msg);
    CHECK_HAS("a seccomp, AppArmor or SELinux profile blocks ptrace here");
    CHECK_HAS("securityContext.seccompProfile");
    CHECK_GRANT_FIELDS();
    p = who(0, ALL_CAPS, ALL_CAPS, -1);
    tr_privs_launch_refusal(&p, msg, sizeof msg);
    CHECK_LACKS("SYS_PTRACE\"]");
}

TT_TEST(privs_message_is_cut_not_overrun)
{
    char small[40];
    memset(small, 'x', sizeof small);
    struct tr_privs p = who(0, DOCKER_DEFAULT_CAPS, DOCKER_DEFAULT_CAPS, 1);
    tr_privs_assess(&p, 0, 0, small, sizeof small);
    TT_CHECK_INT(strlen(small), sizeof small - 1);
}

int main(void)
{
    return tt_run_all();
}

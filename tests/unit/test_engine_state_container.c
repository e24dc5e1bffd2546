/* Container identity and metadata: the container id read from every cgroup layout a runtime
 * writes (Docker, containerd, CRI-O, podman, Kubernetes, ECS and Fargate) and refused for what
 * only looks like one; the tracer's container_id parameter first; metadata RUNTIME adds later,
 * shared by every process of the container and kept after they exit; the default container that
 * replaces "host" when cgroup namespaces hide the id. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "tt_test.h"

#include "engine_test_events.h"
#include "state_priv.h"
#include "tt_cgroup.h"

static struct eval_ctx ctx;
static struct tev e;

#define HEX64 "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"
#define HEX32 "8a9b0c1d2e3f40516273849506a7b8c9"

static const char *F(const char *name)
{
    return tev_text(&ctx, name, NULL);
}

/* The full id a cgroup line names, or "-" when it names none. */
static const char *cg(const char *line)
{
    static char full[100];
    int r = tt_cgroup_line_container_id(line, strlen(line), full, sizeof full);
    if (r == 0)
        return "-";
    return r == 1 ? full : "(not 0 or 1)";
}

TT_TEST(cgroup_lines_of_each_runtime)
{
    TT_CHECK_STR(cg("0::/docker/" HEX64), HEX64);
    TT_CHECK_STR(cg("12:cpu,cpuacct:/docker/" HEX64), HEX64);
    TT_CHECK_STR(cg("0::/system.slice/docker-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" HEX64),
                 HEX64);
    TT_CHECK_STR(cg("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e.slice/"
                    "cri-containerd-" HEX64 ".scope"),
                 HEX64);
    TT_CHECK_STR(cg("0::/machine.slice/libpod-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/kubepods.slice/crio-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/" HEX64), HEX64);
    TT_CHECK_STR(cg("0:://docker//" HEX64 "/"), HEX64);
    TT_CHECK_STR(cg("x:/docker/" HEX64), HEX64); /* one colon only: the whole line is a path */
    TT_CHECK_STR(cg("/docker/" HEX64), HEX64);
    TT_CHECK_STR(cg("0::/x/" HEX64), HEX64); /* after a one-character component */
    TT_CHECK_STR(cg("0::/-" HEX64), HEX64);  /* an empty runtime name before the dash */
    TT_CHECK_STR(cg("0::/ecx/" HEX32 "-5"), HEX32 "-5");
    TT_CHECK_STR(cg("0::/ec/" HEX32 "-5"), HEX32 "-5");
    /* ECS and Fargate: /ecs/<task>/<task>-<n> */
    TT_CHECK_STR(cg("0::/ecs/" HEX32 "/" HEX32 "-1234567890"), HEX32 "-1234567890");
    TT_CHECK_STR(cg("0::/ecs/" HEX32 "/" HEX32 "-1"), HEX32 "-1");
    TT_CHECK_STR(cg("0::/other/" HEX32 "-77"), HEX32 "-77");
}

TT_TEST(cgroup_lines_that_name_no_container)
{
    TT_CHECK_STR(cg("0::/"), "-");
    TT_CHECK_STR(cg(""), "-");
    TT_CHECK_STR(cg("0::/user.slice/user-0.slice/session-3.scope"), "-");
    TT_CHECK_STR(cg("0::/init.scope"), "-");
    TT_CHECK_STR(cg("0::/.scope"), "-");
    /* 63 or 65 hex digits, upper case, a non-hex digit */
    TT_CHECK_STR(cg("0::/docker/" HEX64 "0"), "-");
    TT_CHECK_STR(cg("0::/docker-" HEX64 "0.scope"), "-");
    TT_CHECK_STR(cg("0::/docker/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4"),
                 "-");
    TT_CHECK_STR(cg("0::/docker/3F4E5D6C7B8A9F0E1D2C3B4A5F6E7D8C9B0A1F2E3D4C5B6A7F8E9D0C1B2A3F4E"),
                 "-");
    TT_CHECK_STR(cg("0::/docker/3g4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"),
                 "-");
    TT_CHECK_STR(cg("0::/docker/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4g"),
                 "-");
    TT_CHECK_STR(cg("0::/" HEX64 "-extra"), "-");
    TT_CHECK_STR(cg("0::/x/8a9b0c1d2e3f40516273849506a7b8cg-5"), "-");
    TT_CHECK_STR(cg("0::/" HEX64 ".scopex"), "-");
    /* the ECS task component alone is not a container */
    TT_CHECK_STR(cg("0::/ecs/" HEX32), "-");
    TT_CHECK_STR(cg("0::/ecs/" HEX32 "-5"), "-");
    TT_CHECK_STR(cg("0::/x/" HEX32 "-"), "-");
    TT_CHECK_STR(cg("0::/x/8A9B0C1D2E3F40516273849506A7B8C9-5"), "-");
    TT_CHECK_STR(cg("0::/x/8a9b0c1d2e3f40516273849506a7b8c-95"), "-");
    /* a 64-hex component only counts inside the path, not in the hierarchy fields */
    TT_CHECK_STR(cg(HEX64 "::/"), "-");
}

/* Container of an event built with these parameters (NULL: absent). */
static int ev_container(const char *container_id, const char *cgroups, size_t cglen, char *id12,
                        char *full)
{
    tev_begin(&e, TT_EV_PROCINFO, 10, 10);
    if (container_id)
        tt_evb_str(&e.b, TT_P_CONTAINER_ID, container_id);
    if (cgroups)
        tt_evb_bytes(&e.b, TT_P_CGROUPS, TT_PK_STRLIST, cgroups, cglen);
    strcpy(id12, "?");
    strcpy(full, "?");
    return st_container_id_from_event(tev_end(&e, 0), id12, 16, full, 80);
}

TT_TEST(container_id_parameter_before_cgroups)
{
    char id[16], full[80];
    static const char lines[] = "0::/docker/" HEX64;
    TT_CHECK_INT(ev_container(HEX64, NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "3f4e5d6c7b8a");
    TT_CHECK_STR(full, HEX64);
    TT_CHECK_INT(ev_container("a", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "a");
    TT_CHECK_INT(ev_container("abc", NULL, 0, id, full), 1); /* shorter than 12: kept whole */
    TT_CHECK_STR(id, "abc");
    TT_CHECK_STR(full, "abc");
    TT_CHECK_INT(ev_container("0123456789abc", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "0123456789ab");
    TT_CHECK_INT(ev_container("0123456789ab", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "0123456789ab");
    /* "host" or "" from the tracer: the cgroups decide */
    TT_CHECK_INT(ev_container("host", lines, sizeof lines, id, full), 1);
    TT_CHECK_STR(id, "3f4e5d6c7b8a");
    TT_CHECK_STR(full, HEX64);
    TT_CHECK_INT(ev_container("", lines, sizeof lines, id, full), 1);
    TT_CHECK_STR(id, "3f4e5d6c7b8a");
    TT_CHECK_INT(ev_container("hos", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "hos");
    TT_CHECK_INT(ev_container("hostx", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "hostx");
    /* nothing to go by: unknown (the process keeps what it had) */
    TT_CHECK_INT(ev_container(NULL, NULL, 0, id, full), 0);
    /* the tracer said "host" or nothing, without cgroups: the host */
    TT_CHECK_INT(ev_container("host", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "host");
    TT_CHECK_STR(full, "");
    TT_CHECK_INT(ev_container("", NULL, 0, id, full), 1);
    TT_CHECK_STR(id, "host");
    /* cgroups only */
    TT_CHECK_INT(ev_container(NULL, lines, sizeof lines, id, full), 1);
    TT_CHECK_STR(id, "3f4e5d6c7b8a");
}

TT_TEST(first_cgroup_line_naming_a_container_wins)
{
    char id[16], full[80];
    /* NUL-separated lines (a string list), newline-separated ones, and both */
    static const char nul[] =
        "12:memory:/user.slice\0"
        "0::/docker/" HEX64 "\0"
        "1:cpu:/docker/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaa";
    TT_CHECK_INT(ev_container(NULL, nul, sizeof nul, id, full), 1);
    TT_CHECK_STR(full, HEX64);
    static const char nl[] = "12:memory:/user.slice\n0::/docker/" HEX64 "\n";
    TT_CHECK_INT(ev_container(NULL, nl, sizeof nl, id, full), 1);
    TT_CHECK_STR(full, HEX64);
    static const char mixed[] = "2:a:/x\n3:b:/y\0"
                                "0::/ecs/" HEX32 "/" HEX32 "-42";
    TT_CHECK_INT(ev_container(NULL, mixed, sizeof mixed, id, full), 1);
    TT_CHECK_STR(id, "8a9b0c1d2e3f");
    TT_CHECK_STR(full, HEX32 "-42");
    /* no NUL at the end of the last line */
    static const char open_end[] = "0::/docker/" HEX64;
    TT_CHECK_INT(ev_container(NULL, open_end, sizeof open_end - 1, id, full), 1);
    TT_CHECK_STR(full, HEX64);
    static const char none[] = "0::/\n1:cpu:/user.slice\n";
    TT_CHECK_INT(ev_container(NULL, none, sizeof none, id, full), 1);
    TT_CHECK_STR(id, "host");
    TT_CHECK_STR(full, "");
}

/* A process in container `cid` (64-hex) or on the host (NULL). */
static void proc_in(struct engine_state *st, int32_t pid, const char *cid)
{
    tev_begin(&e, TT_EV_PROCINFO, pid, pid);
    tt_evb_str(&e.b, TT_P_COMM, "app");
    tt_evb_str(&e.b, TT_P_CONTAINER_ID, cid ? cid : "host");
    tev_apply(st, &ctx, tev_end(&e, 0));
}

/* Leaves ctx on an event of pid (call state_end_event after the checks). */
static void at(struct engine_state *st, int32_t pid)
{
    static uint64_t n = 100;
    tev_begin(&e, TT_EV_CLOSE, pid, pid);
    tt_evb_i64(&e.b, TT_P_FD, 99);
    state_begin_event(st, tev_end(&e, -9), ++n, &ctx);
}

static void exit_proc(struct engine_state *st, int32_t pid)
{
    tev_begin(&e, TT_EV_PROCEXIT, pid, pid);
    tev_apply(st, &ctx, tev_end(&e, 0));
}

TT_TEST(metadata_is_shared_and_outlives_the_processes)
{
    struct engine_state *st = state_new();
    proc_in(st, 20, HEX64);
    proc_in(st, 21, HEX64);
    proc_in(st, 22, NULL);
    at(st, 20);
    TT_CHECK_STR(F("container.id"), "3f4e5d6c7b8a");
    TT_CHECK_STR(F("container.full_id"), HEX64);
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_container_meta(st, HEX64, "web", "nginx:1.25", "nginx", "1.25", 1), 0);
    at(st, 21);
    TT_CHECK_STR(F("container.name"), "web");
    TT_CHECK_STR(F("container.image"), "nginx:1.25");
    TT_CHECK_STR(F("container.image.repository"), "nginx");
    TT_CHECK_STR(F("container.image.tag"), "1.25");
    TT_CHECK_STR(F("container.privileged"), "true");
    state_end_event(st, &ctx);
    at(st, 22);
    TT_CHECK_STR(F("container.id"), "host");
    TT_CHECK_STR(F("container.name"), "host");
    state_end_event(st, &ctx);
    /* by the 12-character id, NULL leaves a value as it was, -1 leaves privileged */
    TT_CHECK_INT(state_set_container_meta(st, "3f4e5d6c7b8a", "api", NULL, NULL, "1.26", -1), 0);
    at(st, 20);
    TT_CHECK_STR(F("container.name"), "api");
    TT_CHECK_STR(F("container.image"), "nginx:1.25");
    TT_CHECK_STR(F("container.image.tag"), "1.26");
    TT_CHECK_STR(F("container.privileged"), "true");
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_container_meta(st, HEX64, NULL, "nginx:1.27", "nginx", NULL, 0), 0);
    at(st, 21);
    TT_CHECK_STR(F("container.image"), "nginx:1.27");
    TT_CHECK_STR(F("container.privileged"), "false");
    state_end_event(st, &ctx);
    /* every process of the container exits; a new one finds the metadata */
    exit_proc(st, 20);
    exit_proc(st, 21);
    proc_in(st, 23, HEX64);
    at(st, 23);
    TT_CHECK_STR(F("container.name"), "api");
    TT_CHECK_STR(F("container.image"), "nginx:1.27");
    state_end_event(st, &ctx);
    /* metadata for a container no process is in yet */
    TT_CHECK_INT(state_set_container_meta(st, "0123456789abcdef", "later", "img", "img", "t", 0),
                 0);
    proc_in(st, 24, "0123456789abcdef");
    at(st, 24);
    TT_CHECK_STR(F("container.name"), "later");
    TT_CHECK_STR(F("container.full_id"), "0123456789abcdef");
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_container_meta(st, NULL, "x", NULL, NULL, NULL, 0), -1);
    TT_CHECK_INT(state_set_container_meta(NULL, "abc", "x", NULL, NULL, NULL, 0), -1);
    state_free(st);
}

TT_TEST(default_container_replaces_host_only)
{
    struct engine_state *st = state_new();
    proc_in(st, 30, NULL);
    proc_in(st, 31, HEX64);
    proc_in(st, 34, NULL);
    proc_in(st, 35, NULL);
    TT_CHECK_INT(state_set_default_container(st, NULL), -1);
    TT_CHECK_INT(state_set_default_container(st, ""), -1);
    TT_CHECK_INT(state_set_default_container(st, "host"), -1);
    TT_CHECK_INT(state_set_default_container(NULL, "abc"), -1);
    TT_CHECK_INT(state_set_default_container(st, HEX32 "-1"), 0);
    at(st, 30);
    TT_CHECK_STR(F("container.id"), "8a9b0c1d2e3f");
    TT_CHECK_STR(F("container.full_id"), HEX32 "-1");
    state_end_event(st, &ctx);
    at(st, 31);
    TT_CHECK_STR(F("container.id"), "3f4e5d6c7b8a");
    state_end_event(st, &ctx);
    /* the processes moved there exit: the container stays for the next ones */
    exit_proc(st, 34);
    exit_proc(st, 35);
    proc_in(st, 36, NULL);
    at(st, 36);
    TT_CHECK_STR(F("container.full_id"), HEX32 "-1");
    state_end_event(st, &ctx);
    /* a process that arrives later saying "host" goes to the default too */
    proc_in(st, 32, NULL);
    at(st, 32);
    TT_CHECK_STR(F("container.id"), "8a9b0c1d2e3f");
    state_end_event(st, &ctx);
    /* a second default replaces the first (short ids are kept whole) */
    TT_CHECK_INT(state_set_default_container(st, "feedface"), 0);
    proc_in(st, 33, NULL);
    at(st, 33);
    TT_CHECK_STR(F("container.id"), "feedface");
    TT_CHECK_STR(F("container.full_id"), "feedface"); /* the id when no longer one is known */
    state_end_event(st, &ctx);
    at(st, 30); /* already moved: stays where it went */
    TT_CHECK_STR(F("container.id"), "8a9b0c1d2e3f");
    state_end_event(st, &ctx);
    exit_proc(st, 30);
    exit_proc(st, 32);
    state_free(st);
}

static const char *FA(const char *name, const char *arg)
{
    return tev_text(&ctx, name, arg);
}

TT_TEST(mounts_and_digest_from_runtime)
{
    struct engine_state *st = state_new();
    proc_in(st, 40, HEX64);
    static const char *const src[] = {"/var/run/docker.sock", NULL, "/data"};
    static const char *const dst[] = {"/run/docker.sock", "/tmp", NULL};
    TT_CHECK_INT(state_set_container_mounts(st, HEX64, src, dst, 3), 0);
    TT_CHECK_INT(state_set_container_digest(st, "3f4e5d6c7b8a", "sha256:abc"), 0);
    at(st, 40);
    TT_CHECK_STR(F("container.mounts"),
                 "/var/run/docker.sock:/run/docker.sock::false:,:/tmp::false:,/data:::false:");
    TT_CHECK_STR(FA("container.mount", "0"), "/var/run/docker.sock:/run/docker.sock::false:");
    TT_CHECK_STR(FA("container.mount", "2"), "/data:::false:");
    TT_CHECK_STR(FA("container.mount", "3"), "(missing)");
    TT_CHECK_STR(FA("container.mount.source", "2"), "/data");
    TT_CHECK_STR(FA("container.mount.dest", "1"), "/tmp");
    TT_CHECK_STR(FA("container.mount.source", "/run/docker\\.sock"), "/var/run/docker.sock");
    TT_CHECK_STR(FA("container.mount.dest", "docker"), "/run/docker.sock");
    TT_CHECK_STR(FA("container.mount.rdwr", "0"), "false");
    TT_CHECK_STR(FA("container.mount.mode", "0"), "");
    /* a mount that does not exist has none of its parts */
    TT_CHECK_STR(FA("container.mount.source", "3"), "(missing)");
    TT_CHECK_STR(FA("container.mount.source", "nomatch"), "(missing)");
    TT_CHECK_STR(FA("container.mount.dest", "3"), "(missing)");
    TT_CHECK_STR(FA("container.mount.mode", "3"), "(missing)");
    TT_CHECK_STR(FA("container.mount.propagation", "3"), "(missing)");
    TT_CHECK_STR(FA("container.mount.rdwr", "3"), "(missing)");
    TT_CHECK_STR(F("container.image.digest"), "sha256:abc");
    state_end_event(st, &ctx);
    /* set again: replaced, not added to; digest NULL leaves it */
    TT_CHECK_INT(state_set_container_mounts(st, HEX64, src + 2, dst + 2, 1), 0);
    TT_CHECK_INT(state_set_container_digest(st, HEX64, NULL), 0);
    at(st, 40);
    TT_CHECK_STR(F("container.mounts"), "/data:::false:");
    TT_CHECK_STR(F("container.image.digest"), "sha256:abc");
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_container_mounts(st, HEX64, NULL, NULL, 0), 0);
    at(st, 40);
    TT_CHECK_STR(F("container.mounts"), "");
    state_end_event(st, &ctx);
    TT_CHECK_INT(state_set_container_mounts(st, NULL, src, dst, 1), -1);
    TT_CHECK_INT(state_set_container_mounts(NULL, HEX64, src, dst, 1), -1);
    TT_CHECK_INT(state_set_container_digest(st, NULL, "x"), -1);
    /* a full id longer than 12 characters is kept as the container's full id */
    TT_CHECK_INT(state_set_container_digest(st, "0123456789abcdef01", "sha256:d"), 0);
    proc_in(st, 41, "0123456789abcdef01");
    at(st, 41);
    TT_CHECK_STR(F("container.full_id"), "0123456789abcdef01");
    state_end_event(st, &ctx);
    state_free(st);
}

int main(void)
{
    return tt_run_all();
}

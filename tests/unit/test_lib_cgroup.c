/* lib/tt_cgroup: the container id named by cgroup paths, the one parser of the tracer's
 * container_id and the engine's container.id: every runtime's layout, what only looks like an
 * id, and whole /proc/PID/cgroup texts (newline or NUL separated, first naming line wins). */
#include "tt_test.h"

#include "tt_cgroup.h"

#define HEX64 "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e"
#define HEX63_TAIL                                                                                 \
    "f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e" /* HEX64 less its first */
#define HEX32 "8a9b0c1d2e3f40516273849506a7b8c9"

/* The full id a line names, or "-". */
static const char *cg(const char *line)
{
    static char full[100];
    return tt_cgroup_line_container_id(line, strlen(line), full, sizeof full) ? full : "-";
}

static const char *text(const char *t, size_t n)
{
    static char full[100];
    return tt_cgroup_container_id(t, n, full, sizeof full) ? full : "-";
}

TT_TEST(each_runtime_layout)
{
    TT_CHECK_STR(cg("0::/docker/" HEX64), HEX64);
    TT_CHECK_STR(cg("12:cpu,cpuacct:/docker/" HEX64), HEX64);
    TT_CHECK_STR(cg("0::/system.slice/docker-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("12:memory:/kubepods/burstable/pod1234/" HEX64), HEX64);
    TT_CHECK_STR(cg("0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-" HEX64 ".scope"),
                 HEX64);
    TT_CHECK_STR(cg("0::/machine.slice/libpod-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/kubepods.slice/crio-" HEX64 ".scope"), HEX64);
    TT_CHECK_STR(cg("0::/ecs/" HEX32 "/" HEX32 "-1234567890"), HEX32 "-1234567890");
    TT_CHECK_STR(cg("/docker/" HEX64), HEX64); /* a bare path */
    /* the path starts right after the second colon, even without its '/' */
    TT_CHECK_STR(cg("0::" HEX64), HEX64);
    TT_CHECK_STR(cg("12:cpu:" HEX64), HEX64);
}

TT_TEST(what_only_looks_like_an_id)
{
    TT_CHECK_STR(cg("0::/"), "-");
    TT_CHECK_STR(cg(""), "-");
    TT_CHECK_STR(cg("0::/user.slice/user-0.slice/session-3.scope"), "-");
    TT_CHECK_STR(cg("0::/x/" HEX64 "a"), "-"); /* 65 hex digits */
    TT_CHECK_STR(cg("0::/docker/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4"),
                 "-"); /* 63 */
    TT_CHECK_STR(cg("0::/docker/3F4E5D6C7B8A9F0E1D2C3B4A5F6E7D8C9B0A1F2E3D4C5B6A7F8E9D0C1B2A3F4E"),
                 "-");                                 /* upper case */
    TT_CHECK_STR(cg("0::/docker/" HEX64 "_old"), "-"); /* an id inside a longer name */
    TT_CHECK_STR(cg("0::/ecs/" HEX32), "-");           /* the task alone */
    /* every digit is checked, the first and the last too */
    TT_CHECK_STR(cg("0::/docker/g" HEX63_TAIL), "-");
    TT_CHECK_STR(cg("0::/docker/A" HEX63_TAIL), "-");
}

TT_TEST(whole_texts_first_naming_line_wins)
{
    static const char nl[] = "1:name=systemd:/user.slice\n0::/docker/" HEX64 "\n2:cpu:/\n";
    TT_CHECK_STR(text(nl, sizeof nl - 1), HEX64);
    static const char nul[] = "0::/init.scope\0"
                              "0::/ecs/" HEX32 "/" HEX32 "-7\0";
    TT_CHECK_STR(text(nul, sizeof nul - 1), HEX32 "-7");
    /* a line's first character is the one after the previous line's end */
    static const char bare[] = "0::/\n" HEX64 "\n";
    TT_CHECK_STR(text(bare, sizeof bare - 1), HEX64);
    static const char bare_nul[] = "0::/\0" HEX64;
    TT_CHECK_STR(text(bare_nul, sizeof bare_nul - 1), HEX64);
    static const char none[] = "0::/\n";
    TT_CHECK_STR(text(none, sizeof none - 1), "-");
    char full[8] = "junk";
    TT_CHECK_INT(tt_cgroup_container_id(none, sizeof none - 1, full, sizeof full), 0);
    TT_CHECK_STR(full, ""); /* cleared, not left over */
    /* truncated to the caller's buffer, never overrun */
    char small[13];
    TT_CHECK_INT(tt_cgroup_container_id(nl, sizeof nl - 1, small, sizeof small), 1);
    TT_CHECK_STR(small, "3f4e5d6c7b8a");
}

int main(void)
{
    return tt_run_all();
}

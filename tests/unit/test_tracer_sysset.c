/* Unit tests: the traced set built from the engine's syscall list (tracer/syscalls.c), bit by
 * bit: which numbers stop, which of them stop at entry only (`NAME.entry`), which execs are
 * reported from the exec event alone (`execve.success`), and how the list is parsed. The filter
 * built from these sets is checked in test_tracer_filter.c. */
#include <string.h>
#include <sys/syscall.h>

#include "syscalls.h"
#include "tracer.h"
#include "tt_test.h"

static int build(struct tr_sysset *s, const char *list)
{
    char bad[80] = "";
    int rc = tr_sysset_build(s, list, 0, bad, sizeof bad);
    if (rc != 0)
        TT_FAILF("list \"%s\" refused at \"%s\"", list, bad);
    return rc;
}

/* How many numbers have an entry-only bit. */
static int entry_count(const struct tr_sysset *s)
{
    int n = 0;
    for (long nr = 0; nr < TR_MAX_NR; nr++)
        n += tr_sysset_entry(s, nr);
    return n;
}

TT_TEST(sysset_all_holds_every_number)
{
    struct tr_sysset s;
    char bad[8];
    TT_REQUIRE_INT(tr_sysset_build(&s, NULL, 1, bad, sizeof bad), 0);
    long missing = -1;
    for (long nr = 0; nr < TR_MAX_NR && missing < 0; nr++)
        if (!tr_sysset_has(&s, nr))
            missing = nr;
    TT_CHECK_INT(missing, -1);
    TT_CHECK_INT(entry_count(&s), 0);
}

/* `NAME.entry` marks NAME entry-only, and only NAME; a plain list marks nothing. */
TT_TEST(sysset_entry_qualifier_marks_only_that_call)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "openat, connect"), 0);
    TT_CHECK_INT(entry_count(&s), 0);
    TT_REQUIRE_INT(build(&s, "openat,unlinkat.entry,connect"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_unlinkat) && tr_sysset_entry(&s, __NR_unlinkat));
    TT_CHECK(!tr_sysset_entry(&s, __NR_openat));
    TT_CHECK_INT(entry_count(&s), 1);
    /* as the engine writes it: the plain name (for a tracer without qualifiers) beside the
     * qualified one, in either order; the qualifier wins */
    TT_REQUIRE_INT(build(&s, "unlinkat.entry,unlinkat"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_unlinkat) && tr_sysset_entry(&s, __NR_unlinkat));
    TT_REQUIRE_INT(build(&s, "unlinkat,connect,unlinkat.entry"), 0);
    TT_CHECK(tr_sysset_entry(&s, __NR_unlinkat));
    TT_CHECK_INT(entry_count(&s), 1);
}

/* Process and fd state is kept from results, and process creation from ptrace events: never
 * entry-only, whatever the list says. */
TT_TEST(sysset_entry_qualifier_never_drops_state_results)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "chdir.entry,dup.entry,clone.entry,setuid.entry,execveat.entry"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_chdir) && tr_sysset_has(&s, __NR_dup));
    TT_CHECK_INT(entry_count(&s), 0);
}

/* execve: traced plainly, a failed exec is reported too (its exit stop); `execve.success` or a
 * list without execve reports execs from the exec event alone. */
TT_TEST(sysset_execve_success_qualifier)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "execve,execveat"), 0);
    TT_CHECK(!s.execve_event_only);
    TT_CHECK(!s.execveat_event_only);
    TT_REQUIRE_INT(build(&s, "execve"), 0);
    TT_CHECK(!s.execve_event_only);
    TT_CHECK(s.execveat_event_only);
    TT_REQUIRE_INT(build(&s, "execveat"), 0);
    TT_CHECK(s.execve_event_only);
    TT_CHECK(!s.execveat_event_only);
    TT_REQUIRE_INT(build(&s, "execve.success,execveat.success,openat"), 0);
    TT_CHECK(s.execve_event_only && s.execveat_event_only);
    TT_CHECK(tr_sysset_has(&s, __NR_execve) && tr_sysset_has(&s, __NR_execveat)); /* state */
    TT_CHECK_INT(entry_count(&s), 0);
    TT_REQUIRE_INT(build(&s, "execve,execve.success"), 0); /* as the engine writes it */
    TT_CHECK(s.execve_event_only && s.execveat_event_only);
    TT_REQUIRE_INT(build(&s, "openat"), 0);
    TT_CHECK(s.execve_event_only && s.execveat_event_only);
    /* `.success` of another call is the plain name */
    TT_REQUIRE_INT(build(&s, "unlinkat.success"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_unlinkat) && !tr_sysset_entry(&s, __NR_unlinkat));
    /* the default set (no list) is not an engine's list: nothing event-only */
    TT_REQUIRE_INT(tr_sysset_build(&s, NULL, 0, (char[8]){0}, 8), 0);
    TT_CHECK(!s.execve_event_only && !s.execveat_event_only);
}

/* Process creation comes from ptrace events; naming it also traps the call itself (a failed
 * fork has no event). exit and the synthetic events need no stop at all. */
TT_TEST(sysset_ptrace_event_names)
{
    struct tr_sysset s, base;
    TT_REQUIRE_INT(build(&base, "connect"), 0);
    TT_REQUIRE_INT(build(&s, "connect,exit,exit_group,procexit,procinfo,fdinfo,tracerinfo"), 0);
    TT_CHECK(!tr_sysset_has(&s, __NR_exit));
    TT_CHECK(!tr_sysset_has(&s, __NR_exit_group));
    TT_CHECK(memcmp(s.bits, base.bits, sizeof s.bits) == 0);
    TT_REQUIRE_INT(build(&s, "connect,clone3"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_clone3) && !tr_sysset_has(&s, __NR_clone));
}

/* `socket.domain=0` (AF_UNSPEC) is a domain like any other. */
TT_TEST(sysset_socket_domain_zero)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "socket.domain=0"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_socket));
    TT_CHECK(s.socket_domains == 1);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=0"), 0);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=62"), 62);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=63"), -1);
    TT_CHECK_INT(tr_socket_domain_entry("socket.domain=620"), -1);
    TT_CHECK_INT(tr_socket_domain_entry("socket.dom=1"), -1);
}

/* Separators are commas and any whitespace, in any run; a word of 64 bytes or more is refused
 * and named (no name is that long), not cut to a shorter, possibly valid one. */
TT_TEST(sysset_list_parser)
{
    struct tr_sysset a, b;
    TT_REQUIRE_INT(build(&a, "connect,unlinkat,mkdirat"), 0);
    TT_REQUIRE_INT(build(&b, " \tconnect,, unlinkat\n\t mkdirat ,"), 0);
    TT_CHECK(memcmp(a.bits, b.bits, sizeof a.bits) == 0);
    TT_REQUIRE_INT(build(&b, ",,"), 0); /* empty: state only */
    TT_CHECK(tr_sysset_has(&b, __NR_execve) && !tr_sysset_has(&b, __NR_connect));
    char word[100], list[120], bad[128] = "";
    memset(word, 'x', 64);
    memcpy(word, "connect", 7);
    word[64] = '\0';
    snprintf(list, sizeof list, "openat,%s", word);
    TT_CHECK_INT(tr_sysset_build(&b, list, 0, bad, sizeof bad), -1);
    TT_CHECK_STR(bad, word);
    word[63] = '\0'; /* 63 bytes: read whole, and unknown */
    snprintf(list, sizeof list, "openat,%s", word);
    TT_CHECK_INT(tr_sysset_build(&b, list, 0, bad, sizeof bad), -1);
    TT_CHECK_STR(bad, word);
}

/* A misspelt name is refused and named as written, qualified or not (a typo in `--syscalls` or
 * a rules list must not trace nothing silently); on aarch64 a name only x86_64 has loads and
 * traces nothing. */
TT_TEST(sysset_unknown_names_refused_as_written)
{
    struct tr_sysset s;
    const char *typos[] = {"opnat", "opnat.entry", "execv.success", "connect.entryx"};
    for (size_t i = 0; i < sizeof typos / sizeof *typos; i++) {
        char list[64], bad[64] = "";
        snprintf(list, sizeof list, "connect,%s,openat", typos[i]);
        TT_CHECK_INT(tr_sysset_build(&s, list, 0, bad, sizeof bad), -1);
        TT_CHECK_STR(bad, typos[i]);
    }
#if defined(__aarch64__) /* (x86_64 has every name aarch64 has) */
    struct tr_sysset base;
    TT_REQUIRE_INT(build(&base, "connect"), 0);
    TT_REQUIRE_INT(build(&s, "connect,open.entry,fork.entry"), 0); /* x86_64-only names */
    TT_CHECK(memcmp(s.bits, base.bits, sizeof s.bits) == 0);
#endif
}

/* Siblings doing the same under another number are traced together, whichever was named. */
TT_TEST(sysset_families_bring_their_first_member)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "symlinkat,linkat,unlinkat,fchmodat,accept4,sendmsg,kill"), 0);
#ifdef __NR_symlink
    TT_CHECK(tr_sysset_has(&s, __NR_symlink));
    TT_CHECK(tr_sysset_has(&s, __NR_link));
    TT_CHECK(tr_sysset_has(&s, __NR_unlink));
    TT_CHECK(tr_sysset_has(&s, __NR_chmod));
#endif
    TT_CHECK(tr_sysset_has(&s, __NR_accept));
    TT_CHECK(tr_sysset_has(&s, __NR_sendto));
    TT_CHECK(tr_sysset_has(&s, __NR_tkill) && tr_sysset_has(&s, __NR_tgkill));
    TT_CHECK(!tr_sysset_has(&s, __NR_mkdirat)); /* not a sibling of any */
}

/* accept or listen bring bind (the local address of the listening socket). */
TT_TEST(sysset_listen_brings_bind)
{
    struct tr_sysset s;
    TT_REQUIRE_INT(build(&s, "listen"), 0);
    TT_CHECK(tr_sysset_has(&s, __NR_bind));
    TT_REQUIRE_INT(build(&s, "openat"), 0);
    TT_CHECK(!tr_sysset_has(&s, __NR_bind));
}

/* The defences' additions: every open while the monitors defence is on (their /proc files are
 * checked at the exit stop whatever the rules name), open_by_handle_at with its own defence;
 * neither when switched off. */
TT_TEST(sysset_harden_adds_opens_for_the_monitors)
{
    struct tr_sysset s;
    struct tr_opts o;
    memset(&o, 0, sizeof o);
    TT_REQUIRE_INT(build(&s, "execve"), 0);
    TT_CHECK(!tr_sysset_has(&s, __NR_openat));
    tr_sysset_harden(&s, &o);
    TT_CHECK(tr_sysset_has(&s, __NR_openat) && tr_sysset_has(&s, __NR_openat2));
    TT_CHECK(tr_sysset_has(&s, __NR_open_by_handle_at));
#ifdef __NR_open
    TT_CHECK(tr_sysset_has(&s, __NR_open) && tr_sysset_has(&s, __NR_creat));
#endif
    TT_CHECK(!tr_sysset_entry(&s, __NR_openat)); /* (the fd is read at the exit stop) */
    TT_CHECK(!tr_sysset_has(&s, __NR_close));    /* (no fd state the rules did not ask for) */

    o.unsafe_off = TR_DEF_BIT(TR_DEF_MONITORS) | TR_DEF_BIT(TR_DEF_OPEN_BY_HANDLE);
    TT_REQUIRE_INT(build(&s, "execve"), 0);
    tr_sysset_harden(&s, &o);
    TT_CHECK(!tr_sysset_has(&s, __NR_openat) && !tr_sysset_has(&s, __NR_openat2));
    TT_CHECK(!tr_sysset_has(&s, __NR_open_by_handle_at));
}

/* Table look-ups at the edges of the numbers. */
TT_TEST(sysset_table_bounds)
{
    TT_CHECK(tr_sys_desc(-1) == NULL);
    TT_CHECK(tr_sys_desc(TR_MAX_NR) == NULL);
    TT_CHECK(tr_sys_desc(TR_MAX_NR - 1) == NULL);
    TT_CHECK(tr_sys_desc(__NR_openat) != NULL);
    TT_CHECK_INT(tr_sys_event(TR_MAX_NR), TT_EV_NONE);
    TT_CHECK(tr_is_clone_nr(__NR_clone) && tr_is_clone_nr(__NR_clone3));
    TT_CHECK(!tr_is_clone_nr(__NR_execve));
}

int main(void)
{
    return tt_run_all();
}

#!/usr/bin/env bash
# Runs the tracer's syscall-list fuzz target (tests/fuzz/fuzz_tracer_syscalls.c, make fuzz) for a
# bounded time, seeded with the lists the engine writes for the upstream rules and a few
# hand-made ones: the list comes from the engine's ring request or a file, untrusted input. Any
# crash, leak, sanitizer report or broken invariant (state calls always traced, entry-only never
# on state, every program builds and fits) fails.
# variants: plain
# timeout: 120
. "$(dirname "$0")/../lib/tt.sh"
tt_tmpdir
corpus="$TT_TMP/corpus"
mkdir -p "$corpus"
printf 'open\nopenat\nopenat2\ndup\ndup2\ndup3\nsocket.domain=17\nconnect\nsendto\nsendmsg\nsymlink\nsymlinkat\nlink\nlinkat\nptrace\nptrace.entry\ninit_module\nfinit_module\nprctl\nexecve\nexecveat\n' >"$corpus/upstream"
printf 'openat,execve.success,execveat.success,kill.entry,recvfrom,recvfrom.all,proc.env\n' >"$corpus/qualifiers"
printf 'socket.domain=62 socket.domain=0 socket accept4 listen clone3 fork\n' >"$corpus/network"
printf 'prctl.entry close.entry setuid.success open.bogus\n' >"$corpus/state-qualified"
tt_fuzz fuzz_tracer_syscalls "${TT_FUZZ_SECONDS:-15}" "$corpus"

#!/bin/bash
# Tartan's sample workload: a bash script that loops through commands Falco rules alert on,
# like the deployment guide's sample. Installed as /sample/workload.sh in the workload images.
#
# Each round: spawns a shell (bash, then sh), reads /etc/shadow, writes a file below /etc (removed again), and,
# when SAMPLE_CONNECT=host:port is set, opens a TCP connection there (bash's /dev/tcp; tests
# point it at a loopback listener). Every action prints a line "sample: <what> <round>".
#
# Environment:
#   SAMPLE_ROUNDS       rounds to run, 0 = forever (default 0)
#   SAMPLE_INTERVAL     seconds between rounds (default 2)
#   SAMPLE_CONNECT      host:port for the outbound connection (default: none)
#   SAMPLE_ETC_FILE     file written below /etc (default /etc/tartan-sample.conf)
#   SAMPLE_EXIT         exit code after the last round (default 0)
#   SAMPLE_TERM_EXIT    exit code when SIGTERM arrives (default 143)
#   SAMPLE_TAG          word added to the command lines, to find this run's alerts (default none)
#   SAMPLE_PACKAGES     1: also run the package manager (dpkg --version) each round, which the
#                       example rule in etc/falco_rules.local.yaml reports (default 0)
#
# On SIGTERM it raises one last alert (a bash started with "tartan-final" on its command line)
# and exits with SAMPLE_TERM_EXIT: tests check that this last alert is delivered.
set -u
rounds=${SAMPLE_ROUNDS:-0}
interval=${SAMPLE_INTERVAL:-2}
etc_file=${SAMPLE_ETC_FILE:-/etc/tartan-sample.conf}
tag=${SAMPLE_TAG:-sample}

sleeper=
on_term() {
    echo "sample: SIGTERM received"
    [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null
    bash -c 'exit 0' tartan-final "$tag"
    echo "sample: exiting ${SAMPLE_TERM_EXIT:-143}"
    exit "${SAMPLE_TERM_EXIT:-143}"
}
trap on_term TERM

connect() { # host:port
    local host=${1%:*} port=${1##*:}
    if exec 3<>"/dev/tcp/$host/$port"; then
        echo "hello from the sample workload" >&3
        exec 3>&-
        echo "sample: connected to $1 $n"
    else
        echo "sample: connection to $1 failed $n"
    fi
}

n=0
while [ "$rounds" -eq 0 ] || [ "$n" -lt "$rounds" ]; do
    n=$((n + 1))
    bash -c 'exit 0' tartan-shell "$tag" && echo "sample: spawned a shell $n"
    sh -c 'exit 0' tartan-sh "$tag" && echo "sample: spawned sh $n"
    if cat /etc/shadow >/dev/null 2>&1; then
        echo "sample: read /etc/shadow $n"
    else
        echo "sample: could not read /etc/shadow $n"
    fi
    if echo "written by the sample workload, round $n" >"$etc_file" 2>/dev/null; then
        rm -f "$etc_file"
        echo "sample: wrote $etc_file $n"
    else
        echo "sample: could not write $etc_file $n"
    fi
    [ -z "${SAMPLE_CONNECT:-}" ] || connect "$SAMPLE_CONNECT"
    if [ "${SAMPLE_PACKAGES:-0}" = 1 ] && dpkg --version >/dev/null 2>&1; then
        echo "sample: ran dpkg $n"
    fi
    # sleep in the background and wait, so that SIGTERM runs the trap at once.
    sleep "$interval" &
    sleeper=$!
    wait "$sleeper"
    sleeper=
done
echo "sample: done after $n rounds, exiting ${SAMPLE_EXIT:-0}"
exit "${SAMPLE_EXIT:-0}"

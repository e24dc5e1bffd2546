# Tartan's sample workload for an image with no libc and no /bin/sh: scratch plus a static
# busybox. Run as `/bin/busybox sh /sample/workload-busybox.sh` (busybox's own ash applet; the
# image has no shell at any standard path). Same actions and environment as sample-workload.sh:
# reads /etc/shadow, writes below /etc, connects to SAMPLE_CONNECT (host:port) with busybox nc.
bb=/bin/busybox
rounds=${SAMPLE_ROUNDS:-0}
interval=${SAMPLE_INTERVAL:-2}
etc_file=${SAMPLE_ETC_FILE:-/etc/tartan-sample.conf}
tag=${SAMPLE_TAG:-sample}

on_term() {
    echo "sample: SIGTERM received"
    $bb cat /etc/shadow tartan-final-$tag >/dev/null 2>&1
    echo "sample: exiting ${SAMPLE_TERM_EXIT:-143}"
    exit "${SAMPLE_TERM_EXIT:-143}"
}
trap on_term TERM

n=0
while [ "$rounds" -eq 0 ] || [ "$n" -lt "$rounds" ]; do
    n=$((n + 1))
    $bb cat /etc/shadow >/dev/null && echo "sample: read /etc/shadow $n"
    echo "round $n" >"$etc_file" && $bb rm -f "$etc_file" && echo "sample: wrote $etc_file $n"
    if [ -n "${SAMPLE_CONNECT:-}" ]; then
        echo "hello from the sample workload" | $bb nc -w 2 "${SAMPLE_CONNECT%:*}" "${SAMPLE_CONNECT##*:}" &&
            echo "sample: connected to $SAMPLE_CONNECT $n"
    fi
    $bb sleep "$interval" &
    wait $!
done
echo "sample: done after $n rounds, exiting ${SAMPLE_EXIT:-0}"
exit "${SAMPLE_EXIT:-0}"

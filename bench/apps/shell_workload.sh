#!/bin/sh
# The fork+exec-heavy case of the real-application benchmark: a shell script running many short
# commands, as build scripts, entrypoints and health checks do. Prints the number of commands.
n=${1:-200}
i=0
count=0
while [ "$i" -lt "$n" ]; do
    d=$(date +%s)
    echo "$d $i" | tr 0-9 a-j >/dev/null
    ls / >/dev/null
    grep -c root /etc/passwd >/dev/null
    expr "$i" + 1 >/dev/null
    basename /usr/bin/env >/dev/null
    i=$((i + 1))
    count=$((count + 6))
done
echo "$count"

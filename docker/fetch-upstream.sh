#!/bin/sh
# Provide an upstream file pinned in docker/upstream.list, checked against its SHA-256.
#
#   fetch-upstream.sh NAME DEST [LOCAL_DIR...]
#   fetch-upstream.sh --check NAME PATH     is PATH (a file, or a directory for a directory NAME)
#                                           the pinned content? Nothing is written.
#
# NAME is an entry of the list (falco-rules/falco_rules.yaml) or a directory of entries
# (falco-evtgen-suite: every entry under it). DEST is the file to write (for a directory NAME:
# the directory to fill). Each LOCAL_DIR is searched first, for LOCAL_DIR/NAME and for
# LOCAL_DIR/<file name> (so both a reference checkout laid out as falco-rules/... and a directory holding falco_rules.yaml work); then
# the list's sources are downloaded (curl, wget or python3). Whatever the origin, a file whose
# SHA-256 is not the pinned one is refused with both checksums; a local copy that does not match
# is an error, never silently replaced by a download.
#
# Environment: FETCH_UPSTREAM_OFFLINE=1 skips the network; FETCH_UPSTREAM_LIST replaces the list
# (tests); FETCH_UPSTREAM_HINT ends the failure message with the caller's way of providing a
# copy. Prints the written path(s) on stdout; exit 0, or 1 with one line per file on stderr
# saying why and what to do.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
LIST=${FETCH_UPSTREAM_LIST:-$here/upstream.list}
CHECK=0
if [ "${1:-}" = --check ]; then
    CHECK=1
    shift
fi
NAME=${1:?usage: fetch-upstream.sh NAME DEST [LOCAL_DIR...]}
DEST=${2:?usage: fetch-upstream.sh NAME DEST [LOCAL_DIR...]}
shift 2

say() { (IFS=" "; echo "fetch-upstream: $*" >&2); }

sha256_of() { sha256sum "$1" | cut -c1-64; }

# The first source of a name, readable: "URL" or "URL (member M of the archive)".
first_source() {
    awk -v n="$1" '$1 == n { print $3; exit }' "$LIST" | sed 's/#\(.*\)@.*/ (member \1 of that archive)/'
}

# Entries (one a line: name sha source) for NAME or under NAME/.
entries=$(awk -v n="$NAME" '$0 !~ /^[[:space:]]*(#|$)/ && ($1 == n || index($1, n "/") == 1) { print $1, $2, $3 }' "$LIST")
if [ -z "$entries" ]; then
    say "$NAME is not pinned in $LIST"
    exit 1
fi

download() { # url file
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 --connect-timeout 15 --max-time 300 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -T 30 -t 3 -O "$2" "$1"
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=60).read())' "$1" "$2"
    else
        echo "no curl, wget or python3 to download with" >&2
        return 1
    fi
}

# fetch_source SOURCE OUT: the file from one source into OUT; 0, or 1 with the reason on stderr.
fetch_source() {
    fs_src=$1 fs_out=$2
    case "$fs_src" in
    *'#'*@*)
        fs_url=${fs_src%%#*}
        fs_rest=${fs_src#*#}
        fs_member=${fs_rest%@*}
        fs_want=${fs_rest##*@}
        download "$fs_url" "$fs_out.archive" || return 1
        fs_got=$(sha256_of "$fs_out.archive")
        if [ "$fs_got" != "$fs_want" ]; then
            echo "archive SHA-256 $fs_got, the pinned release artifact's is $fs_want" >&2
            return 1
        fi
        tar -xzOf "$fs_out.archive" "$fs_member" >"$fs_out" || {
            echo "the archive has no member $fs_member" >&2
            return 1
        }
        rm -f "$fs_out.archive"
        ;;
    *)
        download "$fs_src" "$fs_out" || return 1
        ;;
    esac
}

# provide ENTRY_NAME SHA OUT: one file, local copies first.
provide() {
    name=$1 sha=$2 out=$3 base=$(basename "$1")
    for dir in $LOCAL_DIRS; do # one a line (IFS below): paths with blanks work
        for cand in "$dir/$name" "$dir/$base"; do
            [ -f "$cand" ] || continue
            got=$(sha256_of "$cand")
            if [ "$got" != "$sha" ]; then
                say "$cand is not the pinned $name: its SHA-256 is $got, the pinned file's is" \
                    "$sha. Replace it with the file from $(first_source "$name") or remove it."
                return 1
            fi
            mkdir -p "$(dirname "$out")"
            [ "$cand" -ef "$out" ] || cp "$cand" "$out.tmp.$$"
            [ ! -f "$out.tmp.$$" ] || mv "$out.tmp.$$" "$out"
            echo "$out"
            return 0
        done
    done
    why="no local copy"
    [ -n "$LOCAL_DIRS" ] || why="no local copy directory given"
    if [ "${FETCH_UPSTREAM_OFFLINE:-0}" = 1 ]; then
        why="$why, downloads disabled (FETCH_UPSTREAM_OFFLINE=1)"
    else
        mkdir -p "$(dirname "$out")"
        for src in $(awk -v n="$name" '$1 == n { print $3 }' "$LIST"); do
            tmp="$out.part.$$"
            if err=$(fetch_source "$src" "$tmp" 2>&1); then
                got=$(sha256_of "$tmp")
                if [ "$got" = "$sha" ]; then
                    mv "$tmp" "$out"
                    echo "$out"
                    return 0
                fi
                err="downloaded file has SHA-256 $got, the pinned file's is $sha"
            fi
            rm -f "$tmp" "$tmp.archive"
            why="$why; ${src%%#*}: $(printf '%s' "$err" | tail -n 1)"
        done
    fi
    say "cannot provide $name ($why). Download it from $(first_source "$name") (SHA-256 $sha)" \
        "${FETCH_UPSTREAM_HINT:-and pass a directory holding it as a local copy}."
    return 1
}

LOCAL_DIRS=""
for d in "$@"; do
    [ -n "$d" ] && LOCAL_DIRS="$LOCAL_DIRS$d
"
done
set -f # no globbing of the split directory list
IFS='
'

if [ "$CHECK" = 1 ]; then # every pinned file under DEST, with its checksum
    echo "$entries" | {
        while IFS=" " read -r name sha _src; do
            if [ "$name" = "$NAME" ]; then f=$DEST; else f="$DEST/${name#"$NAME"/}"; fi
            [ -f "$f" ] && [ "$(sha256_of "$f")" = "$sha" ] || exit 1
        done
    }
    exit $?
fi

rc=0
echo "$entries" | {
    while IFS=" " read -r name sha _src; do
        # Mirrors repeat a name: provide it once.
        case " ${seen:-} " in *" $name "*) continue ;; esac
        seen="${seen:-} $name"
        if [ "$name" = "$NAME" ]; then
            out=$DEST
        else
            out="$DEST/${name#"$NAME"/}"
        fi
        provide "$name" "$sha" "$out" || rc=1
    done
    exit $rc
}

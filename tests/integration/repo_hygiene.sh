#!/usr/bin/env bash
# The repository itself: no merge-conflict markers, no large tracked files (build outputs or
# data that belongs elsewhere), no build step that reads ../shared (a fresh clone elsewhere has
# none), the README shows the command CI runs, and nothing narrates how the code was built.
# variants: plain
. "$TT_ROOT/tests/lib/tt.sh"
cd "$TT_ROOT" || exit 1

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    skip repo-hygiene "not a git checkout"
    exit 0
fi

# Upstream YAML is excluded: its block scalars may hold lines of '=' legitimately.
markers=$(git grep -n -I -E '^(<<<<<<< |>>>>>>> |=======$)' -- ':!*.yaml' ':!*.yml' | head -n 5)
if [ -z "$markers" ]; then pass no-merge-conflict-markers
else fail no-merge-conflict-markers "$(echo "$markers" | tr '\n' ' ')"; fi

big=$(git ls-files -z | xargs -0 -r du -k 2>/dev/null | awk '$1 > 1024 {print $2}' | head -n 5)
if [ -z "$big" ]; then pass no-tracked-file-over-1MiB
else fail no-tracked-file-over-1MiB "$(echo "$big" | tr '\n' ' ')"; fi

shared=$(git grep -n -F '../shared' -- 'Dockerfile*' 'docker/*' | head -n 3)
if [ -z "$shared" ]; then pass build-does-not-read-shared
else fail build-does-not-read-shared "$(echo "$shared" | tr '\n' ' ')"; fi

ci_cmd=$(grep -v '^#' .ci/run | grep -v '^set ' | sed '/^\s*$/d' | tail -n 1 | sed 's/^exec //')
if [ -n "$ci_cmd" ] && grep -q -F "$ci_cmd" README.md; then pass readme-shows-the-ci-command
else fail readme-shows-the-ci-command "'$ci_cmd' (last command of .ci/run) is not in README.md"; fi

# Docs, code and tests describe the product, not how it was built: no tracker issues, work
# sessions or who-did-what. (This file holds the expression, so it is left out.)
w=session i=issue
narr_re="(the $i|$i #?[0-9]+|(this|last|previous|next|first|second|third|work) $w\\b|helper-[0-9])"
narr=$(git grep -n -I -i -E "$narr_re" -- ':!LICENSE' ':!tests/integration/repo_hygiene.sh' | head -n 5)
if [ -z "$narr" ]; then pass docs-do-not-narrate
else fail docs-do-not-narrate "$(echo "$narr" | tr '\n' ' ')"; fi
if echo "as measured in the second $w" | grep -q -i -E "$narr_re"; then pass narration-check-control
else fail narration-check-control "the expression misses a narrating sentence"; fi

# The checks can fail: a marker in a scratch file is found by the same expression.
tmp=$(mktemp)
printf 'a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> main\n' >"$tmp"
if grep -q -E '^(<<<<<<< |>>>>>>> |=======$)' "$tmp"; then pass marker-check-control
else fail marker-check-control "the expression misses a real conflict block"; fi
rm -f "$tmp"

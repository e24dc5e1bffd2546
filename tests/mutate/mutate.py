#!/usr/bin/env python3
"""Mutation testing for Tartan's C sources: proves the tests fail when the code is wrong.

For each chosen source file it generates small wrong versions of the code (mutants), builds
each one in a private copy of the tree and runs the tests that cover the file. A mutant is
killed when a test fails (or crashes, or runs past the time cap), survives when every test
still passes, and is left out when it does not compile. Survivors are printed as diffs: each
either gets a test that kills it or is listed as equivalent in docs/internals/mutants.md.

Operators (one change per mutant):
  ror       relational operator: < <= > >= to their boundary and negated neighbour, == <-> !=
  lcr       && <-> ||
  neg       if/while condition negated
  const     integer literal N -> N+1, and N-1 (0 -> 1)
  del       a single-line expression statement (call, assignment, ++/--) removed
  ret       early return of 0 / -1 / NULL / false / nothing at the top of a function

  mutate.py [--files GLOB...] [--sample N] [--seed S] [--per-file N] [--jobs 1]
            [--fail-on-survivor] [--report FILE] [--list] [--fresh]

Without --files: the scope in TARGETS below. Results are kept in build-mutate/results.json
(keyed by the mutant and the content of the file and of its tests), so a run that was cut
short resumes where it stopped and an unchanged mutant is not run twice.
"""
import argparse
import fnmatch
import glob
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, "build-mutate")
TREE = os.path.join(WORK, "tree")
RESULTS = os.path.join(WORK, "results.json")
EQUIV_DOC = os.path.join(ROOT, "docs", "internals", "mutants.md")

# Source files in scope, and the tests that cover them: unit test binaries (names under
# build/tests) and integration test files (tests/integration/...). Globs are expanded.
TARGETS = [
    (["engine/cond_*.c"], ["test_engine_cond_ops", "test_engine_rules_*", "test_engine_pipeline_*",
                           "test_engine_alert_format", "test_engine_format_basic"], []),
    (["engine/fields_extract.c", "engine/evt_args.c"],
     ["test_engine_fields_args", "test_engine_state_*", "test_engine_pipeline_*",
      "test_engine_alert_format", "test_engine_format_basic"], []),
    (["engine/state_*.c"], ["test_engine_state_*", "test_engine_pipeline_*",
                            "test_engine_fields_args"], []),
    (["tracer/filter.c", "tracer/syscalls.c"], ["test_tracer_*"], []),
    (["tracer/decode.c"], ["test_tracer_*"], ["tracer_events.py"]),
    (["lib/tt_ring.c"], ["test_lib_ring"], []),
    (["logshipper/ls_sigv4.c", "lib/tt_sigv4.c"], ["test_logshipper_sigv4", "test_lib_sigv4*"], []),
    (["logshipper/ls_queue.c"], ["test_logshipper_queue"], []),
    (["logshipper/ls_cwl.c"], ["test_logshipper_responses", "test_logshipper_queue"],
     ["logshipper_faults.py"]),
]

RELOPS = {"<": ["<=", ">="], "<=": ["<", ">"], ">": [">=", "<="], ">=": [">", "<"],
          "==": ["!="], "!=": ["=="]}
KEYWORDS_NOT_CALLS = {"if", "while", "for", "switch", "return", "sizeof", "do", "else", "case",
                      "goto", "break", "continue", "default", "typedef", "struct", "enum", "union",
                      "static", "const", "unsigned", "signed", "int", "char", "long", "short",
                      "void", "double", "float", "size_t", "ssize_t", "uint8_t", "uint16_t",
                      "uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "bool",
                      "extern", "register", "volatile", "__attribute__", "_Static_assert",
                      "static_assert", "va_end", "va_start", "assert"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ lexing

TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<str>"(?:\\.|[^"\\\n])*")
  | (?P<chr>'(?:\\.|[^'\\\n])*')
  | (?P<num>0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|\d+\.\d*(?:[eE][-+]?\d+)?[fF]?)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\.\.\.|[{}()\[\];,<>=!~?:.+\-*/%&|^\#])
  | (?P<other>.)
""", re.S | re.X)


class Tok:
    __slots__ = ("kind", "text", "start", "end", "line")

    def __init__(self, kind, text, start, end, line):
        self.kind, self.text, self.start, self.end, self.line = kind, text, start, end, line


def lex(src):
    """Tokens of src without whitespace, comments and preprocessor lines (with continuations)."""
    toks = []
    line = 1
    pos = 0
    at_line_start = True
    n = len(src)
    while pos < n:
        if at_line_start:
            m = re.match(r"[ \t]*#", src[pos:pos + 200])
            if m:  # preprocessor directive: skip to the end of the logical line
                end = pos
                while True:
                    nl = src.find("\n", end)
                    if nl < 0:
                        end = n
                        break
                    if src[nl - 1] == "\\":
                        end = nl + 1
                        line += 1
                        continue
                    end = nl
                    break
                pos = end
                continue
        m = TOKEN_RE.match(src, pos)
        kind = m.lastgroup
        text = m.group(kind)
        if kind in ("ws", "comment"):
            nls = text.count("\n")
            if nls:
                at_line_start = True
                line += nls
            pos = m.end()
            continue
        at_line_start = False
        toks.append(Tok(kind, text, m.start(), m.end(), line))
        pos = m.end()
    return toks


# ------------------------------------------------------------------ mutant generation

class Mutant:
    def __init__(self, path, op, start, end, repl, line, orig_line, desc):
        self.path, self.op, self.start, self.end, self.repl = path, op, start, end, repl
        self.line, self.orig_line, self.desc = line, orig_line, desc
        self.id = None

    def apply(self, src):
        return src[:self.start] + self.repl + src[self.end:]


def matching(toks, i, open_, close):
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == open_:
            depth += 1
        elif toks[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    return -1


def function_bodies(toks):
    """(index of '{', index of '}', return-type words) for each function definition."""
    out = []
    depth = 0
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text == "{" and depth == 0 and i > 0 and toks[i - 1].text == ")":
            # walk back over the parameter list to the name and the return type
            j = i - 1
            d = 0
            while j >= 0:
                if toks[j].text == ")":
                    d += 1
                elif toks[j].text == "(":
                    d -= 1
                    if d == 0:
                        break
                j -= 1
            k = j - 1  # function name
            words = []
            m = k - 1
            while m >= 0 and toks[m].text not in (";", "}", ")") and toks[m].kind != "str":
                words.insert(0, toks[m].text)
                m -= 1
            end = matching(toks, i, "{", "}")
            if end < 0:
                break
            if k >= 0 and toks[k].kind == "id":
                out.append((i, end, words))
            i = end + 1
            continue
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        i += 1
    return out


def early_return_text(words):
    w = [x for x in words if x not in ("static", "inline", "extern", "const", "__attribute__")]
    if not w:
        return None
    if "*" in w:
        return "return NULL;"
    if w == ["void"]:
        return "return;"
    if w[-1] in ("bool", "_Bool"):
        return "return false;"
    if w[-1] in ("int", "long", "ssize_t", "int64_t", "int32_t", "double"):
        return None  # two mutants below: 0 and -1
    if w[-1] in ("size_t", "unsigned", "uint64_t", "uint32_t", "uint16_t", "uint8_t"):
        return "return 0;"
    return None if w[-1] == "struct" else ("return 0;" if w[0] in ("enum",) else None)


def generate(path, src):
    toks = lex(src)
    lines = src.split("\n")
    muts = []

    def add(op, tok_a, tok_b, repl, desc):
        muts.append(Mutant(path, op, tok_a.start, tok_b.end, repl, tok_a.line,
                           lines[tok_a.line - 1], desc))

    bodies = function_bodies(toks)
    inside = [False] * len(toks)
    for a, b, _ in bodies:
        for k in range(a + 1, b):
            inside[k] = True

    for i, t in enumerate(toks):
        if not inside[i]:
            continue
        if t.kind == "op" and t.text in RELOPS:
            for r in RELOPS[t.text]:
                add("ror", t, t, r, f"{t.text} -> {r}")
        elif t.kind == "op" and t.text in ("&&", "||"):
            r = "||" if t.text == "&&" else "&&"
            add("lcr", t, t, r, f"{t.text} -> {r}")
        elif t.kind == "num" and re.fullmatch(r"\d+[uUlL]*", t.text):
            prev = toks[i - 1].text if i else ""
            if prev in ("[",) and i + 1 < len(toks) and toks[i + 1].text == "]":
                continue  # array sizes: mostly equivalent or not compiling
            if prev == "case":
                continue
            digits = re.match(r"\d+", t.text).group(0)
            suffix = t.text[len(digits):]
            v = int(digits)
            add("const", t, t, f"{v + 1}{suffix}", f"{t.text} -> {v + 1}{suffix}")
            if v > 0:
                add("const", t, t, f"{v - 1}{suffix}", f"{t.text} -> {v - 1}{suffix}")
        elif t.kind == "id" and t.text in ("if", "while") and i + 1 < len(toks) and toks[i + 1].text == "(":
            close = matching(toks, i + 1, "(", ")")
            if close > i + 2:
                a, b = toks[i + 2], toks[close - 1]
                inner = src[a.start:b.end]
                muts.append(Mutant(path, "neg", a.start, b.end, f"!({inner})", a.line,
                                   lines[a.line - 1], f"{t.text} condition negated"))

    # statement deletion: single-line expression statements inside function bodies
    for i, t in enumerate(toks):
        if not inside[i] or i == 0:
            continue
        prev = toks[i - 1].text
        if prev not in (";", "{", "}", ")", "else", ":"):
            continue
        if prev == ")":
            # `if (x) stmt;` bodies: deleting them is the neg operator's job
            continue
        if prev == ":" and (i < 2 or toks[i - 2].kind not in ("id", "num", "chr")):
            continue
        if t.kind != "id" or t.text in KEYWORDS_NOT_CALLS:
            continue
        # find the terminating ';' on the same line at paren depth 0
        j = i
        depth = 0
        ok = False
        while j < len(toks) and toks[j].line == t.line:
            x = toks[j].text
            if x in ("(", "["):
                depth += 1
            elif x in (")", "]"):
                depth -= 1
            elif x == ";" and depth == 0:
                ok = True
                break
            elif x in ("{", "}"):
                break
            j += 1
        if not ok:
            continue
        body = [x.text for x in toks[i:j]]
        is_call = len(body) >= 2 and body[1] == "(" and toks[i + 1].start == t.end
        is_assign = any(x in ("=", "+=", "-=", "|=", "&=", "^=", "<<=", ">>=", "*=", "/=", "%=", "++", "--")
                        for x in body)
        is_decl = len(body) >= 2 and toks[i + 1].kind == "id"  # `type name ...`
        if is_decl or not (is_call or is_assign):
            continue
        add("del", t, toks[j], ";", "statement removed")

    # early returns
    for a, b, words in bodies:
        brace = toks[a]
        txt = early_return_text(words)
        cands = [txt] if txt else []
        w = [x for x in words if x not in ("static", "inline", "extern", "const")]
        if not txt and w and w[-1] in ("int", "long", "ssize_t", "int64_t", "int32_t"):
            cands = ["return 0;", "return -1;"]
        for c in cands:
            muts.append(Mutant(path, "ret", brace.end, brace.end, " " + c, brace.line,
                               lines[brace.line - 1], f"early `{c}`"))

    # stable ids: file, operator, the mutated line's text, the change, and its rank among
    # identical ones (so line-number shifts elsewhere in the file keep the id)
    seen = {}
    for m in muts:
        key = (m.path, m.op, m.orig_line.strip(), m.desc)
        n = seen.get(key, 0)
        seen[key] = n + 1
        h = hashlib.sha1(repr(key + (n,)).encode()).hexdigest()[:10]
        m.id = f"{os.path.basename(m.path)}:{h}"
    return muts


def diff_of(m, src):
    new = m.apply(src)
    old_lines, new_lines = src.split("\n"), new.split("\n")
    ln = m.line - 1
    out = [f"--- {m.path}:{m.line} ({m.op}: {m.desc}) [{m.id}]"]
    for k in range(ln, min(ln + 1 + max(0, len(new_lines) - len(old_lines)) + 1, len(old_lines))):
        if old_lines[k] != new_lines[k]:
            out.append(f"-{old_lines[k]}")
            out.append(f"+{new_lines[k]}")
    return "\n".join(out)


# ------------------------------------------------------------------ running

def sh(cmd, cwd, timeout=None, env=None):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, env=env, text=True)


def prepare_tree():
    """A private copy of the repository (tracked files) and of build/ if present, with mtimes."""
    os.makedirs(WORK, exist_ok=True)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, stdout=subprocess.PIPE,
                           check=True).stdout.decode().split("\0")
    files = [f for f in files if f]
    for f in files:
        s = os.path.join(ROOT, f)
        d = os.path.join(TREE, f)
        if not os.path.isfile(s):
            continue
        if os.path.exists(d) and open(s, "rb").read() == open(d, "rb").read():
            continue
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d)
    if not os.path.isdir(os.path.join(TREE, "build")) and os.path.isdir(os.path.join(ROOT, "build", "obj")):
        # Reuse the plain build's objects: copy2 keeps mtimes, so make sees them up to date.
        shutil.copytree(os.path.join(ROOT, "build"), os.path.join(TREE, "build"), symlinks=True,
                        ignore=shutil.ignore_patterns("test-logs", "docker-rules"))


def unit_names(patterns):
    names = set()
    for p in patterns:
        for s in glob.glob(os.path.join(ROOT, "tests", "unit", p + ".c")):
            names.add(os.path.basename(s)[:-2])
    return sorted(names)


def test_signature(units, integ):
    h = hashlib.sha1()
    for u in units:
        h.update(open(os.path.join(ROOT, "tests", "unit", u + ".c"), "rb").read())
    for f in integ:
        h.update(open(os.path.join(ROOT, "tests", "integration", f), "rb").read())
    return h.hexdigest()[:12]


def build(units, needs_bins, timeout):
    targets = [f"build/tests/{u}" for u in units]
    if needs_bins:
        targets += ["all"]
    r = sh(["make", "-s", "-j2", "OUT=build"] + targets, TREE, timeout=timeout)
    return r.returncode == 0, r.stdout


def run_tests(units, integ, timeout):
    """'pass', 'fail' or 'timeout'."""
    env = dict(os.environ, TT_ROOT=TREE, TT_OUT=os.path.join(TREE, "build"),
               TT_BIN=os.path.join(TREE, "build", "bin"),
               TT_HELPERS=os.path.join(TREE, "build", "helpers"), TT_VARIANT="plain",
               TT_SHARED=os.environ.get("TT_SHARED", os.path.join(ROOT, "..", "shared")))
    deadline = time.monotonic() + timeout
    cmds = [[os.path.join(TREE, "build", "tests", u)] for u in units]
    for f in integ:
        p = os.path.join(TREE, "tests", "integration", f)
        cmds.append(["python3", p] if f.endswith(".py") else ["bash", p])
    for c in cmds:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        try:
            r = subprocess.run(c, cwd=TREE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, timeout=left, env=env, text=True,
                               errors="replace", start_new_session=True)
        except subprocess.TimeoutExpired:
            return "timeout"
        if r.returncode != 0 or re.search(r"^FAIL ", r.stdout, re.M):
            return "fail"
    return "pass"


def load_equivalents():
    """Mutant ids listed in docs/internals/mutants.md as equivalent (table rows `| id | ...`)."""
    eq = {}
    if os.path.exists(EQUIV_DOC):
        for line in open(EQUIV_DOC):
            m = re.match(r"\|\s*`?([\w.\-]+\.[ch]:[0-9a-f]{10})`?\s*\|(.*)", line)
            if m:
                eq[m.group(1)] = m.group(2).strip(" |")
    return eq


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", nargs="*", help="source globs (default: the whole scope)")
    ap.add_argument("--ops", default="ror,lcr,neg,const,del,ret")
    ap.add_argument("--sample", type=int, default=0, help="run N mutants chosen by --seed")
    ap.add_argument("--per-file", type=int, default=0, help="at most N mutants per file (sampled)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fail-on-survivor", action="store_true")
    ap.add_argument("--report", default=os.path.join(WORK, "report.md"))
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results")
    ap.add_argument("--budget", type=float, default=0, help="stop after this many seconds")
    ap.add_argument("--no-integration", action="store_true", help="unit tests only")
    args = ap.parse_args()
    ops = set(args.ops.split(","))

    plan = []  # (path, units, integ)
    for globs_, unit_pats, integ in TARGETS:
        for g in globs_:
            for path in sorted(glob.glob(os.path.join(ROOT, g))):
                rel = os.path.relpath(path, ROOT)
                if args.files and not any(fnmatch.fnmatch(rel, f) for f in args.files):
                    continue
                plan.append((rel, unit_names(unit_pats), [] if args.no_integration else integ))
    if not plan:
        log("no source file matches")
        return 2

    equivalents = load_equivalents()
    rng = random.Random(args.seed)
    todo = []
    sources = {}
    for rel, units, integ in plan:
        src = open(os.path.join(ROOT, rel)).read()
        sources[rel] = src
        muts = [m for m in generate(rel, src) if m.op in ops]
        if args.per_file and len(muts) > args.per_file:
            muts = sorted(rng.sample(muts, args.per_file), key=lambda m: m.start)
        for m in muts:
            todo.append((m, units, integ))
    if args.sample and len(todo) > args.sample:
        # stable choice: order by a seeded hash of the id, not by position
        todo.sort(key=lambda x: hashlib.sha1(f"{args.seed}:{x[0].id}".encode()).hexdigest())
        todo = todo[:args.sample]
        todo.sort(key=lambda x: (x[0].path, x[0].start))
    if args.list:
        for m, units, integ in todo:
            print(f"{m.id}\t{m.path}:{m.line}\t{m.op}\t{m.desc}")
        print(f"{len(todo)} mutants")
        return 0

    results = {}
    if os.path.exists(RESULTS) and not args.fresh:
        results = json.load(open(RESULTS))
    log(f"mutate: {len(todo)} mutants over {len(plan)} files; preparing {TREE}")
    prepare_tree()
    ok, out = build(sorted({u for _, us, _ in plan for u in us}),
                    any(i for _, _, i in plan), 1800)
    if not ok:
        log(out[-3000:])
        log("mutate: the unmutated tree does not build")
        return 2
    # Baseline: every test subset must pass unmutated, and gives the time cap.
    caps = {}
    for rel, units, integ in plan:
        key = (tuple(units), tuple(integ))
        if key in caps:
            continue
        t0 = time.monotonic()
        st = run_tests(units, integ, 900)
        if st != "pass":
            log(f"mutate: the tests for {rel} fail without any mutant ({units} {integ})")
            return 2
        caps[key] = max(20.0, 4 * (time.monotonic() - t0) + 10)

    start = time.monotonic()
    counts = {}
    survivors = []
    ran = 0
    try:
        for idx, (m, units, integ) in enumerate(todo):
            sig = hashlib.sha1((sources[m.path] + test_signature(units, integ)).encode()).hexdigest()[:12]
            prev = results.get(m.id)
            status = None
            if prev and prev.get("src") == hashlib.sha1(sources[m.path].encode()).hexdigest()[:12]:
                if prev["status"] in ("killed", "timeout", "nocompile") or prev.get("sig") == sig:
                    status = prev["status"]
            if m.id in equivalents:
                status = "equivalent"
            if status is None:
                if args.budget and time.monotonic() - start > args.budget:
                    log("mutate: time budget used up; rerun to resume")
                    break
                path = os.path.join(TREE, m.path)
                orig = sources[m.path]
                try:
                    with open(path, "w") as f:
                        f.write(m.apply(orig))
                    ok, _ = build(units, bool(integ), 600)
                    if not ok:
                        status = "nocompile"
                    else:
                        st = run_tests(units, integ, caps[(tuple(units), tuple(integ))])
                        status = {"pass": "survived", "fail": "killed", "timeout": "timeout"}[st]
                finally:
                    with open(path, "w") as f:
                        f.write(orig)
                    os.utime(path)  # newer than the mutant's object: make rebuilds it
                ran += 1
                results[m.id] = {"status": status, "sig": sig, "src":
                                 hashlib.sha1(sources[m.path].encode()).hexdigest()[:12],
                                 "where": f"{m.path}:{m.line}", "desc": m.desc}
                if ran % 5 == 0:
                    json.dump(results, open(RESULTS, "w"), indent=0)
                log(f"[{idx + 1}/{len(todo)}] {status:10} {m.path}:{m.line} {m.op} {m.desc}")
            c = counts.setdefault(m.path, {})
            c[status] = c.get(status, 0) + 1
            if status == "survived":
                survivors.append(m)
    finally:
        os.makedirs(WORK, exist_ok=True)
        json.dump(results, open(RESULTS, "w"), indent=0)

    # report
    lines = ["| file | mutants | killed | timed out | survived | equivalent | not compiling | kill rate |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    tot = {}
    for path in sorted(counts):
        c = counts[path]
        for k, v in c.items():
            tot[k] = tot.get(k, 0) + v
        lines.append(row(path, c))
    lines.append(row("**all**", tot))
    text = "\n".join(lines)
    if survivors:
        text += "\n\nSurvivors:\n\n```diff\n" + "\n".join(diff_of(m, sources[m.path]) for m in survivors) + "\n```\n"
    os.makedirs(os.path.dirname(args.report), exist_ok=True)
    open(args.report, "w").write(text + "\n")
    print(text)
    log(f"mutate: {ran} mutants run in {time.monotonic() - start:.0f} s; report in {args.report}")
    if args.fail_on_survivor and survivors:
        return 1
    return 0


def row(path, c):
    killed, tmo, surv = c.get("killed", 0), c.get("timeout", 0), c.get("survived", 0)
    eq, nc = c.get("equivalent", 0), c.get("nocompile", 0)
    n = killed + tmo + surv + eq + nc
    judged = killed + tmo + surv
    rate = f"{100.0 * (killed + tmo) / judged:.1f}%" if judged else "-"
    return f"| {path} | {n} | {killed} | {tmo} | {surv} | {eq} | {nc} | {rate} |"


if __name__ == "__main__":
    sys.exit(main())

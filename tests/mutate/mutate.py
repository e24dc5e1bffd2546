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
import functools
import concurrent.futures
import fnmatch
import glob
import hashlib
import json
import os
import queue
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, "build-mutate")
EQUIV_DOC = os.path.join(ROOT, "docs", "internals", "mutants.md")

# Source files in scope, and the tests that cover them: unit test binaries (names under
# build/tests) and integration test files (tests/integration/...). Globs are expanded.
TARGETS = [
    # cond_transform.c holds the transformers of conditions and output formats alike
    (["engine/cond_*.c"], ["test_engine_cond_*", "test_engine_rules_*", "test_engine_pipeline_*",
                           "test_engine_transformers", "test_engine_alert_format",
                           "test_engine_format_basic"], []),
    # b64() of conditions and formats decodes through lib/tt_base64
    (["lib/tt_base64.c"], ["test_lib_base64", "test_engine_transformers", "test_engine_cond_*"],
     []),
    (["engine/fields_extract.c", "engine/evt_args.c"],
     ["test_engine_fields_*", "test_engine_evt_args_*", "test_engine_caps",
      "test_engine_event_types", "test_engine_state_*", "test_engine_pipeline_*",
      "test_engine_alert_format", "test_engine_format_basic"], ["engine_golden.py"]),
    (["engine/state_*.c"], ["test_engine_state_*", "test_engine_pipeline_*",
                            "test_engine_fields_*"], ["engine_golden.py"]),
    # container ids from cgroup paths, for the engine's state and the tracer's container_id
    (["lib/tt_cgroup.c"], ["test_lib_cgroup", "test_engine_state_*", "test_tracer_*"], []),
    (["tracer/filter.c", "tracer/syscalls.c"], ["test_tracer_*"], []),
    (["tracer/decode.c"], ["test_tracer_*"], ["tracer_events.py"]),
    (["lib/tt_ring.c"], ["test_lib_ring*"], []),
    (["lib/aws/ls_sigv4.c"], ["test_logshipper_sigv4*", "test_lib_sigv4*"], []),
    (["logshipper/ls_queue.c"], ["test_logshipper_queue*"], []),
    (["logshipper/ls_cwl.c"], ["test_logshipper_cwl*", "test_logshipper_responses"],
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
        elif t.kind == "op" and t.text in ("+", "-") and i and (
                toks[i - 1].kind in ("id", "num", "chr") or toks[i - 1].text in (")", "]")) and (
                toks[i - 1].text not in KEYWORDS_NOT_CALLS):
            # binary + and - only: after an operand, not a unary sign or a cast
            r = "-" if t.text == "+" else "+"
            add("aor", t, t, r, f"{t.text} -> {r}")
        elif t.kind == "op" and t.text in ("+=", "-="):
            r = "-=" if t.text == "+=" else "+="
            add("aor", t, t, r, f"{t.text} -> {r}")
        elif t.kind == "id" and t.text in ("true", "false"):
            r = "false" if t.text == "true" else "true"
            add("const", t, t, r, f"{t.text} -> {r}")
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


def one_line_diff(m, src):
    """`old line` -> `new line` at file:line, for a one-line FAIL reason."""
    old = src.split("\n")[m.line - 1]
    new = m.apply(src).split("\n")[m.line - 1]
    return f"{m.path}:{m.line} ({m.op}: {m.desc}): `{old.strip()}` became `{new.strip()}`"


# ------------------------------------------------------------------ sampling

def rank(seed, mid):
    """Seeded position of a mutant in a sample: a hash of its id, so a sample stays the same
    when other lines of the file change, and does not depend on which other files are run."""
    return hashlib.sha1(f"{seed}:{mid}".encode()).hexdigest()


def sample_per_file(muts, n, seed):
    if not n or len(muts) <= n:
        return muts
    keep = sorted(muts, key=lambda m: rank(seed, m.id))[:n]
    return sorted(keep, key=lambda m: m.start)


def sample_across(by_file, n, seed):
    """n mutants spread over the files: round robin, each file's mutants in seeded order."""
    queues = [sorted(by_file[p], key=lambda m: rank(seed, m.id)) for p in sorted(by_file)]
    out = []
    k = 0
    while len(out) < n and any(k < len(q) for q in queues):
        for q in queues:
            if k < len(q) and len(out) < n:
                out.append(q[k])
        k += 1
    return out


# ------------------------------------------------------------------ building and running

def sh(cmd, cwd, timeout=None, env=None):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, env=env, text=True, errors="replace")


def source_files():
    """Tracked and untracked (not ignored) files of the repository."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout.decode()
    return sorted({f for f in out.split("\0") if f and os.path.isfile(os.path.join(ROOT, f))})


def run_one(argv, cwd, env, timeout):
    """'pass', 'fail' or 'timeout'. The test runs in its own session; on timeout its whole
    process group (every process it started) is killed, before the leader is reaped."""
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        return "timeout"
    text = out.decode(errors="replace")
    if p.returncode != 0 or re.search(r"^FAIL ", text, re.M):
        return "fail"
    return "pass"


# The two builds the test suite runs in (tests/run.sh variants): the plain one, and
# AddressSanitizer + UBSan, which also fails a test on a leak, an out-of-bounds access or
# undefined behaviour that the plain build does not notice.
FLAVOURS = {"plain": ("build", []), "asan": ("build-asan", ["SAN=1"])}
ASAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


class RunnerError(Exception):
    """The unmutated tree is not usable: stop the run."""


class Caps:
    """Time cap of each test: ten times its unmutated time (three for integration tests),
    measured the first time a mutant needs the test. A test that fails without any mutant
    stops the run: nothing it says about a mutant would mean anything."""

    def __init__(self):
        self.v = {}
        self.lock = threading.Lock()

    def get(self, tree, key):
        with self.lock:
            if key in self.v:
                return self.v[key]
            unit = isinstance(key, tuple)
            argv = tree.unit_argv(key[0], key[1], mutant=False) if unit else tree.integ_argv(key)
            a = time.monotonic()
            st = run_one(argv, tree.dir, tree.env(key[1] if unit else "plain"), 900)
            if st != "pass":
                raise RunnerError(f"{key} fails without any mutant")
            dt = time.monotonic() - a
            self.v[key] = max(5.0, 10 * dt + 2) if unit else max(30.0, 3 * dt + 20)
            return self.v[key]


class Tree:
    """A private copy of the repository and of its builds (build/, build-asan/), one per job.

    Unit tests are relinked for each mutant from objects compiled once (the test's own source,
    the mutated file compiled to a private object), so the tree itself is never left mutated.
    Integration tests need the programs: the mutated file is then built into the tree's
    build/bin with make, and the previous objects and programs are put back afterwards."""

    def __init__(self, work, idx):
        self.dir = os.path.join(work, f"tree-{idx}")
        self.compile_argv = {}   # (source, flavour) -> compiler argv (object to MUT_OBJ)
        self.link_argv = {}      # (unit, source, flavour) -> linker argv, None if not linked
        self.ref = {}            # source -> bytes of the unmutated plain object (same flags)

    def mdir(self, fl):
        return os.path.join(self.dir, FLAVOURS[fl][0], "mutant")

    def has(self, fl):
        return os.path.isdir(os.path.join(self.dir, FLAVOURS[fl][0], "obj"))

    def sync(self, files):
        os.makedirs(self.dir, exist_ok=True)
        want = set(files)
        for f in files:
            s, d = os.path.join(ROOT, f), os.path.join(self.dir, f)
            if os.path.exists(d) and os.path.getsize(s) == os.path.getsize(d) and \
                    open(s, "rb").read() == open(d, "rb").read():
                continue
            os.makedirs(os.path.dirname(d), exist_ok=True)
            changed = os.path.exists(d)
            shutil.copy2(s, d)
            if changed:
                # the copy's builds may be newer than the source's own mtime (it was edited
                # while they ran): date the new content now, so make rebuilds what uses it
                os.utime(d)
        # Files removed or moved in the repository must go from the copy too: the Makefile
        # builds every *.c it finds.
        for dp, dns, fns in os.walk(self.dir):
            rel_dir = os.path.relpath(dp, self.dir)
            if rel_dir == ".":
                dns[:] = [d for d in dns if not d.startswith("build") and d != ".git"]
            for fn in fns:
                rel = os.path.normpath(os.path.join(rel_dir, fn))
                if rel not in want:
                    os.unlink(os.path.join(dp, fn))
        for fl, (out, _) in FLAVOURS.items():
            if not os.path.isdir(os.path.join(self.dir, out)) and \
                    os.path.isdir(os.path.join(ROOT, out, "obj")):
                # Start from the repository's objects: copy2 keeps mtimes, so make sees them
                # up to date and only rebuilds what changed since.
                shutil.copytree(os.path.join(ROOT, out), os.path.join(self.dir, out), symlinks=True,
                                ignore=shutil.ignore_patterns("test-logs", "docker-rules", "mutant",
                                                              "mutate-*"))
            if self.has(fl):
                os.makedirs(self.mdir(fl), exist_ok=True)
        self.restore_saved()

    def make(self, targets, fl="plain", timeout=1800):
        out, extra = FLAVOURS[fl]
        r = sh(["make", "-s", "-j2", f"OUT={out}"] + extra + targets, self.dir, timeout=timeout)
        return r.returncode == 0, r.stdout

    def _dry(self, fl, args):
        out, extra = FLAVOURS[fl]
        r = sh(["make", "-n", f"OUT={out}"] + extra + args, self.dir, timeout=120)
        return r.stdout.splitlines() if r.returncode == 0 else []

    @staticmethod
    def _clean(argv):
        return [a for a in argv if a not in ("-MMD", "-MP")]

    def prepare_source(self, src, fl):
        """The compiler command for src, and (plain) the object of the unmutated file."""
        if (src, fl) in self.compile_argv:
            return True
        obj = f"{FLAVOURS[fl][0]}/obj/{src[:-2]}.o"
        lines = [l for l in self._dry(fl, ["-B", obj]) if " -c " in f" {l} " and f"-o {obj}" in l]
        if not lines:
            return False
        argv = self._clean(shlex.split(lines[-1]))
        if fl == "plain":
            argv = ["-g0" if a == "-g" else a for a in argv]
        argv[argv.index("-o") + 1] = "MUT_OBJ"
        self.compile_argv[(src, fl)] = argv
        if fl == "plain":
            ref = os.path.join(self.mdir(fl), "ref.o")
            ok, _ = self.compile(src, fl, ref)
            if not ok:
                return False
            self.ref[src] = open(ref, "rb").read()
        return True

    def compile(self, src, fl, out):
        argv = [out if a == "MUT_OBJ" else a for a in self.compile_argv[(src, fl)]]
        r = sh(argv, self.dir, timeout=300)
        return r.returncode == 0, r.stdout

    def prepare_unit(self, unit, src, fl):
        """Link command of a unit test with the object of src replaced by MUT_OBJ."""
        key = (unit, src, fl)
        if key in self.link_argv:
            return self.link_argv[key] is not None
        self.link_argv[key] = None
        out = FLAVOURS[fl][0]
        target = f"{out}/tests/{unit}"
        lines = [l for l in self._dry(fl, ["-W", f"tests/unit/{unit}.c", target]) if f"-o {target} " in l]
        if not lines:
            return False
        argv = self._clean(shlex.split(lines[-1]))
        tsrc = f"tests/unit/{unit}.c"
        tobj = os.path.join(self.mdir(fl), f"{unit}.o")
        i_o = argv.index("-o")
        if True:  # once per run: the test's headers may have changed too
            r = sh(argv[:i_o] + ["-c", "-o", tobj, tsrc], self.dir, timeout=300)
            if r.returncode != 0:
                log(r.stdout[-2000:])
                return False
        argv = [tobj if a == tsrc else a for a in argv]
        argv[i_o + 1] = os.path.join(self.mdir(fl), unit)
        if shutil.which("ld.gold"):
            argv.insert(1, "-fuse-ld=gold")  # links in a third of the time of ld.bfd
        obj = f"{out}/obj/{src[:-2]}.o"
        lib = f"{out}/obj/libtartan.a"
        if obj in argv:
            argv = ["MUT_OBJ" if a == obj else a for a in argv]
        elif src.startswith("lib/") and lib in argv:
            # the mutated object first: the linker then takes nothing from the archive's copy
            k = argv.index(lib)
            argv = argv[:k] + ["MUT_OBJ"] + argv[k:]
        else:
            return False  # this test does not link the file: it cannot tell a mutant apart
        self.link_argv[key] = argv
        return True

    def link(self, unit, src, fl, mobj):
        argv = [mobj if a == "MUT_OBJ" else a for a in self.link_argv[(unit, src, fl)]]
        r = sh(argv, self.dir, timeout=300)
        return r.returncode == 0

    def env(self, fl="plain"):
        out = os.path.join(self.dir, FLAVOURS[fl][0])
        e = dict(os.environ, TT_ROOT=self.dir, TT_OUT=out, TT_BIN=os.path.join(out, "bin"),
                 TT_HELPERS=os.path.join(out, "helpers"), TT_VARIANT=fl,
                 TT_SHARED=os.environ.get("TT_SHARED", os.path.join(ROOT, "..", "shared")))
        if fl == "asan":
            e.update(ASAN_ENV)
        return e

    def unit_argv(self, unit, fl, mutant=True):
        d = self.mdir(fl) if mutant else os.path.join(self.dir, FLAVOURS[fl][0], "tests")
        return [os.path.join(d, unit)]

    def integ_argv(self, f):
        p = os.path.join(self.dir, "tests", "integration", f)
        return ["python3", p] if f.endswith(".py") else ["bash", p]

    def run_integration(self, src, mutated, integ, caps):
        """Builds the mutant into the programs, runs the integration tests, puts back the
        unmutated objects and programs (with their times, so make sees nothing to do)."""
        b = os.path.join(self.dir, "build")
        keep = [f"obj/{src[:-2]}.o", f"obj/{src[:-2]}.d", f"musl/{src[:-2]}.o",
                f"musl/{src[:-2]}.d", "obj/libtartan.a", "musl/libtartan.a"]
        keep += ["bin/" + x for x in os.listdir(os.path.join(b, "bin"))]
        saved = os.path.join(self.mdir("plain"), "saved")
        shutil.rmtree(saved, ignore_errors=True)
        for k in keep:
            if os.path.exists(os.path.join(b, k)):
                os.makedirs(os.path.dirname(os.path.join(saved, k)), exist_ok=True)
                shutil.copy2(os.path.join(b, k), os.path.join(saved, k))
        prog = src.split("/")[0]
        targets = ["build/bin/" + x for x in os.listdir(os.path.join(b, "bin"))] if prog == "lib" \
            else [f"build/bin/{prog}"]
        path = os.path.join(self.dir, src)
        st = os.stat(path)
        orig = open(path).read()
        try:
            open(path, "w").write(mutated)
            ok, _ = self.make(targets, timeout=600)
            if not ok:
                return "nocompile", None
            for f in integ:
                r = run_one(self.integ_argv(f), self.dir, self.env(), caps.get(self, f))
                if r != "pass":
                    return r, f
            return "pass", None
        finally:
            open(path, "w").write(orig)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
            self.restore_saved(keep)

    def restore_saved(self, keep=None):
        """Puts back what run_integration saved (also after a run cut short in the middle)."""
        b = os.path.join(self.dir, "build")
        saved = os.path.join(self.mdir("plain"), "saved")
        if not os.path.isdir(saved):
            return
        if keep is None:
            keep = [os.path.relpath(os.path.join(dp, f), saved)
                    for dp, _, fs in os.walk(saved) for f in fs]
        for k in keep:
            if os.path.exists(os.path.join(saved, k)):
                shutil.copy2(os.path.join(saved, k), os.path.join(b, k))
            elif os.path.exists(os.path.join(b, k)):
                os.unlink(os.path.join(b, k))
        shutil.rmtree(saved)

    def compile_mutant(self, m, orig, fl):
        mutated = m.apply(orig)
        path = os.path.join(self.dir, m.path)
        st = os.stat(path)
        mobj = os.path.join(self.mdir(fl), "mut.o")
        try:
            open(path, "w").write(mutated)
            ok, _ = self.compile(m.path, fl, mobj)
        finally:
            open(path, "w").write(orig)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        return mobj if ok else None

    def run_units(self, m, units, fl, caps):
        """None when every unit test passes, else (status, test)."""
        mobj = self.compile_mutant(m, self.orig, fl)
        if not mobj:
            return "nocompile", None
        for u in units:
            if not self.prepare_unit(u, m.path, fl):
                continue
            if not self.link(u, m.path, fl, mobj):
                return "nocompile", u
            r = run_one(self.unit_argv(u, fl), self.dir, self.env(fl), caps.get(self, (u, fl)))
            if r != "pass":
                return {"fail": "killed", "timeout": "timeout"}[r], (u if fl == "plain" else f"{u} ({fl})")
        return None

    def run_mutant(self, m, orig, units, integ, caps, flavours):
        """(status, test): killed / timeout / survived / nocompile / same (identical machine
        code), and the test that told the mutant apart."""
        self.orig = orig
        for fl in flavours:
            if not self.prepare_source(m.path, fl):
                raise RunnerError(f"cannot find how {m.path} is compiled ({fl})")
        mobj = self.compile_mutant(m, orig, "plain")
        if not mobj:
            return "nocompile", None
        if open(mobj, "rb").read() == self.ref[m.path]:
            return "same", None
        for fl in flavours:
            r = self.run_units(m, units, fl, caps)
            if r:
                return r
        if integ:
            r, by = self.run_integration(m.path, m.apply(orig), integ, caps)
            if r != "pass":
                return {"fail": "killed", "timeout": "timeout", "nocompile": "nocompile"}[r], by
        return "survived", None


def unit_names(patterns):
    """Unit tests in the order of the patterns (the most specific first: most mutants are
    killed by the first test run, and the rest are then not even linked)."""
    names = []
    for p in patterns:
        for s in sorted(glob.glob(os.path.join(ROOT, "tests", "unit", p + ".c"))):
            n = os.path.basename(s)[:-2]
            if n not in names:
                names.append(n)
    return names


@functools.lru_cache(maxsize=None)
def test_signature(units, integ, asan):
    h = hashlib.sha1(b"asan" if asan else b"")
    for u in units:
        h.update(open(os.path.join(ROOT, "tests", "unit", u + ".c"), "rb").read())
    for hdr in sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "*.h")) +
                      glob.glob(os.path.join(ROOT, "tests", "unit", "*.inc"))):
        h.update(open(hdr, "rb").read())
    for f in integ:
        h.update(open(os.path.join(ROOT, "tests", "integration", f), "rb").read())
    return h.hexdigest()[:12]


def load_equivalents():
    """Mutant ids listed in docs/internals/mutants.md as equivalent (table rows `| id | ...`)."""
    eq = {}
    if os.path.exists(EQUIV_DOC):
        for line in open(EQUIV_DOC):
            m = re.match(r"\|\s*`?([\w.\-]+\.[ch]:[0-9a-f]{10})`?\s*\|(.*)", line)
            if m:
                eq[m.group(1)] = m.group(2).strip(" |")
    return eq


def save_results(path, results):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=0, sort_keys=True)
    os.replace(tmp, path)


STATUS_WORDS = {"killed": "killed", "timeout": "timed out", "survived": "survived",
                "equivalent": "equivalent", "same": "same code", "nocompile": "not compiling"}


def row(path, c):
    killed, tmo, surv = c.get("killed", 0), c.get("timeout", 0), c.get("survived", 0)
    eq, same, nc = c.get("equivalent", 0), c.get("same", 0), c.get("nocompile", 0)
    n = killed + tmo + surv + eq + same + nc
    judged = killed + tmo + surv
    rate = f"{100.0 * (killed + tmo) / judged:.1f}%" if judged else "-"
    return f"| {path} | {n} | {killed} | {tmo} | {surv} | {eq} | {same} | {nc} | {rate} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", nargs="*", help="source globs (default: the whole scope)")
    ap.add_argument("--ops", default="ror,lcr,aor,neg,const,del,ret")
    ap.add_argument("--sample", type=int, default=0,
                    help="run N mutants spread over the files, chosen by --seed")
    ap.add_argument("--per-file", type=int, default=0, help="at most N mutants per file (sampled by --seed)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own tree")
    ap.add_argument("--fail-on-survivor", action="store_true")
    ap.add_argument("--work", default=WORK, help="trees and results (default build-mutate/)")
    ap.add_argument("--report", default=None, help="default: WORK/report.md")
    ap.add_argument("--ids", nargs="*", help="only these mutant ids (as listed by --list)")
    ap.add_argument("--with-ids", nargs="*", default=[],
                    help="these mutant ids run too, whatever the sample (a pinned mutant); an id "
                         "that no longer exists stops the run (status 2)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results")
    ap.add_argument("--budget", type=float, default=0, help="stop starting mutants after this many seconds")
    ap.add_argument("--no-integration", action="store_true", help="unit tests only")
    ap.add_argument("--no-asan", action="store_true",
                    help="plain build only (default: survivors of the plain unit tests are also "
                         "run in build-asan/ when it exists)")
    ap.add_argument("--report-only", action="store_true", help="report earlier results, run nothing")
    ap.add_argument("--results-lines", action="store_true",
                    help="print PASS/FAIL lines (tests/run.sh protocol): PASS for a mutant the "
                         "tests tell apart, FAIL with its diff for a survivor; exit 1 on a survivor")
    args = ap.parse_args()
    ops = set(args.ops.split(","))
    work = os.path.abspath(args.work)
    results_path = os.path.join(work, "results.json")
    report_path = args.report or os.path.join(work, "report.md")

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
    use_asan = not args.no_asan and os.path.isdir(os.path.join(ROOT, "build-asan", "obj"))
    sources, cover, by_file = {}, {}, {}
    all_ids = set()
    pinned = {}
    for rel, units, integ in plan:
        src = open(os.path.join(ROOT, rel)).read()
        sources[rel] = src
        cover[rel] = (units, integ)
        muts = [m for m in generate(rel, src) if m.op in ops]
        all_ids.update(m.id for m in muts)
        pinned.update((m.id, m) for m in muts if m.id in args.with_ids)
        if args.ids:
            muts = [m for m in muts if m.id in args.ids]
        by_file[rel] = sample_per_file(muts, args.per_file, args.seed)
    planned = {os.path.basename(p) for p in sources}
    for mid in sorted(equivalents):
        if mid.split(":")[0] in planned and mid not in all_ids:
            log(f"mutate: {os.path.relpath(EQUIV_DOC, ROOT)} lists {mid}, which no longer exists "
                "(its line changed): review that row")
    if args.sample:
        todo = sorted(sample_across(by_file, args.sample, args.seed), key=lambda m: (m.path, m.start))
    else:
        todo = [m for p in sorted(by_file) for m in by_file[p]]
    missing = [i for i in args.with_ids if i not in pinned]
    if missing:
        log(f"mutate: no mutant {' '.join(missing)} (--with-ids) in {' '.join(sorted(sources))}: "
            "its line changed; pin the new id (mutate.py --list)")
        return 2
    todo += [pinned[i] for i in args.with_ids if all(m.id != i for m in todo)]
    if args.list:
        for m in todo:
            print(f"{m.id}\t{m.path}:{m.line}\t{m.op}\t{m.desc}")
        print(f"{len(todo)} mutants")
        return 0

    os.makedirs(work, exist_ok=True)
    results = {}
    if os.path.exists(results_path) and not args.fresh:
        results = json.load(open(results_path))

    def src_hash(p):
        return hashlib.sha1(sources[p].encode()).hexdigest()[:12]

    def cached(m):
        if m.id in equivalents:
            return "equivalent"
        units, integ = cover[m.path]
        sig = hashlib.sha1((sources[m.path] + test_signature(tuple(units), tuple(integ), use_asan)).encode()).hexdigest()[:12]
        prev = results.get(m.id)
        if prev and prev.get("src") == src_hash(m.path):
            # killed stays killed while the file is unchanged (tests are only added); a
            # survivor is run again when its tests change
            if prev["status"] in ("killed", "timeout", "nocompile", "same") or prev.get("sig") == sig:
                return prev["status"]
        return None

    pending = [] if args.report_only else [m for m in todo if cached(m) is None]
    log(f"mutate: {len(todo)} mutants over {len(plan)} files, {len(pending)} to run, "
        f"{args.jobs} job(s); work in {work}")

    start = time.monotonic()
    ran = 0
    if pending:
        files = source_files()
        trees = [Tree(work, i) for i in range(max(1, args.jobs))]
        flavours = ["plain", "asan"] if use_asan else ["plain"]
        for t in trees:
            t.sync(files)
        if not use_asan and not args.no_asan:
            log("mutate: no build-asan/ (make asan): mutants are run in the plain build only")
        for t in trees:
            for fl in flavours:
                ok, out = t.make(["all"], fl)
                if not ok:
                    log(out[-3000:])
                    log(f"mutate: the unmutated tree {t.dir} does not build ({fl})")
                    return 2
        caps = Caps()

        free = queue.Queue()
        for t in trees:
            free.put(t)
        lock = threading.Lock()
        done = [0]

        broken = []

        def work_one(m):
            if broken or (args.budget and time.monotonic() - start > args.budget):
                return None
            t = free.get()
            try:
                units, integ = cover[m.path]
                status, by = t.run_mutant(m, sources[m.path], units, integ, caps, flavours)
            except RunnerError as e:
                broken.append(str(e))
                return None
            finally:
                free.put(t)
            units, integ = cover[m.path]
            sig = hashlib.sha1((sources[m.path] + test_signature(tuple(units), tuple(integ), use_asan)).encode()).hexdigest()[:12]
            with lock:
                results[m.id] = {"status": status, "sig": sig, "src": src_hash(m.path),
                                 "where": f"{m.path}:{m.line}", "desc": m.desc, "by": by}
                save_results(results_path, results)
                done[0] += 1
                log(f"[{done[0]}/{len(pending)}] {status:10} {m.path}:{m.line} {m.op} {m.desc}"
                    + (f"  ({by})" if by else ""))
            return status

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(trees)) as ex:
            futs = [ex.submit(work_one, m) for m in pending]
            try:
                for f in concurrent.futures.as_completed(futs):
                    if f.result() is not None:
                        ran += 1
            except KeyboardInterrupt:
                for f in futs:
                    f.cancel()
                raise
        if broken:
            log(f"mutate: {broken[0]}")
            return 2
        if ran < len(pending):
            log("mutate: time budget used up; rerun to resume")

    counts, survivors = {}, []
    for m in todo:
        status = cached(m)
        if status is None:
            continue  # not run (budget)
        c = counts.setdefault(m.path, {})
        c[status] = c.get(status, 0) + 1
        if status == "survived":
            survivors.append(m)
        if args.results_lines and status in ("killed", "timeout", "survived"):
            name = f"mutant_{m.id}"
            if status == "survived":
                print(f"FAIL {name}: survived, no test fails on {one_line_diff(m, sources[m.path])}",
                      flush=True)
            else:
                by = results.get(m.id, {}).get("by")
                how = "timed out" if status == "timeout" else "killed"
                print(f"PASS {name} ({m.path}:{m.line} {m.op} {m.desc}: {how}"
                      + (f" by {by})" if by else ")"), flush=True)

    lines = ["| file | mutants | killed | timed out | survived | equivalent | same code | not compiling | kill rate |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tot = {}
    for path in sorted(counts):
        for k, v in counts[path].items():
            tot[k] = tot.get(k, 0) + v
        lines.append(row(path, counts[path]))
    lines.append(row("**all**", tot))
    text = "\n".join(lines)
    if survivors:
        text += "\n\nSurvivors:\n\n```diff\n" + "\n".join(diff_of(m, sources[m.path]) for m in survivors) + "\n```\n"
    os.makedirs(os.path.dirname(report_path), exist_ok=True)
    open(report_path, "w").write(text + "\n")
    if args.results_lines:
        log(text)
    else:
        print(text)
    log(f"mutate: {ran} mutants run in {time.monotonic() - start:.0f} s; report in {report_path}")
    if (args.fail_on_survivor or args.results_lines) and survivors:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

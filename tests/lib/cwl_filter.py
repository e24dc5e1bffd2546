"""CloudWatch Logs filter patterns, the subset Tartan's metric filters use, as the service
documents them (Filter pattern syntax for metric filters): a test oracle for deploy/cloudwatch.

  matches(pattern, message) -> bool

Term patterns: space-separated terms, all must occur ("a b" or unquoted words); terms prefixed
with "?" are alternatives (any must occur). JSON patterns: { SELECTOR OP VALUE } joined with
&& and ||, parentheses; SELECTOR $.a.b; OP = != < > <= >=; VALUE a "string" (with * wildcards),
a number, or a bare word. A message that is not JSON never matches a JSON pattern."""
import json
import re


def _terms(pattern):
    return re.findall(r'\??"(?:[^"\\]|\\.)*"|\??\S+', pattern)


def _unquote(t):
    t = t.lstrip("?")
    return json.loads(t) if t.startswith('"') else t


def _term_match(pattern, message):
    terms = _terms(pattern)
    alts = [_unquote(t) for t in terms if t.startswith("?")]
    alls = [_unquote(t) for t in terms if not t.startswith("?")]
    if alts and alls:
        raise ValueError("mixing ? terms with plain terms is not supported by this oracle")
    if alts:
        return any(a in message for a in alts)
    return all(a in message for a in alls)


_TOK = re.compile(r'\s*(\(|\)|&&|\|\||!=|<=|>=|=|<|>|"(?:[^"\\]|\\.)*"|\$[\w.\[\]]+|[^\s()]+)')


def _tokens(s):
    out, i = [], 0
    while i < len(s):
        m = _TOK.match(s, i)
        if not m:
            if s[i:].strip():
                raise ValueError(f"cannot read pattern at {s[i:]!r}")
            break
        out.append(m.group(1))
        i = m.end()
    return out


def _select(obj, sel):
    cur = obj
    for part in sel[2:].split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None, False
        cur = cur[part]
    return cur, True


def _compare(obj, sel, op, raw):
    val, found = _select(obj, sel)
    if not found:
        return False
    if raw.startswith('"'):
        want = json.loads(raw)
        if not isinstance(val, str) or op not in ("=", "!="):
            return False
        rx = "^" + ".*".join(re.escape(p) for p in want.split("*")) + "$"
        hit = re.match(rx, val) is not None
        return hit if op == "=" else not hit
    try:
        num = float(raw)
    except ValueError:
        return (val == raw) if op == "=" else (op == "!=" and val != raw)
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        return False
    return {"=": val == num, "!=": val != num, "<": val < num, ">": val > num,
            "<=": val <= num, ">=": val >= num}[op]


def _expr(toks, i, obj):
    val, i = _term(toks, i, obj)
    while i < len(toks) and toks[i] in ("&&", "||"):
        op = toks[i]
        rhs, i = _term(toks, i + 1, obj)
        val = (val and rhs) if op == "&&" else (val or rhs)
    return val, i


def _term(toks, i, obj):
    if toks[i] == "(":
        val, i = _expr(toks, i + 1, obj)
        if toks[i] != ")":
            raise ValueError("unbalanced parentheses")
        return val, i + 1
    sel, op, raw = toks[i], toks[i + 1], toks[i + 2]
    if not sel.startswith("$."):
        raise ValueError(f"not a selector: {sel}")
    return _compare(obj, sel, op, raw), i + 3


def matches(pattern, message):
    p = pattern.strip()
    if p.startswith("{"):
        if not p.endswith("}"):
            raise ValueError("unterminated JSON pattern")
        try:
            obj = json.loads(message)
        except ValueError:
            return False
        toks = _tokens(p[1:-1])
        val, i = _expr(toks, 0, obj)
        if i != len(toks):
            raise ValueError(f"trailing tokens {toks[i:]}")
        return val
    return _term_match(p, message)

#!/usr/bin/env python3
"""Reads the hardening properties of ELF executables from the file itself (checksec-style, no
external tool): PIE, RELRO with immediate binding, non-executable stack, stack canary,
_FORTIFY_SOURCE, and control-flow protection (x86_64 CET, aarch64 PAC/BTI).

    python3 tests/lib/elfcheck.py [--no-fortify] [--json] FILE...

Prints one line per file and exits 1 if any file misses a required property, 2 on a file that is
not a 64-bit little-endian ELF executable. What each property means and how it is read:

  pie      e_type ET_DYN and DT_FLAGS_1 has DF_1_PIE (a shared library is ET_DYN without it)
  relro    a PT_GNU_RELRO segment
  now      DT_FLAGS has DF_BIND_NOW, or DT_FLAGS_1 has DF_1_NOW, or DT_BIND_NOW (full RELRO)
  nx       PT_GNU_STACK present and not executable
  canary   __stack_chk_fail referenced or defined (static binaries define it)
  fortify  a glibc __*_chk function (not __stack_chk_fail) referenced or defined; required only
           for glibc binaries (musl has no fortified headers) and not with --no-fortify
           (sanitizer builds)
  cfi      x86_64: main (LLVMFuzzerTestOneInput in a fuzz target) begins with endbr64 (built with -fcf-protection); aarch64: main begins
           with paciasp or bti (-mbranch-protection=standard). The .note.gnu.property marking
           (IBT/SHSTK, BTI/PAC) is reported as well but not required: the linker ANDs it over
           every input, and Debian 12's libc start files (crt1.o, crti.o) carry none, so no
           binary linked against them can be marked without claiming what libc does not do.

Needs the symbol table (.symtab or .dynsym) for canary, fortify and cfi: a stripped static
binary reports them as unknown, which counts as missing.
"""
import json
import struct
import sys

ET_DYN = 3
PT_DYNAMIC, PT_NOTE, PT_GNU_STACK, PT_GNU_RELRO, PT_GNU_PROPERTY = 2, 4, 0x6474E551, 0x6474E552, 0x6474E553
PF_X = 1
DT_NULL, DT_BIND_NOW, DT_FLAGS, DT_FLAGS_1 = 0, 24, 30, 0x6FFFFFFB
DF_BIND_NOW, DF_1_NOW, DF_1_PIE = 0x8, 0x1, 0x08000000
EM_X86_64, EM_AARCH64 = 62, 183
GNU_PROPERTY_X86_FEATURE_1_AND = 0xC0000002
GNU_PROPERTY_AARCH64_FEATURE_1_AND = 0xC0000000
ENDBR64 = b"\xf3\x0f\x1e\xfa"
AARCH64_LANDING = {0xD503233F: "paciasp", 0xD503237F: "pacibsp", 0xD503245F: "bti c",
                   0xD50324DF: "bti jc", 0xD503241F: "bti"}


class NotElf(Exception):
    pass


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise NotElf(f"{path}: not a 64-bit little-endian ELF file")
        (self.e_type, self.e_machine, _, _, self.e_phoff, self.e_shoff, _, _, self.e_phentsize,
         self.e_phnum, self.e_shentsize, self.e_shnum, self.e_shstrndx) = struct.unpack_from(
            "<HHIQQQIHHHHHH", d, 16)
        self.phdrs = [struct.unpack_from("<IIQQQQQQ", d, self.e_phoff + i * self.e_phentsize)
                      for i in range(self.e_phnum)]
        self.shdrs = [struct.unpack_from("<IIQQQQIIQQ", d, self.e_shoff + i * self.e_shentsize)
                      for i in range(self.e_shnum)] if self.e_shoff else []

    def segments(self, ptype):
        return [p for p in self.phdrs if p[0] == ptype]

    def dynamic(self):
        out = {}
        for p in self.segments(PT_DYNAMIC):
            off, size = p[2], p[5]
            for i in range(0, size, 16):
                tag, val = struct.unpack_from("<qQ", self.data, off + i)
                if tag == DT_NULL:
                    break
                out.setdefault(tag, []).append(val)
        return out

    def section_name(self, sh):
        if not self.shdrs or self.e_shstrndx >= len(self.shdrs):
            return ""
        base = self.shdrs[self.e_shstrndx][4]
        end = self.data.index(b"\0", base + sh[0])
        return self.data[base + sh[0]:end].decode("ascii", "replace")

    def symbols(self):
        """(name, value, size, shndx) from .symtab and .dynsym."""
        syms = []
        for sh in self.shdrs:
            if sh[1] not in (2, 11):  # SHT_SYMTAB, SHT_DYNSYM
                continue
            strtab = self.shdrs[sh[6]]
            for i in range(sh[5] // 24):
                name, info, other, shndx, value, size = struct.unpack_from("<IBBHQQ", self.data, sh[4] + i * 24)
                s = strtab[4] + name
                n = self.data[s:self.data.index(b"\0", s)].decode("ascii", "replace")
                if n:
                    syms.append((n, value, size, shndx))
        return syms

    def vaddr_bytes(self, vaddr, n):
        for p in self.phdrs:
            if p[0] == 1 and p[3] <= vaddr < p[3] + p[5]:  # PT_LOAD
                off = p[2] + (vaddr - p[3])
                return self.data[off:off + n]
        return b""

    def properties(self):
        """The x86/aarch64 feature_1_and bits of .note.gnu.property (0 when absent)."""
        bits = 0
        for p in self.segments(PT_GNU_PROPERTY) or self.segments(PT_NOTE):
            off, end = p[2], p[2] + p[5]
            while off + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from("<III", self.data, off)
                name = self.data[off + 12:off + 12 + namesz]
                desc = off + 12 + ((namesz + 3) & ~3)
                if ntype == 5 and name.rstrip(b"\0") == b"GNU":  # NT_GNU_PROPERTY_TYPE_0
                    q = desc
                    while q + 8 <= desc + descsz:
                        ptype, psz = struct.unpack_from("<II", self.data, q)
                        if ptype in (GNU_PROPERTY_X86_FEATURE_1_AND, GNU_PROPERTY_AARCH64_FEATURE_1_AND) and psz >= 4:
                            bits |= struct.unpack_from("<I", self.data, q + 8)[0]
                        q += 8 + ((psz + 7) & ~7)
                off = desc + ((descsz + 3) & ~3)
        return bits

    def is_glibc(self):
        """glibc's start files carry the .note.ABI-tag note; musl's do not."""
        return any(self.section_name(sh) == ".note.ABI-tag" for sh in self.shdrs)


def check(path, fortify_required=True):
    e = Elf(path)
    dyn = e.dynamic()
    flags = sum(dyn.get(DT_FLAGS, []))
    flags1 = sum(dyn.get(DT_FLAGS_1, []))
    syms = e.symbols()
    names = {s[0] for s in syms}
    r = {"file": path, "arch": {EM_X86_64: "x86_64", EM_AARCH64: "aarch64"}.get(e.e_machine, str(e.e_machine))}
    r["static"] = not any(p[0] == 3 for p in e.phdrs)  # no PT_INTERP
    r["pie"] = e.e_type == ET_DYN and bool(flags1 & DF_1_PIE)
    r["relro"] = bool(e.segments(PT_GNU_RELRO))
    r["now"] = bool(flags & DF_BIND_NOW or flags1 & DF_1_NOW or DT_BIND_NOW in dyn)
    stack = e.segments(PT_GNU_STACK)
    r["nx"] = bool(stack) and not (stack[0][1] & PF_X)
    r["glibc"] = e.is_glibc()
    if not syms:
        r["canary"] = r["fortify"] = r["cfi"] = None
    else:
        r["canary"] = "__stack_chk_fail" in names
        chk = sorted(n for n in names if n.startswith("__") and n.endswith("_chk") and n != "__stack_chk_fail")
        r["fortify_functions"] = len(chk)
        r["fortify"] = bool(chk) if (r["glibc"] and fortify_required) else "n/a"
        # our code's entry: main, or in a libFuzzer target (whose main is libFuzzer's) the target
        mains = [s for s in syms if s[0] == "LLVMFuzzerTestOneInput" and s[3] != 0 and s[1]] or \
            [s for s in syms if s[0] == "main" and s[3] != 0 and s[1]]
        first = e.vaddr_bytes(mains[0][1], 4) if mains else b""
        if not mains:
            r["cfi"] = None
        elif e.e_machine == EM_X86_64:
            r["cfi"] = first == ENDBR64
        elif e.e_machine == EM_AARCH64:
            r["cfi"] = len(first) == 4 and struct.unpack("<I", first)[0] in AARCH64_LANDING
        else:
            r["cfi"] = "n/a"
    bits = e.properties()
    if e.e_machine == EM_X86_64:
        r["cet_note"] = "+".join(n for b, n in ((1, "IBT"), (2, "SHSTK")) if bits & b) or "none"
    else:
        r["cet_note"] = "+".join(n for b, n in ((1, "BTI"), (2, "PAC")) if bits & b) or "none"
    r["missing"] = [k for k in ("pie", "relro", "now", "nx", "canary", "fortify", "cfi") if r[k] is not True and r[k] != "n/a"]
    return r


def main(argv):
    fortify = "--no-fortify" not in argv
    as_json = "--json" in argv
    files = [a for a in argv if not a.startswith("--")]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    worst = 0
    results = []
    for f in files:
        try:
            r = check(f, fortify)
        except (NotElf, OSError, struct.error, ValueError) as ex:
            print(f"{f}: {ex}", file=sys.stderr)
            worst = 2
            continue
        results.append(r)
        if r["missing"]:
            worst = max(worst, 1)
        if not as_json:
            def show(k):
                v = r[k]
                return f"{k}={'yes' if v is True else 'NO' if v is False else 'unknown' if v is None else v}"
            print(f"{f}: {' '.join(show(k) for k in ('pie', 'relro', 'now', 'nx', 'canary', 'fortify', 'cfi'))}"
                  f" static={'yes' if r['static'] else 'no'} cet_note={r['cet_note']}"
                  + (f" MISSING: {','.join(r['missing'])}" if r["missing"] else ""))
    if as_json:
        print(json.dumps(results, indent=1))
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

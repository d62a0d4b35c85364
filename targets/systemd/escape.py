"""Escaping for unit files: unit names (systemd.unit(5)), ExecStart words (systemd.service(5)), plain values.

Rendering may not call `systemd-escape` (artifacts must not depend on the compiling machine,
and compile must be fast), so its rules are implemented here; a test compares them with the
real binary.
"""

from __future__ import annotations

import re

_UNIT_PLAIN = re.compile(r"^[A-Za-z0-9:_][A-Za-z0-9:_.]*$")  # needs no escaping at all
_UNIT_VALID = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:_.")
#: words that need no quoting in ExecStart= (no whitespace, quotes, backslash, '%', '$', ';')
_PLAIN_WORD = re.compile(r"^[A-Za-z0-9_./:,+=@-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # incl. lone surrogates
_ASCII_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]}
UNIT_NAME_MAX = 255  # systemd's UNIT_NAME_MAX (256) counts the terminating NUL


def unit_name_escape(text: str) -> str:
    """What `systemd-escape TEXT` prints: '/' -> '-', other bytes outside [A-Za-z0-9:_.] -> '\\xNN'.

    '-' is escaped too, which keeps `dativo-<tenant>-<schedule>` unambiguous when names hold '-'.
    """
    if _UNIT_PLAIN.fullmatch(text):
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "/":
            out.append("-")
        elif ch in _UNIT_VALID and not (i == 0 and ch == "."):  # no leading '.': that would be a hidden file
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _c_escape(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x80 else (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")


def exec_word(word: str) -> str:
    """One argument of ExecStart=: bare when plain, else double-quoted with C escapes.

    Specifiers are expanded on the whole line first ('%' -> '%%') and variables at exec time
    ('$' -> '$$'), inside quotes too; backslash and '"' are escaped, control characters written
    as C escapes so no raw newline (or line continuation) reaches the file.
    """
    if _PLAIN_WORD.fullmatch(word):
        return word
    out = ['"']
    for ch in word:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "$":
            out.append("$$")
        elif _CONTROL.match(ch):
            out.append(_c_escape(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def exec_line(argv: list[str]) -> str:
    return " ".join(exec_word(w) for w in argv)


def plain_value(text: str) -> str | None:
    """A value for settings that take no quoting (WorkingDirectory=, EnvironmentFile=, Description=).

    '%' becomes '%%' (specifiers); None when the value cannot be written exactly: a control
    character (a newline would start a new setting), a backslash (C escapes and line
    continuations are not consistent across settings), or whitespace at either end (trimmed).
    """
    if _CONTROL.search(text) or "\\" in text or text != text.strip():
        return None
    return text.replace("%", "%%")


def mount_path(text: str) -> str | None:
    """One path of RequiresMountsFor= (a runtime mount): bare, or double-quoted when it holds whitespace
    or quotes; '%' becomes '%%'. None when a control character or backslash keeps it from being written."""
    if _CONTROL.search(text) or "\\" in text:
        return None
    text = text.replace("%", "%%")
    return text if _PLAIN_WORD.fullmatch(text.replace("%", "")) else '"' + text.replace('"', '\\"') + '"'


def comment(text: str) -> str:
    """Free text for a '#' comment line: one line, printable ASCII (non-ASCII and controls escaped)."""
    if text.isascii() and text.isprintable() and not text.endswith("\\"):
        return text  # the common case, kept fast (2,000 schedules render in well under 0.1 s)
    out = text.encode("ascii", "backslashreplace").decode("ascii").translate(_ASCII_CONTROLS)
    # A line ending in '\' would continue into the next line in some systemd versions.
    return out[:-1] + "\\x5c" if out.endswith("\\") else out

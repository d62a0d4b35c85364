"""Shell words that stay inert inside a Jinja-templated Airflow field.

BashOperator renders `bash_command` with Jinja before bash sees it, so a word
must be safe twice: for bash (single quotes) and for Jinja (no `{{`, `{%` or
`{#` may appear). Every `{` is followed by an empty `''` inside the quotes,
which bash drops and which keeps Jinja from seeing an opening delimiter.
Control characters go through bash's `$'\\xHH'` so no raw newline or carriage
return reaches Jinja (which would normalise it) or the generated file.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


@lru_cache(maxsize=4096)  # deployment paths repeat in every schedule's command
def bash_word(word: str) -> str:
    """One shell word, for a templated bash command; raises ValueError on NUL (no argv can hold it)."""
    if "\0" in word:
        raise ValueError("a NUL character cannot be passed to a process")
    if _PLAIN.fullmatch(word):
        return word
    out = ["'"]
    for ch in word:
        code = ord(ch)
        if ch == "'":
            out.append("'\\''")
        elif ch == "{":
            out.append("{''")
        elif code < 32 or code == 127:
            out.append(f"'$'\\x{code:02x}''")
        else:
            out.append(ch)
    out.append("'")
    return "".join(out)


def jinja_inert(text: str) -> bool:
    """True when Jinja would render `text` unchanged (no delimiter, no newline to normalise)."""
    return not any(d in text for d in ("{{", "{%", "{#", "\r", "\n"))

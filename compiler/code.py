"""The `Code` type and its registry (compiler/codes.py defines the codes): a stdlib-only leaf that the
targets and the runtime import through compiler/codes.py."""

from __future__ import annotations

from typing import Any, Literal

Level = Literal["error", "warning"]

#: code string -> Code, in the catalogue's order (compiler/codes.py defines 0xx-4xx, then emit_codes.py 5xx-6xx)
REGISTRY: dict[str, Code] = {}


class Code(str):
    """One diagnostic code. A Code is its own string ('DTV301'), so `d.code == codes.INVALID_CRON`, f-strings
    and the older `diags.error(codes.X, message, span)` form keep working while call sites move to fields.
    (`summary` is the title: a str subclass cannot take `title`, which is str's method.)"""

    severity: Level
    summary: str
    message: str
    hint: str | None
    docs: str

    def __new__(
        cls,
        code: str,
        summary: str,
        message: str,
        hint: str | None = None,
        *,
        severity: Level = "error",
        docs: str = "diagnostics.md#the-catalogue",
    ) -> Code:
        if code in REGISTRY:
            raise ValueError(f"diagnostic code {code} is defined twice")
        self = super().__new__(cls, code)
        self.severity, self.summary, self.message, self.hint, self.docs = severity, summary, message, hint, docs
        REGISTRY[code] = self
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled as its string and unpickled as the registry's object: the project loader's worker
        processes send diagnostics back through a pipe (and __new__ would refuse a second definition)."""
        return _registered, (str(self),)

    def render(self, **fields: Any) -> tuple[str, str | None]:
        """The message and hint with their fields filled in (a KeyError names a field the site forgot)."""
        if self.hint == SITE_HINT:  # the site computes it (a did-you-mean), and it may be None
            return self.message.format(**fields), fields.get("hint")
        if "hint" in fields:
            raise TypeError(f"{self} has a hint of its own; the site passed another")
        return self.message.format(**fields), self.hint.format(**fields) if self.hint is not None else None


def _registered(code: str) -> Code:
    return REGISTRY[code]


# A message template of "{problem}" marks a code whose text comes from elsewhere (the YAML parser, pydantic,
# a pure helper such as the cron checker, a target): the site passes it whole.
FREE = "{problem}"
# A hint template of "{hint}" marks a hint the site computes (a did-you-mean, a path of its own), or None.
SITE_HINT = "{hint}"

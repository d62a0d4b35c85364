"""Every output format renders the same records."""

from __future__ import annotations

import json

from dativo.compiler.diagnostics import Diagnostics, Span, did_you_mean
from dativo.compiler.report import github, json_format, text


def _diags() -> Diagnostics:
    d = Diagnostics()
    d.error("DTV301", "invalid cron '61 * * * *': minute 61, out of range", Span("b.yaml", 9, 9, 9, 20), hint="fix it")
    d.warning("DTV306", "dst\nhour 100%", Span("a.yaml", 1, 2, 1, 5))
    d.error("DTV301", "invalid cron '61 * * * *': minute 61, out of range", Span("b.yaml", 9, 9, 9, 20), hint="fix it")
    return d


def test_sorted_and_deduplicated() -> None:
    assert [(x.span.file, x.code) for x in _diags()] == [("a.yaml", "DTV306"), ("b.yaml", "DTV301")]


def test_text() -> None:
    assert text.render(_diags().sorted()) == (
        "a.yaml:1:2: warning DTV306: dst\\nhour 100%\n"  # one diagnostic, one line
        "b.yaml:9:9: error DTV301: invalid cron '61 * * * *': minute 61, out of range\n"
        "  hint: fix it\n"
        "1 error, 1 warning\n"
    )


def test_text_escapes_what_would_break_a_line() -> None:
    """A user value (tenant_id, file name) cannot end a line, or forge a diagnostic after it."""
    d = Diagnostics()
    forged = "x\njobs/a.yaml:1:1: error DTV999: forged\x1c\u2028\x85\x00\t"
    d.error("DTV403", f"tenant {forged}", Span(f"jobs/{forged}.yaml", 1, 2, 1, 5), hint=f"use {forged}/")
    out = text.render(d.sorted())
    assert len(out.splitlines()) == 3, out
    assert out.splitlines()[0] == (
        "jobs/x\\njobs/a.yaml:1:1: error DTV999: forged\\x1c\\u2028\\x85\\x00\\t.yaml:1:2: error DTV403: tenant "
        "x\\njobs/a.yaml:1:1: error DTV999: forged\\x1c\\u2028\\x85\\x00\\t"
    )
    d = Diagnostics()
    d.error("DTV403", "tenant 'ünï名'", Span("jobs/ü.yaml", 1, 1, 1, 1))
    assert text.render(d.sorted()).splitlines()[0] == "jobs/ü.yaml:1:1: error DTV403: tenant 'ünï名'"  # printable stays


def test_github_escapes() -> None:
    out = github.render(_diags().sorted()).splitlines()
    assert out[0] == "::warning file=a.yaml,line=1,col=2,endLine=1,endColumn=5,title=DTV306::DTV306 dst%0Ahour 100%25"
    assert out[1].endswith("::DTV301 invalid cron '61 * * * *': minute 61, out of range%0Ahint: fix it")


def test_json() -> None:
    [w, e] = json.loads(json_format.render(_diags().sorted()))
    assert e == {
        "code": "DTV301",
        "severity": "error",
        "message": "invalid cron '61 * * * *': minute 61, out of range",
        "file": "b.yaml",
        "line": 9,
        "col": 9,
        "end_line": 9,
        "end_col": 20,
        "json_path": "$",
        "hint": "fix it",
    }


def test_did_you_mean() -> None:
    assert did_you_mean("cronn", ["cron", "config", "tags"]) == "did you mean 'cron'?"
    assert did_you_mean("info", ["INFO", "DEBUG"]) == "did you mean 'INFO'?"
    assert did_you_mean("zzz", ["cron"]) is None

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
        "a.yaml:1:2: warning DTV306: dst\nhour 100%\n"
        "b.yaml:9:9: error DTV301: invalid cron '61 * * * *': minute 61, out of range\n"
        "  hint: fix it\n"
        "1 error, 1 warning\n"
    )


def test_github_escapes() -> None:
    out = github.render(_diags().sorted()).splitlines()
    assert out[0] == "::warning file=a.yaml,line=1,col=2,endLine=1,endColumn=5,title=DTV306::DTV306 dst%0Ahour 100%25"
    assert out[1].endswith("::DTV301 invalid cron '61 * * * *': minute 61, out of range%0Ahint: fix it")


def test_json() -> None:
    [w, e] = json.loads(json_format.render(_diags().sorted()))
    assert e == {"code": "DTV301", "severity": "error", "message": "invalid cron '61 * * * *': minute 61, out of range",
                 "file": "b.yaml", "line": 9, "col": 9, "end_line": 9, "end_col": 20, "json_path": "$", "hint": "fix it"}


def test_did_you_mean() -> None:
    assert did_you_mean("cronn", ["cron", "config", "tags"]) == "did you mean 'cron'?"
    assert did_you_mean("info", ["INFO", "DEBUG"]) == "did you mean 'INFO'?"
    assert did_you_mean("zzz", ["cron"]) is None

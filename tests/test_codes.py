"""The code registry (compiler/codes.py): every code is produced somewhere in the tests, its templates
are well-formed, and a Code reports with its own severity, message and hint."""

from __future__ import annotations

import copy
import pickle
import re
import string
from pathlib import Path

import pytest

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics, Severity, Span
from dativo.targets.base import Findings, at_schedule

TESTS = Path(__file__).parent
BAD = TESTS / "cases" / "bad"
#: where the codes no bad case can produce (targets, compile --check) are asserted
PROVING_TESTS = [*sorted((TESTS / "targets").rglob("test_*.py")), *sorted(TESTS.glob("test_*.py"))]
NAMES = {code: name for name, code in vars(codes).items() if isinstance(code, codes.Code)}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_code_has_a_bad_case_or_a_test_that_asserts_it() -> None:
    """A code nothing produces is dead (the issue found four); delete it or give it a case."""
    cased = {code for code, case in _cases() if f" {code}: " in _golden(case)}  # named for it, and produces it
    sources = "\n".join(p.read_text("utf-8") for p in PROVING_TESTS if p.name != "test_codes.py")
    unproven = []
    for code in codes.REGISTRY.values():
        if code in cased:
            continue
        # below DTV500 a code is the compiler's: it needs a bad case; the targets' and drift's need a test
        asserted = re.search(rf"\b{code}\b|codes\.{NAMES[code]}\b", sources)
        if code < "DTV500" or not asserted:
            unproven.append(code)
    assert unproven == []


def _cases() -> list[tuple[str, Path]]:
    return [(case.name.split("_", 1)[0], case) for case in sorted(BAD.iterdir()) if case.is_dir()]


def _golden(case: Path) -> str:
    golden = case / "expected.txt"
    return golden.read_text("utf-8") if golden.is_file() else ""


def test_every_bad_case_produces_the_code_it_is_named_for() -> None:
    """A case renamed or left behind when a code is split would prove the wrong code."""
    assert [case.name for code, case in _cases() if f" {code}: " not in _golden(case)] == []


def test_every_code_has_one_name_and_a_well_formed_template() -> None:
    assert sorted(NAMES) == sorted(codes.REGISTRY)
    for code in codes.REGISTRY.values():
        assert re.fullmatch(r"DTV\d{3}", code) and code.summary and code.severity in ("error", "warning")
        _fields(code.message), _fields(code.hint or "")  # a malformed template raises here, not at a site
        page, _, _ = code.docs.partition("#")
        assert (TESTS.parent / "docs" / page).is_file(), code.docs


def test_a_code_is_its_string() -> None:
    assert codes.INVALID_CRON == "DTV301" and f"{codes.INVALID_CRON}" == "DTV301"
    assert {codes.INVALID_CRON: 1}["DTV301"] == 1
    with pytest.raises(ValueError, match="defined twice"):
        codes.Code("DTV301", "again", "x")


def test_a_code_crosses_process_boundaries() -> None:
    """The project loader's workers send their diagnostics back pickled: a Code unpickles as itself."""
    diags = Diagnostics()
    diags.report(codes.DUPLICATE_KEY, Span("jobs/acme/x.yaml", 2, 1), key="cron", line=1)
    [back] = pickle.loads(pickle.dumps(list(diags)))
    assert back.code is codes.DUPLICATE_KEY and back == list(diags)[0]
    assert copy.deepcopy(codes.DUPLICATE_KEY) is codes.DUPLICATE_KEY


def test_report_fills_the_templates_and_takes_the_codes_severity() -> None:
    diags = Diagnostics()
    span = Span("jobs/acme/x.yaml", 3, 5)
    diags.report(codes.ENGINE_NOT_RUN, span, engine="singer", source="stripe", exit=2)
    diags.report(codes.UNKNOWN_DEPENDENCY, span, path="$.tasks[0]", task="a", dep="b", hint=None)
    warning, error = sorted(diags, key=lambda d: d.code)
    assert warning.severity is Severity.WARNING and error.severity is Severity.ERROR
    assert warning.message == (
        "engine 'singer' of source 'stripe' is not run by this runtime yet; dativo run exits 2 on this job"
    )
    assert warning.hint == codes.ENGINE_NOT_RUN.hint
    assert (error.message, error.hint, error.json_path) == ("task 'a' depends on unknown task 'b'", None, "$.tasks[0]")
    with pytest.raises(KeyError):
        diags.report(codes.DAG_CYCLE, span, dag="d")  # a forgotten field fails loudly, in the tests


def test_the_older_form_still_works() -> None:
    """Compiler sites not yet moved to fields still write `diags.error(code, message, ...)`."""
    diags = Diagnostics()
    diags.error(codes.K8S_NAME, "a message", Span("plan.json"), hint="a hint")
    [d] = diags
    assert (d.code, d.severity, d.message, d.hint) == ("DTV521", Severity.ERROR, "a message", "a hint")


def test_a_target_reports_fields_and_the_code_gives_severity_message_and_hint() -> None:
    """The targets' Findings.report is Diagnostics.report at a logical location."""
    found = Findings()
    at = at_schedule("acme/daily", "tags", "x y")
    found.report(codes.DAGSTER_TAG_KEY, at, key="x y", schedule="acme/daily")
    found.report(codes.K8S_INEXPRESSIBLE, at, path="$.x", schedule="acme/daily", first="0 * * * *", second="0 0 * * *")
    warning, error = found
    assert (warning.severity, warning.message, warning.hint) == (
        "warning",
        "tag key 'x y' of schedule acme/daily is not a valid Dagster tag key; Dagster accepts it with a warning",
        codes.DAGSTER_TAG_KEY.hint,
    )
    assert (error.code, error.severity, error.path, error.at, error.hint) == (
        "DTV523",
        "error",
        "$.x",
        at,
        "make the cron lines disjoint, or split them into two schedules",
    )
    assert error.message.startswith("schedule 'acme/daily': cron lines '0 * * * *' and '0 0 * * *' fire at")
    assert found.errors == [error]
    with pytest.raises(KeyError):
        found.report(codes.K8S_NAME_COLLISION, at, first="a", second="b")  # a forgotten field fails loudly
    with pytest.raises(TypeError):
        found.report(codes.DAGSTER_RESERVED_TAG, at, key="k", schedule="s", hint="another")  # the code's own

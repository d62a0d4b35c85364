"""Issue 12: each rule has one home that everyone imports. These tests fail when a second copy
appears or drifts from the first."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dativo.runtime.secretnames import is_secret_name, may_hold_secret

ROOT = Path(__file__).resolve().parent.parent

SECRET = [
    "password",
    "db_pwd",
    "passphrase",
    "ssh_passphrase",
    "passwd",
    "client_secret",
    "api_token",
    "token",
    "api_key",
    "apikey",
    "apiKey",
    "API-KEY",
    "private_key",
    "access_key",
    "secret_key",
    "credential",
    "credentials",
    "DB_PASSWORD",
    "PG_PWD",
    "SOME_API_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "s3.secret-access-key",
    "s3.session-token",
    "adls.sas-token.myaccount",
    "adls.account-key",
    "gcs.oauth2.token",
]
NOT_SECRET = [
    "password_env",
    "token_file",
    "secret_url",
    "api_key_env",
    "credentials_file",
    "host",
    "user",
    "key",
    "primary_key",
    "partition_key",
    "uri",
    "s3.endpoint",
    "s3.access-key-id",
    "SOME_TOKEN_ENABLED",
    "tokenizer",
    "keyword",
]


@pytest.mark.parametrize("name", SECRET)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", NOT_SECRET)
def test_reference_and_plain_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_every_secret_rule_uses_the_one_predicate() -> None:
    """The compiler's DTV405 check, its diagnostics, the runtime's env masking and the catalog log share it."""
    from dativo.compiler import docscan, validate
    from dativo.runtime import execute
    from dativo.runtime import secrets as runtime_secrets

    for module in (docscan, validate):  # docscan finds what checks/secrets.py reports
        assert module.is_secret_name is is_secret_name, module.__name__
    for module in (runtime_secrets, execute):  # masking: the same words, anywhere in the name
        assert module.may_hold_secret is may_hold_secret, module.__name__


@pytest.mark.parametrize(
    "name",
    SECRET + ["DB_PASSWORD_PROD", "AWS_ACCESS_KEY_ID", "s3.access-key-id", "GITHUB_TOKEN_PROD", "client_secret_value"],
)
def test_the_runtime_masks_every_name_with_a_credential_word(name: str) -> None:
    assert may_hold_secret(name)


@pytest.mark.parametrize(
    "name",
    [
        "password_env",
        "token_file",
        "secret_url",
        "api_key_env",
        "credentials_file",
        "SOME_TOKEN_ENABLED",
        "tokenizer",
        "keyword",
        "HOME",
        "primary_key",
        "PATH",
    ],
)
def test_the_runtime_leaves_references_and_plain_names_alone(name: str) -> None:
    assert not may_hold_secret(name)


def _grep(pattern: str, *, ignore_case: bool = True) -> list[str]:
    flags = ["-i"] if ignore_case else []
    argv = ["git", "grep", "--untracked", "-n", *flags, "-E", pattern, "--", "*.py", ":!tests", ":!bench"]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    return sorted(line for line in out.splitlines() if line)


def test_no_second_secret_vocabulary() -> None:
    """A regex over credential words anywhere but runtime/secretnames.py would be a second rule."""
    words = "(passw|pwd|secret|token|credential)"
    hits = [
        h for h in _grep(rf"re\.compile\(.*(\|{words}|{words}[a-z_?]*\|)") if not h.startswith("runtime/secretnames.py")
    ]
    assert hits == []


def test_runtime_masks_a_pwd_and_a_passphrase_variable() -> None:
    """The issue's cases: the compiler flagged db_pwd and the runtime did not mask it; passphrase neither."""
    from dativo.runtime.logs import Redactor
    from dativo.runtime.secrets import collect

    redactor = Redactor()
    collect({"DB_PWD": "hunter2-hunter2", "SSH_PASSPHRASE": "correct horse", "HOME": "/home/someone"}, redactor)
    line = redactor("pw=hunter2-hunter2 pass=correct horse home=/home/someone")
    assert "hunter2" not in line and "correct horse" not in line and "/home/someone" in line


def test_compiler_flags_pwd_and_passphrase_but_not_references() -> None:
    from dativo.compiler.docscan import scan

    doc = {
        "connection": {
            "db_pwd": "hunter2",
            "ssh_passphrase": "horse",
            "password_env": "DB_PASSWORD",
            "token": "${API_TOKEN}",
            "host": "db",
        }
    }
    assert sorted(key for _, key, _ in scan(doc).secrets) == ["db_pwd", "ssh_passphrase"]


def test_one_exit_code_enum_matches_the_readme() -> None:
    from dativo.runtime.exitcodes import ExitCode

    assert (ExitCode.OK, ExitCode.FINDINGS, ExitCode.PARTIAL, ExitCode.FAIL, ExitCode.USAGE) == (0, 1, 1, 2, 2)
    readme = " ".join((ROOT / "README.md").read_text("utf-8").split())  # line breaks folded
    assert "`0` clean; `1` errors" in readme and "`2` usage and environment errors" in readme
    assert "`dativo run`: `0` success, `1` partial" in readme and "`2` failure" in readme
    runtime = " ".join((ROOT / "docs" / "runtime.md").read_text("utf-8").split())
    assert "`0` success" in runtime and "`1` partial" in runtime and "`2` failure" in runtime


def test_exit_codes_have_no_second_home() -> None:
    """`EXIT_FAIL` was 1 in the CLI and 2 in the runtime; every module now imports ExitCode."""
    # case-sensitive: a keyword argument `exit_code=` on its own line is not a constant
    assert _grep(r"^\s*EXIT_[A-Z_]+\s*(,|=)", ignore_case=False) == []
    from dativo.compiler import cli
    from dativo.compiler.commands import compile as compile_cmd
    from dativo.compiler.commands import run as run_cmd
    from dativo.runtime import exitcodes, plan_run, run

    for module in (cli, compile_cmd, run_cmd, plan_run, run):
        assert module.ExitCode is exitcodes.ExitCode, module.__name__


def test_cli_usage_error_and_findings_codes(tmp_path: Path) -> None:
    from dativo.compiler.cli import main
    from dativo.runtime.exitcodes import ExitCode

    assert main(["validate", str(tmp_path / "missing")]) == ExitCode.USAGE
    assert main(["run"]) == ExitCode.USAGE  # neither --config nor --plan


def test_retry_defaults_have_one_home() -> None:
    """The compiler's RetryConfig and the runtime's RetrySpec default to the same policy, from runtime/spec.py."""
    from dativo.compiler.models.common import RetryConfig
    from dativo.runtime.exitcodes import ExitCode
    from dativo.runtime.spec import RetrySpec

    # dativo-ingest's RetryConfig defaults; its older keys (retry_delay_seconds, retryable_errors) stay in the config
    assert RetryConfig().model_dump(include=set(RetrySpec.model_fields)) == RetrySpec().model_dump()
    assert RetrySpec().retryable_exit_codes == [ExitCode.PARTIAL, ExitCode.FAIL]
    assert RetrySpec().max_retries == 3
    for model in (RetryConfig, RetrySpec):
        assert model().retryable_exit_codes is not model().retryable_exit_codes  # no shared mutable default
    fields = "(max_retries|initial_delay_seconds|max_delay_seconds|backoff_multiplier)"
    assert _grep(rf"default_factory=lambda: \[2\]|{fields}: *\w+ *= *(Field\()?[0-9]") == []


def test_column_types_have_one_list_and_one_mapping_table() -> None:
    """The asset model's types and the runtime's Iceberg/Arrow table are the same list; a type added to one
    without the other fails here, not as UnmappableType at run time."""
    from dativo.compiler.models.asset import Column
    from dativo.runtime.coltypes import COLUMN_TYPES, PARAMETERIZED, UNWRITABLE, ColumnType
    from dativo.runtime.schema import SIMPLE_TYPES

    assert Column.model_fields["type"].annotation is ColumnType
    assert sorted([*SIMPLE_TYPES, *PARAMETERIZED, *UNWRITABLE]) == sorted(COLUMN_TYPES)
    hits = [h.split(":")[0] for h in _grep(r"\"bigint\"")]
    # the list (and its groups of one Iceberg type), and the table's one row
    assert sorted(set(hits)) == ["runtime/coltypes.py", "runtime/schema.py"], hits
    assert hits.count("runtime/schema.py") == 1, hits
    from dativo.runtime.coltypes import SAME_TYPE

    for group in SAME_TYPE:  # each group is one Iceberg and Arrow type
        assert len({(str(SIMPLE_TYPES[t][0]), str(SIMPLE_TYPES[t][1])) for t in group}) == 1, group


def test_the_engines_the_runtime_runs_have_one_home() -> None:
    """DTV218 warns about exactly the engines `dativo run` refuses."""
    from dativo.compiler.checks import runtime_support
    from dativo.compiler.models.common import ENGINES
    from dativo.runtime import sources

    assert runtime_support.runs is sources.runs  # DTV218 asks the runtime's own rule
    assert sources.NATIVE_ENGINES <= set(ENGINES)
    homes = [h.split(":")[0] for h in _grep(r"ENGINES(: [^=]*)? *= ")]
    assert homes == ["compiler/models/common.py", "runtime/sources/__init__.py", "runtime/sources/__init__.py"]
    assert sources.CONNECTOR_ENGINES <= set(ENGINES)


def test_deploy_defaults_have_one_home(tmp_path: Path) -> None:
    """dativo.yaml's defaults, the plan's deployment block and the runtime's path map agree."""
    from dativo.compiler.models.project import ProjectFile
    from dativo.compiler.paths import PathResolver, deploy_dirs
    from dativo.runtime import deploydefaults as d
    from dativo.runtime.paths import PathMap

    st = ProjectFile()
    assert (st.container_root, st.deploy.dativo_bin, st.paths.out) == (d.CONTAINER_ROOT, d.DATIVO_BIN, d.OUT_DIR)
    assert deploy_dirs(st) == (d.CONTAINER_ROOT, d.state_dir(d.CONTAINER_ROOT)) == ("/app", "/app/state")
    assert d.plan_path("/app/") == "/app/generated/plan.json"
    assert PathResolver(tmp_path).container_root == d.CONTAINER_ROOT
    assert (PathMap(tmp_path).project_dir, PathMap(tmp_path).container_root) == (d.CONTAINER_ROOT,) * 2
    hits = _grep(r"\"/app\"|/generated/plan\.json\"|\"plan\.json\"|\{[a-z_]+\}/state\"")
    assert [h.split(":")[0] for h in hits] == ["runtime/deploydefaults.py"] * 3, hits

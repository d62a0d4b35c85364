"""`${VAR}` in paths (docs/dativo-ingest.md#paths-mounts-and-variables): a config path is read at compile
time, so its `${VAR:-default}` is the default whatever the environment says (DTV242, a warning), a reference
without a default is DTV243; a source file path holding one is DTV244 (the runtime reads it as written)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import REPO, dativo, edit

from dativo.compiler import codes
from dativo.compiler.paths import compiled_path, variable_note

PROJECT = REPO / "tests" / "projects" / "upstream_examples"


def test_a_config_path_is_its_defaults_and_never_the_environment() -> None:
    assert compiled_path("/app/assets/x.yaml") == ("/app/assets/x.yaml", None)
    assert compiled_path("${ROOT:-/app}/${KIND:-assets}/x.yaml") == ("/app/assets/x.yaml", None)
    for unset in ("${CONNECTORS}/csv.yaml", "$CONNECTORS/csv.yaml", "${A:-/app}/${CONNECTORS}/csv.yaml"):
        rel, problem = compiled_path(unset)
        assert problem is not None and problem.code == codes.PATH_VARIABLE_UNSET, unset
        assert "CONNECTORS" in problem.message and "${CONNECTORS:-<path>}" in (problem.hint or "")
    note = variable_note("${ROOT:-/app}/assets/x.yaml")
    assert note is not None and note.code == codes.PATH_VARIABLE_DEFAULT and "'/app/assets/x.yaml'" in note.message
    assert variable_note("/app/assets/x.yaml") is None and variable_note("${ROOT}/x.yaml") is None


def test_the_plan_is_the_same_whatever_the_compiling_machine_sets(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    for nessie in (root / "jobs" / "acme").glob("*_iceberg.yaml"):  # Nessie targets (DTV220): out of the way
        nessie.unlink()
    (root / "jobs" / "acme" / "employee_with_overrides.yaml").unlink()
    stripe = "jobs/acme/stripe_customers_to_s3.yaml"
    edit(root, stripe, "asset_path: /app/assets", "asset_path: ${ASSET_ROOT:-/app/assets}")
    edit(root, "dativo.yaml", "version: 1\n", "version: 1\npaths:\n  jobs: ${JOBS_DIR:-jobs}\n")
    plans = []
    for env in ({}, {"ASSET_ROOT": "/elsewhere", "JOBS_DIR": "nowhere"}):
        r = dativo("compile", ".", "--out", "out", cwd=root, env=env)
        assert r.code == 0 and " error " not in r.out, r.out
        assert f"{stripe}:12:13: warning DTV242: '${{ASSET_ROOT:-/app/assets}}/stripe/v1.0/customers.yaml'" in r.out
        assert "dativo.yaml:6:9: warning DTV242: '${JOBS_DIR:-jobs}' is read as 'jobs'" in r.out, r.out
        plans.append((root / "out" / "plan.json").read_bytes())
    assert plans[0] == plans[1]
    # without a default there is no file to read: an error, not a guess
    edit(root, stripe, "${ASSET_ROOT:-/app/assets}", "${ASSET_ROOT}")
    r = dativo("validate", ".", cwd=root, env={"ASSET_ROOT": "/app/assets"})
    assert r.code == 1 and f"{stripe}:12:13: error DTV243: '${{ASSET_ROOT}}/stripe" in r.out, r.out

"""Issue 13, paths and variables: runtime mounts (absolute paths outside the container root that the runtime
reads), configs referenced from anywhere in the project, `${VAR:-default}` secrets (DTV227), and the legacy
recipe and registry forms. The project under tests/fixtures/upstream_shapes/ is ours, in upstream's shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics, Span
from dativo.compiler.models.recipe import Recipe
from dativo.compiler.models.registry import Registry
from dativo.compiler.paths import PathResolver
from dativo.compiler.pipeline import check_project, plan_project
from dativo.runtime.destination import ConfigError
from dativo.runtime.envvars import literal_defaults
from dativo.runtime.paths import PathMap, mount_point, require_mounts

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream_shapes"


@pytest.fixture
def resolver(tmp_path: Path) -> PathResolver:
    (tmp_path / "data").mkdir()
    return PathResolver(tmp_path.resolve())


@pytest.mark.parametrize("raw", ["/secrets/acme/postgres.env", "/data/large_dataset.csv", "/mnt//x/./y.csv"])
def test_runtime_files_outside_the_container_root_are_mounts(resolver: PathResolver, raw: str) -> None:
    got, problem = resolver.to_data(raw)
    assert problem is None and got == raw.replace("//", "/").replace("/./", "/")
    rel, problem = resolver.to_rel(raw)  # a config file (recipe, asset, job) must still be in the project
    assert rel is None and problem is not None and problem.code == codes.PATH_OUTSIDE_CONTAINER


@pytest.mark.parametrize(
    "raw, code",
    [
        ("/data/../etc/passwd", codes.MOUNT_NOT_NORMAL),
        ("/", codes.MOUNT_NOT_NORMAL),
        ("/app", codes.PATH_OUTSIDE_CONTAINER),  # the project itself is no file
        ("/app/../etc/x.csv", codes.PATH_ESCAPES_ROOT),  # escapes the project, as before
        ("../x.csv", codes.PATH_ESCAPES_ROOT),
        ("s3://lake/x.csv", codes.PATH_OUTSIDE_CONTAINER),
    ],
)
def test_runtime_file_paths_still_refused(resolver: PathResolver, raw: str, code: str) -> None:
    got, problem = resolver.to_data(raw)
    assert got is None and problem is not None and problem.code == code


def test_container_and_relative_paths_stay_project_paths(resolver: PathResolver) -> None:
    assert resolver.to_data("/app/data/x.csv") == ("data/x.csv", None)
    assert resolver.to_data("data/x.csv") == ("data/x.csv", None)


def test_mount_point_stops_at_globs_and_variables() -> None:
    assert mount_point("/data/acme/*.csv") == "/data/acme"
    assert mount_point("/secrets/${TENANT}/pg.env") == "/secrets"
    assert mount_point("/data/x.csv") == "/data/x.csv"


def test_upstream_shapes_validate_with_only_the_expected_warnings() -> None:
    c = check_project(UPSTREAM)
    assert sorted((d.code, d.span.file.rsplit("/", 1)[-1]) for d in c.diags.sorted()) == [
        (codes.PLAINTEXT_SECRET_DEFAULT, "customers_postgres.yaml"),  # ${PGPASSWORD:-postgres}
        (codes.ENGINE_WITHOUT_PACKAGE, "postgres.yaml"),  # meltano without a tap: not run
    ]


def test_plan_lists_the_mounts_of_each_job_and_schedule() -> None:
    plan = plan_project(UPSTREAM).plan
    assert plan is not None
    # the job outside jobs/ and the asset outside assets/ are read because a config names them
    assert sorted(plan.jobs) == ["examples/jobs/acme/customers_postgres.yaml", "jobs/acme/orders_csv.yaml"]
    orders, customers = plan.jobs["jobs/acme/orders_csv.yaml"], plan.jobs["examples/jobs/acme/customers_postgres.yaml"]
    assert orders.asset.path == "tests/fixtures/assets/csv/v1.0/orders.yaml"
    assert [f.path for f in orders.source.files] == ["/data/acme/orders.csv"]  # carried verbatim, not mapped
    assert orders.mounts == ["/data/acme/orders.csv"]
    assert (
        customers.source.credentials is not None and customers.source.credentials.file == "/secrets/acme/postgres.env"
    )
    assert customers.mounts == ["/secrets/acme/postgres.env"]
    assert {sid: s.mounts for sid, s in plan.schedules.items()} == {
        "acme.customers_nightly": ["/secrets/acme/postgres.env"],
        "acme.orders_hourly": ["/data/acme/orders.csv"],
    }


def test_a_job_without_mounts_lists_none() -> None:
    from helpers import EXAMPLES

    plan = plan_project(EXAMPLES).plan
    assert plan is not None and all(not j.mounts for j in plan.jobs.values())
    assert all(not s.mounts for s in plan.schedules.values())


def test_literal_defaults_are_the_references_that_fall_back_to_text() -> None:
    assert literal_defaults("${PGPASSWORD:-postgres}") == ["PGPASSWORD"]
    assert literal_defaults("${A}") == []
    assert literal_defaults("${A:-}") == []  # an empty default is no secret
    assert literal_defaults("$A") == []


def test_legacy_registry_sections_are_roles() -> None:
    entry = {"default_engine": "native", "engines_supported": ["native"]}
    reg = Registry.model_validate(
        {
            "version": 2,
            "connectors": {"csv": {**entry, "roles": ["source"]}},
            "sources": {"csv": entry, "pg": entry},
            "targets": {"csv": entry, "pg": entry, "iceberg": entry},
        }
    )
    assert {k: v.roles for k, v in reg.connectors.items()} == {
        "csv": ["source"],  # the unified form is looked up first, as upstream's validator does
        "iceberg": ["target"],
        "pg": ["source", "target"],
    }
    with pytest.raises(ValueError):
        Registry.model_validate({"version": 3})
    with pytest.raises(ValueError):  # roles stay required in the unified form
        Registry.model_validate({"version": 3, "connectors": {"csv": entry}})


def test_legacy_recipe_roles_follow_upstreams_legacy_models() -> None:
    base = {"name": "x", "type": "x", "default_engine": {"type": "native"}}
    assert Recipe.model_validate({**base, "credentials": {"type": "env"}}).serves == ["source"]
    assert Recipe.model_validate({**base, "connection_template": {"a": 1}}).serves == ["target"]
    assert Recipe.model_validate({**base, "roles": ["target"], "credentials": {"type": "env"}}).serves == ["target"]
    assert Recipe.model_validate(base).serves == []


def test_legacy_target_recipe_without_connection_template_cannot_be_a_target(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(UPSTREAM, project)
    (project / "connectors/iceberg.yaml").write_text("name: iceberg\ntype: iceberg\ndefault_engine: {type: native}\n")
    c = check_project(project)
    assert {d.code for d in c.diags.errors} == {codes.CONNECTOR_ROLE}


def test_missing_mount_fails_closed(tmp_path: Path) -> None:
    present = tmp_path / "here.env"
    present.write_text("")
    require_mounts([str(present)])
    with pytest.raises(ConfigError, match=r"runtime mount /nonexistent/acme/pg.env is missing"):
        require_mounts([str(present), "/nonexistent/acme/pg.env"])


def test_mounts_are_read_as_given(tmp_path: Path) -> None:
    paths = PathMap(root=tmp_path / "project")
    assert paths.data("/secrets/acme/pg.env") == Path("/secrets/acme/pg.env")
    assert paths.data("data/x.csv") == tmp_path / "project" / "data" / "x.csv"


def test_path_problems_render_their_templates() -> None:
    diags = Diagnostics()
    _, problem = PathResolver(UPSTREAM.resolve()).to_rel("/etc/x.yaml")
    assert problem is not None
    diags.problem(problem, Span.of_file("x"))
    assert diags.items[0].message == "absolute path '/etc/x.yaml' is not under the container root '/app'"


def test_check_cache_hashes_referenced_configs_outside_the_folders(tmp_path: Path) -> None:
    import json
    import shutil

    from helpers import dativo

    project = tmp_path / "p"
    shutil.copytree(UPSTREAM, project)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert dativo("compile", ".", cwd=project, env=env).code == 0
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 0
    [record] = (tmp_path / "cache" / "dativo" / "checks").glob("check-*.json")
    asset = "tests/fixtures/assets/csv/v1.0/orders.yaml"
    assert asset in json.loads(record.read_text())["singles"]  # else the cache could never hit on this project
    (project / asset).write_text((project / asset).read_text().replace("type: double", "type: string"))
    assert dativo("compile", ".", "--check", cwd=project, env=env).code == 1  # the change is never hidden

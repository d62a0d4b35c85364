"""The one canonical spelling of paths and URIs (runtime/canonical.py) that tenancy, secrets and
table identity compare: textual, no file system, trailing `/` kept."""

from __future__ import annotations

import pytest

from dativo.runtime.canonical import canonical_path, canonical_uri, file_uri_path


@pytest.mark.parametrize(
    "raw, want",
    [
        ("/app/secrets//globex/x.env", "/app/secrets/globex/x.env"),
        ("/app/secrets/./globex/x.env", "/app/secrets/globex/x.env"),
        ("/app/secrets/acme/../globex/", "/app/secrets/globex/"),
        ("//app/secrets/globex/x.env", "/app/secrets/globex/x.env"),
        ("///app/x", "/app/x"),
        ("/../../etc/passwd", "/etc/passwd"),  # nothing climbs above /
        ("secrets//globex/", "secrets/globex/"),
        ("../x", "../x"),  # a relative path keeps its leading `..`
        ("", ""),
    ],
)
def test_canonical_path(raw: str, want: str) -> None:
    assert canonical_path(raw) == want


@pytest.mark.parametrize(
    "raw, want",
    [
        ("sqlite:////app/state//catalog/acme.db", "sqlite:////app/state/catalog/acme.db"),
        ("sqlite://///app/state/./catalog/acme.db", "sqlite:////app/state/catalog/acme.db"),
        ("SQLite:///state//acme.db", "sqlite:///state/acme.db"),
        ("sqlite+pysqlite:////app/x/../acme.db", "sqlite+pysqlite:////app/acme.db"),
        ("file:/app/state/warehouse//acme/", "file:///app/state/warehouse/acme/"),
        ("file://localhost/app/w/", "file:///app/w/"),
        ("file:///app/w/./acme", "file:///app/w/acme"),
        ("s3://lake//acme/./x/", "s3://lake/acme/x/"),
        ("http://nessie:19120/api//v1?ref=main//x", "http://nessie:19120/api/v1?ref=main//x"),
        ("/app/secrets//globex/", "/app/secrets/globex/"),
        ("${NESSIE_URI}", "${NESSIE_URI}"),
    ],
)
def test_canonical_uri(raw: str, want: str) -> None:
    assert canonical_uri(raw) == want


def test_file_uri_path_is_only_for_this_machine() -> None:
    assert file_uri_path("file:///app/data/acme/orders.csv") == "/app/data/acme/orders.csv"
    assert file_uri_path("file://fileserver/app/data.csv") is None
    assert file_uri_path("s3://lake/data.csv") is None
    assert file_uri_path("/app/data.csv") is None


def test_the_runtime_maps_every_spelling_of_a_deployment_path_alike(tmp_path) -> None:
    from dativo.runtime.paths import PathMap

    pm = PathMap(tmp_path, "/app", "/app")
    want = f"sqlite:///{tmp_path}/state/catalog/acme.db"
    for uri in (
        "sqlite:////app/state/catalog/acme.db",
        "sqlite:////app/state//catalog/./acme.db",
        "sqlite://///app/state/catalog/acme.db",
    ):
        assert pm.uri(uri) == want, uri
    assert not pm.local("/app/../etc/passwd").startswith(str(tmp_path))  # /etc/passwd, not <root>/../etc/passwd


def test_run_config_refuses_another_tenant_s_secret_behind_a_doubled_slash(tmp_path) -> None:
    """The reproduction of issue 10: with one slash DTV404, with two the acme job read globex's secret."""
    import shutil

    from helpers import EXAMPLES, dativo

    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLES, proj)
    (proj / "secrets" / "globex").mkdir(parents=True, exist_ok=True)
    (proj / "secrets" / "globex" / "csv.env").write_text("GLOBEX_TOKEN=globex-only-secret-value\n")
    recipe = proj / "connectors" / "csv.yaml"
    recipe.write_text(
        recipe.read_text() + "credentials:\n  type: env_file\n  file_template: /app/secrets//globex/csv.env\n"
    )
    r = dativo(
        "run", "--config", "jobs/acme/orders_csv_to_iceberg.yaml", "--state-dir", str(tmp_path / "state"), cwd=proj
    )
    assert r.code == 2 and "error DTV404" in r.err and "tenant 'globex'" in r.err, r.err
    assert "globex-only-secret-value" not in r.out + r.err
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").rglob("*.json"))

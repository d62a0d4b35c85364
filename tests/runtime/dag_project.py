"""A real project with a DAG of two independent chains (as examples/dags/acme_daily.yaml has), each task a
csv job into its own Iceberg table: `a -> b` and `c -> d`. Used by the runtime and the target tests."""

from __future__ import annotations

import re
from pathlib import Path

from rt_project import Project, make_project, run_cli

TS = "2026-01-01T00:00:00Z"
TASKS = {"a": [], "b": ["a"], "c": [], "d": ["c"]}
GOOD = [(i, f"item-{i}", "1.25", 1, TS) for i in range(1, 6)]
BAD = [*GOOD, (99, "", "2.00", 1, TS)]  # an empty required name: strict mode fails the task


def make_dag_project(
    root: Path, *, concurrency: int = 1, partial: str | None = None, validation: str = "strict"
) -> Project:
    p = make_project(root, concurrency=concurrency, validation=validation, compile_=False)
    asset = (root / "assets/files/v1.0/items.yaml").read_text("utf-8")
    job = (root / "jobs/t1/items.yaml").read_text("utf-8")
    for t in TASKS:
        (root / f"assets/files/v1.0/{t}.yaml").write_text(asset.replace("name: items", f"name: {t}"), "utf-8")
        text = job.replace("asset: items", f"asset: {t}").replace("items.yaml", f"{t}.yaml")
        text = text.replace("/app/data/t1/items.csv", f"/app/data/t1/{t}.csv")
        (root / f"jobs/t1/{t}.yaml").write_text(text, "utf-8")
        p.write_csv(GOOD, f"{t}.csv")
    tasks = "".join(
        f"  - id: {t}\n    job: /app/jobs/t1/{t}.yaml\n    params: {{batch: daily}}\n    depends_on: [{', '.join(d)}]\n"
        for t, d in TASKS.items()
    )
    (root / "dags").mkdir(exist_ok=True)
    (root / "dags/chains.yaml").write_text(f"name: chains\ntenant_id: t1\n\ntasks:\n{tasks}", "utf-8")
    runner = (root / "configs/runner.yaml").read_text("utf-8")
    extra = f"        partial: {partial}\n" if partial else ""
    runner += f'      - name: chains_daily\n        dag: /app/dags/chains.yaml\n        cron: "15 5 * * *"\n{extra}'
    (root / "configs/runner.yaml").write_text(runner, "utf-8")
    res = run_cli("compile", ".", cwd=root)
    assert res.code == 0, res.out + res.err
    return p


def table_ids(p: Project, name: str) -> list[int]:
    from pyiceberg.catalog.sql import SqlCatalog

    if not (p.state / "catalog/t1.db").is_file():
        return []
    cat = SqlCatalog("local", uri=f"sqlite:///{p.state}/catalog/t1.db", warehouse=f"file://{p.state}/warehouse/t1/")
    if not cat.table_exists(("t1", name)):
        return []
    return sorted(cat.load_table(("t1", name)).scan().to_arrow().column("id").to_pylist())


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text)

"""Tenant isolation (DTV40x): folders, namespaces, branches, secrets, and who writes which table.

Writers are grouped by table: "a table written by two tenants" asks only who writes each table, a
group-by (a networkx multigraph answered it too, at a tenth of a second of import on every compile).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dativo.runtime.plan import SAFE_NAME

from .. import codes, docscan, precedence
from ..diagnostics import Diagnostics
from ..jobspec import Merged, fill_tenant
from ..paths import canonical_uri, deploy_dirs
from ..project import Project
from ..resolve import ResolvedJob

# secrets/<tenant>/..., or the folder itself at the end (secrets/globex): a name with no dot, so a file
# directly under secrets/ (secrets/shared.env) names no tenant
_SECRET_PATH = re.compile(r"(?:^|/)secrets/(?=[^/{}$]+/|[^/{}$.]+$)([^/{}$]+)")
_BRANCH_SEPARATORS = ("/", "-", "_", ".")


def run(project: Project, jobs: list[tuple[ResolvedJob, Merged]], diags: Diagnostics) -> None:
    writers: dict[tuple[str, str, str, str, str], list[ResolvedJob]] = {}  # table -> the jobs writing it
    state_dir = deploy_dirs(project.settings)[1]
    jobs_dir = project.settings.paths.jobs.strip("/")
    shared = set(project.settings.tenancy.shared_namespaces)
    foreign: _Foreign = {}
    for rj, mg in jobs:
        tenant = rj.tenant
        _folder(rj, jobs_dir, diags)
        if not SAFE_NAME.fullmatch(tenant):
            diags.report(
                codes.UNSAFE_NAME,
                rj.span("tenant_id"),
                subject=f"tenant_id {tenant!r}",
                artifacts="artifacts",
            )
        _namespace_and_branch(rj, mg, shared, diags)
        with diags.about(rj.job.rel):  # a recipe's finding names the job that reads it
            _secrets(rj, foreign, diags)
        writers.setdefault(table_identity(rj, mg, state_dir), []).append(rj)
    for table, jobs_of in sorted(writers.items()):
        jobs_of.sort(key=lambda rj: rj.job.rel)
        with diags.about(*(rj.job.rel for rj in jobs_of)):  # each writer's finding concerns them all
            tenants = sorted({rj.tenant for rj in jobs_of})
            name = f"{table[3]}.{table[4]}"
            if len(tenants) > 1:
                for rj in jobs_of:
                    target = rj.job.model.target
                    span = rj.span("target", key=True) if target.table or target.namespace else rj.span("asset")
                    diags.report(codes.TABLE_MULTI_TENANT, span, table=name, tenants=", ".join(tenants))
                continue
            assets = sorted({rj.asset.loaded.rel for rj in jobs_of if rj.asset is not None})
            if len(assets) > 1:
                for rj in jobs_of:
                    diags.report(codes.DUPLICATE_TABLE_WRITER, rj.span("asset"), table=name, assets=", ".join(assets))


def table_identity(rj: ResolvedJob, mg: Merged, state_dir: str) -> tuple[str, str, str, str, str]:
    """Which Iceberg table a job writes: (catalog kind, catalog uri, catalog name, namespace, table).

    The uri is the one the runtime connects to (the recipe's connection template under the job's,
    the embedded SQLite catalog `<state_dir>/catalog/<tenant>.db` when a SQL catalog names none), in
    its canonical spelling, so `sqlite:////app/state//catalog/acme.db` is acme's catalog. The name
    tells tables apart only in a SQL catalog, which stores it in its rows; for REST, Glue, ... it is a
    label. The warehouse is only where data files go, so two warehouses do not make two tables.
    """
    t = rj.job.model.target
    conn = precedence.connection(rj.target.recipe.model if rj.target and rj.target.recipe else None, t.connection)
    kind = str(conn.get("catalog_type") or conn.get("type") or "sql")
    uri = conn.get("uri")
    if kind == "sql" and not uri:
        uri = f"sqlite:///{state_dir.rstrip('/')}/catalog/{rj.tenant}.db"  # the runtime's default (runtime/sink.py)
    name = (t.catalog or "dativo") if kind == "sql" else ""
    return kind, canonical_uri(str(uri or "")), name, mg.namespace, mg.table


def _folder(rj: ResolvedJob, jobs_dir: str, diags: Diagnostics) -> None:
    rel = rj.job.rel
    if not rel.startswith(jobs_dir + "/"):
        return
    parts = rel[len(jobs_dir) + 1 :].split("/")
    if len(parts) >= 2 and parts[0] != rj.tenant:
        folder = f"{jobs_dir}/{parts[0]}/"
        diags.report(
            codes.TENANT_FOLDER_MISMATCH, rj.span("tenant_id"), tenant=rj.tenant, folder=folder, folder_tenant=parts[0]
        )


def _namespace_and_branch(rj: ResolvedJob, mg: Merged, shared: set[str], diags: Diagnostics) -> None:
    tenant = rj.tenant
    ns = mg.namespace
    if not (ns == tenant or ns.startswith(tenant + ".") or ns in shared):
        diags.report(codes.OUTSIDE_TENANT_NAMESPACE, rj.span("target", "namespace"), tenant=tenant, namespace=ns)
    branch = rj.job.model.target.branch
    if branch is not None and not (branch == tenant or any(branch.startswith(tenant + s) for s in _BRANCH_SEPARATORS)):
        diags.report(codes.OUTSIDE_TENANT_BRANCH, rj.span("target", "branch"), tenant=tenant, branch=branch)


#: (recipe, tenant) -> the other tenants' secret paths the recipe names for that tenant: a recipe is
#: scanned once per tenant, not once per job (thousands of jobs share a few recipes)
_Foreign = dict[tuple[str, str], list[tuple[tuple, str]]]


def _secrets(rj: ResolvedJob, foreign: _Foreign, diags: Diagnostics) -> None:
    tenant = rj.tenant
    for path, value in docscan.of(rj.job.doc).secret_paths:  # found where it loaded (compiler/docscan.py)
        for owner in _owners(value):
            if owner != tenant:
                diags.report(
                    codes.FOREIGN_SECRET,
                    rj.job.doc.span(path),
                    what="secret path belongs to",
                    owner=owner,
                    detail=f", not {tenant!r}",
                    hint=f"use the tenant's own secrets: secrets/{tenant}/...",
                )
    # every string of the recipes the job uses (credentials file, connection template, ...), with
    # `{tenant}` as the job's tenant: a recipe can point a job at another tenant's secrets too
    recipes = [v.recipe for v in (rj.source, rj.target) if v is not None and v.recipe is not None]
    for recipe in {r.rel: r for r in recipes}.values():
        key = (recipe.rel, tenant)
        if key not in foreign:
            foreign[key] = [
                (path, owner)
                for path, value in _strings(recipe.doc.data, ())
                for owner in _owners(fill_tenant(value, tenant))
                if owner != tenant
            ]
        for path, owner in foreign[key]:
            diags.report(
                codes.FOREIGN_SECRET,
                recipe.doc.span(path),
                what=f"recipe {recipe.rel} makes job {rj.job.rel} read secrets of",
                owner=owner,
                detail="",
                hint=f"use '{{tenant}}' in {path[-1]}: /app/secrets/{{tenant}}/...",
            )


def _owners(value: str) -> list[str]:
    """Tenants whose secrets folder `value` names, in the canonical spelling every path check uses
    (secrets/acme/../globex/, secrets//globex/ and secrets/./globex/ are globex's)."""
    if "secrets/" not in value:  # most strings; canonical spelling never creates the segment
        return []
    return _SECRET_PATH.findall(canonical_uri(value))


def _strings(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))

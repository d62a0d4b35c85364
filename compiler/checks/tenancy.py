"""Tenant isolation (DTV40x): folders, namespaces, branches, secrets, and who writes which table.

Writers are grouped by table: "a table written by two tenants" asks only who writes each table, a
group-by (a networkx multigraph answered it too, at a tenth of a second of import on every compile).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any, Iterator

from .. import codes
from ..diagnostics import Diagnostics
from ..jobspec import Merged, credentials_path
from ..plan import SAFE_NAME
from ..project import Project
from ..resolve import ResolvedJob

# secrets/<tenant>/..., or the folder itself at the end (secrets/globex): a name with no dot, so a file
# directly under secrets/ (secrets/shared.env) names no tenant
_SECRET_PATH = re.compile(r"(?:^|/)secrets/(?=[^/{}$]+/|[^/{}$.]+$)([^/{}$]+)")
_BRANCH_SEPARATORS = ("/", "-", "_", ".")


def run(project: Project, jobs: list[tuple[ResolvedJob, Merged]], diags: Diagnostics) -> None:
    writers: dict[tuple[str, str, str, str], list[ResolvedJob]] = {}  # table -> the jobs writing it
    jobs_dir = project.settings.paths.jobs.strip("/")
    shared = set(project.settings.tenancy.shared_namespaces)
    for rj, mg in jobs:
        tenant = rj.tenant
        _folder(rj, jobs_dir, diags)
        if not SAFE_NAME.fullmatch(tenant):
            diags.error(codes.UNSAFE_NAME, f"tenant_id {tenant!r} cannot name artifacts", rj.span("tenant_id"),
                        hint="use letters, digits, '_' and '-' (at most 63, starting with a letter or digit)")
        _namespace_and_branch(rj, mg, shared, diags)
        _secrets(rj, diags)
        # a table is its catalog (name and, for SQL/REST catalogs, its uri) plus namespace and name; the
        # warehouse is only where data files go, so two warehouses do not make two tables
        t = rj.job.model.target
        uri = (t.connection or {}).get("uri") if isinstance(t.connection, dict) else None
        table = (t.catalog or "", str(uri or ""), mg.namespace, mg.table)
        writers.setdefault(table, []).append(rj)
    for table, jobs_of in sorted(writers.items()):
        jobs_of.sort(key=lambda rj: rj.job.rel)
        tenants = sorted({rj.tenant for rj in jobs_of})
        name = f"{table[2]}.{table[3]}"
        if len(tenants) > 1:
            for rj in jobs_of:
                diags.error(codes.TABLE_MULTI_TENANT,
                            f"Iceberg table {name!r} is written by several tenants ({', '.join(tenants)})",
                            rj.span("target", key=True) if rj.job.model.target.table or rj.job.model.target.namespace else rj.span("asset"),
                            hint="give each tenant its own namespace (target.namespace defaults to the tenant id)")
            continue
        assets = sorted({rj.asset.loaded.rel for rj in jobs_of if rj.asset is not None})
        if len(assets) > 1:
            for rj in jobs_of:
                diags.error(codes.DUPLICATE_TABLE_WRITER,
                            f"Iceberg table {name!r} is written with different assets ({', '.join(assets)})",
                            rj.span("asset"), hint="one table, one data contract: point the jobs at the same asset")


def _folder(rj: ResolvedJob, jobs_dir: str, diags: Diagnostics) -> None:
    rel = rj.job.rel
    if not rel.startswith(jobs_dir + "/"):
        return
    parts = rel[len(jobs_dir) + 1:].split("/")
    if len(parts) >= 2 and parts[0] != rj.tenant:
        diags.error(codes.TENANT_FOLDER_MISMATCH,
                    f"tenant_id {rj.tenant!r} differs from the tenant folder {jobs_dir}/{parts[0]}/",
                    rj.span("tenant_id"), hint=f"one tenant per folder: set tenant_id: {parts[0]}, or move the file")


def _namespace_and_branch(rj: ResolvedJob, mg: Merged, shared: set[str], diags: Diagnostics) -> None:
    tenant = rj.tenant
    ns = mg.namespace
    if not (ns == tenant or ns.startswith(tenant + ".") or ns in shared):
        diags.error(codes.OUTSIDE_TENANT_NAMESPACE,
                    f"job of tenant {tenant!r} writes to namespace {ns!r}, outside its own ({tenant!r} or {tenant}.*)",
                    rj.span("target", "namespace"), hint="list it under tenancy.shared_namespaces in dativo.yaml if it is shared on purpose")
    branch = rj.job.model.target.branch
    if branch is not None and not (branch == tenant or any(branch.startswith(tenant + s) for s in _BRANCH_SEPARATORS)):
        diags.error(codes.OUTSIDE_TENANT_NAMESPACE,
                    f"job of tenant {tenant!r} commits to branch {branch!r}, which is not the tenant's",
                    rj.span("target", "branch"), hint=f"use branch {tenant!r} or one starting with '{tenant}/'")


def _secrets(rj: ResolvedJob, diags: Diagnostics) -> None:
    tenant = rj.tenant
    for path, value in _strings(rj.job.doc.data, ()):
        for owner in _owners(value):
            if owner != tenant:
                diags.error(codes.FOREIGN_SECRET, f"secret path belongs to tenant {owner!r}, not {tenant!r}",
                            rj.job.doc.span(path), hint=f"use the tenant's own secrets: secrets/{tenant}/...")
    # both recipes: the runtime reads only the source's credentials today, but a target recipe naming
    # another tenant's secrets is the same leak the day it does
    for end in (rj.source, rj.target):
        recipe = end.recipe if end is not None else None
        creds = recipe.model.credentials if recipe is not None else None
        if recipe is None or creds is None or not creds.file_template:
            continue
        for owner in _owners(credentials_path(creds.file_template, tenant)):
            if owner != tenant:
                diags.error(codes.FOREIGN_SECRET,
                            f"recipe {recipe.rel} makes job {rj.job.rel} read secrets of tenant {owner!r}",
                            recipe.doc.span(("credentials", "file_template")),
                            hint="use '{tenant}' in file_template: /app/secrets/{tenant}/...")


def _owners(value: str) -> list[str]:
    """Tenants whose secrets folder `value` names, after `..` is resolved (secrets/acme/../globex/ is globex's)."""
    if "secrets/" not in value:  # most strings; resolving `..` never creates the segment
        return []
    if ".." in value:
        value = posixpath.normpath(value)
    return _SECRET_PATH.findall(value)


def _strings(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))

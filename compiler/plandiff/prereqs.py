"""What a platform team must provide per tenant for one side's artifacts to run: Kubernetes namespace,
Secrets and state volume, the Airflow pool, systemd timers, and what `dativo run` reads at run time
(secret files, environment variables, mounts). Names come from the targets' own naming functions and
settings, so they are the names the artifacts use. A diff of two sides' sets is what to create (new)
and what to delete (gone)."""

from __future__ import annotations

import marshal
import posixpath
from collections.abc import Iterator
from typing import Any

from dativo.runtime import envvars
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.runtime.spec import JobSpec
from dativo.targets import settings_model
from dativo.targets.kubernetes.names import for_tenant

#: deployment actions when a shared artifact changes (path inside the output dir -> what to do)
SHARED_ACTIONS = {
    "dagster/dagster.yaml": "install the new dagster/dagster.yaml in $DAGSTER_HOME (Dagster instance config)",
    "airflow/pools.json": "import the pools: `airflow pools import airflow/pools.json`",
    "kubernetes/kustomization.yaml": "apply the Kubernetes manifests: `kubectl apply -k kubernetes/`",
}


def _settings(plan: Plan, target: str) -> Any:
    return settings_model(target)[0].model_validate(plan.targets.get(target, {}))


def by_tenant(plan: Plan, targets: set[str]) -> dict[str, set[str]]:
    """Every tenant's prerequisites, as sorted-able one-line strings."""
    required = _Required()
    return {t: set(_tenant(plan, t, targets, required)) for t in plan.tenants}


class _Required:
    """envvars.required of connections, once per distinct mapping: the jobs that leave their recipe's
    connection alone have equal ones, thousands of them. Keyed by marshal, which keeps the exact types;
    a mapping holding a value it cannot write is looked at each time."""

    def __init__(self) -> None:
        self._seen: dict[bytes, list[str]] = {}

    def __call__(self, connection: dict[str, Any]) -> list[str]:
        try:
            key = marshal.dumps(connection)
        except ValueError:
            return sorted(envvars.required(connection))
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = sorted(envvars.required(connection))
        return hit


def _tenant(plan: Plan, tenant: str, targets: set[str], required: _Required) -> Iterator[str]:
    entries = [plan.schedules[s] for s in plan.tenants[tenant].schedules if s in plan.schedules]
    concurrency = plan.tenants[tenant].concurrency
    if "kubernetes" in targets:
        k = _settings(plan, "kubernetes")
        yield f"Kubernetes namespace {for_tenant(k.namespace, tenant)}"
        for name in [*k.env_from_secrets, *k.image_pull_secrets]:
            yield f"Kubernetes Secret {for_tenant(name, tenant)} in {for_tenant(k.namespace, tenant)}"
        if k.state_volume_claim is not None:
            yield f"Kubernetes PersistentVolumeClaim {for_tenant(k.state_volume_claim, tenant)} (state volume)"
    if "airflow" in targets:
        from dativo.targets.airflow.target import pool_name

        yield f"Airflow pool {pool_name(_settings(plan, 'airflow'), tenant)} with {concurrency} slot(s)"
    if "dagster" in targets:
        yield f"Dagster run queue limit of {concurrency} run(s) for tag dativo/tenant={tenant}"
    if "systemd" in targets:
        from dativo.targets.systemd.target import unit_base

        for e in entries:
            yield f"systemd timer {unit_base(e)}.timer {'enabled' if e.enabled else 'disabled'}"
    for spec in _jobs(plan, entries):
        yield from _runtime(spec, plan.deployment.project_dir, required)
    for e in entries:
        yield from (f"mount {m}" for m in getattr(e, "mounts", None) or [])


def _jobs(plan: Plan, entries: list[ScheduleEntry]) -> Iterator[JobSpec]:
    for e in entries:
        if e.job is not None and e.job in plan.jobs:
            yield plan.jobs[e.job]
        elif e.dag is not None and e.dag in plan.dags:
            yield from (plan.jobs[t.job] for t in plan.dags[e.dag].tasks if t.job in plan.jobs)


def _runtime(spec: JobSpec, project_dir: str, required: _Required) -> Iterator[str]:
    """What `dativo run` of this job reads from its environment: secret files (where the workers see
    them), variables without a default, mounts."""
    for side in (spec.source, spec.target):
        creds = side.credentials
        if creds is not None and creds.file:
            yield f"secret file {posixpath.join(project_dir, creds.file)}"
        if creds is not None and creds.from_env:
            yield f"environment variable {creds.from_env}"
        yield from (f"environment variable {n}" for n in required(side.connection))
    yield from (f"mount {m}" for m in getattr(spec, "mounts", None) or [])


def diff(before: dict[str, set[str]] | None, after: dict[str, set[str]], tenant: str) -> dict[str, list[str]]:
    old = (before or {}).get(tenant, set())
    new = after.get(tenant, set())
    return {"new": sorted(new - old), "gone": sorted(old - new)}

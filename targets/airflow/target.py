"""Render the plan as one static Airflow DAG file and the pools it uses.

Every user string reaches the generated Python through `repr()`; the command
line goes through `quoting.bash_word` (bash and Jinja safe); Airflow's run id
reaches `dativo run` through an environment variable, never through the shell
text. Retries stay 0: `dativo run` owns them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.compiler import codes
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.base import At, Findings, at_deploy, at_schedule
from dativo.targets.common import SAFE_NAME, mounts_note, run_argv

from .quoting import bash_word
from .settings import Settings

if TYPE_CHECKING:
    import jinja2

NAME = "airflow"
DAG_FILE = "airflow/dativo_runner_dags.py"
POOLS_FILE = "airflow/pools.json"
TASK_ID = "dativo_run"
RUN_ID_ENV = "DATIVO_RUN_ID"
#: Airflow's limits: dag_id (airflow.sdk KEY_REGEX, 250 chars), one DAG tag (TAG_MAX_LEN), pool name (column size)
DAG_ID = re.compile(r"[A-Za-z0-9_.-]{1,250}")
TAG_MAX_LEN = 100
POOL_MAX_LEN = 256
_RUN_ID_MARK = "\0run-id\0"  # stands for the run id in run_argv's output; replaced by the env variable


@dataclass(frozen=True)
class _Dag:
    """One schedule as Python literals (each field is already `repr()`-ed or a generated expression)."""

    dag_id: str
    description: str
    timetable: str
    paused: str
    max_active_runs: str
    tags: str
    pool: str
    helper: str  # _dativo_dag (a job) or _dativo_task_dag (a DAG)
    work: str  # the last keyword lines: `bash_command=...,` or `tasks=...,` and `edges=...,`


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # jinja2 is imported only when the target renders (`dativo --help` stays light); compiled once per process
    from dativo.targets.templates import environment

    return environment(Path(__file__).parent / "templates").get_template("dativo_runner_dags.py.j2")


def dag_id(settings: Settings, entry: ScheduleEntry) -> str:
    return f"{settings.dag_id_prefix}{entry.id}"


def pool_name(settings: Settings, tenant: str) -> str:
    return f"{settings.pool_prefix}{tenant}"


def dag_tags(entry: ScheduleEntry) -> list[str]:
    """DAG tags: `dativo`, the tenant, then the schedule's tags as `key:value` (Airflow tags are plain strings)."""
    return sorted({"dativo", f"dativo/tenant:{entry.tenant}", *(f"{k}:{v}" for k, v in entry.tags.items())})


def bash_command(plan: Plan, entry: ScheduleEntry, task: str | None = None) -> str:
    """`cd <project_dir> && exec dativo run ... --run-id "$DATIVO_RUN_ID" [--task ID]`: constant text, inert
    for Jinja."""
    argv = run_argv(plan, entry, _RUN_ID_MARK) + (["--task", task] if task is not None else [])
    words = [f'"${RUN_ID_ENV}"' if w == _RUN_ID_MARK else bash_word(w) for w in argv]
    return f"cd -- {bash_word(plan.deployment.project_dir)} && exec -- " + " ".join(words)


def dag_tasks(plan: Plan, entry: ScheduleEntry) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A DAG schedule's tasks as (task id, command), in the plan's topological order, and its edges as
    (upstream, downstream) pairs in that order."""
    dag = plan.dags[entry.dag or ""]
    tasks = [(t.id, bash_command(plan, entry, t.id)) for t in dag.tasks]
    edges = [(up, t.id) for t in dag.tasks for up in t.depends_on]
    return tasks, edges


def _tenant_at(plan: Plan, tenant: str) -> At:
    """A tenant is written where its first schedule is (or, with none, in the runner file)."""
    first = plan.tenants[tenant].schedules[:1]
    return at_schedule(first[0] if first else "")


class AirflowTarget:
    name = NAME

    def check(self, plan: Plan, settings: Settings, found: Findings) -> None:
        for word in _deployment_words(plan):
            if "\0" in word:
                found.report(codes.AIRFLOW_UNPASSABLE, at_deploy(), path="$.deploy", word=word)
        for tenant in sorted(plan.tenants):
            pool = pool_name(settings, tenant)
            if not SAFE_NAME.fullmatch(tenant) or len(pool) > POOL_MAX_LEN:
                found.report(codes.AIRFLOW_POOL_NAME, _tenant_at(plan, tenant), tenant=tenant, pool=pool)
        for entry in plan.schedules.values():
            self._check_schedule(settings, entry, found)

    @staticmethod
    def _check_schedule(settings: Settings, entry: ScheduleEntry, found: Findings) -> None:
        did = dag_id(settings, entry)
        if not (SAFE_NAME.fullmatch(entry.name) and SAFE_NAME.fullmatch(entry.tenant) and DAG_ID.fullmatch(did)):
            found.report(codes.AIRFLOW_BAD_NAME, at_schedule(entry.id, "name"), schedule=entry.id, dag_id=did)
        if not entry.cron or any(len(line.split()) != 5 for line in entry.cron):
            found.report(codes.AIRFLOW_INEXPRESSIBLE, at_schedule(entry.id, "cron"), schedule=entry.id, cron=entry.cron)
        for tag in dag_tags(entry):
            if len(tag) > TAG_MAX_LEN:
                found.report(
                    codes.AIRFLOW_TAG_TOO_LONG,
                    at_schedule(entry.id, "tags"),
                    schedule=entry.id,
                    start=tag[:40],
                    length=len(tag),
                    limit=TAG_MAX_LEN,
                )

    def render(self, plan: Plan, settings: Settings) -> dict[str, str]:
        dags = [_dag(plan, settings, plan.schedules[k]) for k in sorted(plan.schedules)]
        start = settings.start()
        timetables = {d.timetable.split("(", 1)[0] for d in dags} or {"CronTriggerTimetable"}
        source = _template().render(
            dags=dags,
            timetables=sorted(timetables),
            task_id=repr(TASK_ID),
            run_id_env=repr(RUN_ID_ENV),
            start_date=f"datetime.datetime({start.year}, {start.month}, {start.day}, tzinfo=datetime.timezone.utc)",
        )
        pools = {
            pool_name(settings, t): {
                "description": f"dativo tenant {t}: at most {plan.tenants[t].concurrency} run(s) at once",
                "include_deferred": False,
                "slots": plan.tenants[t].concurrency,
            }
            for t in sorted(plan.tenants)
        }
        return {DAG_FILE: source, POOLS_FILE: json.dumps(pools, indent=2, sort_keys=True, ensure_ascii=False) + "\n"}


def _deployment_words(plan: Plan) -> list[str]:
    d = plan.deployment
    return [d.project_dir, d.dativo_bin, d.plan_path]


def _dag(plan: Plan, settings: Settings, entry: ScheduleEntry) -> _Dag:
    what = f"job {entry.job}" if entry.kind == "job" else f"DAG {entry.dag}"
    kind = "CronTriggerTimetable" if len(entry.cron) == 1 else "MultipleCronTriggerTimetable"
    timetable = f"{kind}({', '.join([*(repr(c) for c in entry.cron), f'timezone={entry.timezone!r}'])})"
    return _Dag(
        dag_id=repr(dag_id(settings, entry)),
        description=repr(f"dativo schedule {entry.id}: {what}{mounts_note(entry)}"),
        timetable=timetable,
        paused=repr(not entry.enabled),
        max_active_runs=repr(entry.max_concurrent_runs),
        tags=repr(dag_tags(entry)),
        pool=repr(pool_name(settings, entry.tenant)),
        helper="_dativo_dag" if entry.kind == "job" else "_dativo_task_dag",
        work=_work(plan, entry),
    )


def _work(plan: Plan, entry: ScheduleEntry) -> str:
    if entry.kind == "job":
        return f"    bash_command={bash_command(plan, entry)!r},"
    tasks, edges = dag_tasks(plan, entry)
    # one task and one edge per line, for review diffs
    lines = ["    tasks=(", *(f"        {t!r}," for t in tasks), "    ),", "    edges=("]
    return "\n".join([*lines, *(f"        {e!r}," for e in edges), "    ),"])


TARGET = AirflowTarget()

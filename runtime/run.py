"""`dativo run`: one job (or one DAG schedule) under locks, job state and the retry policy.

Flow per run key: run lock (a second process of the same run -> job_state.already_running)
-> job state checks (committed -> job_state.already_committed, exit 0; failed/blocked under
--resume-policy fail -> job_state.resume_required, exit 2) -> schedule and tenant locks
(busy -> blocked, exit 2) -> attempts with retries -> committed | failed.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from . import retry as retry_mod
from .execute import EXIT_FAIL, EXIT_OK, Context, DataError, Outcome
from .locks import LockManager
from .logs import Logger, Redactor
from .paths import PathMap
from .destination import ConfigError, catalog_properties
from .secrets import job_environment
from .spec import JobSpec, RetrySpec
from .state import StateStore

RESUME_POLICIES = ("fail", "resume", "restart")


@dataclass
class Options:
    paths: PathMap
    state_dir: Path
    lock_dir: Path
    lock_ttl: float = 3600.0
    lock_wait: float = 0.0
    resume_policy: str = "fail"
    stream: TextIO | None = None


@dataclass
class Request:
    spec: JobSpec
    key: str  # job state key: schedule id, job key, or "<schedule>/<task>"
    run_id: str
    tenant_slots: int = 1
    schedule_key: str | None = None
    schedule_slots: int = 1
    retry: RetrySpec | None = None
    extra_retries: int = 0
    nominal: datetime | None = None
    context: dict[str, Any] = field(default_factory=dict)


def run_job(req: Request, opts: Options) -> int:
    spec = req.spec
    redactor = Redactor()
    log = Logger({"job_name": req.key, "tenant_id": spec.tenant, "run_id": req.run_id, "job": spec.id,
                  "connector_type": spec.source.type, **req.context},
                 redactor, spec.logging.level, opts.stream)
    from .sources import NATIVE_ENGINES, unsupported_engine_message

    if spec.source.engine not in NATIVE_ENGINES:
        log.event("job_error", level="ERROR", error=unsupported_engine_message(spec.source.engine, spec.source.connector),
                  exit_code=EXIT_FAIL)
        return EXIT_FAIL
    try:  # config that cannot run as written: exit 2 before any state, lock or table is written
        env = job_environment(spec, opts.paths, redactor)
        catalog_properties(spec.target, opts.paths, opts.state_dir, spec.tenant, env)
    except ConfigError as e:
        log.event("job_error", level="ERROR", error=str(e), hint=e.hint, exit_code=EXIT_FAIL)
        return EXIT_FAIL

    store = StateStore(opts.state_dir)
    locks = LockManager(opts.lock_dir, opts.lock_ttl)
    try:
        run_lock = locks.try_acquire(f"run:{spec.tenant}:{req.key}:{req.run_id}", 1, req.run_id)
        if run_lock is None:
            log.event("job_state.already_running", level="ERROR", blocker="job_state.already_running",
                      holders=locks.holders(f"run:{spec.tenant}:{req.key}:{req.run_id}", 1), exit_code=EXIT_FAIL)
            return EXIT_FAIL
        state = store.job_state(spec.tenant, req.key, req.run_id, job=spec.id)
        if state.status == "running":  # we hold the run lock, so its owner is gone
            state.move("failed", "previous owner gone (crashed)", error="previous attempt did not finish")
        if state.status == "committed" and opts.resume_policy != "restart":
            log.event("job_state.already_committed", blocker="job_state.already_committed", state_file=str(state.path))
            return EXIT_OK
        if state.status in ("failed", "blocked") and opts.resume_policy == "fail":
            log.event("job_state.resume_required", level="ERROR", blocker="job_state.resume_required",
                      previous_status=state.status, state_file=str(state.path), exit_code=EXIT_FAIL,
                      hint="inspect the state file, then rerun with --resume-policy resume")
            return EXIT_FAIL
        state.move("started", f"resume_policy={opts.resume_policy}", blockers=[])
        blockers = []
        if req.schedule_key and locks.acquire(f"schedule:{req.schedule_key}", req.schedule_slots, req.run_id,
                                              opts.lock_wait) is None:
            blockers.append("lock.schedule_busy")
        elif locks.acquire(f"tenant:{spec.tenant}", req.tenant_slots, req.run_id, opts.lock_wait) is None:
            blockers.append("lock.tenant_busy")
        if blockers:
            state.move("blocked", blockers[0], blockers=blockers)
            log.event("job_blocked", level="ERROR", blocker=blockers[0], exit_code=EXIT_FAIL,
                      holders=locks.holders(f"tenant:{spec.tenant}", req.tenant_slots))
            return EXIT_FAIL
        for lock in locks.held:
            if lock.took_over:
                log.event("lock_taken_over", level="WARNING", lock=lock.path.name,
                          previous_owner={k: lock.took_over.get(k) for k in ("pid", "host", "run_id", "expires_at")})
        return _attempts(req, opts, state, store, env, log)
    finally:
        locks.release_all()


def _attempts(req: Request, opts: Options, state: Any, store: StateStore, env: dict[str, str], log: Logger) -> int:
    policy = req.retry or req.spec.retry
    max_attempts = 1 + policy.max_retries + req.extra_retries
    ctx = Context(req.spec, opts.paths, opts.state_dir, store, req.run_id, f"{req.key}#{req.run_id}", env, log,
                  restart=opts.resume_policy == "restart", nominal=req.nominal)
    log.event("job_started", schema_validation_mode=req.spec.schema_validation_mode,
              table=f"{req.spec.target.namespace}.{req.spec.target.table}", write_mode="merge" if req.spec.asset.mode == "merge" and req.spec.asset.key_columns else "append",
              max_attempts=max_attempts)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        state.move("running", f"attempt {attempt}", attempt=attempt, pid=os.getpid())
        outcome = _one(ctx)
        if outcome.exit_code != EXIT_FAIL:
            state.move("committed", outcome.status, result={"exit_code": outcome.exit_code, "status": outcome.status,
                                                            "metrics": outcome.metrics})
            if outcome.status == "already_committed":
                log.event("job_state.already_committed", blocker="job_state.already_committed",
                          detail="the table already holds a snapshot of this run")
            log.event("job_finished", status=outcome.status, exit_code=outcome.exit_code, attempt=attempt)
            log.event("metrics_complete", status=outcome.status, exit_code=outcome.exit_code, retry_count=attempt - 1,
                      **{"execution_time_seconds": round(time.monotonic() - started, 3), **outcome.metrics})
            return outcome.exit_code
        error = log.redact(outcome.error or "failed")
        state.move("failed", "attempt failed", error=error, result={"exit_code": outcome.exit_code})
        log.event("job_error", level="ERROR", error=error, exit_code=outcome.exit_code, attempt=attempt)
        if attempt >= max_attempts or not outcome.retryable or not retry_mod.retryable(policy, outcome.exit_code, error):
            log.event("metrics_complete", status="failure", exit_code=outcome.exit_code, retry_count=attempt - 1,
                      execution_time_seconds=round(time.monotonic() - started, 3), **outcome.metrics)
            return outcome.exit_code
        wait = retry_mod.delay(policy, attempt)
        log.event("retry_attempt", level="WARNING", attempt=attempt + 1, max_attempts=max_attempts,
                  previous_exit_code=outcome.exit_code, delay_seconds=wait, error=error)
        retry_mod.sleep(wait)


def _one(ctx: Context) -> Outcome:
    from .execute import execute
    from .schema import UnmappableType
    from .sink import SinkError
    from .sources import SourceError, UnsupportedEngine

    try:
        return execute(ctx)
    except (DataError, UnmappableType, UnsupportedEngine, ConfigError) as e:
        return Outcome(EXIT_FAIL, "failure", error=str(e), retryable=False)
    except (SourceError, SinkError) as e:
        return Outcome(EXIT_FAIL, "failure", error=str(e))
    except Exception as e:  # a bug or an infrastructure error: logged as one line, never a traceback
        if os.environ.get("DATIVO_DEBUG"):
            import traceback

            traceback.print_exc(file=sys.stderr)
        return Outcome(EXIT_FAIL, "failure", error=f"{type(e).__name__}: {str(e).splitlines()[0][:500] if str(e) else ''}")

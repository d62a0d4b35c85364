"""`dativo run`: one job (or one DAG schedule) under locks, job state and the retry policy.

Flow per run key: usable state and lock dirs -> run lock (a second process of the same run ->
job_state.already_running) -> job state and incremental state read (unparsable -> an error,
never a reset) -> job state checks (committed -> job_state.already_committed, exit 0;
failed/blocked/interrupted under --resume-policy fail -> job_state.resume_required, exit 2) ->
schedule and tenant locks (busy -> blocked, exit 2) -> attempts with retries -> committed |
failed | interrupted (SIGTERM/SIGINT). Every stop is one final log event and an exit code.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from . import retry as retry_mod
from .destination import ConfigError, check
from .errors import RunError
from .execute import Context, Outcome
from .exitcodes import ExitCode
from .failures import fatal, internal, one_attempt, unwritable
from .locks import LockManager
from .logs import Logger, Redactor
from .paths import PathMap, require_mounts
from .secrets import job_environment
from .spec import JobSpec, RetrySpec
from .state import NEEDS_RESUME, JobState, StateStore
from .stop import Stop, handling

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


def _logger(req: Request, opts: Options) -> tuple[Logger, Redactor]:
    spec = req.spec
    redactor = Redactor()
    log = Logger(
        {
            "job_name": req.key,
            "tenant_id": spec.tenant,
            "run_id": req.run_id,
            "job": spec.id,
            "connector_type": spec.source.type,
            **req.context,
        },
        redactor,
        spec.logging.level,
        opts.stream,
    )
    return log, redactor


def run_job(req: Request, opts: Options) -> int:
    spec = req.spec
    log, redactor = _logger(req, opts)
    from .plugin_writer import refusal
    from .sources import check_source, runs, unsupported_engine_message

    src = spec.source
    if not runs(src.engine, src.type, src.custom_reader) or refusal(spec) is not None:
        log.event(
            "job_error",
            level="ERROR",
            exit_code=ExitCode.FAIL,
            error=refusal(spec) or unsupported_engine_message(src.engine, src.connector, src.type, src.custom_reader),
        )
        return ExitCode.FAIL
    try:  # config that cannot run as written: exit 2 before any state, lock or table is written
        require_mounts(spec.mounts)
        env = job_environment(spec, opts.paths, redactor)
        check_source(spec, env)
        if spec.target.custom_writer is None:  # a writer plugin writes the target: its settings are its own
            check(spec, opts.paths, opts.state_dir, env)
    except ConfigError as e:
        log.event("job_error", level="ERROR", error=str(e), hint=e.hint, exit_code=ExitCode.FAIL)
        return ExitCode.FAIL
    locks = LockManager(opts.lock_dir, opts.lock_ttl)
    try:
        with handling(Stop()) as stop:
            return _locked(req, opts, env, log, locks, stop)
    except RunError as e:
        return fatal(log, e)
    except OSError as e:
        return unwritable(log, e)
    except Exception as e:  # a bug outside an attempt: one line with its traceback, never a retry
        return internal(log, e)
    finally:
        with contextlib.suppress(RunError, OSError):
            locks.release_all()


def usable_dir(path: Path, what: str) -> None:
    """`path` is (or can be made) a directory this process can write into; else a RunError."""
    hint = f"point --{what.split()[0]}-dir at a writable directory, or fix the permissions of {path}"
    for p in (path, *path.parents):
        if p.exists() and not p.is_dir():
            raise RunError(
                "state.unusable", f"{what} {path} cannot be used: {p} is a file, not a directory", path=p, hint=hint
            )
        if p.exists():
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".dativo-probe-", dir=path)  # unique: a DAG's tasks probe from threads
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise RunError(
            "state.unusable", f"{what} {path} is not writable: {e.strerror or e}", path=path, hint=hint
        ) from None


def _locked(req: Request, opts: Options, env: dict[str, str], log: Logger, locks: LockManager, stop: Stop) -> int:
    spec = req.spec
    usable_dir(opts.state_dir, "state dir")
    usable_dir(opts.lock_dir, "lock dir")
    run_key = f"run:{spec.tenant}:{req.key}:{req.run_id}"
    if locks.try_acquire(run_key, 1, req.run_id) is None:
        log.event(
            "job_state.already_running",
            level="ERROR",
            blocker="job_state.already_running",
            holders=locks.holders(run_key, 1),
            exit_code=ExitCode.FAIL,
            error=f"run id {req.run_id!r} of {req.key} is running in another process (see holders)",
        )
        return ExitCode.FAIL
    store = StateStore(opts.state_dir)
    state = store.job_state(spec.tenant, req.key, req.run_id, reset=opts.resume_policy == "restart", job=spec.id)
    if "reset_from_unreadable" in state.data:
        log.event(
            "job_state.reset",
            level="WARNING",
            path=str(state.path),
            reason=state.data["reset_from_unreadable"],
            detail="--resume-policy restart: the unreadable job state is replaced",
        )
    if spec.keeps_state:
        store.load_incremental(spec.tenant, spec.id)  # unparsable: fail before anything is written
    gate = _gate(state, opts, log)
    if gate is not None:
        return gate
    state.move("started", f"resume_policy={opts.resume_policy}", blockers=[])
    try:
        blocked = _concurrency(req, opts, locks, state, log, stop)
    except RunError as e:  # an unparsable schedule or tenant lock: this run's record says why it stopped
        state.move("failed", e.event, error=log.redact(e.message), result={"exit_code": e.exit_code})
        raise
    if blocked is not None:
        return blocked
    return _attempts(req, opts, state, store, env, log, stop)


def _gate(state: JobState, opts: Options, log: Logger) -> int | None:
    """An exit code when this run id must not go on (already committed, or needs --resume-policy resume)."""
    if state.status == "running":  # we hold the run lock, so its owner is gone
        state.move("failed", "previous owner gone (crashed)", error="previous attempt did not finish")
    if state.status == "committed" and opts.resume_policy != "restart":
        log.event("job_state.already_committed", blocker="job_state.already_committed", state_file=str(state.path))
        return ExitCode.OK
    if state.status in NEEDS_RESUME and opts.resume_policy == "fail":
        log.event(
            "job_state.resume_required",
            level="ERROR",
            blocker="job_state.resume_required",
            previous_status=state.status,
            state_file=str(state.path),
            exit_code=ExitCode.FAIL,
            hint="inspect the state file, then rerun with --resume-policy resume",
        )
        return ExitCode.FAIL
    return None


def _concurrency(
    req: Request, opts: Options, locks: LockManager, state: JobState, log: Logger, stop: Stop
) -> int | None:
    """Take the schedule and tenant slots; an exit code when they are busy (or a stop came while waiting)."""
    spec, blockers = req.spec, []
    if (
        req.schedule_key
        and locks.acquire(
            f"schedule:{req.schedule_key}",
            req.schedule_slots,
            req.run_id,
            opts.lock_wait,
            cancelled=lambda: stop.requested,
        )
        is None
    ):
        blockers.append("lock.schedule_busy")
    elif (
        locks.acquire(
            f"tenant:{spec.tenant}", req.tenant_slots, req.run_id, opts.lock_wait, cancelled=lambda: stop.requested
        )
        is None
    ):
        blockers.append("lock.tenant_busy")
    if stop.requested:
        return _interrupted(state, log, stop, time.monotonic(), attempt=0, metrics={})
    if blockers:
        state.move("blocked", blockers[0], blockers=blockers)
        log.event(
            "job_blocked",
            level="ERROR",
            blocker=blockers[0],
            exit_code=ExitCode.FAIL,
            holders=locks.holders(f"tenant:{spec.tenant}", req.tenant_slots),
        )
        return ExitCode.FAIL
    for lock in locks.held:
        if lock.took_over:
            log.event(
                "lock_taken_over",
                level="WARNING",
                lock=lock.path.name,
                previous_owner={k: lock.took_over.get(k) for k in ("pid", "host", "run_id", "expires_at")},
            )
    return None


def _attempts(
    req: Request, opts: Options, state: JobState, store: StateStore, env: dict[str, str], log: Logger, stop: Stop
) -> int:
    policy = req.retry or req.spec.retry
    max_attempts = 1 + policy.max_retries + req.extra_retries
    ctx = _context(req, opts, store, env, log, stop)
    log.event(
        "job_started",
        schema_validation_mode=req.spec.schema_validation_mode,
        table=f"{req.spec.target.namespace}.{req.spec.target.table}",
        write_mode="merge" if req.spec.asset.mode == "merge" and req.spec.asset.key_columns else "append",
        max_attempts=max_attempts,
    )
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        state.move("running", f"attempt {attempt}", attempt=attempt, pid=os.getpid())
        try:
            outcome = one_attempt(ctx)
        except RunError as e:
            state.move("failed", e.event, error=log.redact(e.message), result={"exit_code": e.exit_code})
            raise
        if outcome.status == "interrupted":
            return _interrupted(state, log, stop, started, attempt, outcome.metrics)
        if outcome.exit_code != ExitCode.FAIL:
            return _committed(state, log, outcome, started, attempt)
        error = _failed(state, log, outcome, attempt)
        if (
            attempt >= max_attempts
            or not outcome.retryable
            or not retry_mod.retryable(policy, outcome.exit_code, error)
        ):
            log.event(
                "metrics_complete",
                status="failure",
                exit_code=outcome.exit_code,
                retry_count=attempt - 1,
                execution_time_seconds=round(time.monotonic() - started, 3),
                **outcome.metrics,
            )
            return outcome.exit_code
        wait = retry_mod.delay(policy, attempt)
        log.event(
            "retry_attempt",
            level="WARNING",
            attempt=attempt + 1,
            max_attempts=max_attempts,
            previous_exit_code=outcome.exit_code,
            delay_seconds=wait,
            error=error,
        )
        if stop.sleep(wait):
            return _interrupted(state, log, stop, started, attempt, {})


def _context(req: Request, opts: Options, store: StateStore, env: dict[str, str], log: Logger, stop: Stop) -> Context:
    """What every attempt of this run shares; the commit key is the schedule key and the run id."""
    return Context(
        req.spec,
        opts.paths,
        opts.state_dir,
        store,
        req.run_id,
        f"{req.key}#{req.run_id}",
        env,
        log,
        restart=opts.resume_policy == "restart",
        nominal=req.nominal,
        stop=stop,
    )


def _failed(state: JobState, log: Logger, outcome: Outcome, attempt: int) -> str:
    """Record a failed attempt (state and log); returns its error, redacted. A traceback is a bug in dativo."""
    error = log.redact(outcome.error or "failed")
    state.move(
        "failed",
        "internal error" if outcome.trace else "attempt failed",
        error=error,
        result={"exit_code": outcome.exit_code},
    )
    if outcome.trace:
        log.event(
            "internal_error",
            level="ERROR",
            error=error,
            traceback=outcome.trace,
            exit_code=ExitCode.FAIL,
            attempt=attempt,
            hint="a bug in dativo: not retried; DATIVO_DEBUG=1 prints it on stderr",
        )
    else:
        log.event("job_error", level="ERROR", error=error, exit_code=outcome.exit_code, attempt=attempt)
    return error


def _committed(state: JobState, log: Logger, outcome: Outcome, started: float, attempt: int) -> int:
    state.move(
        "committed",
        outcome.status,
        result={"exit_code": outcome.exit_code, "status": outcome.status, "metrics": outcome.metrics},
    )
    if outcome.status == "already_committed":
        log.event(
            "job_state.already_committed",
            blocker="job_state.already_committed",
            detail="the table already holds a snapshot of this run",
        )
    log.event("job_finished", status=outcome.status, exit_code=outcome.exit_code, attempt=attempt)
    log.event(
        "metrics_complete",
        status=outcome.status,
        exit_code=outcome.exit_code,
        retry_count=attempt - 1,
        **{"execution_time_seconds": round(time.monotonic() - started, 3), **outcome.metrics},
    )
    return outcome.exit_code


def _interrupted(
    state: JobState, log: Logger, stop: Stop, started: float, attempt: int, metrics: dict[str, Any]
) -> int:
    """The final record of a run stopped by a signal: nothing committed, resumable, exit 2."""
    signame = stop.signame or "a stop request"
    state.move(
        "interrupted",
        f"stopped by {signame}",
        error=f"interrupted by {signame} before the commit",
        result={"exit_code": ExitCode.FAIL},
    )
    log.event(
        "job_interrupted",
        level="ERROR",
        signal=signame,
        exit_code=ExitCode.FAIL,
        attempt=attempt,
        detail="the uncommitted batches were abandoned; nothing was committed",
        hint="rerun the same run id (with --resume-policy resume) to load it",
    )
    log.event(
        "metrics_complete",
        status="interrupted",
        exit_code=ExitCode.FAIL,
        retry_count=max(attempt - 1, 0),
        execution_time_seconds=round(time.monotonic() - started, 3),
        **metrics,
    )
    return ExitCode.FAIL

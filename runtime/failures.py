"""How failures become outcomes, log events and exit codes.

- data errors (strict validation), unmappable types, engines not run here: exit 2, never retried;
- source and sink errors, I/O and network errors, the catalog's and object stores' own errors:
  exit 2, retried as the retry policy says (exit codes, patterns);
- a stop requested by SIGTERM/SIGINT: the attempt ends as `interrupted`;
- RunError (unusable or unparsable state, conflicts): one event naming the file and a hint, exit 2;
- anything else is a bug: one `internal_error` line with its traceback (redacted), exit 2, no
  retry; DATIVO_DEBUG=1 also prints the traceback on stderr.
"""

from __future__ import annotations

import os
import sys
import traceback

from .errors import RunError
from .execute import Context, DataError, Outcome
from .exitcodes import ExitCode
from .logs import Logger
from .retry import is_io_error
from .stop import Interrupted


def one_attempt(ctx: Context) -> Outcome:
    from .destination import ConfigError
    from .execute import execute
    from .schema import UnmappableType
    from .sink import SchemaMismatch, SinkError
    from .sources import SourceError, UnsupportedEngine

    try:
        return execute(ctx)
    except RunError:
        raise
    except Interrupted as e:
        return Outcome(ExitCode.FAIL, "interrupted", error=str(e), retryable=False)
    except (DataError, UnmappableType, UnsupportedEngine, SchemaMismatch, ConfigError) as e:
        return Outcome(ExitCode.FAIL, "failure", error=str(e), retryable=False)
    except (SourceError, SinkError) as e:
        return Outcome(ExitCode.FAIL, "failure", error=str(e))
    except Exception as e:
        if is_io_error(e):
            return Outcome(ExitCode.FAIL, "failure", error=_one_line(e))
        _debug(e, ctx.log)
        return Outcome(
            ExitCode.FAIL,
            "failure",
            error=f"internal error: {_one_line(e)}",
            retryable=False,
            trace=traceback.format_exc(),
        )


def fatal(log: Logger, e: RunError) -> int:
    """A run that cannot go on: its event on stdout, the message and hint on stderr."""
    log.event(e.event, level="ERROR", **e.fields())
    say(log.redact(f"dativo run: error: {e.message}" + (f"\n  hint: {e.hint}" if e.hint else "")))
    return e.exit_code


def unwritable(log: Logger, e: OSError) -> int:
    """A state, job-state or lock file that could not be written mid-run (disk full, permissions)."""
    where = e.filename or "the state dir"
    return fatal(
        log,
        RunError(
            "state.unusable",
            f"cannot write {where}: {e.strerror or e}",
            path=e.filename,
            hint="free space or fix the permissions, then rerun this run id with --resume-policy resume",
        ),
    )


def internal(log: Logger, e: Exception) -> int:
    _debug(e, log)
    log.event(
        "internal_error",
        level="ERROR",
        error=f"internal error: {_one_line(e)}",
        exit_code=ExitCode.FAIL,
        traceback=traceback.format_exc(),
        hint="a bug in dativo: not retried; set DATIVO_DEBUG=1 to print it",
    )
    say(log.redact(f"dativo run: internal error: {_one_line(e)} (set DATIVO_DEBUG=1 for details)"))
    return ExitCode.FAIL


def say(text: str) -> None:
    """One message on stderr; a closed stderr loses it rather than failing the run."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _one_line(e: BaseException) -> str:
    text = str(e).splitlines()[0][:500] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _debug(e: BaseException, log: Logger) -> None:
    if os.environ.get("DATIVO_DEBUG"):
        say(log.redact("".join(traceback.format_exception(e)).rstrip()))

"""`dativo`: a thin argparse layer; each command is a plain function returning an exit code.

Heavy modules (pydantic models, jinja2, pyiceberg, pyarrow) are imported inside the
commands, so `dativo --help` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dativo.runtime.exitcodes import ExitCode

FORMATS = ("text", "json", "github")


class UsageError(Exception):
    """Bad invocation: exit 2 with a one-line message."""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", nargs="?", default=".", help="project directory (default: the current directory)")
    p.add_argument("--format", choices=FORMATS, default="text", help="diagnostics format (default: text)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument("--mode", choices=("self_hosted", "cloud"), help="deployment mode (default: from dativo.yaml)")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser, or command `only`'s alone: what `dativo <only> ...` needs (main). The others'
    parsers, and the modules defining two of them, cost a cold compile 10 ms before its loading worker can
    start (docs/performance.md)."""
    parser = argparse.ArgumentParser(prog="dativo", description="Compile ingestion config into verified orchestration.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, add in _PARSERS.items():
        if only is None or name == only:
            add(sub)
    return parser


def _validate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check the project; write nothing")
    _common(p)
    _env_argument(p)
    p.set_defaults(func=_run("validate"))


def _schema_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="write the JSON Schemas of every config file")
    p.add_argument("--out", default="schemas", help="directory (default: ./schemas)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the schemas in --out are stale")
    p.add_argument(
        "--into",
        metavar="PROJECT",
        help="write them into PROJECT/.dativo/schemas and point the project's schema links there "
        "(see docs/configuration.md#editors)",
    )
    p.set_defaults(func=_run("schema"))


def _schedule_parser(sub: argparse._SubParsersAction) -> None:
    from .commands import schedule  # argparse only: the scheduler itself is imported when it runs

    schedule.add_parser(sub, _run("schedule"))


def _start_parser(sub: argparse._SubParsersAction) -> None:
    from .commands import start

    start.add_parser(sub, _run("start"))


def _compile_parser(sub: argparse._SubParsersAction) -> None:
    from dativo.targets import names

    p = sub.add_parser("compile", help="validate the project and write plan.json and target artifacts")
    _common(p)
    p.add_argument("--out", help="output directory (default: generated/ in the project, or paths.out)")
    p.add_argument(
        "--target",
        action="append",
        choices=names() or None,
        metavar="TARGET",
        help=f"emit only this target (repeatable; default: all of {', '.join(names()) or 'none yet'})",
    )
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the artifacts on disk are stale")
    _env_argument(p)
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="with --check: always compile in full (see docs/configuration.md#compiling)",
    )
    p.set_defaults(func=_run("compile"))


def _plan_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="what the work tree changes against a base (git ref or directory), for review",
        description="Compile the base and the work tree in memory and diff the two plans. See docs/plan.md.",
    )
    p.add_argument("project", nargs="?", default=".", help="project directory (default: the current directory)")
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", metavar="GIT_REF", help="the base: the project at this git revision")
    base.add_argument("--base-dir", metavar="DIR", help="the base: the project in this directory")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="(default: text)")
    p.add_argument("--at", metavar="ISO_INSTANT", help="count fire times from this instant (default: now)")
    p.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--mode", choices=("self_hosted", "cloud"), help="deployment mode (default: from dativo.yaml)")
    _env_argument(p)
    p.set_defaults(func=_run("plan"))


def _env_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--env",
        metavar="NAME",
        help="an environment of dativo.yaml: its deploy and target settings, its output dir "
        "(default: none, the project's own; see docs/configuration.md#environments)",
    )


def _run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run one job (or DAG schedule) into Iceberg: exit 0 ok, 1 partial, 2 failure",
        description="Run one job into Apache Iceberg. See docs/runtime.md.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="JOB.yaml", help="a job config; compiled in memory")
    src.add_argument("--plan", metavar="PLAN", help="a compiled plan.json (with --job)")
    p.add_argument("--job", metavar="ID", help="schedule id (<tenant>.<schedule>) or job file of the plan")
    p.add_argument(
        "--mode", choices=("self_hosted", "cloud"), help="deployment mode for --config (default: dativo.yaml)"
    )
    p.add_argument(
        "--run-id",
        help="run identity (default: scheduled__<nominal fire time> for a schedule, manual__<UTC now> otherwise)",
    )
    p.add_argument(
        "--resume-policy",
        choices=("fail", "resume", "restart"),
        default="fail",
        help="after a failed/blocked/crashed run of this run id: fail (default), resume; "
        "restart also reloads a committed one",
    )
    p.add_argument("--project-dir", help="local project root (default: derived from the plan or config path)")
    p.add_argument("--state-dir", help="job and incremental state (default: deploy.state_dir mapped locally)")
    p.add_argument("--lock-dir", help="lock files (default: <state-dir>/locks)")
    p.add_argument("--lock-ttl-seconds", type=float, default=3600.0, help="stale lock timeout (default 3600)")
    p.add_argument(
        "--lock-wait-seconds",
        type=float,
        default=0.0,
        help="wait this long for a busy tenant/schedule lock before blocking (default 0)",
    )
    p.add_argument(
        "--task",
        metavar="TASK_ID",
        help="with --job naming a DAG schedule: run only this task (its upstream tasks committed in this run id)",
    )
    p.add_argument(
        "--partial",
        choices=("fail", "succeed"),
        help="exit code of a partial run: fail keeps 1, succeed makes it 0 (default: the schedule's `partial`)",
    )
    p.set_defaults(func=_run("run"))


def _dag_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dag", help="run a DAG of jobs, or print its execution plan (--dry-run)")
    dag_sub = p.add_subparsers(dest="dag_command", metavar="DAG_COMMAND", required=True)
    r = dag_sub.add_parser(
        "run",
        help="run a DAG's tasks in dependency order (exit 0 ok, 1 partial, 2 a task failed)",
        description="Run a DAG (dags/*.yaml) of the project. See docs/targets.md#dags.",
    )
    r.add_argument("dag", metavar="DAG.yaml", help="the DAG file")
    r.add_argument("--dry-run", action="store_true", help="print the execution plan in topological order; run nothing")
    r.add_argument("--project", help="project directory (default: found from the DAG file)")
    r.add_argument("--run-id", help="run identity (default: manual__<UTC now>)")
    r.add_argument("--state-dir", help="job state and events (default: deploy.state_dir mapped locally)")
    r.add_argument("--resume-policy", choices=("fail", "resume", "restart"), default="fail", help="as for `run`")
    r.add_argument("--partial", choices=("fail", "succeed"), help="a partial task: fail (default) or succeed")
    r.set_defaults(func=_run("dag"))


#: short batch commands: they run with the cyclic garbage collector paused (see _run), and the
#: console script leaves without tearing the heap down (see entry)
_BATCH = frozenset({"compile", "validate", "schema", "plan"})
_ran_batch = False


def _run(name: str):
    def call(args: argparse.Namespace) -> int:
        import gc
        import importlib

        from . import forked

        global _ran_batch
        _ran_batch = name in _BATCH
        if name not in _BATCH or not gc.isenabled():
            return importlib.import_module(f"dativo.compiler.commands.{name}").main(args)
        # A compile allocates millions of objects and frees nearly all of them by reference counting;
        # the cyclic collector kept rescanning the growing heap of loaded documents, which cost a
        # quarter of a 2,000-job compile for about 10 % less peak memory. `dativo run` keeps it.
        gc.disable()
        # pydantic looks for plugins in every installed distribution's entry points when it builds its
        # first validator (importlib.metadata and a scan of site-packages); a compile's output depends on
        # its inputs only, so a plugin (a tracer) installed alongside has no business in it
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        from . import pydanticplugins

        pydanticplugins.skip_scan()  # nor its import of importlib.metadata, to find none
        try:
            return importlib.import_module(f"dativo.compiler.commands.{name}").main(args)
        finally:
            # not where the console script leaves next (entry): an allocation after this would set off a
            # collection of everything the command allocated (0.1 s after a `dativo plan` of 2,000 jobs)
            if not forked.leaving:
                gc.enable()

    return call


#: each command's parser, in the order `dativo --help` lists them
_PARSERS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "compile": _compile_parser,
    "validate": _validate_parser,
    "run": _run_parser,
    "plan": _plan_parser,
    "dag": _dag_parser,
    "schema": _schema_parser,
    "schedule": _schedule_parser,
    "start": _start_parser,
}


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # `dativo <command> ...` needs that command's parser only; anything else (`--help`, a typo) gets them all
    args = build_parser(words[0] if words and words[0] in _PARSERS else None).parse_args(words)
    try:
        return int(args.func(args))
    except UsageError as e:
        print(f"dativo {args.command}: error: {e}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.FINDINGS  # the reader went away (`dativo compile | head`); nothing to report to
    except Exception as e:  # never a traceback for users; DATIVO_DEBUG=1 shows it
        if os.environ.get("DATIVO_DEBUG"):
            raise
        print(
            f"dativo {args.command}: internal error: {type(e).__name__}: {e} (set DATIVO_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return ExitCode.USAGE


def entry() -> None:
    """The `dativo` console script: main(), then exit.

    After a batch command nothing is left to clean up (files are written and closed, the worker
    joined), so the process ends with os._exit once output is flushed: finalizing the interpreter
    would free a compile's objects one by one and collect them again, about 0.1 s on 2,000 jobs.
    """
    from . import forked

    forked.enabled = forked.leaving = True  # this process ends with the command (see forked.leaving)
    code = main()
    if not _ran_batch:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or ExitCode.FINDINGS
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    # `python -m` runs this file as __main__, a second copy of the module: the commands raise
    # dativo.compiler.cli.UsageError, which this copy's `except UsageError` would not catch
    from dativo.compiler.cli import entry as _entry

    _entry()

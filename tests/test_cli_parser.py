"""`dativo <command>` builds that command's parser alone (cli.main): it must parse and explain exactly as the
parser of every command does."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from dativo.compiler import cli, forked

ARGVS = [
    ["compile", "proj", "--check", "--target", "systemd", "--env", "staging", "--format", "json"],
    ["validate", "--strict", "--mode", "cloud"],
    ["run", "--plan", "generated/plan.json", "--job", "acme.daily", "--resume-policy", "resume"],
    ["plan", "--base", "main", "--format", "markdown"],
    ["dag", "run", "dags/x.yaml", "--dry-run"],
    ["schema", "--check"],
    ["schedule", "--once", "--plan", "generated/plan.json"],
    ["start", "orchestrated", "--runner-config", "configs/runner.yaml", "--dry-run"],
]


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def test_every_command_has_an_example() -> None:
    assert sorted(argv[0] for argv in ARGVS) == sorted(cli._PARSERS)


@pytest.mark.parametrize("argv", ARGVS, ids=[a[0] for a in ARGVS])
def test_one_commands_parser_parses_as_all_of_them(argv: list[str]) -> None:
    def parsed(parser: argparse.ArgumentParser) -> dict:
        values = vars(parser.parse_args(argv))
        values.pop("func")  # a closure per parser built: compared by the command it runs
        return values

    alone, every = cli.build_parser(argv[0]), cli.build_parser()
    assert parsed(alone) == parsed(every)
    assert _subparser(alone, argv[0]).format_help() == _subparser(every, argv[0]).format_help()


def test_main_builds_the_asked_commands_parser_only(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str | None] = []
    real = cli.build_parser

    def spy(only: str | None = None) -> argparse.ArgumentParser:
        built.append(only)
        return real(only)

    monkeypatch.setattr(cli, "build_parser", spy)
    with pytest.raises(SystemExit):
        cli.main(["schema", "--help"])
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    with pytest.raises(SystemExit):
        cli.main(["compil"])  # a typo: every command's parser, to list them
    assert built == ["schema", None, None]


@pytest.mark.parametrize("leaving", [False, True])
def test_a_batch_command_leaves_the_collector_off_only_where_the_process_ends(
    leaving: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The console script (entry) exits right after a batch command: turning the cyclic collector back on
    there would let the next allocation collect everything the command made. Elsewhere it is back on."""
    import gc

    monkeypatch.setattr(forked, "leaving", leaving)
    try:
        assert cli.main(["schema", "--out", str(tmp_path)]) == 0
        assert gc.isenabled() is not leaving
    finally:
        gc.enable()

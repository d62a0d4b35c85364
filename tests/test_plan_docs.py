"""The `dativo plan` comment shown in docs/plan.md is the real output for the examples' pair, and the CI
recipes run the commands docs/plan.md documents."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml
from helpers import EXAMPLES, REPO, edit

from dativo.compiler.plandiff import render_markdown
from dativo.compiler.plandiff.report import build
from dativo.compiler.plandiff.sides import compile_side

START, END = "<!-- plan-example:start -->\n", "<!-- plan-example:end -->"


def test_docs_show_the_examples_pair(tmp_path: Path) -> None:
    sides = []
    for name in ("base", "head"):
        root = tmp_path / name
        shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("generated", "state"))
        if name == "head":
            edit(root, "configs/runner.yaml", 'cron: "0 9 * * 1-5"', 'cron: "0 7 * * 1-5"')
        sides.append(compile_side(root, None))
    report = build(sides[0], sides[1], "origin/main", dt.datetime(2026, 3, 27, 12, tzinfo=dt.UTC))
    readme = (REPO / "docs" / "plan.md").read_text("utf-8")
    shown = readme[readme.index(START) + len(START) : readme.index(END)]
    assert shown == render_markdown.render(report), "paste the new output into docs/plan.md"


def test_ci_recipes_post_the_markdown_plan() -> None:
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (EXAMPLES / "ci" / name).read_text("utf-8")
        yaml.safe_load(text)
        assert 'dativo plan "$PROJECT" --base "origin/$BASE" --format markdown' in text, name
        assert "--check" in text, name

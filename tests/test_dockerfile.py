"""The Dockerfile, linted statically (no Docker daemon here): every base pinned by digest, no floating tag,
the final image runs as the non-root user the Kubernetes target expects, dativo installed with its runtime
extra, and the baked project checked fresh at build time. `make image` says clearly when Docker is missing.

The parser is `dockerfile` (PyPI), a binding of Docker's own Go parser (hadolint is in no registry reachable
here). What it checks is what hadolint's DL3006/DL3007/DL3002/DL3042 check, plus our own rules.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import dockerfile
import pytest

from dativo.targets.kubernetes.settings import DEFAULT_IMAGE, IMAGE_UID

REPO = Path(__file__).resolve().parents[1]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\Z")
_VAR = re.compile(r"\$\{?(\w+)\}?")


def _expand(text: str, args: dict[str, str]) -> str:
    return _VAR.sub(lambda m: args.get(m.group(1), m.group(0)), text)


def _from(value: tuple[str, ...], args: dict[str, str]) -> tuple[str, str | None]:
    """(image or stage, the stage's name) of a FROM line's words (flags such as --platform left out)."""
    words = [w for w in value if not w.startswith("--")]
    name = words[2].lower() if len(words) == 3 and words[1].upper() == "AS" else None
    return _expand(words[0], args), name


def lint(text: str) -> list[str]:
    """What is wrong with a Dockerfile, as messages; [] for a good one."""
    problems: list[str] = []
    args: dict[str, str] = {}  # ARG defaults before the first FROM (the only ones a FROM can read)
    users: dict[str, str] = {}  # stage -> its effective USER
    stage: str | None = None
    for cmd in dockerfile.parse_string(text):
        if cmd.cmd == "ARG" and stage is None:
            name, _, default = cmd.value[0].partition("=")
            args[name] = default
        elif cmd.cmd == "FROM":
            image, name = _from(cmd.value, args)
            parent = image.lower()
            if parent not in users and parent != "scratch":
                if not DIGEST.search(image):
                    problems.append(f"line {cmd.start_line}: base {image!r} is not pinned by @sha256 digest")
                if image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2] in ("", "latest"):
                    problems.append(f"line {cmd.start_line}: base {image!r} has no tag or a floating one")
            stage = name or f"#{len(users)}"
            users[stage] = users.get(parent, "root")  # a stage built on another inherits its user
        elif cmd.cmd == "USER":
            users[str(stage)] = _expand(cmd.value[0], args)
        elif (
            cmd.cmd == "RUN" and re.search(r"\bpip3? install\b", cmd.original) and "--no-cache-dir" not in cmd.original
        ):
            problems.append(f"line {cmd.start_line}: pip install without --no-cache-dir")
        elif cmd.cmd == "ADD":
            problems.append(f"line {cmd.start_line}: ADD (use COPY: ADD fetches URLs and unpacks archives)")
    if ":latest" in text:
        problems.append("':latest' appears in the Dockerfile")
    if not users:
        return [*problems, "no FROM"]
    final = users[list(users)[-1]]
    if final.split(":")[0] in ("", "root", "0"):
        problems.append(f"the final image runs as {final!r}")
    return problems


def _text() -> str:
    return (REPO / "Dockerfile").read_text("utf-8")


def test_the_dockerfile_passes_the_lint() -> None:
    assert lint(_text()) == []


@pytest.mark.parametrize(
    "bad, problem",
    [
        ("FROM python:3.11-slim\nUSER 10001\n", "not pinned"),
        ("FROM python:latest@sha256:" + "a" * 64 + "\nUSER 1\n", "floating"),
        ("FROM python@sha256:" + "a" * 64 + "\nUSER 1\n", "no tag"),
        ("FROM python:3.11@sha256:" + "a" * 64 + "\n", "runs as 'root'"),
        ("FROM python:3.11@sha256:" + "a" * 64 + "\nUSER 1\nUSER 0:0\n", "runs as '0:0'"),
        ("FROM python:3.11@sha256:" + "a" * 64 + " AS a\nUSER 1\nFROM a\nRUN pip install x\n", "no-cache-dir"),
        ("ARG B=python:3.11\nFROM ${B}\nUSER 1\n", "not pinned"),
    ],
)
def test_the_lint_can_fail(bad: str, problem: str) -> None:
    assert any(problem in p for p in lint(bad)), lint(bad)


def test_the_final_image_runs_as_the_kubernetes_default_user_with_dativo_and_its_plan() -> None:
    text = _text()
    commands = dockerfile.parse_string(text)
    uid = next(c.value[0] for c in commands if c.cmd == "ARG" and c.value[0].startswith("DATIVO_UID="))
    assert uid == f"DATIVO_UID={IMAGE_UID}"
    assert [c.value[0] for c in commands if c.cmd == "USER"][-1] == "${DATIVO_UID}:${DATIVO_UID}"
    assert "'dativo[runtime]'" in text and "'.[runtime]'" in text
    assert 'dativo compile "${PROJECT_DIR}" --check' in text and "ARG PROJECT_DIR=/app" in text  # stale plan: no image
    assert "generated/plan.json" in text and "rm -rf /project/state /project/secrets" in text
    # `make image` tags what the Kubernetes target runs by default
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert version and DEFAULT_IMAGE == f"dativo:{version.group(1)}"


def test_the_build_context_leaves_out_state_secrets_and_the_venv() -> None:
    ignore = (REPO / ".dockerignore").read_text("utf-8").splitlines()
    assert ignore[ignore.index("**") :][:1] == ["**"]  # everything is out unless listed
    assert {"examples/state/", "examples/secrets/"} <= set(ignore)
    assert not any(line.startswith("!") and ("venv" in line or ".git" in line) for line in ignore)


def test_make_image_says_when_docker_is_missing() -> None:
    p = subprocess.run(
        ["make", "-s", "image", "DOCKER=/nonexistent/docker"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert p.returncode != 0
    assert "Docker is not available here" in p.stderr and "make image" in p.stderr

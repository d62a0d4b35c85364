"""The two sides of `dativo plan`: each project compiled in memory (plan and artifacts), nothing written
into it. The base comes from git (`git archive`, never the work tree) or from a directory."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dativo.runtime.plan import Plan, plan_digest, text_sha256

from .. import prefetch
from ..cli import UsageError
from ..diagnostics import Diagnostic
from ..pipeline import compile_project


@dataclass
class Side:
    """One side compiled: its plan and artifacts, or (plan None) the errors that stopped it."""

    plan: Plan | None
    artifacts: dict[str, str] = field(default_factory=dict)  # path in the output folder -> fingerprint()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    registry: str | None = None  # the project file of the connector registry, when the project has one
    missing: str | None = None  # why there is no project to compile on this side
    out: str | None = None  # the output folder (paths.out), which a compile never reads
    recipes_dir: str = "connectors"

    @property
    def ok(self) -> bool:
        return self.plan is not None


def compile_side(
    root: Path, mode: str | None, cwd: Path | None = None, env: str | None = None, *, worker: bool = True
) -> Side:
    """The project at `root` compiled into memory (for environment `env`): plan.json and every target's
    artifacts. An environment the project does not declare raises UnknownEnvironment. `worker`: whether
    a loading worker may read the files (compiler/prefetch.py); not for a side whose files were parsed
    already (load.reusing): a worker would read, hash and pickle them again for a parent that has them."""
    if not root.is_dir():  # a project added by the change: nothing at the base
        return Side(None, missing="the project directory does not exist at the base")
    with prefetch.loading(root) if worker else contextlib.nullcontext(prefetch.Files()) as files:
        result = compile_project(root, mode=mode, cwd=cwd, env=env, files=files)
    items = result.diags.sorted()
    project = result.project
    registry = project.registry.rel if project.registry is not None else None
    if result.plan is None or not result.artifacts:
        return Side(None, diagnostics=items, registry=registry)
    paths = project.settings.paths
    prints = fingerprints(result.plan, result.artifacts)
    return Side(result.plan, prints, items, registry, recipes_dir=paths.connectors, out=paths.out)


def fingerprints(plan: Plan, artifacts: dict[str, str]) -> dict[str, str]:
    """Each artifact as the sha256 of its text with the plan's digest (stamped into CronJobs and units)
    masked: an artifact whose only change is that digest is not listed as changed (plan.json is, and every
    run checks the digest). A side then carries no texts: a base compiled in a child sends 6,000 digests,
    not 26 MB, for 2,000 jobs."""
    digest = plan_digest(plan)  # from the text just made (Plan.to_json keeps it)
    return {path: text_sha256(text.replace(digest, "sha256:<plan>")) for path, text in artifacts.items()}


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as e:
        raise UsageError(f"cannot run git: {e}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])} failed: {message[-1] if message else done.returncode}")
    return done.stdout


#: memory-backed scratch space for the base: extracting 2,000 job files in 100 tenant folders took 1.2-1.5 s
#: on a disk file system here (ext4 places each new folder apart), 0.2 s there
MEMORY_DIR = "/dev/shm"


@contextlib.contextmanager
def checkout_base(root: Path, ref: str, skip: str | None = None) -> Iterator[Path]:
    """The project as it is at `ref`, extracted into a temporary folder removed when the block ends (the
    work tree is never read or touched); yields the project root in it, which may not exist when the
    project is new at `ref`. `skip`: a project folder left out (the output folder: thousands of files a
    compile never reads). The folder is made where `scratch` says."""
    if ref.startswith("-"):
        raise UsageError(f"--base {ref!r} is not a git revision")
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip().rstrip("/")
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except UsageError:
        raise UsageError(f"--base {ref!r} is not a commit of the repository at {root}") from None
    listed = _git(top, "ls-tree", "--name-only", commit, "--", prefix or ".").strip()
    tar = b""
    if listed:
        paths = [prefix or "."]
        if skip and not PurePosixPath(skip).is_absolute() and ".." not in PurePosixPath(skip).parts:
            paths.append(f":(exclude){PurePosixPath(prefix or '.', skip).as_posix()}")
        tar = _git(top, "archive", "--format=tar", commit, "--", *paths)
    with tempfile.TemporaryDirectory(prefix="dativo-plan-", dir=scratch(len(tar))) as tmp:
        if tar:
            with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
                archive.extractall(tmp, filter="data")  # "data": no links out, no devices, no absolute paths
        yield Path(tmp, prefix) if prefix else Path(tmp)


def scratch(archive_size: int) -> str | None:
    """Where the base is extracted: the system's temporary folder (None) where TMPDIR, TEMP or TMP names
    one (the user chose it; tempfile reads the same three), else MEMORY_DIR where it is a folder this process may write with room to spare, else None.
    The room asked for is four times the archive plus 64 MiB: a small file takes a 4 KiB page there and
    1 KiB (header and one block) in the archive."""
    if any(os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")):
        return None
    try:
        fs = os.statvfs(MEMORY_DIR)
    except OSError:
        return None
    room = fs.f_bavail * fs.f_frsize
    writable = os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK | os.X_OK)
    return MEMORY_DIR if writable and room >= 4 * archive_size + (64 << 20) else None


def base_dir(arg: str) -> Path:
    path = Path(arg)
    if not path.is_dir():
        raise UsageError(f"--base-dir {arg!r} is not a directory")
    return path

"""Loading a project's files in a forked worker (compiler/prefetch.py) gives exactly what one process gives:
same plan, same diagnostics, in the same order; a worker that dies or guesses wrong only costs time."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from helpers import EXAMPLES

from dativo.compiler import forked, manifest, pathdefaults, prefetch
from dativo.compiler.manifest import MANIFEST, file_digest
from dativo.compiler.outdir import MARKER
from dativo.compiler.pipeline import compile_project
from dativo.compiler.report.json_format import render as render_json
from dativo.compiler.write import existing_files, nested_outputs


def _big_project(tmp_path: Path, broken: bool) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    jobs = sorted((root / "jobs" / "acme").glob("*.yaml"))
    for i in range(40):  # copies of acme's jobs, each to a table of its own
        for job in jobs:
            text = job.read_text("utf-8")
            (root / "jobs" / "acme" / f"copy{i:02d}_{job.name}").write_text(
                text.replace("target:\n", f"target:\n  table: copy{i:02d}_{job.stem}\n", 1), "utf-8"
            )
    if broken:
        (root / "jobs" / "acme" / "broken.yaml").write_text("tenant_id: acme\nsource: [\n", "utf-8")
        (root / "jobs" / "acme" / "typo.yaml").write_text("tenant_idd: acme\n", "utf-8")
        (root / "jobs" / "acme" / "dup.yaml").write_text("tenant_id: acme\ntenant_id: acme\n", "utf-8")
    return root


def _run(root: Path, files: prefetch.Files | None = None) -> tuple[str, str]:
    try:
        result = compile_project(root, targets=[], cwd=root, files=files)
    finally:
        if files is not None:
            files.close()
    plan = result.plan.to_json() if result.plan else ""
    return render_json(result.diags.items), plan  # in the order found, not sorted: that must match too


def test_prefetched_load_reports_what_serial_load_reports(tmp_path: Path, forking: list[int]) -> None:
    root = _big_project(tmp_path, broken=True)
    serial = _run(root)
    files = prefetch.start(root)
    assert isinstance(files, prefetch.Prefetched)
    assert _run(root, files) == serial
    assert '"DTV001"' in serial[0] and '"DTV101"' in serial[0] and '"DTV002"' in serial[0]


def test_prefetched_load_plans_what_serial_load_plans(tmp_path: Path, forking: list[int]) -> None:
    root = _big_project(tmp_path, broken=False)
    serial = _run(root)
    assert len(serial[1]) > 10_000  # a real plan
    assert _run(root, prefetch.start(root)) == serial


def test_a_worker_that_dies_costs_time_only(tmp_path: Path, forking: list[int]) -> None:
    root = _big_project(tmp_path, broken=True)
    serial = _run(root)
    files = prefetch.start(root)
    os.kill(forked._children[-1], signal.SIGKILL)
    assert _run(root, files) == serial


def test_the_guess_follows_dativo_yaml_paths(tmp_path: Path) -> None:
    (tmp_path / "dativo.yaml").write_text("version: 1\npaths:\n  jobs: pipelines/\n  dags: ../out\n", "utf-8")
    for rel in ("pipelines/acme/a.yaml", "pipelines/acme/b.yml", "pipelines/notes.txt", "jobs/old.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("tenant_id: acme\n", "utf-8")
    paths = prefetch.guessed_paths(tmp_path)
    assert paths["jobs"] == "pipelines" and paths["assets"] == "assets"
    files = list(prefetch._guessed_files(tmp_path, paths))
    assert files[0] == "dativo.yaml" and "pipelines/acme/a.yaml" in files and "pipelines/acme/b.yml" in files
    assert not any(f.startswith(("jobs/", "../")) or f.endswith(".txt") for f in files)


def test_files_outside_the_guess_are_loaded_by_the_parent(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _big_project(tmp_path, broken=True)
    serial = _run(root)
    wrong = {**pathdefaults.DEFAULTS, "jobs": "elsewhere", "assets": "jobs"}  # assets: jobs loaded as such
    monkeypatch.setattr(prefetch, "guessed_paths", lambda root: wrong)  # the forked worker sees it too
    assert _run(root, prefetch.start(root)) == serial


def test_the_worker_takes_the_output_dir(tmp_path: Path, forking: list[int]) -> None:
    """What `--check` needs of the output dir, taken by the worker, is what the parent would find there."""
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    (root / "generated" / "gone" / "deeper").mkdir(parents=True)  # an output dir of an environment since removed
    shutil.copy(root / "generated" / MARKER, root / "generated" / "gone" / "deeper" / MARKER)
    files = prefetch.start(root, digest_out=True)
    try:
        taken = files.out_dir(root / "generated")
        assert files.out_dir(root / "generated" / "staging") is None  # of another dir: not known
    finally:
        files.close()
    assert taken is not None and taken.where == (root / "generated").resolve()
    on_disk = existing_files(root / "generated")
    assert taken.digests == {rel: file_digest(e.path) for rel, e in on_disk.items() if rel != MANIFEST}
    assert len(taken.digests) > 10 and taken.tree == manifest.tree(taken.digests)
    assert taken.record == json.loads((root / "generated" / MANIFEST).read_text("utf-8"))
    assert taken.nested == nested_outputs(root / "generated") == ["gone/deeper", "staging"]


def test_one_allowed_core_loads_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cpuset of one core (taskset, a container's CPU limit) on a many-core machine: a worker would only
    share the parent's core, so none is forked (os.cpu_count() counts the machine's cores, not ours)."""
    monkeypatch.setattr(forked, "enabled", True)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("a worker was forked on one allowed core"))
    assert type(prefetch.start(tmp_path)) is prefetch.Files


def test_in_process_callers_load_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the console script lets a worker be forked: its process ends with the command."""
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("a worker was forked in process"))
    assert type(prefetch.start(tmp_path)) is prefetch.Files


def test_claims_meet_without_losing_a_file() -> None:
    claims = prefetch._Claims()
    claims.start_back(5)
    assert claims.take_front(0) and claims.take_front(1)
    assert claims.take_back() == 4 and claims.take_back() == 3
    assert claims.take_front(2)
    assert claims.take_back() is None  # the worker is at index 3: nothing left to take
    assert not claims.take_front(3)  # the parent has it
    claims.close()


def test_the_guess_reads_nothing_outside_the_project_and_no_pipe(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("secret: 1\n", "utf-8")
    root = tmp_path / "proj"
    (root / "configs").mkdir(parents=True)
    (root / "registry").mkdir()
    (root / "dativo.yaml").write_text("version: 1\npaths:\n  jobs: ../elsewhere\n", "utf-8")
    (root / "configs" / "runner.yaml").symlink_to(outside)
    os.mkfifo(root / "registry" / "connectors.yaml")  # a read of it would block the worker for ever
    files = list(prefetch._guessed_files(root, prefetch.guessed_paths(root)))
    assert files == ["dativo.yaml"]


def test_only_an_output_dir_dativo_wrote_is_digested(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", "utf-8")
    assert prefetch._taken(tmp_path) is None  # no marker: `--out /` is never walked
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    assert prefetch._taken(root / "generated")


def _messages(count: int) -> list[bytes]:
    return [bytes([i % 251]) * (40_000 + i) for i in range(count)]


def test_a_worker_never_waits_for_the_parent_to_read(forking: list[int]) -> None:
    """A parent busy importing reads nothing: a pipe holds 64 KiB, and a worker that waited on it idled
    (a runner config alone can be more). Here the worker sends 2 MB and ends before anything is read."""
    sent = _messages(50)
    child = forked.fork(lambda channel: [channel.send(m) for m in sent])
    assert child is not None
    channel, pid = child
    for _ in range(200):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    assert done and os.waitstatus_to_exitcode(status) == 0, "the worker waited for the parent to read"
    forked._children.remove(pid)
    assert [channel.receive() for _ in sent] == sent
    with pytest.raises(EOFError):
        channel.receive()
    channel.close()


def test_messages_past_the_shared_memory_go_through_the_pipe(
    forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked, "ARENA", 100_000)  # two messages fit; the rest are read from the pipe
    sent = _messages(6)
    child = forked.fork(lambda channel: [channel.send(m) for m in sent])
    assert child is not None
    channel, pid = child
    assert [channel.receive() for _ in sent] == sent
    with pytest.raises(EOFError):
        channel.receive()
    channel.close()
    forked.end(pid)


def test_the_check_cache_records_the_stats_the_worker_took(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker stats each output file on the descriptor it digests: the check cache records those
    (no second stat of thousands of files in the parent), and they are the files' own."""
    from dativo.compiler import cache, cli

    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    for f in (root / "generated").rglob("*"):
        if f.is_file():
            os.utime(f, (1_600_000_000, 1_600_000_000))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    given: list[dict | None] = []
    store = cache.CheckCache.store

    def recording(self: cache.CheckCache, *args: object) -> None:
        given.append(args[-1])  # type: ignore[arg-type]
        store(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache.CheckCache, "store", recording)
    assert cli.main(["compile", str(root), "--check"]) == 0
    [stats] = given
    assert stats is not None and MANIFEST not in stats
    on_disk = {rel: os.stat(e.path) for rel, e in existing_files(root / "generated").items() if rel != MANIFEST}
    assert stats == {rel: (s.st_size, s.st_mtime_ns, s.st_ino) for rel, s in on_disk.items()}


def test_no_shared_memory_to_spare_loads_in_one_process(
    tmp_path: Path, forking: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:  # the claims and the channel both ask for shared memory
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(forked.mmap, "mmap", refuse)
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("a worker was forked without its channel"))
    assert type(prefetch.start(tmp_path)) is prefetch.Files
    assert forked.fork(lambda channel: None) is None


def test_a_project_file_named_like_dativos_own_registry_is_read_as_itself(tmp_path: Path, forking: list[int]) -> None:
    """dativo's shipped registry is shown as `<dativo>/registry/connectors.yaml`; a project file at that very
    path, named in dativo.yaml, is the project's registry (its error reported), never swapped for dativo's."""
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("state"))
    own = root / "<dativo>" / "registry"
    own.mkdir(parents=True)
    (own / "connectors.yaml").write_text("connectors: [\n", "utf-8")
    with (root / "dativo.yaml").open("a", encoding="utf-8") as fh:
        fh.write('\npaths:\n  registry: "<dativo>/registry/connectors.yaml"\n')
    for files in (None, prefetch.start(root)):
        diags, _ = _run(root, files)
        assert '"file": "<dativo>/registry/connectors.yaml"' in diags and '"code": "DTV001"' in diags, diags


def test_documents_from_the_worker_unpack_their_spans_when_first_asked() -> None:
    import pickle

    from dativo.compiler.document import Document

    doc = Document(
        "jobs/a.yaml",
        {"tenant_id": "acme"},
        "sha256:x",
        {("tenant_id",): (1, 12, 1, 16)},
        {("tenant_id",): (1, 1, 1, 10)},
    )
    sent = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert "spans" not in vars(sent) and sent.data == doc.data  # the data at once, the spans not yet
    assert not hasattr(sent, "no_such_field")  # asking for another name leaves the spans packed
    assert sent.span(("tenant_id",)).col == 12 and sent.span(("tenant_id",), key=True).col == 1
    assert sent == doc and pickle.loads(pickle.dumps(sent)) == doc  # unpacked, and sent again whole
    with pytest.raises(AttributeError):
        sent.no_such_field  # noqa: B018

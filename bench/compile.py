"""Compile benchmark: `dativo compile --check` on synthetic projects, against a libyaml baseline.

Run: .venv/bin/python bench/compile.py [--quick] [--keep DIR]. Prints ratios measured side by side
in one run, next to the budgets in docs/performance.md; a report, not a test: exit 0 over budget too.
Every dativo run uses a private XDG_CACHE_HOME: "check" is a cold `--check` (result cache emptied
first, so a full compile, as after any edit of the inputs), "unchanged" a `--check` right after one
(same inputs, warm result cache). Program caches stay warm, as after any earlier run of this dativo:
Python's bytecode (in a private PYTHONPYCACHEPREFIX) and the compiled templates; "first run" empties
those too (templates; the bytecode stays).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from projects import EXAMPLES, REPO, TIMINGS, generate, job_yaml, small_job_yaml  # bench/ is on sys.path

BIN = Path(sys.executable).parent
DATIVO = str(BIN / "dativo") if (BIN / "dativo").exists() else (shutil.which("dativo") or "dativo")
FULL, QUICK = (1000, 2000, 4000), (200, 400, 800)
RUNS = 3
#: rounds of the small project's budget pair (a cold --check, then libyaml): a ratio budget is the median of
#: the rounds' own ratios, each measured back to back (RUNS rounds for the other projects); this machine drifts between fast and slow spells that
#: last seconds, and the minimum of each side alone may pair a fast libyaml with a slow check (or the reverse)
PAIRED_RUNS = 9
EXAMPLE_RUNS = 7  # the examples take a third of a second: more runs, so machine noise weighs less
BUDGET_CHECK_2000, BUDGET_UNCHANGED, BUDGET_DOUBLING, BUDGET_EXAMPLES = 2.0, 0.3, 2.1, 0.4
BUDGET_RATIO = 2.0  # cold --check of 2,000 jobs / libyaml parse of the same files, same run
SMALL_JOBS = 2000
HEAVY = ("jinja2", "pyiceberg", "pyarrow")

ENV = dict(os.environ)  # main() points the dativo and bytecode caches at private folders


def _one_core() -> None:
    """Pins the child to one core (the first allowed): dativo then loads in one process, as on a 1-core machine."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run(
    cmd: Sequence[str], cold: bool = False, first: bool = False, one_core: bool = False
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of one fresh subprocess (emptying caches first is not timed). cold: dativo's result
    cache is emptied, so the check compiles; first: every dativo cache is, compiled templates too;
    one_core: the process may run on one core only."""
    if first:
        shutil.rmtree(ENV["XDG_CACHE_HOME"], ignore_errors=True)
    elif cold:
        shutil.rmtree(Path(ENV["XDG_CACHE_HOME"]) / "dativo" / "checks", ignore_errors=True)
    start = time.perf_counter()
    pin = _one_core if one_core and hasattr(os, "sched_setaffinity") else None
    proc = subprocess.run(list(cmd), capture_output=True, text=True, cwd=REPO, env=ENV, preexec_fn=pin)
    return time.perf_counter() - start, proc


def best(
    cmd: Sequence[str], runs: int = RUNS, cold: bool = False, first: bool = False, one_core: bool = False
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Min wall time of `runs` fresh subprocesses, and the last result."""
    results = [run(cmd, cold, first, one_core) for _ in range(runs)]
    return min(t for t, _ in results), results[-1][1]


def fail(what: str, proc: subprocess.CompletedProcess[str]) -> NoReturn:
    sys.exit(f"bench: {what} failed (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")


# argv: project root, then "inputs" (the files a compile reads: generated/ left out; the budget's
# baseline) or "all" (generated/kubernetes' manifests too: the baseline of figures before this split)
LIBYAML = """\
import sys, pathlib, yaml
root = pathlib.Path(sys.argv[1])
for p in sorted(root.rglob("*.yaml")):
    if sys.argv[2] == "all" or p.relative_to(root).parts[0] != "generated":
        yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
"""


@dataclass
class Row:
    jobs: int
    tenants: int
    check: float  # cold --check, best of RUNS, seconds (the output manifest proves the targets' files)
    rendered: float  # cold --check without the output manifest (every target rendered and compared)
    libyaml: float  # the project's input YAML files, best of RUNS, seconds
    unchanged: float  # --check right after a --check, best of RUNS, seconds
    first: float  # --check with no dativo cache at all (compiled templates too), one run, seconds
    libyaml_all: float  # the inputs and the generated Kubernetes manifests, best of RUNS, seconds
    ratio_1core: float  # cold --check / libyaml (inputs), both pinned to one core, best of RUNS each
    paired: float  # the median of each round's cold --check / libyaml (inputs), measured back to back


def timed(
    cmd: Sequence[str], what: str, runs: int = RUNS, cold: bool = False, first: bool = False, one_core: bool = False
) -> float:
    """best() of a command that must succeed."""
    seconds, proc = best(cmd, runs, cold, first, one_core)
    if proc.returncode:
        fail(what, proc)
    return seconds


def measure(root: Path, n_jobs: int, job: Callable[[int, str], str] = job_yaml, pairs: int = RUNS) -> Row:
    """`pairs`: rounds of the cold --check / libyaml pair (RUNS of them come with the other columns)."""
    n_tenants = generate(root, n_jobs, job)
    timed([DATIVO, "compile", str(root)], f"dativo compile ({n_jobs} jobs)", runs=1)
    check_cmd = [DATIVO, "compile", str(root), "--check"]
    first = timed(check_cmd, f"dativo compile --check, first run ({n_jobs} jobs)", runs=1, first=True)
    # the two sides of the ratio alternate, so a load that comes and goes on a shared machine weighs on both
    libyaml_cmd = [sys.executable, "-c", LIBYAML, str(root), "inputs"]
    checks, libyamls, libyamls_all, checks_1, libyamls_1, rendered = [], [], [], [], [], []
    for _ in range(RUNS):
        checks.append(timed(check_cmd, f"dativo compile --check ({n_jobs} jobs)", runs=1, cold=True))
        with _without_manifest(root):
            rendered.append(timed(check_cmd, f"dativo compile --check, no manifest ({n_jobs} jobs)", runs=1, cold=True))
        libyamls.append(timed(libyaml_cmd, "libyaml baseline", runs=1))
        libyamls_all.append(
            timed([sys.executable, "-c", LIBYAML, str(root), "all"], "libyaml baseline, with generated/", runs=1)
        )
        checks_1.append(timed(check_cmd, "dativo compile --check on one core", runs=1, cold=True, one_core=True))
        libyamls_1.append(timed(libyaml_cmd, "libyaml baseline on one core", runs=1, one_core=True))
    for _ in range(pairs - RUNS):
        checks.append(timed(check_cmd, f"dativo compile --check ({n_jobs} jobs)", runs=1, cold=True))
        libyamls.append(timed(libyaml_cmd, "libyaml baseline", runs=1))
    unchanged = timed(check_cmd, f"dativo compile --check, unchanged inputs ({n_jobs} jobs)")
    ratio_1 = min(checks_1) / min(libyamls_1)
    paired = statistics.median(c / lib for c, lib in zip(checks, libyamls))
    return Row(
        n_jobs,
        n_tenants,
        min(checks[:RUNS]),
        min(rendered),
        min(libyamls[:RUNS]),
        unchanged,
        first,
        min(libyamls_all),
        ratio_1,
        paired,
    )


@contextlib.contextmanager
def _without_manifest(root: Path) -> Iterator[None]:
    """The output manifest moved aside (not timed): `--check` then renders and compares every target."""
    manifest = root / "generated" / ".dativo-manifest.json"
    aside = root.parent / f"{root.name}.manifest.aside"  # outside the project: nothing there is read
    manifest.rename(aside)
    try:
        yield
    finally:
        aside.rename(manifest)


def budget_line(label: str, value: float, unit: str, budget: float, note: str = "") -> None:
    verdict = "OK" if value <= budget else "OVER"
    print(f"  {label:<32} {value:7.3f} {unit}   budget <= {budget} {unit}   {verdict}{note}")


def help_imports() -> set[str]:
    """Top-level packages that `dativo --help` imports, from -X importtime."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dativo.compiler.cli", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if proc.returncode:
        fail("python -X importtime -m dativo.compiler.cli --help", proc)
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"smoke run: {'/'.join(map(str, QUICK))} jobs")
    ap.add_argument("--keep", metavar="DIR", help="generate the projects under DIR and keep them")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    base = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="dativo-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    ENV["XDG_CACHE_HOME"] = str(base / "xdg-cache")
    ENV["PYTHONPYCACHEPREFIX"] = str(base / "pycache")  # byte-compiled like an installed package,
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)  # without writing into the repository
    try:
        return report(base, sizes, args.quick)
    finally:
        if args.keep:
            print(f"\nprojects kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def report(base: Path, sizes: Sequence[int], quick: bool) -> int:
    smoke(base / "validate-smoke")
    print(
        f"dativo compile benchmark ({'quick' if quick else 'full'}; {os.cpu_count()} CPUs; "
        f"best of {RUNS} fresh subprocesses ({EXAMPLE_RUNS} for the examples), wall clock; targets: all four, "
        "plan.json included)\n"
        "check = --check with an empty result cache (a full compile; the output manifest proves the targets' files, "
        "so nothing is rendered);\nrendered = the same without the manifest (every target rendered and compared); "
        "unchanged = --check again on the same inputs;\nfirst run = --check with no dativo cache at all (templates compiled too; one run)\n"
        "libyaml = PyYAML's CSafeLoader on the project's input YAML files (the budget's baseline); "
        "libyaml+generated = the same plus\nthe generated Kubernetes manifests (the baseline of earlier figures); "
        "1 core = check / libyaml with both pinned to one core\n(dativo then loads in one process); the check and "
        "libyaml runs alternate; paired = the median of each round's check / libyaml, run back to back\n"
        f"({PAIRED_RUNS} rounds for the small files: their budget's figure)\n"
    )
    print(HEADER + "\n" + "-" * len(HEADER))
    rows = [table_row(measure(_fresh(base / f"jobs-{n}"), n)) for n in sizes]
    n_small = sizes[0] if quick else SMALL_JOBS
    lines = sorted({len(small_job_yaml(i, "t").splitlines()) for i in range(4)})
    print(f"small job files ({lines[0]}-{lines[-1]} lines each: names for paths, defaults left alone):")
    small = table_row(measure(_fresh(base / f"small-{n_small}"), n_small, small_job_yaml, PAIRED_RUNS))
    budgets(rows, small)
    examples_and_help()
    return 0


HEADER = (
    f"{'jobs':>6} {'tenants':>7} {'check s':>8} {'rendered s':>10} {'libyaml s':>9} {'check/libyaml':>13} {'unchanged s':>11} "
    f"{'first run s':>11} {'libyaml+generated s':>19} {'1 core: check/libyaml':>21} {'paired':>6}"
)


def _fresh(root: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    return root


def table_row(r: Row) -> Row:
    print(
        f"{r.jobs:>6} {r.tenants:>7} {r.check:>8.3f} {r.rendered:>10.3f} {r.libyaml:>9.3f} {r.check / r.libyaml:>12.1f}x "
        f"{r.unchanged:>11.3f} {r.first:>11.3f} {r.libyaml_all:>19.3f} {r.ratio_1core:>20.1f}x {r.paired:>5.2f}x",
        flush=True,
    )
    return r


def smoke(root: Path) -> None:
    """Both generated projects must validate with only the expected warnings."""
    for job in (job_yaml, small_job_yaml):
        generate(_fresh(root), 6 * len(TIMINGS), job)  # every job kind with every timing
        _, proc = run([DATIVO, "validate", str(root)])
        # the stripe (airbyte) and postgres (meltano) recipes warn DTV218, and incremental append jobs with
        # max_concurrent_runs: 2 warn DTV320, and the copied example assets' retention and quality blocks warn
        # DTV225 (the project is kept as in earlier sessions, so figures compare); anything else stops the run
        others = [
            line
            for line in proc.stdout.splitlines()
            if (": error " in line or ": warning " in line)
            and "warning DTV218" not in line
            and "warning DTV320" not in line
            and "warning DTV225" not in line
        ]
        if proc.returncode or others or proc.stderr.strip():
            fail(
                f"dativo validate on the generated project ({job.__name__}): only DTV218, DTV225 and DTV320 may warn",
                proc,
            )


def budgets(rows: list[Row], small: Row) -> None:
    print("\nbudgets (docs/performance.md)")
    r2000 = {r.jobs: r for r in rows}.get(2000)
    if r2000 is not None:
        note = f"   (median of {RUNS} paired rounds; best against best: {r2000.check / r2000.libyaml:.2f}x)"
        budget_line("check / libyaml, 2,000 jobs", r2000.paired, "x", BUDGET_RATIO, note)
        budget_line("compile --check, 2,000 jobs", r2000.check, "s", BUDGET_CHECK_2000, "   (quiet 2-core machine)")
        budget_line("unchanged inputs, 2,000 jobs", r2000.unchanged, "s", BUDGET_UNCHANGED)
    else:
        print("  compile / unchanged budgets apply to 2,000 jobs: run without --quick")
    label = f"check / libyaml, {small.jobs:,} small" if small.jobs == SMALL_JOBS else "check / libyaml, small (quick)"
    note = f"   (median of {PAIRED_RUNS} paired rounds; best against best: {small.check / small.libyaml:.2f}x)"
    budget_line(label, small.paired, "x", BUDGET_RATIO, note)
    for lo, hi in zip(rows, rows[1:]):
        budget_line(f"doubling {lo.jobs:,} -> {hi.jobs:,} jobs", hi.check / lo.check, "x", BUDGET_DOUBLING)


def examples_and_help() -> None:
    ex_check = [DATIVO, "compile", str(EXAMPLES), "--check"]
    ex_first, _ = best(ex_check, EXAMPLE_RUNS, first=True)
    ex, proc = best(ex_check, EXAMPLE_RUNS, cold=True)
    warm, _ = best(ex_check, EXAMPLE_RUNS)
    state = (
        f"   (unchanged: {warm:.3f} s; first run, no caches: {ex_first:.3f} s)"
        if proc.returncode == 0
        else f"   (exit {proc.returncode}: stale or invalid)"
    )
    budget_line("compile examples --check", ex, "s", BUDGET_EXAMPLES, state)
    helptime = timed([DATIVO, "--help"], "dativo --help")
    heavy = sorted(set(HEAVY) & help_imports())
    print(
        f"  {'dativo --help':<32} {helptime:7.3f} s   imports of {', '.join(HEAVY)}: "
        f"{', '.join(heavy) or 'none'}   {'OVER' if heavy else 'OK'}"
    )


if __name__ == "__main__":
    sys.exit(main())

"""The hardened pod's file system, for real: `dativo run` as an unprivileged user, the project read-only and
only the state dir writable (what readOnlyRootFilesystem plus the state volume give a CronJob's pod, and
ProtectSystem=strict plus ReadWritePaths= a systemd unit), with the plan digest its CronJob stamps.

Needs root to set up the mount namespace (`unshare -m`, then `setpriv` to uid 65534); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534
pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("setpriv")),
    reason="needs root, unshare and setpriv (util-linux) to mount the project read-only",
)


@pytest.fixture
def app() -> Iterator[Path]:
    # not under pytest's tmp_path: that is root's alone (0700), and the run is uid 65534's
    root = Path(tempfile.mkdtemp(prefix="dativo-ro-"))
    try:
        shutil.copytree(REPO / "examples", root / "app", ignore=shutil.ignore_patterns("state"))
        (root / "app" / "state").mkdir()
        os.chown(root / "app" / "state", NOBODY, NOBODY)
        for d in (root, *root.rglob("*")):
            d.chmod(d.stat().st_mode | 0o555 if d.is_dir() else d.stat().st_mode | 0o444)
        yield root / "app"
    finally:
        shutil.rmtree(root)


def _run_read_only(app: Path, digest: str) -> subprocess.CompletedProcess[str]:
    script = (
        'mount --bind "$APP" "$APP" && mount -o remount,bind,ro "$APP" '
        '&& mount --bind "$APP/state" "$APP/state" && mount -o remount,bind,rw "$APP/state" '
        '&& cd "$APP" && ! touch "$APP/probe" 2>/dev/null '
        f"&& exec setpriv --reuid {NOBODY} --regid {NOBODY} --clear-groups "
        f'"$PY" -m dativo.compiler.cli run --plan generated/plan.json --job acme.orders_csv_morning'
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP": str(app),
        "PY": sys.executable,
        "HOME": "/nonexistent",
        "XDG_CACHE_HOME": str(app.parent / "cache"),  # does not exist and cannot be made: nothing needs it
        "DATIVO_PLAN_DIGEST": digest,
    }
    return subprocess.run(["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=300)


def test_the_runtime_needs_only_the_state_dir_writable(app: Path) -> None:
    cronjob = yaml.safe_load((app / "generated/kubernetes/acme/orders_csv_morning.yaml").read_text("utf-8"))
    env = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    digest = next(e["value"] for e in env if e["name"] == "DATIVO_PLAN_DIGEST")
    p = _run_read_only(app, digest)
    assert p.returncode == 0, p.stdout + p.stderr
    assert '"event_type": "job_finished"' in p.stdout and '"status": "success"' in p.stdout
    assert (app / "state" / "warehouse").is_dir() and not (app / "probe").exists()
    # and the same pod with another compile's digest stops before it writes anything
    shutil.rmtree(app / "state" / "warehouse")
    p = _run_read_only(app, "sha256:" + "0" * 64)
    assert p.returncode == 2 and "DATIVO_PLAN_DIGEST" in p.stderr, p.stdout + p.stderr
    assert not (app / "state" / "warehouse").exists()

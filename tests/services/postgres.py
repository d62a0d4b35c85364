"""A real PostgreSQL server for the database-source tests, started once per test session.

Debian's `postgresql` package provides the binaries: when they are missing and we are root, the
fixture installs it with apt-get (once, under a lock), so a fresh machine or CI needs no step of
its own. initdb refuses to run as root, so the cluster belongs to the unprivileged `nobody` user:
its data lives in a temp dir of its own (pytest's tmp dirs are root-only), the server listens on
127.0.0.1 on a free port plus a socket in that dir, and is stopped and removed at session end.
fsync is off: the cluster is thrown away, and crash safety of the *server* is not under test.

Self-contained (stdlib and pytest only) so other test folders can reuse it as it is.
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SERVICE_USER = "nobody"  # any unprivileged account; Debian and most images have this one
APT_LOCK = Path(tempfile.gettempdir()) / "dativo-test-apt.lock"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    bindir: Path
    socket_dir: Path

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    def psql(self, sql: str, *, dbname: str | None = None) -> str:
        """Run SQL with the server's own psql client; stop on the first error; return its output."""
        out = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
            + ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", dbname or self.dbname],
            input=sql,
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed ({out.returncode}): {out.stderr}")
        return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_debian_packages(found: Any, packages: list[str]) -> None:
    """Install Debian packages when `found()` says the binaries are missing (root only; fail otherwise)."""
    if found():
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.fail(
            f"{' '.join(packages)} not installed and cannot install it here: apt-get install {' '.join(packages)}"
        )
    with open(APT_LOCK, "w") as lock:  # two test processes must not run apt-get at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if found():
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=env, stdout=subprocess.DEVNULL)
    if not found():
        pytest.fail(f"installed {' '.join(packages)} but its binaries are still not found")


def service_dir(prefix: str) -> Path:
    """A temp dir the service user owns (the server refuses to run as root)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        pw = pwd.getpwnam(SERVICE_USER)
        os.chown(home, pw.pw_uid, pw.pw_gid)
    return home


def as_service_user() -> dict[str, Any]:
    """subprocess keyword arguments that drop root to the service user (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam(SERVICE_USER)
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def pg_bindir() -> Path | None:
    override = os.environ.get("DATIVO_PG_BINDIR")
    if override:
        return Path(override)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _start(bindir: Path, home: Path, port: int) -> None:
    sockets = home / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(sockets, SERVICE_USER)
    opts = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [str(bindir / "pg_ctl"), "-D", str(home / "data"), "-l", str(home / "server.log"), "-w", "-t", "60"]
        + ["-o", opts, "start"],
        check=True,
        capture_output=True,
        cwd=home,
        **as_service_user(),
    )


def start_postgres(user: str = "dativo", password: str = "dativo-test-pw", dbname: str = "dativo") -> PgServer:
    ensure_debian_packages(lambda: pg_bindir() is not None, ["postgresql"])
    bindir = pg_bindir()
    assert bindir is not None
    home = service_dir("dativo-pg-")
    (home / "pw").write_text(password + "\n")
    os.chmod(home / "pw", 0o644)
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(home / "data"), "-U", user, f"--pwfile={home / 'pw'}"]
        + ["--auth=scram-sha-256", "-E", "UTF8", "--locale=C"],
        check=True,
        capture_output=True,
        cwd=home,
        **as_service_user(),
    )
    for attempt in range(3):  # a free port can be taken between the probe and the bind
        port = free_port()
        try:
            _start(bindir, home, port)
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                log = home / "server.log"
                raise RuntimeError(f"postgres did not start: {log.read_text() if log.exists() else ''}") from None
    server = PgServer("127.0.0.1", port, user, password, dbname, bindir, home / "sockets")
    server.psql(f'CREATE DATABASE "{dbname}"', dbname="postgres")
    return server


def stop_postgres(server: PgServer) -> None:
    home = server.socket_dir.parent
    subprocess.run(
        [str(server.bindir / "pg_ctl"), "-D", str(home / "data"), "-m", "fast", "-w", "stop"],
        capture_output=True,
        cwd=home,
        **as_service_user(),
    )
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    started = time.monotonic()
    server = start_postgres()
    print(f"postgres on {server.host}:{server.port} in {time.monotonic() - started:.1f}s")
    try:
        yield server
    finally:
        stop_postgres(server)

"""A real MariaDB server (MySQL protocol) for the database-source tests, started once per test session.

Debian's `mariadb-server` provides it (installed by the fixture when missing, as for PostgreSQL).
The data dir is made by `mariadb-install-db` as the unprivileged service user in a temp dir;
`mariadbd` listens on 127.0.0.1 on a free port and on a socket there, and a password user and a
database are created for the tests; everything is stopped and removed at session end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from services.postgres import as_service_user, ensure_debian_packages, free_port, service_dir


@dataclass(frozen=True)
class MyServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    home: Path
    proc: subprocess.Popen[bytes]

    @property
    def dsn(self) -> str:
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    def sql(self, sql: str) -> str:
        """Run SQL with the server's own client as the test user; stop on the first error."""
        return _client(["-h", self.host, "-P", str(self.port), "-u", self.user, self.dbname], sql, self.password)


def _client(args: list[str], sql: str, password: str = "") -> str:
    env = {**os.environ, "MYSQL_PWD": password}
    out = subprocess.run(
        ["mariadb", "--no-defaults", "-N", "-B", *args], input=sql, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"mariadb client failed ({out.returncode}): {out.stderr}")
    return out.stdout


def _server_binary() -> str | None:
    return shutil.which("mariadbd") or (shutil.which("mariadbd", path="/usr/sbin:/usr/libexec") or None)


def _wait_ready(proc: subprocess.Popen[bytes], socket_path: Path, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mariadbd exited ({proc.returncode}): {log.read_text()}")
        if socket_path.exists():
            try:
                _client(["-S", str(socket_path), "-u", "root"], "SELECT 1")
                return
            except RuntimeError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"mariadbd not ready after 60s: {log.read_text()}")


def start_mysql(user: str = "dativo", password: str = "dativo-test-pw", dbname: str = "dativo") -> MyServer:
    ensure_debian_packages(lambda: _server_binary() is not None, ["mariadb-server"])
    server = _server_binary()
    assert server is not None
    home = service_dir("dativo-mysql-")
    data, sock, log = home / "data", home / "mysqld.sock", home / "server.log"
    subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal"]
        + ["--skip-test-db"],
        check=True,
        capture_output=True,
        cwd=home,
        **as_service_user(),
    )
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}"]
            + ["--bind-address=127.0.0.1", f"--pid-file={home / 'mysqld.pid'}", "--skip-log-bin"]
            + ["--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=64M"],
            stdout=out,
            stderr=out,
            cwd=home,
            **as_service_user(),
        )
    _wait_ready(proc, sock, log)
    _client(
        ["-S", str(sock), "-u", "root"],
        f"CREATE DATABASE `{dbname}`; CREATE USER '{user}'@'%' IDENTIFIED BY '{password}';"
        f" GRANT ALL ON `{dbname}`.* TO '{user}'@'%';",
    )
    return MyServer("127.0.0.1", port, user, password, dbname, home, proc)


def stop_mysql(server: MyServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    shutil.rmtree(server.home, ignore_errors=True)


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[MyServer]:
    server = start_mysql()
    try:
        yield server
    finally:
        stop_mysql(server)

"""A real local S3-compatible server for the S3/MinIO target tests: moto's server mode (`moto[server]`,
the `test` extra), started once per session on a free port as a subprocess and stopped at the end.

It enforces credentials: the first three requests (the IAM user, its policy and its access key,
made here) are let through, every later one must be signed with that key, so a wrong secret is
refused as a real S3 or MinIO refuses it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REGION = "us-east-1"
SETUP_CALLS = 3  # create_user, put_user_policy, create_access_key


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str
    secret_key: str

    def filesystem(self, **kw: Any) -> Any:
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(
            access_key=self.access_key,
            secret_key=self.secret_key,
            endpoint_override=self.endpoint,
            scheme="http",
            region=REGION,
            **kw,
        )

    def bucket(self, name: str) -> str:
        self.filesystem(allow_bucket_creation=True).create_dir(name)
        return name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen, log: Path) -> None:
    """Readiness, not a timing assertion: the server takes a moment to import moto."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"moto_server did not listen on port {port}: {log.read_text()[-2000:]}")


def _iam_key(endpoint: str) -> tuple[str, str]:
    import boto3  # moto's own dependency

    iam = boto3.client(
        "iam",
        endpoint_url=f"http://{endpoint}",
        region_name=REGION,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName="dativo")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="dativo", PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="dativo")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: install the test extra (pip install -e '.[test]', moto[server])")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out, env=env)
    try:
        _wait_for(port, proc, log)
        endpoint = f"127.0.0.1:{port}"
        access, secret = _iam_key(endpoint)
        yield S3Server(endpoint, access, secret)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# The real database servers (tests/services/): one per session, shared by every module here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: services
from services.mysql import mysql_server  # noqa: E402, F401
from services.postgres import postgres_server  # noqa: E402, F401

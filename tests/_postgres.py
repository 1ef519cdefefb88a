"""A throwaway PostgreSQL server for the tests and benchmarks/db.py: `initdb` into a temporary
folder, a free local port, its unix socket in that folder, stopped and removed at the end.

PostgreSQL refuses to run as root; as root (CI, containers) the server runs as an unprivileged
user (`postgres` when the package made it, else `nobody`) that owns the temporary folder.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SUPERUSER = "migrate"
# Durability off: a test server is thrown away, and fsyncs would make every commit wait for the disk.
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")


def binaries() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _runner() -> dict:
    """subprocess arguments that run a command as the server's user (only when we are root)."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


@contextmanager
def server(extra_settings: str = "") -> Iterator[str]:
    """Start a server; yield the URL of its `postgres` database (superuser `migrate`, trusted)."""
    folder = binaries()
    if folder is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) found")
    root = Path(tempfile.mkdtemp(prefix="aftership-pg-"))
    run_as = _runner()
    if run_as:
        os.chown(root, run_as["user"], run_as["group"])
    environment = {**os.environ, "LC_ALL": "C", "HOME": str(root)}
    data, port = root / "data", _free_port()

    def call(*argv: str) -> None:
        done = subprocess.run(argv, cwd=root, env=environment, capture_output=True, text=True, timeout=120, **run_as)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}")

    try:
        call(str(folder / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync")
        call(str(folder / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
             "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 {FAST} {extra_settings}", "start")
        try:
            yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        finally:
            call(str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)

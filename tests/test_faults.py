"""A parallel translation stopped at any moment (issue 10, point 5): SIGKILL, SIGTERM and SIGINT
leave the input old or new, no worker running, and no leftover that the next run does not remove."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

CHECKPOINT = b'{"country_iso3":"DEU","coordinates":[52.5,13.4],"tag":"InTransit","message":"Hub"}'
LINE = (b'{"meta":{"code":200},"data":{"tracking":{"id":"5b7c8d9e0f1a2b3c4d5e6f70","tracking_number":"1Z%d",'
        b'"slug":"ups","origin_country_iso3":"USA","emails":["a@example.com"],"checkpoints":['
        + b",".join([CHECKPOINT] * 4) + b']}}}\n')
LINES = 72_000  # ~37 MB: past the size that takes workers, and about a second of work to stop


@pytest.fixture(scope="module")
def archive_text() -> bytes:
    return b"".join(LINE % n for n in range(LINES))


def run_and_stop(tmp_path, text: bytes, signum: int, delay: float):
    source = tmp_path / "archive.jsonl"
    source.write_bytes(text)
    spool = tmp_path / "tmp"
    spool.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(spool)}
    process = subprocess.Popen([sys.executable, "-m", "migrator", "translate", "-q", "--in-place", "--jobs", "2",
                                str(source)], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    time.sleep(delay)
    process.send_signal(signum)
    process.wait(timeout=60)
    return source, spool, process.pid


def group_gone(pgid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("round_", range(2))
def test_a_stopped_run_leaves_the_input_whole_and_nothing_running(tmp_path, archive_text, signum, round_):
    delay = random.Random(f"{signum}-{round_}").uniform(0.15, 0.9)
    source, spool, pid = run_and_stop(tmp_path, archive_text, signum, delay)
    assert group_gone(pid), "a worker outlived the run"
    after = source.read_bytes()
    if after != archive_text:  # stopped after the rename: the whole translation is there
        lines = after.split(b"\n")
        assert len(lines) == LINES + 1 and all(b'"origin_country_region"' in line for line in lines[:-1])
    # What a killed run leaves, the next run removes (a stopped one leaves nothing).
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".archive.jsonl.")] + os.listdir(spool)
    if signum != signal.SIGKILL:
        assert leftovers == []
    subprocess.run([sys.executable, "-m", "migrator", "translate", "-q", "--in-place", "--jobs", "2", str(source)],
                   env={**os.environ, "TMPDIR": str(spool)}, check=False, timeout=120, cwd=tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".archive.jsonl.")] == []
    assert os.listdir(spool) == []
    assert all(b'"origin_country_region"' in line for line in source.read_bytes().split(b"\n")[:-1])

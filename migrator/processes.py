"""Worker processes that never outlive their run, and a run that cleans up when it is stopped.

A pool's workers ask the kernel to kill them when the process that started them dies (Linux
PR_SET_PDEATHSIG), so SIGKILL of a run leaves no orphan translating on. SIGTERM is turned into
SystemExit in the main process, so it unwinds like Ctrl-C: temporary files are removed, nothing
half-written is renamed into place. A spool folder carries its run's pid, so the next run
removes the folders of runs that were killed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import tempfile
from typing import TYPE_CHECKING

from migrator.atomic import process_alive

if TYPE_CHECKING:  # concurrent.futures costs a pre-commit run's start-up; imported when a pool is made
    from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
SPOOL_PREFIX = "aftership-migrate-"


def worker_pool(jobs: int) -> "ProcessPoolExecutor":
    """A process pool whose workers die with the process that made it."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),))


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    # A worker is also told to stop when the run is (SIGTERM to the group): it just exits.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides what Ctrl-C stops
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def stop_on_sigterm() -> None:
    """SIGTERM unwinds the main process as SystemExit(143), running its cleanups."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)

    if threading_main():
        signal.signal(signal.SIGTERM, stop)


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def spool_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for workers' output, named with this run's pid; folders left by runs
    that were killed are removed first."""
    root = tempfile.gettempdir()
    pattern = re.compile(rf"{re.escape(SPOOL_PREFIX)}(\d+)-")
    try:
        entries = os.listdir(root)
    except OSError:
        entries = []
    for entry in entries:
        match = pattern.match(entry)
        if match and not process_alive(int(match[1])):
            shutil.rmtree(os.path.join(root, entry), ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{SPOOL_PREFIX}{os.getpid()}-")

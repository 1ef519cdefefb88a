"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

The file is replaced as it was: a symlink keeps pointing where it did (its target is replaced),
mode, owner and group are kept, and a file with other hard links is refused (a new file renamed
over one name would split it from the others). A caller that read the file first passes what it
read: a file changed or deleted since is left alone. Temporary files carry the writer's process
id, so a run killed before it could clean up has its leftovers removed by the next run writing
in that folder (or walking it: discovery).
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

TEMP_MARK = ".aftership-migrate-"  # in every temporary name, before the writer's pid


class NotWritten(OSError):
    """The file was left alone on purpose (hard links, changed since read, owner not keepable)."""


@contextmanager
def atomic_writer(path: str | os.PathLike, mode: str = "wb", expected: bytes | os.stat_result | None = None
                  ) -> Iterator[IO]:
    """Write to a temporary file beside `path` (its target, for a symlink), then rename it over
    `path` on success. `expected`: the bytes (or the stat) the file had when it was read."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    before = _stat(target)
    if before is not None and before.st_nlink > 1:
        raise NotWritten(f"{path} has {before.st_nlink} hard links; replacing it would split them: left alone")
    _check_unchanged(path, target, expected)
    if target.parent not in _CLEANED:  # once a folder a run: not a listing per file written
        _CLEANED.add(target.parent)
        remove_stale_temporaries(target.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f"{TEMP_MARK}{os.getpid()}.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        if before is not None:
            os.chmod(temp, before.st_mode & 0o7777)
            _keep_owner(path, temp, before)
        else:  # mkstemp makes 0600 files: give a new file the usual mode
            os.chmod(temp, 0o666 & ~_umask())
        _check_unchanged(path, target, expected)  # again, as late as can be
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise


def write_bytes_atomic(path: str | os.PathLike, data: bytes, expected: bytes | None = None) -> None:
    with atomic_writer(path, "wb", expected) as handle:
        handle.write(data)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _check_unchanged(path, target: Path, expected: bytes | os.stat_result | None) -> None:
    if expected is None:
        return
    now = _stat(target)
    if now is None:
        raise NotWritten(f"{path} was deleted during the run: left alone")
    if isinstance(expected, os.stat_result):
        same = (now.st_ino, now.st_size, now.st_mtime_ns) == (expected.st_ino, expected.st_size, expected.st_mtime_ns)
    else:
        same = now.st_size == len(expected) and target.read_bytes() == expected
    if not same:
        raise NotWritten(f"{path} changed during the run: left alone (run again to rewrite it)")


def _keep_owner(path, temp: str, before: os.stat_result) -> None:
    if not hasattr(os, "chown"):
        return
    mine = os.stat(temp)
    if (mine.st_uid, mine.st_gid) == (before.st_uid, before.st_gid):
        return
    try:
        os.chown(temp, before.st_uid, before.st_gid)
    except PermissionError:
        raise NotWritten(f"{path} belongs to another user or group, which a rewrite could not keep: "
                         f"left alone") from None


_CLEANED: set[Path] = set()  # folders this process has rid of dead writers' temporary files
_TEMP_NAME = re.compile(rf"\..+\.[^.]+{re.escape(TEMP_MARK)}(?P<pid>\d+)\.tmp")


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files of writers that died in `folder` (killed before they could
    clean up)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if TEMP_MARK not in entry:
            continue
        match = _TEMP_NAME.fullmatch(entry)
        if match and not process_alive(int(match["pid"])):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

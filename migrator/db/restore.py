"""Undo a run from its backup table: each row gets back its original value, if it still holds
the value the run wrote (compare-and-set again: a row changed since is not overwritten, and is
reported with its original kept in the backup). Restored rows leave the backup in the same
transaction, so a restore stopped midway is finished by running it again."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO

from migrator.db.bar import RowBar
from migrator.db.target import Change, Target
from migrator.payload.run import ReportWriter


@dataclass
class RestoreSummary:
    label: str
    backup: str
    restored: int = 0
    left: int = 0

    @property
    def failed(self) -> int:
        return self.left

    def lines(self) -> list[str]:
        return [f"{self.restored + self.left} rows of {self.label} in {self.backup}: {self.restored} restored, "
                f"{self.left} left as they are"]

    def as_dict(self) -> dict:
        return {"table": self.label, "backup": self.backup, "restored": self.restored, "left": self.left}


def restore(database, target: Target, backup_name: str, batch_size: int, report: ReportWriter,
            stderr: IO[str] = sys.stderr, bar: RowBar | None = None) -> RestoreSummary:
    backup = database.prepare_backup(target, backup_name, create=False)
    summary = RestoreSummary(target.label, backup_name)
    bar = bar or RowBar(0, stderr, enabled=False)
    after = None
    while True:
        saved = database.read_backup(backup, after, batch_size)
        if not saved:
            break
        changes = [Change(key, expected=new, new=old) for key, old, new in saved]
        written, locked = _write(database, target, changes, backup)
        for change in changes:
            if change.key in written:
                summary.restored += 1
                continue
            summary.left += 1
            why = (f"locked by another transaction for more than {database.lock_wait_s:g} s" if change.key in locked
                   else "changed since it was translated, or deleted")
            message = f"{why}: left as it is; its original stays in {backup_name}"
            report.add({"document": target.label, "key": change.key, "status": "not restored", "errors": [message]})
            bar.clear()
            stderr.write(f"{target.label} {target.key_label}={change.key!r}: error: {message}\n")
        after = saved[-1][0]
        bar.advance(len(saved))
    bar.close()
    return summary


def _write(database, target: Target, changes: list[Change], backup: str) -> tuple[set, set]:
    """(keys restored, keys locked): a batch waiting too long for a row another transaction
    holds locked is written row by row, so that only the locked rows are left."""
    try:
        return database.write(target, changes, restored_from=backup), set()
    except database.locked:
        pass
    written: set = set()
    locked: set = set()
    for change in changes:
        try:
            written |= database.write(target, [change], restored_from=backup)
        except database.locked:
            locked.add(change.key)
    return written, locked

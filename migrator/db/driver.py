"""The batch loop of `translate-db`: read rows by key, translate them, write back those that changed.

Each batch is read (outside any transaction), translated in Python, then written in one short
transaction by compare-and-set: a row is updated only if it still holds the value read. Row
locks (SELECT ... FOR UPDATE) would keep the application's writers waiting while Python
translates the whole batch, and SQLite has no row locks (its write lock stops every writer of
the database); compare-and-set holds locks only for the writes, and a row another writer
changed meanwhile is not overwritten: it is read again and retried once, then reported.

The run is resumable: each batch's transaction also records, in the table
`aftership_migrate_progress`, the last key whose rows are settled, so a run stopped at any
point (Ctrl-C, SIGKILL, a lost connection) leaves every row old or new and the next run with
the same arguments starts after that key. A finished run removes its record. Measured on 1M
rows (benchmarks/db.py): re-reading and re-translating finished rows to find them in the
2025-01 shape costs as much as translating them, while the record costs one small write per
batch.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from migrator.db.bar import RowBar
from migrator.db.convert import RowResult, convert_rows, failure
from migrator.db.target import Change, DatabaseError, Row, Target
from migrator.payload.run import Options, ReportWriter, Summary

DEFAULT_BATCH = 1000
# Below this many rows a run translates in its own process: workers cost more to start than they save.
PARALLEL_ROWS = 20_000
# A batch with nothing to write records its position only this often (a commit costs an fsync).
RECORD_EVERY_S = 2.0


def connect(url: str):
    """The back-end for a database URL: sqlite:///path.db or postgresql://..."""
    if url.startswith("sqlite:"):
        from migrator.db.sqlite import SqliteDatabase

        return SqliteDatabase(url)
    if url.startswith(("postgresql://", "postgres://")):
        from migrator.db.postgres import PostgresDatabase

        return PostgresDatabase(url)
    raise DatabaseError(f"unsupported database URL {url.split('://')[0]}://...: "
                        f"expected sqlite:///path.db or postgresql://user@host/dbname")


@dataclass
class RowSummary(Summary):
    """translate's tally, over rows of one column instead of documents of files."""

    label: str = ""
    check: bool = False
    retried: int = 0  # rows another writer changed between read and write
    locked: int = 0  # rows another transaction held locked past the wait allowed (PostgreSQL)
    deleted: int = 0  # rows deleted between read and write: nothing left to translate
    resumed_after: Any = None
    resumed_rows: int = 0

    def lines(self) -> list[str]:
        verb = "would be converted" if self.check else "converted"
        out = [f"{self.documents} rows of {self.label}: {self.converted} {verb}, {self.unchanged} unchanged, "
               f"{self.failed} failed"]
        if self.resumed_after is not None:
            out.append(f"  resumed after key {self.resumed_after}: {self.resumed_rows} rows were done by a run "
                       f"that stopped")
        if self.retried:
            out.append(f"  {self.retried} rows changed by another writer between read and write: read again "
                       f"and retried once")
        if self.locked:
            out.append(f"  {self.locked} rows locked by another transaction past the wait allowed: read again "
                       f"and retried once")
        if self.deleted:
            out.append(f"  {self.deleted} rows deleted by another writer during the run")
        for (rule, action), count in sorted(self.by_rule.items()):
            out.append(f"  {rule} {action}: {count}")
        return out

    def as_dict(self) -> dict:
        return {"table": self.label, **super().as_dict(), "retried": self.retried, "locked": self.locked,
                "deleted": self.deleted, "check": self.check}


@dataclass(frozen=True)
class Settings:
    where: str | None = None
    batch_size: int = DEFAULT_BATCH
    check: bool = False
    backup: str | None = None
    restart: bool = False  # ignore the record of a stopped run and start from the first key
    jobs: int | None = None  # worker processes translating, 0 for none (default: one a core)


@dataclass
class Batch:
    """Rows read together, and what translating them gave (key -> RowResult, converted only)."""

    rows: list[Row]
    changes: list[Change] = field(default_factory=list)
    converted: dict = field(default_factory=dict)


class BatchTranslator:
    def __init__(self, database, target: Target, options: Options, report: ReportWriter,
                 settings: Settings, stderr: IO[str] = sys.stderr, bar: RowBar | None = None) -> None:
        self.db, self.target, self.options, self.report = database, target, options, report
        self.settings, self.stderr = settings, stderr
        self.bar = bar or RowBar(0, stderr, enabled=False)
        self.summary = RowSummary(label=target.label, check=settings.check)
        # Everything that decides which rows change: a run with other arguments starts afresh.
        self.run_id = json.dumps({"table": target.label, "key": target.key_label, "where": settings.where,
                                  "kind": options.kind, "strict": options.strict, "select": options.select,
                                  "ignore": options.ignore}, sort_keys=True)
        self.position: Any = None  # every row up to this key is settled (written, unchanged or reported)
        self.rows_done = 0
        self.recorded_at = 0.0  # when the progress record was last written
        # One worker a core: this process reads and writes, and its share of a core is less than a
        # worker's (measured on 2 cores, 1M rows: 45 s with 2 workers, 72 s with 1).
        self.jobs = settings.jobs if settings.jobs is not None else os.cpu_count() or 1

    # Extension points: between the read and the write of a batch, and inside its transaction.
    def before_write(self, rows: list[Row]) -> None:
        """Called after a batch is translated, before it is written."""

    def before_commit(self, keys: list) -> None:
        """Called inside a batch's transaction, after its updates, before it commits."""

    def run(self) -> RowSummary:
        db, settings = self.db, self.settings
        db.check_where(self.target, settings.where)
        backup = db.prepare_backup(self.target, settings.backup, create=True) if settings.backup else None
        if not settings.check:
            db.prepare_progress()
            if settings.restart:
                db.forget_progress(self.run_id)
            mark = db.progress_of(self.run_id)
            if mark is not None:
                self.position, self.rows_done = mark
                self.summary.resumed_after, self.summary.resumed_rows = mark
        if self.bar.enabled:
            self.bar.total = db.count(self.target, settings.where, self.position)
        pool = None
        try:
            # Batches are read ahead while workers translate them; each is written in key order.
            in_flight: deque = deque()
            after, rows_read = self.position, 0
            while True:
                rows = db.read_batch(self.target, settings.where, after, settings.batch_size)
                if rows:
                    after, rows_read = rows[-1].key, rows_read + len(rows)
                    if pool is None and self.jobs and rows_read > PARALLEL_ROWS:
                        from migrator.processes import worker_pool

                        pool = worker_pool(self.jobs)
                    in_flight.append((rows, self._translation(rows, pool)))
                depth = 2 * self.jobs if pool is not None else 0  # bounded: memory stays flat
                while in_flight and (not rows or len(in_flight) > depth):
                    done, translation = in_flight.popleft()
                    self._batch(Batch(done), translation.result(), backup)
                    self.bar.advance(len(done))
                if not rows:
                    break
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        if not settings.check:
            db.forget_progress(self.run_id)
        self.bar.close()
        return self.summary

    def _translation(self, rows: list[Row], pool):
        """A future of the batch's results: from a worker, or already done here."""
        items = [(row.key, row.text) for row in rows]
        if pool is None:
            return _Done(self._convert(items))
        return pool.submit(convert_rows, self.options, self.target.label, self.target.key_label, items)

    def _convert(self, items: list[tuple[Any, str]]) -> list[RowResult]:
        return convert_rows(self.options, self.target.label, self.target.key_label, items)

    def _batch(self, batch: Batch, results: list[RowResult], backup: str | None) -> None:
        self._sort(batch, results)
        self.before_write(batch.rows)
        if self.settings.check:
            for result in batch.converted.values():
                self._take(result)
            self._settled(batch.rows)
            return
        keys = [row.key for row in batch.rows]
        if not batch.changes and time.monotonic() - self.recorded_at < RECORD_EVERY_S:
            self._settled(batch.rows)  # nothing to write: the position rides with a later transaction
            return
        self.recorded_at = time.monotonic()
        written, refused, locked = self._write(batch.changes, backup, self._mark(keys, batch.changes))
        conflicts = []
        for change in batch.changes:
            if change.key in written:
                self._take(batch.converted[change.key])
            elif change.key in refused:
                self._take(self._failure(change.key, refused[change.key]))
            else:
                conflicts.append(change.key)
        if conflicts:
            self.summary.locked += len(locked)
            self.summary.retried += len(conflicts) - len(locked)
            self._retry(conflicts, backup, keys[-1], self.rows_done + len(keys))
        self._settled(batch.rows)

    def _retry(self, keys: list, backup: str | None, last_key: Any, rows_done: int) -> None:
        """Rows another writer changed since they were read, or held locked: read again,
        translate, write once more; a row changed or locked again in that time is reported and
        left as that writer made it."""
        rows = self.db.read_keys(self.target, self.settings.where, keys)
        self.summary.deleted += len(keys) - len(rows)
        batch = Batch(rows)
        self._sort(batch, self._convert([(row.key, row.text) for row in rows]))
        written, refused, locked = self._write(batch.changes, backup,
                                               lambda settled: (self.run_id, last_key, rows_done))
        for change in batch.changes:
            if change.key in written:
                self._take(batch.converted[change.key])
                continue
            if change.key in locked:
                why = (f"locked by another transaction for more than {self.db.lock_wait_s:g} s, twice: left as it "
                       f"was; run again to translate it")
            else:
                why = refused.get(change.key, "changed by another writer while it was translated, twice: left as "
                                              "that writer made it; run again to translate it")
            self._take(self._failure(change.key, why))

    def _mark(self, keys: list, changes: list[Change]) -> Callable[[set], tuple | None]:
        """The progress record a batch's transaction writes, given the keys settled in it: the
        last key before the first row not settled (one to retry), so that a run stopped before
        the retry does it again."""
        def mark(settled: set) -> tuple | None:
            unsettled = {change.key for change in changes} - settled
            done = next((index for index, key in enumerate(keys) if key in unsettled), len(keys))
            if done == 0:
                return None if self.position is None else (self.run_id, self.position, self.rows_done)
            return self.run_id, keys[done - 1], self.rows_done + done
        return mark

    def _write(self, changes: list[Change], backup: str | None,
               mark: Callable[[set], tuple | None]) -> tuple[set, dict, set]:
        """(keys written, {key: why the database refused its new value}, keys locked). A batch
        the database refuses (a CHECK constraint, a trigger, a value too long for its column),
        or that waits too long for a row another transaction holds locked (PostgreSQL's
        lock_timeout), is written again row by row, so that only those rows are left out."""
        try:
            return self.db.write(self.target, changes, backup=backup, progress=mark,
                                 before_commit=self.before_commit), {}, set()
        except (*self.db.rejected, *self.db.locked):
            pass
        written: set = set()
        refused: dict = {}
        locked: set = set()
        for change in changes:
            try:
                written |= self.db.write(self.target, [change], backup=backup, before_commit=self.before_commit)
            except self.db.rejected as error:
                refused[change.key] = f"the database refused the new value: {str(error).strip()}: left as it was"
            except self.db.locked:
                locked.add(change.key)
        self.db.write(self.target, [], progress=lambda _: mark(written | set(refused)))
        return written, refused, locked

    def _settled(self, rows: list[Row]) -> None:
        self.position = rows[-1].key
        self.rows_done += len(rows)

    def _sort(self, batch: Batch, results: list[RowResult]) -> None:
        """Converted rows become changes, counted once written; the others are counted now."""
        for row, result in zip(batch.rows, results):
            if result.status == "converted":
                batch.changes.append(Change(row.key, row.stored, self.db.value_for(row, result.text)))
                batch.converted[row.key] = result
            else:
                self._take(result)

    def _failure(self, key: Any, message: str) -> RowResult:
        return failure(self.target.label, self.target.key_label, key, message)

    def _take(self, result: RowResult) -> None:
        outcome = result.outcome()
        self.summary.count(outcome)
        if outcome.entry is not None:
            self.report.add(outcome.entry)
        if outcome.messages:
            self.bar.clear()
            for message in outcome.messages:
                self.stderr.write(message + "\n")


class _Done:
    """Results translated in this process, in the shape of a worker's future."""

    def __init__(self, results: list[RowResult]) -> None:
        self.results = results

    def result(self) -> list[RowResult]:
        return self.results

"""SQLite, through the standard library: nothing to install.

Reads run outside any transaction (each SELECT is its own); a batch's writes run in one
`BEGIN IMMEDIATE` transaction, which takes the database's write lock only for the time of the
writes, never while Python translates. A busy database is waited for (`busy_timeout`), as the
application's own writers are.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

from migrator.db.target import PROGRESS_TABLE, Change, DatabaseError, Row, Target, bare, checked_name, quoted

BUSY_TIMEOUT_S = 30.0
VALUES_ROWS = 5000  # rows an UPDATE names: 3 parameters each, within SQLite's limit of 32,766
ROWID = "rowid"


def path_of(url: str) -> str:
    """`sqlite:///shop.db` -> shop.db, `sqlite:////var/db/shop.db` -> /var/db/shop.db."""
    rest = url[len("sqlite://"):]
    if not rest.startswith("/") or len(rest) < 2 or rest == "/:memory:":
        raise DatabaseError(f"{url}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
    return unquote(rest[1:].split("?", 1)[0])


class SqliteDatabase:
    engine = "sqlite"
    # Rows the data refuses (a CHECK, a trigger's RAISE): that row fails, the others go on.
    rejected = (sqlite3.IntegrityError, sqlite3.DataError)
    failure = sqlite3.Error  # any error of the database (a lock waited for too long, a full disk)
    # SQLite locks the whole database, not rows: a writer holding it past busy_timeout stops the run.
    locked: tuple = ()
    lock_wait_s = BUSY_TIMEOUT_S

    def __init__(self, url: str) -> None:
        path = path_of(url)
        if not Path(path).is_file():
            # sqlite3.connect would create an empty database: a typo must not pass as "no rows".
            raise DatabaseError(f"{url}: no such database file {path}")
        try:
            self.connection = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=rw", uri=True,
                                              isolation_level=None, timeout=BUSY_TIMEOUT_S)
            self.connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise DatabaseError(f"{url}: cannot open: {error}") from error

    def close(self) -> None:
        self.connection.close()

    # ------------------------------------------------------------------ what the run touches

    def describe(self, table: str, column: str, key: str | None) -> Target:
        name = bare(checked_name(table, "--table", qualified=False), fold=False)
        column_name = bare(checked_name(column, "--column", qualified=False), fold=False)
        kind = self.connection.execute(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
            (name,)).fetchone()
        if kind is None:
            raise DatabaseError(f"no table {name} in the database")
        if kind[0] == "view":
            raise DatabaseError(f"{name} is a view: name the table that holds the rows")
        name = kind[1]
        columns = {row[0].lower(): row for row in self.connection.execute(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", (name,))}
        if column_name.lower() not in columns:
            raise DatabaseError(f"no column {column_name} in {name}")
        column_name, column_type = columns[column_name.lower()][:2]
        key_column = self._key(name, columns, key)
        return Target(quoted(name), quoted(column_name), key_column if key_column == ROWID else quoted(key_column),
                      column_type or "", label=f"{name}.{column_name}", key_label=key_column)

    def _key(self, table: str, columns: dict, key: str | None) -> str:
        """The column rows are ordered and found by: --key, else the primary key, else rowid.
        It must be unique and never NULL, or batches ordered by it could skip or repeat rows."""
        has_rowid = self._has_rowid(table)
        primary = [row[0] for row in sorted(columns.values(), key=lambda row: row[3]) if row[3]]
        if key is None:
            if len(primary) == 1:
                return primary[0]
            if has_rowid:
                return ROWID
            raise DatabaseError(f"{table} has a primary key of {len(primary)} columns and no rowid: "
                                f"pass --key with a unique, NOT NULL column")
        wanted = bare(checked_name(key, "--key", qualified=False), fold=False)
        if wanted.lower() in ("rowid", "oid", "_rowid_") and wanted.lower() not in columns:
            if not has_rowid:
                raise DatabaseError(f"{table} is a WITHOUT ROWID table: pass --key with a unique column")
            return ROWID
        if wanted.lower() not in columns:
            raise DatabaseError(f"no column {wanted} in {table} (--key)")
        name, _, not_null, _ = columns[wanted.lower()]
        if primary == [name]:
            return name
        unique = any(index[2] and not index[4] and [c[0] for c in self.connection.execute(
            "SELECT name FROM pragma_index_info(?)", (index[1],))] == [name]
            for index in self.connection.execute("SELECT seq, name, \"unique\", origin, partial "
                                                 "FROM pragma_index_list(?)", (table,)))
        if not unique or not not_null:
            raise DatabaseError(f"--key {name} must be unique (a unique index on it alone) and NOT NULL: "
                                f"batches ordered by it could otherwise skip or repeat rows")
        return name

    def _has_rowid(self, table: str) -> bool:
        try:
            self.connection.execute(f"SELECT rowid FROM {quoted(table)} LIMIT 0")
        except sqlite3.OperationalError:
            return False
        return True

    def check_where(self, target: Target, where: str | None) -> None:
        self._query(target, where, None, "count(*)", limit=False, probe=True)

    # ------------------------------------------------------------------ reading

    def count(self, target: Target, where: str | None, after: Any) -> int:
        sql, params = self._query(target, where, after, "count(*)", limit=False)
        return self.connection.execute(sql, params).fetchone()[0]

    def read_batch(self, target: Target, where: str | None, after: Any, limit: int) -> list[Row]:
        sql, params = self._query(target, where, after, f"{target.key}, {target.column}", limit=True)
        return [Row(key, _text(value), value) for key, value in self.connection.execute(sql, (*params, limit))]

    def read_keys(self, target: Target, where: str | None, keys: list) -> list[Row]:
        marks = ", ".join("?" * len(keys))
        sql = (f"SELECT {target.key}, {target.column} FROM {target.table} WHERE {target.key} IN ({marks}) "
               f"AND {target.column} IS NOT NULL{_and(where)} ORDER BY {target.key}")
        return [Row(key, _text(value), value) for key, value in self.connection.execute(sql, keys)]

    def _query(self, target: Target, where: str | None, after: Any, what: str, limit: bool,
               probe: bool = False) -> tuple[str, tuple]:
        sql = f"SELECT {what} FROM {target.table} WHERE {target.column} IS NOT NULL"
        params: tuple = ()
        if after is not None:
            sql, params = sql + f" AND {target.key} > ?", (after,)
        sql += _and(where)
        if limit:
            sql += f" ORDER BY {target.key} LIMIT ?"
        if probe:
            try:
                self.connection.execute(f"EXPLAIN {sql}", params)
            except sqlite3.Error as error:
                raise DatabaseError(f"--where {where!r}: {error}") from error
        return sql, params

    def value_for(self, row: Row, text: str) -> Any:
        """The new value in the storage class the row had: text stays text, a blob a blob."""
        return text.encode("utf-8", "surrogateescape") if isinstance(row.stored, bytes) else text

    # ------------------------------------------------------------------ writing

    def write(self, target: Target, changes: list[Change], backup: str | None = None,
              restored_from: str | None = None, progress: Callable[[set], tuple | None] | None = None,
              before_commit: Callable[[list], None] | None = None) -> set:
        """Apply `changes` in one transaction, each only where the row still holds the value
        read; the keys written. With `backup`, each original is saved first, in the same
        transaction; with `restored_from`, the keys written are removed from that backup."""
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            written = self._update(cursor, target, changes)
            done = [change for change in changes if change.key in written]
            if backup and done:
                now = _now()
                cursor.executemany(_backup_upsert(backup), [(c.key, target.label, c.expected, c.new, now) for c in done])
            if restored_from and done:
                cursor.executemany(f"DELETE FROM {restored_from} WHERE \"key\" = ?", [(c.key,) for c in done])
            mark = progress(written) if progress else None
            if mark is not None:
                cursor.execute(f"INSERT INTO {PROGRESS_TABLE} (run, last_key, rows, updated_at) VALUES (?, ?, ?, ?) "
                               f"ON CONFLICT (run) DO UPDATE SET last_key = excluded.last_key, rows = excluded.rows, "
                               f"updated_at = excluded.updated_at", (*mark, _now()))
            if before_commit:
                before_commit(sorted(written))
            cursor.execute("COMMIT")
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise
        return written

    def _update(self, cursor: sqlite3.Cursor, target: Target, changes: list[Change]) -> set:
        """The keys of `changes` written: one UPDATE ... FROM (VALUES ...) RETURNING a slice
        (SQLite 3.35 and later), else an UPDATE a row. COLLATE BINARY: a column declared
        NOCASE must not hide a change of case."""
        if sqlite3.sqlite_version_info < (3, 35):
            written = set()
            update = (f"UPDATE {target.table} SET {target.column} = ? "
                      f"WHERE {target.key} = ? AND {target.column} IS ? COLLATE BINARY")
            for change in changes:
                cursor.execute(update, (change.new, change.key, change.expected))
                if cursor.rowcount == 1:
                    written.add(change.key)
            return written
        written = set()
        for start in range(0, len(changes), VALUES_ROWS):
            part = changes[start:start + VALUES_ROWS]
            values = ", ".join(["(?, ?, ?)"] * len(part))
            cursor.execute(f"UPDATE {target.table} AS t_ SET {target.column} = v.column3 FROM (VALUES {values}) AS v "
                           f"WHERE t_.{target.key} = v.column1 AND t_.{target.column} IS v.column2 COLLATE BINARY "
                           f"RETURNING {target.key}", [value for c in part for value in (c.key, c.expected, c.new)])
            written.update(row[0] for row in cursor.fetchall())
        return written

    # ------------------------------------------------------------------ the progress record

    def prepare_progress(self) -> None:
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (run TEXT PRIMARY KEY, "
                                f"last_key, rows INTEGER NOT NULL, updated_at TEXT NOT NULL)")

    def progress_of(self, run: str) -> tuple[Any, int] | None:
        if not self._exists(PROGRESS_TABLE):
            return None
        row = self.connection.execute(f"SELECT last_key, rows FROM {PROGRESS_TABLE} WHERE run = ?", (run,)).fetchone()
        return (row[0], row[1]) if row else None

    def forget_progress(self, run: str) -> None:
        if self._exists(PROGRESS_TABLE):
            self.connection.execute(f"DELETE FROM {PROGRESS_TABLE} WHERE run = ?", (run,))

    def _exists(self, table: str) -> bool:
        return self.connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                                       (table,)).fetchone() is not None

    # ------------------------------------------------------------------ the backup table

    def prepare_backup(self, target: Target, name: str, create: bool) -> str:
        """The backup table as SQL text: created if missing (and `create`), else checked to be
        one this tool made for the same table and column."""
        table = bare(checked_name(name, "--backup-table", qualified=False), fold=False)
        if table.lower() == bare(target.table, fold=False).lower():
            raise DatabaseError(f"--backup-table {name} is the table being translated")
        if not self._exists(table):
            if not create:
                raise DatabaseError(f"no backup table {table} in the database")
            self.connection.execute(f"CREATE TABLE {quoted(table)} (\"key\" PRIMARY KEY NOT NULL, source TEXT NOT NULL, "
                                    f"old_value, new_value, replaced_at TEXT NOT NULL)")
            return quoted(table)
        names = [row[0] for row in self.connection.execute("SELECT name FROM pragma_table_info(?)", (table,))]
        if names != ["key", "source", "old_value", "new_value", "replaced_at"]:
            raise DatabaseError(f"{table} exists and is not a backup table of aftership-migrate "
                                f"(columns {', '.join(names)})")
        other = self.connection.execute(f"SELECT source FROM {quoted(table)} WHERE source <> ? LIMIT 1",
                                        (target.label,)).fetchone()
        if other:
            raise DatabaseError(f"backup table {table} holds values of {other[0]}, not of {target.label}")
        return quoted(table)

    def read_backup(self, backup: str, after: Any, limit: int) -> list[tuple[Any, Any, Any]]:
        """(key, original value, value written) of the backup's rows after `after`, by key."""
        sql = f"SELECT \"key\", old_value, new_value FROM {backup}"
        params: tuple = ()
        if after is not None:
            sql, params = sql + " WHERE \"key\" > ?", (after,)
        return list(self.connection.execute(sql + " ORDER BY \"key\" LIMIT ?", (*params, limit)))


def _backup_upsert(backup: str) -> str:
    # A key translated again (the application wrote a v4 body after an earlier run) keeps the
    # original that came before this tool's first write, unless someone else wrote in between.
    return (f"INSERT INTO {backup} (\"key\", source, old_value, new_value, replaced_at) VALUES (?, ?, ?, ?, ?) "
            f"ON CONFLICT (\"key\") DO UPDATE SET old_value = CASE WHEN {backup}.new_value IS excluded.old_value "
            f"THEN {backup}.old_value ELSE excluded.old_value END, new_value = excluded.new_value, "
            f"replaced_at = excluded.replaced_at")


def _and(where: str | None) -> str:
    return f" AND ({where})" if where else ""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")  # a byte that is not UTF-8 fails that row, named
    return str(value)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

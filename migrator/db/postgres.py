"""PostgreSQL, through psycopg 3 (the optional extra `aftership-migrate[postgres]`).

Values are read as text (`col::text`) and parsed by the translator's strict reader, so a number
keeps its exact digits and a duplicate key is caught, whatever the column type. A batch is
written by one `UPDATE ... FROM unnest(keys, read values, new values)` whose WHERE clause
compares each row with the value read (a `jsonb` as `jsonb`, anything else as its text):
READ COMMITTED re-checks that condition on the newest version of a row another transaction
changed meanwhile, so a concurrent write is never overwritten, and RETURNING says which rows
were written. A row locked by an uncommitted transaction is waited for, up to LOCK_TIMEOUT_MS.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from migrator.db.target import PROGRESS_TABLE, Change, DatabaseError, Row, Target, bare, checked_name, quoted

TEXT_TYPES = ("text", "character varying", "jsonb", "json")
# How long a batch's UPDATE waits for a row another transaction holds locked (lock_timeout). Past
# it the batch rolls back and is written row by row, the locked row retried once, then reported:
# a transaction the application left open must not stall the run, and while the UPDATE waits, the
# rows it already changed stay locked against the application's own writers.
LOCK_TIMEOUT_MS = 5000


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("PostgreSQL needs psycopg 3: pip install 'aftership-migrate[postgres]'") from None
    return psycopg


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@/]*@", r"\1***@", url)


class PostgresDatabase:
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        psycopg = _psycopg()
        # Rows the data refuses (a CHECK, a trigger, a length): that row fails, the others go on.
        self.rejected = (psycopg.errors.DataError, psycopg.errors.IntegrityError, psycopg.errors.RaiseException)
        self.failure = psycopg.Error  # any error of the database (a lost connection, a lock timeout)
        self.locked = (psycopg.errors.LockNotAvailable,)
        self.lock_wait_s = LOCK_TIMEOUT_MS / 1000
        try:
            self.connection = psycopg.connect(url, autocommit=True, application_name="aftership-migrate")
        except psycopg.Error as error:
            raise DatabaseError(f"{redacted(url)}: cannot connect: {str(error).strip()}") from error

    def close(self) -> None:
        self.connection.close()

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        return self.connection.execute(sql, params).fetchone()

    # ------------------------------------------------------------------ what the run touches

    def describe(self, table: str, column: str, key: str | None) -> Target:
        relation = self._relation(checked_name(table, "--table"), "--table")
        oid, name = relation
        column_name = bare(checked_name(column, "--column", qualified=False), fold=True)
        found = self._column(oid, column_name)
        if found is None:
            raise DatabaseError(f"no column {column_name} in {name}")
        _, value_type, base_type, _ = found
        if base_type not in TEXT_TYPES:
            raise DatabaseError(f"{name}.{column_name} is of type {base_type}: expected jsonb, json or text")
        key_name = self._key(oid, name, key)
        key_type = self._column(oid, key_name)[1]
        return Target(name, quoted(column_name), quoted(key_name), base_type, key_type=key_type,
                      value_type=value_type, label=f"{name}.{column_name}", key_label=key_name)

    def _relation(self, name: str, option: str) -> tuple[int, str]:
        found = self._one("SELECT c.oid, c.relkind, c.oid::regclass::text FROM pg_class c WHERE c.oid = to_regclass(%s)",
                          (name,))
        if found is None:
            raise DatabaseError(f"{option} {name}: no such table (names are read as in SQL: "
                                f"unquoted ones in lower case, a schema before a dot)")
        if found[1] not in ("r", "p"):
            raise DatabaseError(f"{option} {name} is not a table (a view, say): name the table that holds the rows")
        return found[0], found[2]

    def _column(self, oid: int, name: str) -> tuple | None:
        return self._one(
            "SELECT a.attnum, format_type(a.atttypid, NULL), "
            "format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, NULL), a.attnotnull "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = %s AND a.attname = %s AND a.attnum > 0 AND NOT a.attisdropped", (oid, name))

    def _key(self, oid: int, table: str, key: str | None) -> str:
        """--key, else the primary key: one column, unique and never NULL, or batches ordered by
        it could skip or repeat rows."""
        if key is None:
            primary = [row[0] for row in self.connection.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisprimary", (oid,))]
            if len(primary) != 1:
                raise DatabaseError(f"{table} has {'no primary key' if not primary else 'a primary key of several columns'}: "
                                    f"pass --key with a unique, NOT NULL column")
            return primary[0]
        name = bare(checked_name(key, "--key", qualified=False), fold=True)
        found = self._column(oid, name)
        if found is None:
            raise DatabaseError(f"no column {name} in {table} (--key)")
        unique = self._one("SELECT 1 FROM pg_index i WHERE i.indrelid = %s AND i.indisunique AND i.indnkeyatts = 1 "
                           "AND i.indkey[0] = %s AND i.indpred IS NULL AND i.indexprs IS NULL", (oid, found[0]))
        if unique is None or not found[3]:
            raise DatabaseError(f"--key {name} must be unique (a unique index on it alone) and NOT NULL: "
                                f"batches ordered by it could otherwise skip or repeat rows")
        return name

    def check_where(self, target: Target, where: str | None) -> None:
        if not where:
            return
        sql, params = self._query(target, where, None, "count(*)", limit=False)
        try:
            self.connection.execute("EXPLAIN " + sql, params)
        except _psycopg().Error as error:
            raise DatabaseError(f"--where {where!r}: {str(error).strip()}") from error

    # ------------------------------------------------------------------ reading

    def count(self, target: Target, where: str | None, after: Any) -> int:
        sql, params = self._query(target, where, after, "count(*)", limit=False)
        return self._one(sql, params)[0]

    def read_batch(self, target: Target, where: str | None, after: Any, limit: int) -> list[Row]:
        sql, params = self._query(target, where, after, f"{target.key}, {target.column}::text", limit=True)
        return [Row(key, text, text) for key, text in self.connection.execute(sql, (*params, limit))]

    def read_keys(self, target: Target, where: str | None, keys: list) -> list[Row]:
        sql = (f"SELECT {target.key}, {target.column}::text FROM {target.table} "
               f"WHERE {target.key} = ANY(%s::{target.key_type}[]) AND {target.column} IS NOT NULL"
               f"{_and(where)} ORDER BY {target.key}")
        return [Row(key, text, text) for key, text in self.connection.execute(sql, (keys,))]

    def _query(self, target: Target, where: str | None, after: Any, what: str, limit: bool) -> tuple[str, tuple]:
        sql = f"SELECT {what} FROM {target.table} WHERE {target.column} IS NOT NULL"
        params: tuple = ()
        if after is not None:
            sql, params = sql + f" AND {target.key} > %s::{target.key_type}", (after,)
        sql += _and(where)
        if limit:
            sql += f" ORDER BY {target.key} LIMIT %s"
        return sql, params

    def value_for(self, row: Row, text: str) -> str:
        return text  # cast to the column's type by the UPDATE

    # ------------------------------------------------------------------ writing

    def write(self, target: Target, changes: list[Change], backup: str | None = None,
              restored_from: str | None = None, progress: Callable[[set], tuple | None] | None = None,
              before_commit: Callable[[list], None] | None = None) -> set:
        """Apply `changes` in one transaction, each only where the row still holds the value
        read; the keys written. With `backup`, each original is saved in the same transaction;
        with `restored_from`, the keys written are removed from that backup."""
        same = (f"t_.{target.column} IS NOT DISTINCT FROM v.old::jsonb" if target.jsonb
                else f"t_.{target.column}::text IS NOT DISTINCT FROM v.old")
        arrays = (f"unnest(%b::{target.key_type}[], %b::text[], %b::text[]) AS v(k, old, new)")
        columns = ([c.key for c in changes], [c.expected for c in changes], [c.new for c in changes])
        # Arrays sent in binary (%b): psycopg escapes a text array in Python, 1 ms a row of JSON.
        with self.connection.transaction():
            self.connection.execute(f"SET LOCAL lock_timeout = {int(self.lock_wait_s * 1000)}")
            written = set()
            if changes:
                rows = self.connection.execute(
                    f"UPDATE {target.table} AS t_ SET {target.column} = v.new::{target.value_type} FROM {arrays} "
                    f"WHERE t_.{target.key} = v.k AND {same} RETURNING t_.{target.key}", columns).fetchall()
                written = {row[0] for row in rows}
            done = [change for change in changes if change.key in written]
            if backup and done:
                kind = "jsonb" if target.jsonb else "text"
                self.connection.execute(
                    f"INSERT INTO {backup} AS b (key, source, old_value, new_value) "
                    f"SELECT v.k, %s, v.old::{kind}, v.new::{kind} FROM {arrays} "
                    # A key translated again keeps the original from before this tool's first
                    # write, unless someone else wrote in between.
                    f"ON CONFLICT (key) DO UPDATE SET old_value = CASE WHEN b.new_value IS NOT DISTINCT FROM "
                    f"excluded.old_value THEN b.old_value ELSE excluded.old_value END, "
                    f"new_value = excluded.new_value, replaced_at = now()",
                    (target.label, [c.key for c in done], [c.expected for c in done], [c.new for c in done]))
            if restored_from and done:
                self.connection.execute(f"DELETE FROM {restored_from} WHERE key = ANY(%s::{target.key_type}[])",
                                        ([c.key for c in done],))
            mark = progress(written) if progress else None
            if mark is not None:
                run, last_key, rows_done = mark
                self.connection.execute(
                    f"INSERT INTO {PROGRESS_TABLE} (run, last_key, rows) VALUES (%s, %s::text, %s) "
                    f"ON CONFLICT (run) DO UPDATE SET last_key = excluded.last_key, rows = excluded.rows, "
                    f"updated_at = now()", (run, last_key, rows_done))
            if before_commit:
                before_commit(sorted(written))
        return written

    # ------------------------------------------------------------------ the progress record

    def prepare_progress(self) -> None:
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (run text PRIMARY KEY, last_key text, "
                                f"rows bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())")

    def progress_of(self, run: str) -> tuple[Any, int] | None:
        if self._one("SELECT to_regclass(%s)", (PROGRESS_TABLE,))[0] is None:
            return None
        return self._one(f"SELECT last_key, rows FROM {PROGRESS_TABLE} WHERE run = %s", (run,))

    def forget_progress(self, run: str) -> None:
        if self._one("SELECT to_regclass(%s)", (PROGRESS_TABLE,))[0] is not None:
            self.connection.execute(f"DELETE FROM {PROGRESS_TABLE} WHERE run = %s", (run,))

    # ------------------------------------------------------------------ the backup table

    def prepare_backup(self, target: Target, name: str, create: bool) -> str:
        """The backup table as SQL text: created if missing (and `create`), else checked to be
        one this tool made for the same table and column."""
        checked_name(name, "--backup-table")
        found = self._one("SELECT to_regclass(%s)::oid, to_regclass(%s)::text", (name, name))
        kind = "jsonb" if target.jsonb else "text"
        if found[0] is None:
            if not create:
                raise DatabaseError(f"no backup table {name} in the database")
            self.connection.execute(f"CREATE TABLE {name} (key {target.key_type} PRIMARY KEY, source text NOT NULL, "
                                    f"old_value {kind}, new_value {kind}, "
                                    f"replaced_at timestamptz NOT NULL DEFAULT now())")
            return name
        if found[1] == target.table:
            raise DatabaseError(f"--backup-table {name} is the table being translated")
        columns = [(row[0], row[1]) for row in self.connection.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum", (found[0],))]
        expected = [("key", target.key_type), ("source", "text"), ("old_value", kind), ("new_value", kind),
                    ("replaced_at", "timestamp with time zone")]
        if columns != expected:
            raise DatabaseError(f"{name} exists and is not a backup table of aftership-migrate for "
                                f"{target.label} (columns {', '.join(f'{c} {t}' for c, t in columns)})")
        other = self._one(f"SELECT source FROM {name} WHERE source <> %s LIMIT 1", (target.label,))
        if other:
            raise DatabaseError(f"backup table {name} holds values of {other[0]}, not of {target.label}")
        return name

    def read_backup(self, backup: str, after: Any, limit: int) -> list[tuple[Any, Any, Any]]:
        """(key, original value, value written) of the backup's rows after `after`, by key."""
        where = "" if after is None else "WHERE key > %s"
        params = () if after is None else (after,)
        return self.connection.execute(f"SELECT key, old_value::text, new_value::text FROM {backup} {where} "
                                       f"ORDER BY key LIMIT %s", (*params, limit)).fetchall()


def _and(where: str | None) -> str:
    # psycopg reads % as a placeholder: a LIKE pattern in --where keeps its meaning.
    return f" AND ({where.replace('%', '%%')})" if where else ""

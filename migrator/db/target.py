"""What a database run touches: the table, its JSON column and its key, and the values moved.

Names are given as in SQL: `webhooks`, `public.webhooks`, `"Webhooks"` (unquoted names are
folded by PostgreSQL as in any query). Anything else is refused before a query is built, so a
name is never a way to run other SQL (`--where` is SQL, on purpose: the caller's own filter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PART = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_NAME = re.compile(rf"{_PART}(?:\.{_PART})?")
_COLUMN = re.compile(_PART)

PROGRESS_TABLE = "aftership_migrate_progress"  # where an unfinished run records the last key it finished


class DatabaseError(Exception):
    """A problem with the database named before anything is written (a usage error, exit 2)."""


def checked_name(name: str, what: str, qualified: bool = True) -> str:
    """`name` when it is an SQL identifier (schema-qualified if `qualified`), else DatabaseError."""
    if not (_NAME if qualified else _COLUMN).fullmatch(name or ""):
        raise DatabaseError(f"{what} {name!r} is not an SQL name (letters, digits, _ and $, "
                            f"or a \"quoted name\"{', optionally schema.name' if qualified else ''})")
    return name


def bare(part: str, fold: bool) -> str:
    """The name an identifier stands for: quotes removed, or folded to lower case (PostgreSQL)."""
    if part.startswith('"'):
        return part[1:-1].replace('""', '"')
    return part.lower() if fold else part


def quoted(name: str) -> str:
    """`name` (as stored in the catalogue) as a quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Target:
    """A table's JSON column and the key its rows are ordered and found by, as SQL text."""

    table: str  # quoted, ready for SQL
    column: str  # quoted
    key: str  # quoted column name, or rowid (SQLite)
    column_type: str  # as the database names it: jsonb, json, text, TEXT, ... (a domain's base type)
    key_type: str = ""  # PostgreSQL: the key's type, to cast values sent back
    value_type: str = ""  # PostgreSQL: the column's type without length (a domain keeps its checks)
    label: str = ""  # table.column as the user named it, for messages and the report
    key_label: str = ""  # the key's name as the user sees it

    @property
    def jsonb(self) -> bool:
        return self.column_type == "jsonb"


@dataclass(frozen=True, slots=True)
class Row:
    """One row's key and JSON text; `stored` is the value as the column holds it, compared
    before the row is written (compare-and-set)."""

    key: Any
    text: str
    stored: Any


@dataclass(frozen=True, slots=True)
class Change:
    """Replace `expected` (the value read) with `new` at `key`, unless the row changed since."""

    key: Any
    expected: Any
    new: Any

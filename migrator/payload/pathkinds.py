"""The `kinds` table of [tool.aftership-migrate]: the body kind of the files under a path.

Patterns are gitignore-style and relative to the configuration's folder, matched as `exclude`
is (`codemod.discovery.PathFilter`); where several match a file, the last one in the table wins,
as a later gitignore line does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable


class PathKinds:
    """Pattern -> kind, for the files a run reads."""

    def __init__(self, table: Iterable[tuple[str, str]], root: Path | str) -> None:
        table = list(table)
        if table:  # the matcher's module is imported only when there is a table: translate starts sooner
            from migrator.codemod.discovery import PathFilter

            # One filter a pattern: "excluded" here reads "matched".
            self.table = [(PathFilter([pattern], Path(root)), kind) for pattern, kind in table]
        else:
            self.table = []

    def kind_for(self, path: str) -> str | None:
        """The kind the last matching pattern gives `path`; None when none matches (or stdin)."""
        if path == "-":
            return None
        for matcher, kind in reversed(self.table):
            if matcher.excluded(path):
                return kind
        return None

    def __bool__(self) -> bool:
        return bool(self.table)

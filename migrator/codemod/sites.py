"""A site the codemod names: where (1-based line, 1-based column), which rule, and what it says.
Kept free of libcst, so that files the codemod does not parse (dependency files) name theirs too."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# Where a line ends, as libcst counts lines (str.splitlines also cuts at form feeds and U+2028).
LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    line: int
    column: int
    code: str
    message: str
    guide: str

    def as_dict(self) -> dict:
        return asdict(self)

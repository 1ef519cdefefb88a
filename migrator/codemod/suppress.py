"""Suppression comments: `# aftership-migrate: ignore[AS201]` on a line, `ignore-file` for a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"#\s*aftership-migrate:\s*(ignore-file|ignore)(?:\[([A-Za-z0-9,\s]*)\])?")
ALL = frozenset({"*"})
_LINE_END = re.compile(r"\r\n|\r|\n")


def _codes(group: str | None) -> frozenset[str]:
    if not group:
        return ALL
    return frozenset(code.strip().upper() for code in group.split(",") if code.strip())


@dataclass
class Suppressions:
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    file: frozenset[str] = frozenset()

    @classmethod
    def scan(cls, source: str) -> "Suppressions":
        found = cls()
        if "aftership-migrate:" not in source:
            return found
        # Lines as libcst numbers them (\r\n, \r, \n): str.splitlines also cuts at form feeds
        # and U+2028, which would put a comment's suppression on the wrong line.
        for number, line in enumerate(_LINE_END.split(source), start=1):
            for match in _COMMENT.finditer(line):
                codes = _codes(match.group(2))
                if match.group(1) == "ignore-file":
                    found.file = found.file | codes
                else:
                    found.lines[number] = found.lines.get(number, frozenset()) | codes
        return found

    def covers(self, line: int, code: str) -> bool:
        for codes in (self.file, self.lines.get(line, frozenset())):
            if "*" in codes or code in codes:
                return True
        return False

    def skips_file(self) -> bool:
        return "*" in self.file

"""Suppression comments: `# aftership-migrate: ignore[AS201]` or `# noqa: AS201` on a line,
`# aftership-migrate: ignore-file[AS201]` anywhere for a file; and, when the user asks for it
(`--accept-todos`), the `# TODO(aftership-migrate): AS201 ...` markers `--add-todo` leaves above
a statement, for that statement."""

from __future__ import annotations

import re

from migrator.codemod.sites import LINE_END
from dataclasses import dataclass, field

_COMMENT = re.compile(r"#\s*aftership-migrate:\s*(ignore-file|ignore)(?:\[([A-Za-z0-9,\s]*)\])?")
# ruff's form, for this tool's codes only: a bare noqa comment (or one naming other tools' codes)
# was written for another linter and must not hide a v4 site.
_NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)", re.IGNORECASE)
_NOQA_BYTES = re.compile(rb"(?i)#\s*noqa\s*:[^\n]*\bAS[0-9]")
ALL = frozenset({"*"})


def _codes(group: str | None) -> frozenset[str]:
    if not group:
        return ALL
    return frozenset(code.strip().upper() for code in group.split(",") if code.strip())


def may_suppress(source: bytes) -> bool:
    """The cheap test before decoding a file to scan it."""
    if b"aftership-migrate:" in source:
        return True
    return any(word in source for word in (b"noqa", b"NOQA", b"NoQA", b"Noqa")) and _NOQA_BYTES.search(source) is not None


@dataclass
class Suppressions:
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    file: frozenset[str] = frozenset()
    accept_todos: bool = False  # a TODO marker above a statement acknowledges its code there

    @classmethod
    def scan(cls, source: str) -> "Suppressions":
        found = cls()
        if "aftership-migrate:" not in source and "noqa" not in source.lower():
            return found
        # Lines as libcst numbers them (\r\n, \r, \n): str.splitlines also cuts at form feeds
        # and U+2028, which would put a comment's suppression on the wrong line.
        for number, line in enumerate(LINE_END.split(source), start=1):
            for match in _COMMENT.finditer(line):
                codes = _codes(match.group(2))
                if match.group(1) == "ignore-file":
                    found.file = found.file | codes
                else:
                    found.lines[number] = found.lines.get(number, frozenset()) | codes
            for match in _NOQA.finditer(line):
                codes = frozenset(code.upper() for code in re.split(r"[\s,]+", match.group(1))
                                  if code.upper().startswith("AS"))
                if codes:
                    found.lines[number] = found.lines.get(number, frozenset()) | codes
        return found

    def covers(self, line: int, code: str) -> bool:
        for codes in (self.file, self.lines.get(line, frozenset())):
            if "*" in codes or code in codes:
                return True
        return False

    def skips_file(self) -> bool:
        return "*" in self.file

"""Positions in the written file: a finding is placed on the source the rewrite was given, and
after a write the user opens the new file, where an unwrapped body or an inserted lookup has
moved the lines (issue 11: "after a write, finding positions refer to the new file").

Lines are matched with difflib's longest common subsequence (an unchanged line keeps its text);
within an edited block, the finding's own text is looked for, since the site a finding names is
usually left as it was while the code around it changed.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Sequence, TypeVar

from migrator.codemod.sites import LINE_END

Positioned = TypeVar("Positioned")  # a Finding: line, column (1-based)


def _lines(source: bytes) -> list[str]:
    return LINE_END.split(source.decode("utf-8", errors="replace"))


def relocate(findings: Sequence[Positioned], old: bytes, new: bytes) -> list[Positioned]:
    """`findings` of `old`, moved to where their sites are in `new`."""
    if not findings or old == new:
        return list(findings)
    before, after = _lines(old), _lines(new)
    blocks = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    return [_moved(finding, before, after, blocks) for finding in findings]


def _moved(finding, before: list[str], after: list[str], blocks) -> object:
    index = finding.line - 1
    for tag, i1, i2, j1, j2 in blocks:
        if not (i1 <= index < i2 or (tag == "insert" and i1 == index)):
            continue
        if tag == "equal":
            return dataclasses.replace(finding, line=j1 + index - i1 + 1)
        if tag == "insert":
            continue  # lines added before this one: the next block holds it
        if j1 == j2:  # the line was removed: the finding stays where the code went
            return dataclasses.replace(finding, line=min(j1, len(after) - 1) + 1, column=1)
        return _within(finding, before[index], after, j1, j2, index - i1)
    return finding


def _within(finding, old_line: str, after: list[str], j1: int, j2: int, offset: int) -> object:
    """A finding on an edited line: the new line holding the text at its column (the nearest to
    its place in the block), else the new line of the block most like the old one, same column."""
    column = finding.column - 1
    for width in (24, 12, 6):
        snippet = old_line[column:column + width]
        if len(snippet.strip()) < 3:
            continue
        hits = [(abs(j - (j1 + offset)), j, after[j].find(snippet)) for j in range(j1, j2) if snippet in after[j]]
        if hits:
            _, line, at = min(hits)
            return dataclasses.replace(finding, line=line + 1, column=at + 1)
    line = max(range(j1, j2), key=lambda j: (difflib.SequenceMatcher(None, old_line, after[j]).ratio(),
                                              -abs(j - (j1 + offset))))
    return dataclasses.replace(finding, line=line + 1, column=min(finding.column, len(after[line]) + 1))

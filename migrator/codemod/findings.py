"""What the codemod says about a site: a `Report` during a pass, a positioned `Finding` after it,
and the `# TODO(aftership-migrate)` marker `--add-todo` leaves above its statement."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol, Sequence, Union

import libcst as cst

TODO_TAG = "TODO(aftership-migrate)"
Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]


@dataclass(frozen=True)
class Report:
    """A site to report, positioned after the pass (positions cost a full codegen)."""

    node: cst.CSTNode
    code: str
    message: str
    guide: str
    residual: bool = False  # found by the residual pass: dropped where the pass reported its rule


@dataclass(frozen=True)
class Finding:
    line: int
    column: int
    code: str
    message: str
    guide: str

    def as_dict(self) -> dict:
        return asdict(self)


class Said(Protocol):
    code: str
    message: str
    guide: str


def with_todo(statement: Statement, said: Sequence[Said]) -> Statement:
    """One marker comment per rule above the statement; a marker already there is kept, not doubled."""
    lines = list(statement.leading_lines)
    present = {line.comment.value.split()[2] for line in lines
               if line.comment and line.comment.value.startswith(f"# {TODO_TAG}: ")
               and len(line.comment.value.split()) > 2}
    for report in said:
        if report.code not in present:
            present.add(report.code)
            lines.append(cst.EmptyLine(comment=cst.Comment(
                f"# {TODO_TAG}: {report.code} {report.message} ({report.guide})")))
    return statement.with_changes(leading_lines=lines)


def positions_of(module: cst.Module, nodes: Sequence[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """(line, column) of each node, by id: what libcst's PositionProvider says, at a fraction of
    its cost. Position metadata costs a code generation that tracks every node; here only the
    top-level statements holding a wanted node pay it, the others are measured by their code."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    from migrator.codemod.shapes import iter_nodes

    wanted = {id(node) for node in nodes}
    found: dict[int, tuple[int, int]] = {}
    line = 1 + len(module.header)
    for statement in module.body:
        inside = [n for n in iter_nodes(statement) if id(n) in wanted]
        if inside:
            # The statement alone, with the module's newline and indentation.
            alone = module.with_changes(body=[statement], header=[], footer=[])
            spans = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
            for node in inside:
                start = spans[node].start
                found[id(node)] = (line - 1 + start.line, start.column)
            if len(found) == len(wanted):
                break
        line += module.code_for_node(statement).count("\n")
    return found

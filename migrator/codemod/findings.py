"""What the codemod says about a site: a `Report` during a pass, a positioned `Finding` after it,
and the `# TODO(aftership-migrate)` marker `--add-todo` leaves above its statement."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol, Sequence, Union

import libcst as cst
from libcst._nodes.internal import CodegenState

from migrator.codemod.sites import LINE_END, Finding  # noqa: F401 - where the codemod's callers import it from

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


class Said(Protocol):
    code: str
    message: str
    guide: str


def todo_codes(lines: Sequence[cst.EmptyLine]) -> set[str]:
    """The rule codes of the TODO markers among a statement's leading lines."""
    return {line.comment.value.split()[2] for line in lines
            if line.comment and line.comment.value.startswith(f"# {TODO_TAG}: ")
            and len(line.comment.value.split()) > 2}


def with_todo(statement: Statement, said: Sequence[Said]) -> Statement:
    """One marker comment per rule above the statement; a marker already there is kept, not doubled."""
    lines = list(statement.leading_lines)
    present = todo_codes(lines)
    for report in said:
        if report.code not in present:
            present.add(report.code)
            lines.append(cst.EmptyLine(comment=cst.Comment(
                f"# {TODO_TAG}: {report.code} {report.message} ({report.guide})")))
    return statement.with_changes(leading_lines=lines)


def printed_with_positions(module: cst.Module, nodes: Sequence[cst.CSTNode]) -> tuple[str, dict[int, tuple[int, int]]]:
    """The module's code as libcst prints it (`module.code`) and the (line, column) of each of
    `nodes`, by id, from one code generation. PositionProvider builds a range object for every
    node of the file; here the generation only notes at which token each wanted node starts, and
    lines and columns are counted once at the end. The rewrite needs the printed code anyway (it
    must equal the input)."""
    state = _StartRecorder(default_indent=module.default_indent, default_newline=module.default_newline,
                           wanted={id(node) for node in nodes})
    try:
        module._codegen(state)
    except (AttributeError, TypeError):  # libcst's code generation state is not public API
        from libcst.metadata import MetadataWrapper, PositionProvider

        spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return module.code, {id(node): (spans[node].start.line, spans[node].start.column) for node in nodes}
    return "".join(state.tokens), _lines_and_columns(state.tokens, state.found)


def _lines_and_columns(tokens: list[str], starts: dict[int, int]) -> dict[int, tuple[int, int]]:
    """(line, column) of each token index in `starts`, counted as libcst counts: `\r\n`, `\r`
    and `\n` each end a line."""
    at: dict[int, tuple[int, int]] = {}
    line, column, done = 1, 0, 0
    for index in sorted(set(starts.values())):
        chunk = "".join(tokens[done:index])
        segments = LINE_END.split(chunk)
        if len(segments) > 1:
            line += len(segments) - 1
            column = len(segments[-1])
        else:
            column += len(chunk)
        at[index], done = (line, column), index
    return {node: at[index] for node, index in starts.items()}




@dataclass
class _StartRecorder(CodegenState):
    """A libcst code generation state that notes the token at which each wanted node starts, as
    libcst's position providers place it: its syntactic start (`record_syntactic_position`) wins
    over its start with leading whitespace (`before_codegen`)."""

    wanted: set[int] = field(default_factory=set)
    found: dict[int, int] = field(default_factory=dict)  # id of a node -> index of its first token
    pending: dict[int, int] = field(default_factory=dict)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.pending[id(node)] = len(self.tokens)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.pending.pop(id(node), None)
        if start is not None:
            self.found.setdefault(id(node), start)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None):
        if id(node) not in self.wanted:
            return nullcontext()
        if start_node is not None:  # an indented block starts where its first statement does
            return self._start_of(node, start_node)
        self.found[id(node)] = len(self.tokens)
        return nullcontext()

    @contextmanager
    def _start_of(self, node: cst.CSTNode, start_node: cst.CSTNode):
        self.wanted.add(id(start_node))
        yield
        self.found[id(node)] = self.found[id(start_node)]

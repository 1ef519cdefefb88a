"""What the codemod says about a site: a `Report` during a pass, a positioned `Finding` after it,
and the `# TODO(aftership-migrate)` marker `--add-todo` leaves above its statement."""

from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Protocol, Sequence, Union

import libcst as cst
from libcst._nodes.internal import CodegenState

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


def printed_with_positions(module: cst.Module, nodes: Sequence[cst.CSTNode]) -> tuple[str, dict[int, tuple[int, int]]]:
    """The module's code as libcst prints it (`module.code`) and the (line, column) of each of
    `nodes`, by id, from one code generation. PositionProvider builds a range object for every
    node of the file; here only the running line and column are kept, and where the wanted nodes
    start. The rewrite needs the printed code anyway (it must equal the input)."""
    state = _StartRecorder(default_indent=module.default_indent, default_newline=module.default_newline,
                           wanted={id(node) for node in nodes})
    try:
        module._codegen(state)
    except (AttributeError, TypeError):  # libcst's code generation state is not public API
        from libcst.metadata import MetadataWrapper, PositionProvider

        spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return module.code, {id(node): (spans[node].start.line, spans[node].start.column) for node in nodes}
    return "".join(state.tokens), state.found


_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass
class _StartRecorder(CodegenState):
    """A libcst code generation state that also tracks the position, as libcst's position
    providers do, and notes it where a wanted node starts: its syntactic start
    (`record_syntactic_position`) wins over its start with leading whitespace (`before_codegen`)."""

    wanted: set[int] = field(default_factory=set)
    found: dict[int, tuple[int, int]] = field(default_factory=dict)
    line: int = 1
    column: int = 0
    pending: dict[int, tuple[int, int]] = field(default_factory=dict)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.column += len(token)  # indentation holds no newline

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.pending[id(node)] = (self.line, self.column)

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
        self.found[id(node)] = (self.line, self.column)
        return nullcontext()

    @contextmanager
    def _start_of(self, node: cst.CSTNode, start_node: cst.CSTNode):
        self.wanted.add(id(start_node))
        yield
        self.found[id(node)] = self.found[id(start_node)]

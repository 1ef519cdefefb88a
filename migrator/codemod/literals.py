"""Python literals as data and back: read a dict/list/string literal of the source as the value it
denotes, and write a value as a literal laid out like the one it replaces (quotes, one line or one
item a line, the indentation step), so a translated mock body reads like the code around it.
(JSON text inside a string is written by `migrator.datafiles.recorded.dumps_like`.)"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

def literal_value(node: cst.BaseExpression) -> Any:
    """The value a literal denotes (dicts, lists, tuples, strings, numbers, booleans, None, and
    `dict(key=value)`); ValueError for anything computed."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict" \
            and all(arg.keyword is not None and not arg.star for arg in node.args):
        return {arg.keyword.value: literal_value(arg.value) for arg in node.args}
    if isinstance(node, cst.Dict):
        found = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                raise ValueError("a ** unpacking in a dict literal")
            found[literal_value(element.key)] = literal_value(element.value)
        return found
    if isinstance(node, (cst.List, cst.Tuple)):
        items = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                raise ValueError("a * unpacking in a list literal")
            items.append(literal_value(element.value))
        return items
    try:
        return ast.literal_eval(cst.Module(body=[]).code_for_node(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise ValueError(f"not a literal: {error}") from None


@dataclass(frozen=True)
class Layout:
    """How a literal was written: its quote, whether it spread over lines, the indentation step,
    and the indentation of the line it starts on."""

    quote: str = '"'
    multiline: bool = False
    step: str = "    "
    base: str = ""
    hanging: str | None = None  # items aligned under the first, the bracket closing the last line: their indent

    @classmethod
    def of(cls, node: cst.BaseExpression, lines: list[str] | None = None, line: int = 0, column: int = 0) -> "Layout":
        """Read off the literal's code and, when it spreads over lines, off the file's printed
        `lines` where it starts at (`line`, `column`): the closing bracket's line gives the base,
        the first inner line the step; items aligned one past the opening bracket are `hanging`."""
        code = cst.Module(body=[]).code_for_node(node)
        quote = "'" if re.search(r"(?<![\w\"])'", code) and not re.search(r'(?<![\w\'])"', code) else '"'
        count = len(code.splitlines())
        if count < 2 or lines is None:
            return cls(quote)
        try:
            first, inner_line, last = lines[line - 1], lines[line], lines[line - 2 + count]
        except IndexError:  # the printed code and the literal disagree on lines: a plain layout
            return cls(quote, True)
        inner = _indent(inner_line)
        if last.strip()[:1] in ")]}":
            base = _indent(last)
        elif len(inner) > column:  # continued beyond the bracket: aligned items, one past it
            return cls(quote, True, hanging=" " * (column + 1))
        else:
            base = _indent(first)
        step = inner[len(base):] if inner.startswith(base) and len(inner) > len(base) else "    "
        return cls(quote, True, step, base)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def python_literal(value: Any, layout: Layout, depth: int = 0, width: int = 100) -> str:
    """`value` written as a Python literal: one line when the original was, else an item a line
    for containers that do not fit in `width` on one."""
    flat = _flat(value, layout.quote)
    if layout.hanging is not None and depth == 0 and isinstance(value, (dict, list)) and value:
        items = [f"{_flat(k, layout.quote)}: {_flat(v, layout.quote)}" for k, v in value.items()] \
            if isinstance(value, dict) else [_flat(v, layout.quote) for v in value]
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        return opening + (",\n" + layout.hanging).join(items) + closing
    if not layout.multiline or not isinstance(value, (dict, list)) or not value \
            or len(layout.base) + len(layout.step) * depth + len(flat) <= width and depth > 0:
        return flat
    inner = layout.base + layout.step * (depth + 1)
    if isinstance(value, dict):
        items = [f"{inner}{_flat(key, layout.quote)}: {python_literal(item, layout, depth + 1, width)}"
                 for key, item in value.items()]
        opening, closing = "{", "}"
    else:
        items = [f"{inner}{python_literal(item, layout, depth + 1, width)}" for item in value]
        opening, closing = "[", "]"
    return opening + "\n" + ",\n".join(items) + ",\n" + layout.base + layout.step * depth + closing


def _flat(value: Any, quote: str) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k, quote)}: {_flat(v, quote)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v, quote) for v in value) + "]"
    if isinstance(value, str):
        return string_literal(value, quote)
    return repr(value)  # numbers, True, False, None


def string_literal(text: str, quote: str = '"') -> str:
    """A Python string literal of `text` in the given quote."""
    if quote == '"':
        return json.dumps(text, ensure_ascii=False)  # JSON's escapes are Python's too
    body = json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{body}'"


def absolute_continuations() -> cst.CSTTransformer:
    """A transformer making the continuation lines of an expression absolute (libcst otherwise
    prefixes them with the indentation of the block the expression lands in)."""

    class Absolute(cst.CSTTransformer):
        def leave_ParenthesizedWhitespace(self, original, updated):
            return updated.with_changes(indent=False)

    return Absolute()

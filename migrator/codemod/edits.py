"""What a fixer builds its edits with: literals with new text, node source, the key access a
fixer is handed, and the statements of the AS201 id lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import libcst as cst

from migrator.codemod.shapes import Shape

# Source text of one node (the module's default formatting: only a node's own text matters).
code_of = cst.Module(body=[]).code_for_node


def with_text(node: cst.SimpleString, text: str) -> cst.SimpleString:
    """A string literal holding `text` (a key or header name), in the same prefix and quotes."""
    return with_body(node, lambda body: text)


def with_body(node: cst.SimpleString, edit: Callable[[str], str]) -> cst.SimpleString:
    """The literal with `edit` applied to its source text between the quotes.

    Working on the source text keeps every escape (`\\n`, `\\"`) and raw prefix as written; the
    edits are URL and key substitutions, which never span an escape.
    """
    start = len(node.prefix) + len(node.quote)
    end = len(node.value) - len(node.quote)
    return node.with_changes(value=node.value[:start] + edit(node.value[start:end]) + node.value[end:])


@dataclass
class KeyAccess:
    """`obj["key"]` or `obj.get("key", ...)` on data the tracer traced to AfterShip: what the
    `leave_access` hook of a fixer is handed."""

    original: cst.Subscript | cst.Call
    updated: cst.Subscript | cst.Call
    key: str
    parent: Shape  # the shape of `obj`
    scope: str | None  # the catalogue scope of `obj` (tracking, list-data, a request kind...)
    is_write: bool  # the target of an assignment, `+=` or `del`
    has_default: bool  # `.get(key, default)` with a default other than None
    assigned: cst.BaseExpression | None = None  # `obj["key"] = <this>`

    @property
    def receiver(self) -> cst.BaseExpression:
        """`obj`, as rewritten so far."""
        return self.updated.value if isinstance(self.updated, cst.Subscript) else self.updated.func.value

    def with_key(self, key: str) -> cst.Subscript | cst.Call:
        """The same access with another key, written in the same quotes."""
        if isinstance(self.updated, cst.Subscript):
            element = self.updated.slice[0]
            literal = element.slice
            return self.updated.with_changes(slice=[element.with_changes(
                slice=literal.with_changes(value=with_text(literal.value, key)))])
        first = self.updated.args[0]
        return self.updated.with_changes(args=[first.with_changes(value=with_text(first.value, key)),
                                               *self.updated.args[1:]])


# The AS201 id lookup. No match gives None, so the call asks for /trackings/None and fails as
# the v4 call did for an unknown tracking (404); a failed lookup raises the library's HTTP error.
def first_id(variable: str, trackings: str) -> str:
    """`variable = ` the first id of the `trackings` list expression, or None."""
    return f'{variable} = next((item["id"] for item in {trackings}), None)\n'


def checked_lookup(variable: str, temporary: str, get: str) -> str:
    """`temporary = get`, its status checked, the first tracking's id taken."""
    return f"{temporary} = {get}\n{temporary}.raise_for_status()\n" + first_id(
        variable, f'{temporary}.json()["data"]["trackings"]')

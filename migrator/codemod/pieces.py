"""A string-building expression as a list of pieces: literal text and the expressions between it.

`f"{BASE}/trackings/{slug}/{n}"`, `BASE + "/trackings/" + slug + "/" + n`,
`"%s/trackings/%s/%s" % (BASE, slug, n)` and `"{}/trackings/{}/{}".format(BASE, slug, n)` all
read as `[BASE, "/trackings/", slug, "/", n]`. The AS201 lookup finds the slug and the number in
the pieces, and writes the new URL back as one f-string, whatever form the old one had.
"""

from __future__ import annotations

import json
import re
from typing import Union

import libcst as cst

from migrator.codemod.shapes import string_value

Piece = Union[str, cst.BaseExpression]
_PERCENT = re.compile(r"%(.)")
_FIELD = re.compile(r"\{(\d*)\}")


def pieces(expr: cst.BaseExpression) -> list[Piece] | None:
    """The pieces of `expr`, adjacent texts merged; None for a form that cannot be split safely
    (bytes, a format spec or conversion, `%d`, named `.format` fields)."""
    found = _pieces(expr)
    if found is None:
        return None
    merged: list[Piece] = []
    for piece in found:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def _pieces(expr: cst.BaseExpression) -> list[Piece] | None:
    if isinstance(expr, cst.SimpleString):
        value = string_value(expr)
        return None if value is None else [value]
    if isinstance(expr, cst.FormattedString):
        out: list[Piece] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    return None
                out.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif part.conversion is not None or part.format_spec is not None:
                return None
            else:
                out.append(part.expression)
        return out
    if isinstance(expr, (cst.ConcatenatedString, cst.BinaryOperation)) and (
            isinstance(expr, cst.ConcatenatedString) or isinstance(expr.operator, cst.Add)):
        left, right = _pieces(expr.left), _pieces(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
        template = string_value(expr.left) if isinstance(expr.left, cst.SimpleString) else None
        values = [e.value for e in expr.right.elements] if isinstance(expr.right, cst.Tuple) else [expr.right]
        if template is None or any(m.group(1) not in ("s", "%") for m in _PERCENT.finditer(template)):
            return None
        return _interleave(_PERCENT.split(template.replace("%%", "\0"))[::2], values, "\0", "%")
    if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format"
            and isinstance(expr.func.value, cst.SimpleString)):
        template = string_value(expr.func.value)
        if template is None or any(a.keyword is not None or a.star for a in expr.args):
            return None
        if re.search(r"\{[^{}]*[^\d{}][^{}]*\}", template.replace("{{", "").replace("}}", "")):
            return None  # named fields or specs
        values = [a.value for a in expr.args]
        fields = [int(m.group(1)) if m.group(1) else i for i, m in enumerate(_FIELD.finditer(template))]
        texts = _FIELD.split(template)[::2]
        return _interleave(texts, [values[i] for i in fields] if all(i < len(values) for i in fields) else None)
    return [expr]


def _interleave(texts: list[str], values: list | None, hidden: str = "", shown: str = "") -> list[Piece] | None:
    if values is None or len(texts) != len(values) + 1:
        return None
    out: list[Piece] = []
    for text, value in zip(texts, [*values, None]):
        out.append(text.replace(hidden, shown) if hidden else text.replace("{{", "{").replace("}}", "}"))
        if value is not None:
            out.append(value)
    return out


_SEGMENT = re.compile(r"[^/?#{}]+")
_ACTIONS = ("retrack", "mark-as-completed")


def cut_segments(found: list[Piece], collection: str, count: int = 2) -> list[Piece]:
    """`found` with the first `count` path segments after `{collection}/` that are written as
    text made string literals: `"/trackings/ups/1Z9"` reads as `["/trackings/", "ups", "/", "1Z9"]`
    with the slug and the number as expressions, like `f"/trackings/{slug}/{number}"`."""
    out: list[Piece] = []
    remaining = -1  # segments still to cut; -1 until the collection is passed
    for piece in found:
        if remaining < 0 and isinstance(piece, str) and f"{collection}/" in piece:
            at = piece.index(f"{collection}/") + len(collection) + 1
            out.append(piece[:at])
            piece, remaining = piece[at:], count
        if remaining <= 0 or not isinstance(piece, str):
            remaining -= 1 if remaining > 0 else 0
            if piece != "":
                out.append(piece)
            continue
        while piece and remaining > 0:
            segment = _SEGMENT.match(piece)
            if piece[0] == "/":
                out.append("/")
                piece = piece[1:]
            elif segment is None or segment.group() in _ACTIONS:
                break  # a query or fragment starts, or an action: `trackings/{id}/retrack`
            else:
                out.append(cst.SimpleString(json.dumps(segment.group())))
                piece, remaining = piece[segment.end():], remaining - 1
        if piece:
            out.append(piece)
    return out


def split_slug_number(found: list[Piece]) -> tuple[list[Piece], cst.BaseExpression, cst.BaseExpression,
                                                    list[Piece]] | None:
    """(pieces up to `trackings/`, slug, number, pieces after the number) when the pieces hold
    `<...>trackings/<slug>/<number><...>` with the slug and the number given by expressions."""
    for i in range(1, len(found) - 2):
        head, slug, separator, number = found[i - 1], found[i], found[i + 1], found[i + 2]
        if (isinstance(head, str) and head.endswith("/") and separator == "/"
                and not isinstance(slug, str) and not isinstance(number, str)):
            return found[:i], slug, number, found[i + 3:]
    return None


def f_string(found: list[Piece], code) -> str | None:
    """Source of one f-string (or a plain string, or the lone expression) for the pieces;
    `code(node)` prints an expression. None when no quote fits every expression."""
    if len(found) == 1 and not isinstance(found[0], str):
        return code(found[0])
    texts = [code(p) for p in found if not isinstance(p, str)]
    quote = next((q for q in ('"', "'") if not any(q in t for t in texts)), None)
    if quote is None:
        return None
    body = []
    for piece in found:
        if isinstance(piece, str):
            text = piece.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
            body.append(text.replace("{", "{{").replace("}", "}}") if texts else text)
        else:
            body.append("{" + code(piece) + "}")
    return ("f" if texts else "") + quote + "".join(body) + quote

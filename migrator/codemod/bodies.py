"""A request body written as a dict literal, translated by the payload translator itself.

One transformation, two engines: the literal is read as a document whose literal values are
themselves and whose other expressions are opaque tokens, the translator turns it into its
2025-01 shape, and the result is written back as a literal with each expression in its new
place. A token the translator *interprets* (splits a string, unwraps a list) rather than moves
would be wrong for some runtime value, so each token is tried both as a string and as a
one-element list: only when both land in the same place, untouched, is the literal rewritten.
Anything lossy (an event of the translation) or not literal enough leaves the body as it was.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

import libcst as cst

from migrator.catalogue import Rule
from migrator.codemod.shapes import string_value

_TOKEN = "\x00aftership-migrate:{}\x00"
# The translator's body kind for each request scope of the codemod.
KINDS = {"create-request": "create-tracking-request", "update-request": "update-tracking-request",
         "detect-request": "detect-courier-request"}


def is_dict_literal(node: cst.BaseExpression) -> bool:
    """`{...}`, or `dict(k=v, ...)` with keywords only."""
    return isinstance(node, cst.Dict) or (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict"
        and all(arg.keyword is not None for arg in node.args))


def literal_items(node: cst.BaseExpression) -> list[tuple[str | None, cst.BaseExpression]]:
    """(key, value) of a dict literal's elements; None for a key that is not a plain string."""
    if isinstance(node, cst.Dict):
        return [(string_value(e.key) if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                 else None, e.value) for e in node.elements]
    if is_dict_literal(node):
        return [(arg.keyword.value, arg.value) for arg in node.args]
    return []


class _NotLiteral(Exception):
    """The literal holds a form that cannot stand in a document (`**extra`, a computed key)."""


def translate_literal(literal: cst.Dict | cst.Call, scope: str, code: Callable[[cst.CSTNode], str]) -> tuple[str, set[str]] | None:
    """(source of the 2025-01 literal, the rules that changed it), or None when the translator
    cannot be applied to it exactly."""
    from migrator.payload.engine import Refused, translate
    from migrator.payload.kinds import Unrecognised

    expressions: list[cst.BaseExpression] = []
    try:
        as_text = _document(literal, expressions, lambda t: t)
        as_list = _document(literal, [], lambda t: [t])
        first, second = translate(as_text, KINDS[scope]), translate(as_list, KINDS[scope])
    except (_NotLiteral, Unrecognised, Refused):
        return None
    if first.events or second.events or not first.applied:
        return None
    sources = [code(e) for e in expressions]
    rendered = _render(first.document, [json.dumps(_TOKEN.format(i)) for i in range(len(sources))], sources)
    moved = _render(second.document, [json.dumps([_TOKEN.format(i)]) for i in range(len(sources))], sources)
    if rendered is None or rendered != moved:
        return None
    return rendered, set(first.applied)


def laid_out_like(new: cst.BaseExpression, old: cst.Dict) -> cst.BaseExpression:
    """`new` (a dict written on one line) laid out as `old` was: one element a line, at the
    indentation of `old`'s first element, when `old` spanned lines."""
    opening, closing = old.lbrace.whitespace_after, old.rbrace.whitespace_before
    if not isinstance(new, cst.Dict) or not new.elements or not isinstance(opening, cst.ParenthesizedWhitespace):
        return new
    elements = [element.with_changes(comma=cst.Comma(whitespace_after=opening)) for element in new.elements]
    if isinstance(closing, cst.ParenthesizedWhitespace):
        elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=closing))
        closing = cst.SimpleWhitespace("")
    else:
        elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return new.with_changes(lbrace=cst.LeftCurlyBrace(whitespace_after=opening), elements=elements,
                            rbrace=cst.RightCurlyBrace(whitespace_before=closing))


def value_conforms(value: cst.BaseExpression, key: str, scope: str, rule: Rule) -> bool:
    """Whether `{key: value}` already is what 2025-01 takes, as far as `rule` goes: a literal the
    rule leaves alone. An expression may hold anything at run time: it conforms only where the
    rule trusts expressions to be plain strings."""
    from migrator.payload.engine import Refused, translate
    from migrator.payload.kinds import Unrecognised

    expressions: list = []
    try:
        sample = _formatted_date(value)
        document = {key: sample if sample is not None else _document(value, expressions, lambda t: "text")}
        if expressions and not rule.trusts_expressions:
            return False
        translation = translate(document, KINDS[scope])
    except (_NotLiteral, Unrecognised, Refused):
        return False
    return rule.code not in translation.applied and not any(e.rule == rule.code for e in translation.events)


def _formatted_date(node: cst.BaseExpression) -> str | None:
    """`x.strftime("%Y%m%d")` -> what it gives for one date ("20240102"): the format tells the
    shape of the string whatever the date."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "strftime"
            and len(node.args) == 1 and isinstance(node.args[0].value, cst.SimpleString)):
        return None
    fmt = string_value(node.args[0].value)
    try:
        return datetime(2024, 1, 2, 3, 4, 5).strftime(fmt) if fmt is not None else None
    except ValueError:
        return None


def _document(node: cst.BaseExpression, expressions: list, wrap: Callable[[str], Any]) -> Any:
    """The literal as a document: literal values as they are, other expressions as tokens."""
    if is_dict_literal(node):
        out = {}
        for key, value in literal_items(node):
            if key is None or key in out:
                raise _NotLiteral
            out[key] = _document(value, expressions, wrap)
        return out
    if isinstance(node, (cst.List, cst.Tuple)) and all(isinstance(e, cst.Element) for e in node.elements):
        return [_document(e.value, expressions, wrap) for e in node.elements]
    if isinstance(node, cst.SimpleString) and string_value(node) is not None:
        return string_value(node)
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    expressions.append(node)
    return wrap(_TOKEN.format(len(expressions) - 1))


def _render(document: Any, tokens: list[str], sources: list[str]) -> str | None:
    """Python source of `document`, each token (as JSON) replaced by its expression's source;
    None when a token is missing, doubled or left inside a string the translator built."""
    text = json.dumps(document, ensure_ascii=False)
    for index, token in enumerate(tokens):
        if text.count(token) != 1:
            return None
        text = text.replace(token, f"\x01{index}\x01")
    if "\\u0000" in text:  # part of a token survived inside another string
        return None
    out = _python(text)
    for index, source in enumerate(sources):
        out = out.replace(f"\x01{index}\x01", source, 1)
    return out


def _python(document_text: str) -> str:
    """JSON text as Python source: the literals JSON spells differently."""
    from migrator.payload.jsonlib import quoting

    out, skip_to = [], 0
    for i, char, quoted in quoting(document_text):
        if i < skip_to:
            continue
        if not quoted:
            word = next((w for w in _JSON_WORDS if document_text.startswith(w, i)), None)
            if word is not None:
                out.append(_JSON_WORDS[word])
                skip_to = i + len(word)
                continue
        out.append(char)
    return "".join(out)


_JSON_WORDS = {"true": "True", "false": "False", "null": "None"}

"""JSON encoding and decoding: orjson when it is installed (several times faster), else json.

Output is the same either way: UTF-8 text, no ASCII escaping, compact for JSONL lines and
two-space indented for documents.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from typing import Any, Iterator

def _orjson():
    """orjson if installed and not turned off (AFTERSHIP_MIGRATE_JSON=json forces the json module)."""
    if os.environ.get("AFTERSHIP_MIGRATE_JSON") == "json":
        return None
    try:
        import orjson
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return orjson


orjson = _orjson()


def loads(text: str | bytes) -> Any:
    """The value of JSON text, numbers exact (see strict_loads); orjson reads it when it can
    (callers check first for what orjson would read inexactly: sources._number_at_risk)."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # integers past 64 bits, 1e400 and other corners: json reads them or says why
    return strict_loads(text)


def strict_loads(text: str | bytes) -> Any:
    """json.loads keeping every number's exact value or refusing the text (ValueError): no
    NaN/Infinity literal, no float rounded to infinity or to fewer digits than it was written
    with; integers are exact in Python whatever their size."""
    return json.loads(text, parse_float=exact_float, parse_constant=no_constant)


class InexactNumber(ValueError):
    """A number no double holds as written, or a NaN/Infinity literal (strict_loads)."""


_SIGNIFICANT_DIGITS = 15  # any decimal with at most this many is read back exactly from a double


def exact_float(text: str) -> float:
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise InexactNumber(f"number {text} is beyond the range of a JSON double: not converted, not rounded")
    mantissa, _, exponent = text.lower().partition("e")
    digits = len(mantissa.lstrip("-").replace(".", "").lstrip("0"))
    if (digits > _SIGNIFICANT_DIGITS or exponent) and Decimal(text) != Decimal(repr(value)):
        raise InexactNumber(f"number {text} has more precision than a JSON double holds: not converted, not rounded")
    return value


_INFINITY = float("inf")


def no_constant(name: str) -> None:
    raise InexactNumber(f"not JSON: {name} is no JSON number")


# Output is strict JSON that any UTF-8 reader takes: no NaN or Infinity (allow_nan=False raises,
# and the body fails), and a lone surrogate (valid in a JSON escape, not in UTF-8) written as
# its escape, never raw. orjson refuses a lone surrogate (json then writes it); it would write a
# NaN as null, but none reaches it: a body holding one fails when it is read (strict_loads).
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps_line(value: Any) -> str:
    if orjson is not None:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:
            pass
    return strict_dumps(value, separators=(",", ":"))


def indent_of(raw: str) -> int | str | None:
    """The indentation unit of JSON text: None for text on one line, else what its first
    indented line starts with (a number of spaces, or the tab)."""
    if "\n" not in raw:  # one line: a one-character search, not a copy split into lines
        return None
    lines = raw.strip().split("\n", 2)
    if len(lines) < 2:
        return None
    unit = lines[1][:len(lines[1]) - len(lines[1].lstrip(" \t"))]
    return "\t" if unit.startswith("\t") else (len(unit) or 2)


def dumps_pretty(value: Any, indent: int | str = 2) -> str:
    """Indented JSON: two spaces by default, or `indent` (a number of spaces, or a string such
    as a tab) to keep an input's style."""
    if orjson is not None and indent == 2:
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
        except TypeError:
            pass
    return strict_dumps(value, indent=indent)


def strict_dumps(value: Any, **options) -> str:
    """json.dumps as strict JSON any UTF-8 reader takes: NaN and Infinity refused (ValueError),
    non-ASCII kept as it is, unless the text holds a lone surrogate: then written in escapes."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, **options)
    if not text.isascii() and _SURROGATE.search(text):
        text = json.dumps(value, allow_nan=False, **options)
    return text


def compact_bytes(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON (what dumps_line writes), lone surrogates escaped."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:
            pass
    return dumps_line(value).encode("utf-8")


def quoting(text: str) -> Iterator[tuple[int, str, bool]]:
    """(index, character, whether it is part of a string literal) for each character of JSON
    text: the one scan of strings and their escapes that hand-written readers of JSON share."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            yield index, char, True
        elif char == '"':
            in_string = True
            yield index, char, True
        else:
            yield index, char, False


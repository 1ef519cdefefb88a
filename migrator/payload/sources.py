"""Reading stored bodies: JSON documents, JSON arrays, JSONL/NDJSON, gzip, stdin.

Each body comes out as a `Record` naming its place (line of a JSONL file, index of an array)
so every report points at it. A line that does not parse is a record with an error; the
records after it are still read. JSONL and JSON arrays are read incrementally, so memory does
not grow with the size of an archive.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Literal

from migrator.payload import jsonlib
from migrator.payload.jsonlib import InexactNumber, loads, strict_loads

Layout = Literal["document", "array", "lines"]
LINE_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",) + LINE_SUFFIXES


@dataclass(slots=True)  # one per document: slots make it cheaper to build
class Record:
    """One body, or the reason it could not be read."""

    location: str  # "orders.jsonl:12", "dump.json[3]", "tracking.json"
    document: Any = None
    error: str | None = None
    # The original text, kept to write a failed body back unchanged; bytes for a JSONL line
    # read as bytes (line_record_bytes), whose outcome is then written as bytes too.
    raw: str | bytes | None = None
    line: int | None = None
    index: int | None = None
    part: int = 0  # which top-level value of a file holding several (`[...] [...]`)
    in_array: bool = False  # an element of a top-level array
    blank: bool = False  # a blank JSONL line: written back, not a document
    empty_array: bool = False  # stands for a top-level `[]`, which has no element to carry it
    indent: str | None = None  # an array element: the whitespace before it on its line (None: not first on it)


def inner_name(path: str) -> str:
    """`a.jsonl.gz` -> `a.jsonl`: the name that tells the layout."""
    return path[:-3] if path.endswith(".gz") else path


def is_json_input(path: Path) -> bool:
    return inner_name(path.name.lower()).endswith(JSON_SUFFIXES)


def open_text(path: str) -> IO[str]:
    """A text stream over a file, a gzip file, or stdin (`-`), decoded as UTF-8 (BOM allowed).

    Lines end at `\n` only (a raw CR or U+2028 inside a JSONL line does not cut it), and a byte
    that is not UTF-8 becomes a lone surrogate (surrogateescape) so that only the body holding
    it fails, and is written back byte for byte by an output opened the same way."""
    if path == "-":
        raw = sys.stdin.buffer
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        if head == b"\x1f\x8b":
            raw = gzip.GzipFile(fileobj=raw)
        return io.TextIOWrapper(raw, **TEXT)
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), **TEXT)
    return open(path, **TEXT)


TEXT = {"encoding": "utf-8-sig", "errors": "surrogateescape", "newline": "\n"}


class MalformedInput(ValueError):
    """The container itself is broken (an array cut short): nothing after the error is readable."""


def read_records(name: str, stream: IO[str]) -> tuple[Layout, Iterator[Record]]:
    """The layout of the input and its records, read lazily for JSONL and arrays. A `.json`
    file holding several top-level values one after another is read as the "array" layout,
    each value a part of its own, so none is lost."""

    if inner_name(name.lower()).endswith(LINE_SUFFIXES):
        return "lines", _lines(name, stream)
    head = stream.read(_CHUNK)
    if head.lstrip().startswith("["):
        return "array", _sequence(name, stream, head)
    text = head + stream.read()
    # stdin has no suffix: one line, or several values, is JSONL; one pretty document is not.
    if name == "-" and ("\n" not in text.strip() or not _one_value(text)):
        return "lines", _lines(name, io.StringIO(text, newline="\n"))
    if _several_values(text):
        return "array", _sequence(name, io.StringIO(""), text)
    return "document", _whole(name, text)


def line_record(name: str, number: int, line: str) -> Record:
    """One JSONL line as a record (the line's text is kept to write it back if it fails)."""
    line = line[:-1] if line.endswith("\n") else line
    line = line[:-1] if line.endswith("\r") else line
    location = f"{name}:{number}"
    if not line or line.isspace():  # isspace stops at the first other character; strip copies the line
        return Record(location, raw=line, line=number, blank=True)
    try:
        return Record(location, parse_body(line), raw=line, line=number)
    except ValueError as error:
        return Record(location, error=unreadable_reason(error), raw=line, line=number)


def line_record_bytes(name: str, number: int, line: bytes) -> Record:
    """line_record of a JSONL line read as bytes (ended by LF only), without decoding it: a line
    orjson reads and writes back as it is (spaces aside) is proven exact and valid at once; any
    other is read as line_record reads its text, so both give the same record."""
    line = line[:-1] if line.endswith(b"\n") else line
    line = line[:-1] if line.endswith(b"\r") else line
    if not line or line.isspace():  # ASCII whitespace only, which str.isspace also takes
        return Record(f"{name}:{number}", raw=line, line=number, blank=True)
    value = _read_back(line)
    if value is _UNPROVEN:
        record = line_record(name, number, line.decode("utf-8", "surrogateescape"))
        record.raw = line  # the same bytes: surrogateescape gives back what it took
        return record
    return Record(f"{name}:{number}", value, None, line, number)


_UNPROVEN = object()


def _read_back(raw: bytes) -> Any:
    """The value of `raw` when orjson reads it and writes it back as it is, spaces aside (what
    checked() proves first); else _UNPROVEN. Not UTF-8, a lone surrogate, a number orjson reads
    inexactly, a duplicate key, deep nesting: each makes the text read otherwise, or fail."""
    orjson = jsonlib.orjson
    if orjson is None:
        return _UNPROVEN
    # No depth count first (two scans of the line): orjson writes nothing nested deeper than
    # ORJSON_DEPTH levels (TypeError), so a value it writes back is within MAX_DEPTH.
    try:
        value = orjson.loads(raw)
        written = orjson.dumps(value)
    except (orjson.JSONDecodeError, TypeError, RecursionError):
        return _UNPROVEN
    return value if _reads_back(written, raw) else _UNPROVEN


def _reads_back(written: bytes, raw: bytes) -> bool:
    """Whether a value written back is the text it was read from, but for spaces (numbers and
    keys hold none): then each number was read exactly and no key was named twice."""
    # Spaces deleted each the quicker way: the input's (a separator's, in Python's json.dumps
    # default style) by translate, the few of the compact text written back by replace.
    return written == raw or written.replace(b" ", b"") == raw.translate(None, b" ")


def _lines(name: str, stream: IO[str]) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        yield line_record(name, number, line)


def _whole(name: str, text: str) -> Iterator[Record]:
    raw = text.rstrip("\r\n")  # kept: a body that fails is written back as it was
    try:
        yield Record(name, parse_body(text), raw=raw)
    except ValueError as error:
        yield Record(name, error=unreadable_reason(error), raw=raw)


def _one_value(text: str) -> bool:
    """Whether `text` is exactly one JSON value (one too deep to decode counts as one)."""
    rest = _after_first_value(text)
    return rest is None or (rest is not False and not rest.strip())


def _several_values(text: str) -> bool:
    """Whether `text` holds a complete JSON value followed by more than whitespace."""
    rest = _after_first_value(text)
    return isinstance(rest, str) and bool(rest.strip())


def _after_first_value(text: str) -> str | bool | None:
    """The text after the first JSON value of `text`; False when it does not start with one,
    None when that value is too deep to decode."""
    start = len(text) - len(text.lstrip())
    try:
        _, end = _DECODER.raw_decode(text, start)
    except RecursionError:
        return None
    except ValueError:
        return False
    return text[end:]


# Bodies are read strictly: each number keeps its exact value, or the body fails (never a
# rounded float, Infinity or null); NaN/Infinity literals and duplicate keys are refused; a
# byte that was not UTF-8 fails the body holding it, naming its place.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")

# What orjson reads inexactly, without a word: integers past 64 bits and decimals of more than
# 15 significant digits (16 or more digits in a row), and exponents that underflow to 0.0
# (`e-`; a positive one that overflows makes orjson fail, and json's strict reading says why).
# Found in a view of the text with whitespace gone, each digit, dot or minus "0", `:` kept, `,`
# and `[` ";", other characters "x": a number token of 16 characters is ":" or ";" then 16 zeros
# (a match inside a string only costs the strict reading). bytes.translate and `in` run at
# memory speed; a regex over the text was tried at every character (measured 25-110 us a
# tracking, more than its translation).
_VIEW = bytes(ord("0") if chr(b) in "0123456789.-" else ord(";") if chr(b) in ",[" else
              b if chr(b) in ":eE" else ord("x") for b in range(256))
_LONG_NUMBER = (b":" + b"0" * 16, b";" + b"0" * 16)
_EXPONENT = re.compile(r"[:,\[][ \t\r\n]*-?[\d.]+[eE]-")


# How deep a body may nest. Decided before parsing: where a parser's recursion gives out depends
# on the stack it runs on, so the same line could fail as "nested" in one process and as
# "invalid JSON" in a worker. No AfterShip body nests beyond a dozen levels.
MAX_DEPTH = 500
# The deepest value orjson.dumps writes (deeper raises TypeError): below MAX_DEPTH, which the
# fast reading of a line relies on (tests check both against the installed orjson).
ORJSON_DEPTH = 254


def parse_body(text: str) -> Any:
    """The JSON value of one body's text; ValueError saying why when it cannot be carried exactly."""
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise ValueError("nested too deeply to be read")
    try:
        return checked(text, loads(text), numbers_exact=jsonlib.orjson is None)
    except RecursionError:
        raise ValueError("nested too deeply to be read") from None


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings skipped)."""
    depth = deepest = 0
    for _, char, quoted in jsonlib.quoting(text):
        if quoted:
            continue
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def checked(text: str, value: Any, numbers_exact: bool) -> Any:
    """`value`, read quickly from `text`, made sure of: no byte that was not UTF-8, each key once,
    and (unless the reading was the strict one) each number exact, re-read strictly if need be.
    Text that reads back as it is written (but for spaces: numbers and keys hold none) is proven
    both at once, in a few microseconds; otherwise each is checked."""
    _refuse_bad_bytes(text)
    written, raw = jsonlib.compact_bytes(value), text.encode("utf-8", "surrogateescape")
    if _reads_back(written, raw):
        return value
    if not numbers_exact and _number_at_risk(text, raw):
        value = strict_loads(text)
        written = jsonlib.compact_bytes(value)
    if text.count(":") > written.count(b":"):
        _refuse_duplicate_keys(text)
    return value


def _number_at_risk(text: str, raw: bytes) -> bool:
    view = raw.translate(_VIEW, b" \t\r\n")
    # A body that is a number alone starts with its token, after nothing.
    if _LONG_NUMBER[0] in view or _LONG_NUMBER[1] in view or view.startswith(_LONG_NUMBER[0][1:]):
        return True
    return (b"0e0" in view or b"0E0" in view) and (_EXPONENT.search(text) is not None or view.startswith(b"0"))


def _refuse_bad_bytes(text: str) -> None:
    if text.isascii():
        return
    bad = _ESCAPED_BYTE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        where = len(text[:bad.start()].rsplit("\n", 1)[-1].encode("utf-8", "surrogateescape"))
        raise ValueError(f"byte 0x{ord(bad.group()) - 0xDC00:02x} is not UTF-8 "
                         f"({'line ' + str(line) + ', ' if line > 1 else ''}byte {where + 1} of the line)")


def _refuse_duplicate_keys(text: str) -> None:
    """Raise when an object of `text` names a key twice (which value was meant is not known).
    Asked only when the text holds more colons than its value written back does (colons inside
    strings are the same in both: JSON writers do not escape them): a key was lost in reading."""
    def pairs(items: list) -> dict:
        seen = set()
        for key, _ in items:
            if key in seen:
                raise ValueError(f"duplicate key {key!r} in one object: which value is meant is not known")
            seen.add(key)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)


def unreadable_reason(error: ValueError) -> str:
    """Why a body's text cannot be read, as reports give it, from parse_body's ValueError."""
    message = str(error)
    return message if message.startswith(("byte ", "number ", "nested ", "duplicate ", "not JSON")) \
        else f"invalid JSON: {message}"


_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"


class _Buffer:
    """A rolling window over a text stream: read on demand, drop what has been consumed."""

    def __init__(self, stream: IO[str], text: str) -> None:
        self.stream, self.text, self.pos, self.eof = stream, text, 0, False

    def refill(self) -> bool:
        more = "" if self.eof else self.stream.read(_CHUNK)
        self.eof = not more
        self.text, self.pos = self.text[self.pos:] + more, 0
        return bool(more)

    def peek(self) -> str | None:
        """The next non-blank character (not consumed), or None at the end of the input."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.refill():
                return None

    def indent(self) -> str | None:
        """The whitespace before the next value on its line; None when something else precedes
        it there (a `[` or `,`: a compact array)."""
        start = self.text.rfind("\n", 0, self.pos) + 1
        before = self.text[start:self.pos]
        return before if start and not before.strip() else None

    def decode(self, decoder: json.JSONDecoder, where: str) -> tuple[Any, str]:
        """The next JSON value and its text; reads more until the value is complete."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                if end < len(self.text) or self.eof:
                    break  # a number at the very end might go on in the next chunk
            except InexactNumber:
                raise  # the value is whole, one of its numbers is not JSON's: the caller's to judge
            except ValueError as error:
                if self.eof:
                    raise MalformedInput(f"{where}: invalid JSON: {error}") from error
            self.refill()
        raw, self.pos = self.text[self.pos:end], end
        if self.pos > _CHUNK:
            self.text, self.pos = self.text[self.pos:], 0
        return value, raw

    def skip_value(self, where: str) -> str:
        """The text of the next value, found by matching brackets outside strings (for a value
        the decoder cannot read: too deep for its recursion, or a number it refuses); consumed.
        A value that is no container ends at the first `,`, `]` or whitespace outside a string."""
        depth, in_string, escaped, i = 0, False, False, self.pos
        while True:
            if i >= len(self.text):
                shift = self.pos
                if not self.refill():
                    if depth or in_string:
                        raise MalformedInput(f"{where}: the value is not closed")
                    break
                i -= shift  # refill drops the consumed text before `pos`
                continue
            char = self.text[i]
            if in_string:
                escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
            elif char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            elif char in "]}" and depth:
                depth -= 1
                if not depth:
                    i += 1
                    break
            elif not depth and (char in ",]" or char in _WHITESPACE):
                break
            i += 1
        raw, self.pos = self.text[self.pos:i], i
        return raw


def _sequence(name: str, stream: IO[str], head: str) -> Iterator[Record]:
    """The top-level values of a `.json` file, one after another: each array's elements, each
    other value whole. An empty array yields one `empty_array` record so it is written back."""
    buffer = _Buffer(stream, head)
    part = 0
    while buffer.peek() is not None:
        prefix = name if part == 0 else f"{name}#{part + 1}"
        if buffer.text[buffer.pos] != "[":
            yield _element(buffer, prefix, part, None)
        else:
            buffer.pos += 1  # the `[`
            index = 0
            while True:
                char = buffer.peek()
                if char is None:
                    raise MalformedInput(f"{prefix}: the array is not closed")
                if char == "]":
                    buffer.pos += 1
                    break
                if index:
                    if char != ",":
                        raise MalformedInput(f"{prefix}[{index}]: expected `,` or `]`, found {char!r}")
                    buffer.pos += 1
                    if buffer.peek() is None:
                        raise MalformedInput(f"{prefix}: the array is not closed")
                indent = buffer.indent()
                element = _element(buffer, f"{prefix}[{index}]", part, index)
                element.indent = indent
                yield element
                index += 1
            if not index:
                yield Record(prefix, part=part, in_array=True, empty_array=True)
        part += 1


def _element(buffer: "_Buffer", location: str, part: int, index: int | None) -> Record:
    """The next value of the buffer as a record; one that cannot be read exactly carries its
    error and its text (found by bracket matching when it is too deep to decode)."""
    try:
        value, raw = buffer.decode(_DECODER, location)
    except (RecursionError, InexactNumber) as error:
        why = "nested too deeply to be read" if isinstance(error, RecursionError) else str(error)
        return Record(location, error=why, raw=buffer.skip_value(location), index=index, part=part,
                      in_array=index is not None)
    try:
        value = checked(raw, value, numbers_exact=True)  # the array's decoder reads numbers strictly
    except RecursionError:
        return Record(location, error="nested too deeply to be read", raw=raw, index=index, part=part,
                      in_array=index is not None)
    except ValueError as error:
        return Record(location, error=unreadable_reason(error), raw=raw, index=index, part=part,
                      in_array=index is not None)
    return Record(location, value, raw=raw, index=index, part=part, in_array=index is not None)


_DECODER = json.JSONDecoder(parse_float=jsonlib.exact_float, parse_constant=jsonlib.no_constant)

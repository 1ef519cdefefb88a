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
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Literal

from migrator.payload.jsonlib import loads

Layout = Literal["document", "array", "lines"]
LINE_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",) + LINE_SUFFIXES


@dataclass(slots=True)  # one per document: slots make it cheaper to build
class Record:
    """One body, or the reason it could not be read."""

    location: str  # "orders.jsonl:12", "dump.json[3]", "tracking.json"
    document: Any = None
    error: str | None = None
    raw: str | None = None  # the original text, kept to write a failed body back unchanged
    line: int | None = None
    index: int | None = None


def inner_name(path: str) -> str:
    """`a.jsonl.gz` -> `a.jsonl`: the name that tells the layout."""
    return path[:-3] if path.endswith(".gz") else path


def is_json_input(path: Path) -> bool:
    return inner_name(path.name.lower()).endswith(JSON_SUFFIXES)


def open_text(path: str) -> IO[str]:
    """A text stream over a file, a gzip file, or stdin (`-`), decoded as UTF-8 (BOM allowed)."""
    if path == "-":
        raw = sys.stdin.buffer
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        if head == b"\x1f\x8b":
            raw = gzip.GzipFile(fileobj=raw)
        return io.TextIOWrapper(raw, encoding="utf-8-sig")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


class MalformedInput(ValueError):
    """The container itself is broken (an array cut short): nothing after the error is readable."""


def read_records(name: str, stream: IO[str]) -> tuple[Layout, Iterator[Record]]:
    """The layout of the input and its records, read lazily for JSONL and arrays."""

    if inner_name(name.lower()).endswith(LINE_SUFFIXES):
        return "lines", _lines(name, stream)
    head = stream.read(_CHUNK)
    if head.lstrip().startswith("["):
        return "array", _array(name, stream, head)
    text = head + stream.read()
    if name == "-":
        # stdin has no suffix: one line, or several objects, is JSONL; a pretty document is not.
        if "\n" not in text.strip():
            return "lines", _lines(name, io.StringIO(text))
        try:
            return "document", iter([Record(name, loads(text), raw=text.rstrip("\r\n"))])
        except ValueError:
            return "lines", _lines(name, io.StringIO(text))
    return "document", _whole(name, text)


def line_record(name: str, number: int, line: str) -> Record:
    """One JSONL line as a record (the line's text is kept to write it back if it fails)."""
    line = line.rstrip("\r\n")
    location = f"{name}:{number}"
    try:
        return Record(location, loads(line), raw=line, line=number)
    except ValueError as error:
        return Record(location, error=f"invalid JSON: {error}", raw=line, line=number)


def _lines(name: str, stream: IO[str]) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield line_record(name, number, line)


def _whole(name: str, text: str) -> Iterator[Record]:
    raw = text.rstrip("\r\n")  # kept: a body that fails is written back as it was
    try:
        yield Record(name, loads(text), raw=raw)
    except ValueError as error:
        yield Record(name, error=f"invalid JSON: {error}", raw=raw)


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

    def decode(self, decoder: json.JSONDecoder, where: str) -> tuple[Any, str]:
        """The next JSON value and its text; reads more until the value is complete."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                if end < len(self.text) or self.eof:
                    break  # a number at the very end might go on in the next chunk
            except ValueError as error:
                if self.eof:
                    raise MalformedInput(f"{where}: invalid JSON: {error}") from error
            self.refill()
        raw, self.pos = self.text[self.pos:end], end
        if self.pos > _CHUNK:
            self.text, self.pos = self.text[self.pos:], 0
        return value, raw


def _array(name: str, stream: IO[str], head: str) -> Iterator[Record]:
    """The elements of a top-level JSON array, decoded one at a time."""
    decoder = json.JSONDecoder()
    buffer = _Buffer(stream, head)
    buffer.peek()
    buffer.pos += 1  # the `[`
    index = 0
    while True:
        char = buffer.peek()
        if char is None:
            raise MalformedInput(f"{name}: the array is not closed")
        if char == "]":
            return
        if index:
            if char != ",":
                raise MalformedInput(f"{name}[{index}]: expected `,` or `]`, found {char!r}")
            buffer.pos += 1
            if buffer.peek() is None:
                raise MalformedInput(f"{name}: the array is not closed")
        value, raw = buffer.decode(decoder, f"{name}[{index}]")
        yield Record(f"{name}[{index}]", value, raw=raw, index=index)
        index += 1

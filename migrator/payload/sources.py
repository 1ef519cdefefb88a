"""Reading stored bodies: JSON documents, JSON arrays, JSONL/NDJSON, gzip, stdin.

Each body comes out as a `Record` naming its place (line of a JSONL file, index of an array)
so every report points at it. A line that does not parse is a record with an error; the
records after it are still read.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Literal

Layout = Literal["document", "array", "lines"]
LINE_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",) + LINE_SUFFIXES


@dataclass
class Record:
    """One body, or the reason it could not be read."""

    location: str  # "orders.jsonl:12", "dump.json[3]", "tracking.json"
    document: Any = None
    error: str | None = None
    raw: str | None = None  # the original text, kept to write a failed line back unchanged
    line: int | None = None
    index: int | None = None


def inner_name(path: str) -> str:
    """`a.jsonl.gz` -> `a.jsonl`: the name that tells the layout."""
    return path[:-3] if path.endswith(".gz") else path


def is_json_input(path: Path) -> bool:
    return inner_name(path.name.lower()).endswith(JSON_SUFFIXES)


def layout_of(name: str, text_start: str) -> Layout:
    """JSONL by suffix; otherwise an array when the text opens with `[`."""
    if inner_name(name.lower()).endswith(LINE_SUFFIXES):
        return "lines"
    return "array" if text_start.lstrip().startswith("[") else "document"


def open_text(path: str, stdin: IO[bytes] | None = None) -> IO[str]:
    """A text stream over a file, a gzip file, or stdin (`-`), decoded as UTF-8 (BOM allowed)."""
    if path == "-":
        raw = stdin if stdin is not None else __import__("sys").stdin.buffer
        head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        if head == b"\x1f\x8b":
            raw = gzip.GzipFile(fileobj=raw)
        return io.TextIOWrapper(raw, encoding="utf-8-sig")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def read_records(name: str, stream: IO[str], loads=json.loads) -> tuple[Layout, Iterator[Record]]:
    """The layout of the input and its records, read lazily for JSONL."""
    if inner_name(name.lower()).endswith(LINE_SUFFIXES):
        return "lines", _lines(name, stream, loads)
    text = stream.read()
    layout = layout_of(name, text[:64])
    if layout == "document" and name == "-":
        # stdin has no suffix: a stream of several objects is JSONL.
        try:
            return "document", iter([Record(name, loads(text))])
        except ValueError:
            return "lines", _lines(name, io.StringIO(text), loads)
    return layout, _whole(name, text, layout, loads)


def _lines(name: str, stream: IO[str], loads) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        location = f"{name}:{number}"
        try:
            yield Record(location, loads(line), raw=line.rstrip("\r\n"), line=number)
        except ValueError as error:
            yield Record(location, error=f"invalid JSON: {error}", raw=line.rstrip("\r\n"), line=number)


def _whole(name: str, text: str, layout: Layout, loads) -> Iterator[Record]:
    try:
        value = loads(text)
    except ValueError as error:
        yield Record(name, error=f"invalid JSON: {error}", raw=text)
        return
    if layout == "array" and isinstance(value, list):
        for index, item in enumerate(value):
            yield Record(f"{name}[{index}]", item, index=index)
    else:
        yield Record(name, value)

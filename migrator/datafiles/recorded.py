"""A recorded HTTP body as JSON text, and back in the form it was stored in.

Cassettes store a body as a string (vcrpy's `string`, betamax's `string`), as bytes (vcrpy's
YAML `!!binary`, betamax's `base64_string`), and bytes are often gzip (or zlib) compressed, as
the server sent them. `open_body` gives the JSON text; `Body.encode` writes a new text in the
same form, so that a replayed response decodes as the recorded one did.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any

from migrator.payload import jsonlib

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Body:
    text: str
    stored_as: str  # "str" or "bytes"
    compression: str = ""  # "", "gzip" or "zlib"
    gzip_mtime: int = 0
    gzip_level: int = 9

    def encode(self, text: str) -> str | bytes:
        """`text` stored as this body was."""
        if self.stored_as == "str":
            return text
        data = text.encode("utf-8")
        if self.compression == "gzip":
            return gzip.compress(data, compresslevel=self.gzip_level, mtime=self.gzip_mtime)
        if self.compression == "zlib":
            return zlib.compress(data)
        return data

    @property
    def form(self) -> str:
        """How the body was stored, for messages."""
        return " ".join(part for part in (self.compression, "bytes" if self.stored_as == "bytes" else "text") if part)


class NotText(ValueError):
    """The body holds no text this tool can read (binary data, another compression)."""


def open_body(value: str | bytes) -> Body:
    """The text of a recorded body; NotText when it has none."""
    if isinstance(value, str):
        return Body(value, "str")
    if value[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(value)
        except (OSError, EOFError, zlib.error) as error:
            raise NotText(f"gzip data that does not decompress ({error})") from None
        # XFL 2 and 4 say which level wrote the member; the writer's time is kept too.
        level = {2: 9, 4: 1}.get(value[8], 9) if len(value) > 9 else 9
        return Body(_utf8(data, "gzip data"), "bytes", "gzip", int.from_bytes(value[4:8], "little"), level)
    if value[:1] == b"\x78" and len(value) > 2 and int.from_bytes(value[:2], "big") % 31 == 0:
        try:
            return Body(_utf8(zlib.decompress(value), "zlib data"), "bytes", "zlib")
        except zlib.error:
            pass  # two bytes that only look like a zlib header: read as they are
    return Body(_utf8(value, "bytes"), "bytes")


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotText(f"{what} that are not UTF-8 text (byte {error.start + 1}): a binary body") from None


def dumps_like(document: Any, raw: str) -> str:
    """`document` as JSON written in the style of `raw`, the body it replaces: indented as it was
    (a number of spaces or a tab), or on one line with its separators (`", "` and `": "`, as
    Python's json writes, or compact, as AfterShip's servers do); ASCII escapes kept when the
    body used them."""
    ascii_only = raw.isascii() and "\\u" in raw
    indent = jsonlib.indent_of(raw)
    if indent is not None:
        return _dumps(document, ascii_only, indent=indent, separators=(",", ": "))
    spaced = _spaced(raw)
    return _dumps(document, ascii_only, separators=(", ", ": ") if spaced else (",", ":"))


def _spaced(raw: str) -> bool:
    """Whether a one-line JSON text puts a space after its commas and colons (outside strings)."""
    for index, char, quoted in jsonlib.quoting(raw):
        if not quoted and char in ",:":
            return raw[index + 1:index + 2] == " "
    return True


def _dumps(document: Any, ascii_only: bool, **options) -> str:
    if ascii_only:
        return json.dumps(document, ensure_ascii=True, allow_nan=False, **options)
    return jsonlib.strict_dumps(document, **options)

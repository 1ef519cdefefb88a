"""JSON encoding and decoding: orjson when it is installed (several times faster), else json.

Output is the same either way: UTF-8 text, no ASCII escaping, compact for JSONL lines and
two-space indented for documents.
"""

from __future__ import annotations

import json
import os
from typing import Any

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
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # integers past 64 bits and other corners json accepts; json reports real errors
    return json.loads(text)


def dumps_line(value: Any) -> str:
    if orjson is not None:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps_pretty(value: Any) -> str:
    if orjson is not None:
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(value, ensure_ascii=False, indent=2)

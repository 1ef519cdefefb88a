"""A JSONL line read as bytes (what translate's workers do) is the record the text reader makes.

`sources.line_record_bytes` takes a line orjson reads and writes back as it is (spaces aside)
without decoding it, and hands every other line to `line_record`. These tests hold the two
readers to the same record for the lines that exercise each way out of the fast reading:
bytes that are not UTF-8, numbers orjson reads inexactly, duplicate keys, depth, blank lines.
"""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.payload import jsonlib
from migrator.payload.sources import MAX_DEPTH, ORJSON_DEPTH, line_record, line_record_bytes

pytestmark = pytest.mark.skipif(jsonlib.orjson is None, reason="the fast reading is orjson's")


def strict(line: bytes):
    """The line's value by the slow, plainly strict reading: UTF-8, each key once, every number
    exact (jsonlib.strict_loads); ValueError otherwise."""
    def pairs(items):
        if len({key for key, _ in items}) < len(items):
            raise ValueError("duplicate key")
        return dict(items)

    text = line.decode("utf-8")
    return json.loads(text, object_pairs_hook=pairs, parse_float=jsonlib.exact_float,
                      parse_constant=jsonlib.no_constant)


def same_record(line: bytes) -> None:
    by_bytes = line_record_bytes("a.jsonl", 7, line)
    by_text = line_record("a.jsonl", 7, line.decode("utf-8", "surrogateescape"))
    raw = by_text.raw.encode("utf-8", "surrogateescape") if by_text.raw is not None else None
    assert by_bytes.raw == raw, line
    assert (by_bytes.location, by_bytes.line, by_bytes.blank, by_bytes.error) == \
        (by_text.location, by_text.line, by_text.blank, by_text.error), line
    # The same value, to the type (1 and 1.0 and True are equal in Python, not in JSON).
    assert repr(by_bytes.document) == repr(by_text.document), line
    # And the value the strict reading gives: neither reader let an inexact number or a
    # second key through.
    if by_bytes.error is None and not by_bytes.blank:
        assert repr(by_bytes.document) == repr(strict(line.rstrip(b"\r"))), line


LINES = [
    b'{"meta": {"code": 200}, "data": {"tracking": {"tracking_number": "1Z", "title": "a, b: c"}}}',
    b'{"meta":{"code":200},"data":{"tracking":{"tracking_number":"1Z"}}}\r\n',  # CRLF, compact
    b'{"a": 1.10, "b": 1e5, "c": -0.0, "d": 1E-2}',  # exact, but written back otherwise
    b'{"a": 12345678901234567890123}',  # past 64 bits: orjson would read a float
    b'{"a": 0.1000000000000000055511151231257827}',  # more digits than a double holds
    b'{"a": 1e-400}',  # underflows to 0.0
    b'{"a": 1e400}',
    b'{"a": 1, "a": 2}',  # which one was meant is not known
    b'{"a": "\\u00e9\\/\\"x\\": 1"}',  # escapes a writer would not write
    b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded in UTF-8: not UTF-8
    b'{"a": "caf\xe9"}',  # Latin-1
    b'{"a": "\\ud800"}',  # a lone surrogate, escaped
    b'{"a": NaN}',
    b'\xef\xbb\xbf{"a": 1}',  # a BOM inside the file
    b'{"a": 1} {"b": 2}',
    b'   ', b'', b'\t\r', b'\x1c', b'\xc2\xa0',  # blank as ASCII, blank as text only, neither
    b'[' * ORJSON_DEPTH + b']' * ORJSON_DEPTH,
    b'[' * (ORJSON_DEPTH + 1) + b']' * (ORJSON_DEPTH + 1),
    b'[' * (MAX_DEPTH + 1) + b']' * (MAX_DEPTH + 1),
    b'{"a": [1, 2, {"b": null, "c": true}], "d": "\xe2\x80\xa8 \xe2\x82\xac"}',
    b'null', b'"x"', b'12', b'[]', b'{}',
    b'-9223372036854775809', b'1e-400', b'0.1000000000000000055511151231257827',  # a number alone
]


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_a_line_reads_as_its_text_reads(line):
    same_record(line)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(value=json_values, spaced=st.booleans(), ascii_only=st.booleans())
def test_written_values_read_alike(value, spaced, ascii_only):
    separators = (", ", ": ") if spaced else (",", ":")
    same_record(json.dumps(value, separators=separators, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(line=st.binary(max_size=40) | st.text(alphabet='{}[]":,.-+eE0123456789 abn\\u\t', max_size=40).map(str.encode))
def test_any_bytes_read_alike(line):
    same_record(line.replace(b"\n", b" "))


def test_orjson_writes_no_deeper_than_the_depth_the_fast_reading_relies_on():
    # line_record_bytes skips parse_body's depth count: anything orjson writes back is shallower.
    orjson.dumps(orjson.loads(b"[" * ORJSON_DEPTH + b"]" * ORJSON_DEPTH))
    with pytest.raises(TypeError):
        orjson.dumps(orjson.loads(b"[" * (ORJSON_DEPTH + 1) + b"]" * (ORJSON_DEPTH + 1)))
    assert ORJSON_DEPTH < MAX_DEPTH

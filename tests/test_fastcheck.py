"""The fast schema predicates agree with jsonschema, so the fast path never hides an error.

Both are checked: the compiled Python predicate (used when jsonschema-rs is not installed) and
the one `fast_check` picks, which is jsonschema-rs in the test environment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.schemas import VERSIONS, schema_names, validator
from migrator.schemas.fastcheck import compile_schema, fast_check

PREDICATES = {"compiled": compile_schema, "fast": fast_check}

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "json" / "2025-01"


@pytest.mark.parametrize("version,kind", [(v, k) for v in VERSIONS for k in schema_names(v)])
def test_every_packaged_schema_compiles(version, kind):
    assert compile_schema(version, kind) is not None


def test_fast_check_is_jsonschema_rs_when_installed():
    pytest.importorskip("jsonschema_rs")
    assert fast_check("2025-01", "tracking") is not compile_schema("2025-01", "tracking")


def _agree(version: str, kind: str, document) -> None:
    slow = not list(validator(version, kind).iter_errors(document))
    for name, predicate in PREDICATES.items():
        assert predicate(version, kind)(document) == slow, (name, version, kind, document)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_agrees_on_fixtures(path):
    kind = path.name.split(".")[0]
    _agree("2025-01", kind, json.loads(path.read_text()))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
TRACKING = json.loads((FIXTURES / "tracking-response.json").read_text())["data"]


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(sorted(TRACKING)) | st.text(max_size=6), value=json_values)
def test_agrees_on_mutated_trackings(key, value):
    document = dict(TRACKING)
    document[key] = value
    _agree("2025-01", "tracking", document)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_agrees_on_mutated_checkpoints_and_meta(value):
    checkpoint = dict(TRACKING["checkpoints"][0]) if TRACKING.get("checkpoints") else {}
    checkpoint["coordinate"] = value
    _agree("2025-01", "checkpoint", checkpoint)
    _agree("2025-01", "error-response", {"meta": {"code": value, "message": "m", "type": "NotFound"}, "data": {}})


@pytest.mark.parametrize("value", [2**70, -(2**70), 1e308, 3.0])
def test_never_accepts_what_jsonschema_rejects_on_number_corners(value):
    # Integers past 64 bits may be refused by jsonschema-rs: slower (jsonschema decides), never wrong.
    for key in ("transit_time", "shipment_package_count", "title"):
        document = dict(TRACKING, **{key: value})
        slow = not list(validator("2025-01", "tracking").iter_errors(document))
        for name, predicate in PREDICATES.items():
            assert slow or not predicate("2025-01", "tracking")(document), (name, key, value)

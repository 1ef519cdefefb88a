"""Packaged JSON Schemas: valid 2020-12, 2025-01 equal to the official SDK, v4 fits real bodies."""

from __future__ import annotations

import copy
import enum
import functools
import json
import os
import typing
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from migrator import schemas

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PAYLOADS = REPO.parent / "shared" / "reference" / "payloads"
PAYLOADS = Path(os.environ.get("AFTERSHIP_REFERENCE_PAYLOADS", DEFAULT_PAYLOADS))
BASE_ID = "https://aftership-migrate.invalid/schemas"

KINDS_2025 = {
    "tracking", "checkpoint", "create-tracking-request", "update-tracking-request",
    "detect-courier-request", "mark-as-completed-request", "tracking-response",
    "tracking-list-response", "courier-list-response", "courier", "predict-batch-request",
    "predict-batch-response", "webhook", "error-response", "meta",
}
KINDS_V4 = {
    "tracking", "checkpoint", "tracking-response", "tracking-list-response",
    "create-tracking-request", "update-tracking-request", "detect-courier-request",
    "mark-as-completed-request", "courier", "courier-list-response", "predict-batch-request",
    "predict-batch-response", "webhook", "error-response", "notification-request",
    "notification-response", "last-checkpoint-response",
}
ALL_SCHEMAS = [(v, k) for v in schemas.VERSIONS for k in schemas.schema_names(v)]


# ---------------------------------------------------------------------------- the files


def test_schema_names_are_the_expected_kinds():
    assert set(schemas.schema_names("2025-01")) == KINDS_2025
    assert set(schemas.schema_names("v4")) == KINDS_V4


@pytest.mark.parametrize("version, kind", ALL_SCHEMAS)
def test_schema_is_valid_2020_12(version, kind):
    schema = schemas.load_schema(version, kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{BASE_ID}/{version}/{kind}.json"
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("version, kind", ALL_SCHEMAS)
def test_every_ref_resolves(version, kind):
    resolver = _registry().resolver(base_uri=schemas.load_schema(version, kind)["$id"])
    for ref in _refs(schemas.load_schema(version, kind)):
        resolver.lookup(ref)


def test_unknown_version_or_kind_is_refused():
    with pytest.raises(ValueError):
        schemas.load_schema("2024-10", "tracking")
    with pytest.raises(ValueError):
        schemas.load_schema("v4", "no-such-kind")


# ------------------------------------------------------- 2025-01 against the official SDK

# Each 2025-01 kind and the SDK model (module.Class under tracking.models) it must equal.
# Envelopes the SDK has no model for are assembled from SDK models in _sdk_model().
SDK_MODELS = {
    "tracking": "tracking.Tracking",
    "checkpoint": "checkpoint.Checkpoint",
    "courier": "courier.Courier",
    "meta": "meta_v1.MetaV1",
    "create-tracking-request": "create_tracking_request.CreateTrackingRequest",
    "update-tracking-request": "update_tracking_by_id_request.UpdateTrackingByIdRequest",
    "detect-courier-request": "detect_courier_request.DetectCourierRequest",
    "mark-as-completed-request":
        "mark_tracking_completed_by_id_request.MarkTrackingCompletedByIdRequest",
    "tracking-response": "tracking_response_v1.TrackingResponseV1",
    "tracking-list-response": "tracking_response_get_multiple_v1.TrackingResponseGetMultipleV1",
    "courier-list-response": "courier_response_v1.CourierResponseV1",
    "predict-batch-request": "predict_batch_request.PredictBatchRequest",
    "predict-batch-response": None,
    "webhook": None,
    "error-response": None,
}


def test_every_2025_kind_has_an_sdk_model():
    assert set(SDK_MODELS) == set(schemas.schema_names("2025-01"))


@pytest.mark.parametrize("kind", sorted(SDK_MODELS))
def test_2025_schema_names_exactly_the_sdk_fields(kind):
    pytest.importorskip(
        "tracking", reason="the official SDK (aftership-tracking-sdk, a test extra) is missing")
    schema = schemas.load_schema("2025-01", kind)
    resolver = _registry().resolver(base_uri=schema["$id"])
    problems: list[str] = []
    _compare(_sdk_model(kind), schema, resolver, "$", True, problems)
    assert not problems, "2025-01 schema differs from the SDK:\n" + "\n".join(problems)


def _sdk_model(kind: str):
    import importlib
    from typing import Any, Dict

    from pydantic import create_model

    def model(dotted: str):
        module, name = dotted.rsplit(".", 1)
        return getattr(importlib.import_module(f"tracking.models.{module}"), name)

    if SDK_MODELS[kind]:
        return model(SDK_MODELS[kind])
    meta = model("meta_v1.MetaV1")
    if kind == "predict-batch-response":
        return create_model("PredictBatchEnvelope", meta=(meta, ...),
                            data=(model("predict_batch_response.PredictBatchResponse"), ...))
    if kind == "error-response":
        return create_model("ErrorEnvelope", meta=(meta, ...), data=(Dict[str, Any], ...))
    # The webhook body is documented (api-mapping §7.1), not modelled by the SDK.
    return create_model("WebhookBody", event=(str, ...), event_id=(str, ...),
                        is_tracking_first_tag=(bool, ...), msg=(model("tracking.Tracking"), ...),
                        ts=(int, ...))


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _compare(annotation, node, resolver, path, required, problems):
    """Walk an SDK annotation and a schema node together, noting every difference at `path`.

    Optional[X] must admit null unless the schema makes the property required; a model must
    be a closed object with exactly the model's field names; List[X] must be an array of X.
    """
    from pydantic import BaseModel

    inner, optional = _unwrap(annotation)
    parts = _parts(node, resolver)
    nested = [(p, r) for p, r in parts if "properties" in p]
    null = {"null"} if optional and not required else set()

    if typing.get_origin(inner) is list:
        _check_types(path, {"array"} | null, node, resolver, problems)
        items = [(p["items"], r) for p, r in parts if "items" in p]
        if not items:
            problems.append(f"{path}: the SDK has a list, the schema gives no items")
        for item, r in items:
            _compare(typing.get_args(inner)[0], item, r, f"{path}[]", False, problems)
    elif isinstance(inner, type) and issubclass(inner, BaseModel):
        _check_types(path, {"object"} | null, node, resolver, problems)
        fields = set(inner.model_fields)
        names = {name for p, _ in nested for name in p["properties"]}
        if names != fields:
            problems.append(f"{path} ({inner.__name__}): missing {sorted(fields - names)}, "
                            f"not in the SDK {sorted(names - fields)}")
        if not nested or any(p.get("additionalProperties") is not False for p, _ in nested):
            problems.append(f"{path} ({inner.__name__}): not additionalProperties: false")
        definite = _parts(node, resolver, definite=True)
        required_names = {name for p, _ in definite for name in p.get("required", ())}
        for name, field in inner.model_fields.items():
            for p, r in nested:
                if name in p["properties"]:
                    _compare(field.annotation, p["properties"][name], r, f"{path}.{name}",
                             name in required_names, problems)
    else:
        if nested:
            problems.append(f"{path}: the SDK has {inner!r}, the schema an object with properties")
        if inner is typing.Any:
            return
        if typing.get_origin(inner) is dict:
            _check_types(path, {"object"} | null, node, resolver, problems)
        elif isinstance(inner, type) and issubclass(inner, enum.Enum):
            _check_types(path, {"string"} | null, node, resolver, problems)
            values = {v for p, _ in parts for v in p.get("enum", ()) if v is not None}
            if values != {member.value for member in inner}:
                problems.append(f"{path}: enum {sorted(values)} is not {inner.__name__}")
        else:
            _check_types(path, {_JSON_TYPES[inner]} | null, node, resolver, problems)


def _unwrap(annotation):
    """(annotation without Optional, whether it was Optional)."""
    if typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        assert len(args) == 1, f"unexpected union {annotation!r}"
        return args[0], True
    return annotation, False


def _parts(node, resolver, definite=False):
    """`node` and every subschema it stands for through $ref, allOf, anyOf and oneOf.

    With `definite`, an anyOf/oneOf is followed only when it is the nullable idiom (one
    branch besides {"type": "null"}), so either-or `required` branches are left out.
    """
    found = [(node, resolver)]
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        found += _parts(resolved.contents, resolved.resolver, definite)
    for sub in node.get("allOf", ()):
        found += _parts(sub, resolver, definite)
    for key in ("anyOf", "oneOf"):
        branches = [sub for sub in node.get(key, ()) if sub != {"type": "null"}]
        if not definite or len(branches) == 1:
            for sub in branches:
                found += _parts(sub, resolver, definite)
    return found


def _types(node, resolver):
    """The JSON types a schema admits, or None when it does not constrain them."""
    admitted = None

    def meet(types):
        nonlocal admitted
        if types is not None:
            admitted = set(types) if admitted is None else admitted & types

    if "type" in node:
        meet({node["type"]} if isinstance(node["type"], str) else set(node["type"]))
    if "enum" in node:
        meet({"null" if v is None else _JSON_TYPES[type(v)] for v in node["enum"]})
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        meet(_types(resolved.contents, resolved.resolver))
    for sub in node.get("allOf", ()):
        meet(_types(sub, resolver))
    for key in ("anyOf", "oneOf"):
        if key in node:
            branches = [_types(sub, resolver) for sub in node[key]]
            meet(None if None in branches else set().union(*branches))
    return admitted


def _check_types(path, expected, node, resolver, problems):
    admitted = _types(node, resolver)
    if admitted != expected:
        problems.append(f"{path}: the SDK type admits {sorted(expected)}, the schema "
                        f"{'anything' if admitted is None else sorted(admitted)}")


@functools.lru_cache(maxsize=None)
def _registry():
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    resources = [DRAFT202012.create_resource(schemas.load_schema(v, k)) for v, k in ALL_SCHEMAS]
    return Registry().with_resources((r.id(), r) for r in resources)


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


# ------------------------------------------------------------ real v4 bodies against v4

# Every file of the three v4 sets and its kind; a file missing here fails the test below.
PAYLOAD_KINDS = {
    "sdk-java-fixtures": {
        "2023-11_endpoint__tracking__GetTrackingResult.json": "tracking-response",
        "endpoint__checkpoint__GetLastCheckpointResult.json": "last-checkpoint-response",
        "endpoint__courier__CourierDetectRequest.json": "detect-courier-request",
        "endpoint__courier__DetectCouriersResult.json": "courier-list-response",
        "endpoint__courier__ListAllCouriersResult.json": "courier-list-response",
        "endpoint__courier__ListCouriersResult.json": "courier-list-response",
        "endpoint__estimateddeliverydate__BatchPredictEstimatedDeliveryDateRequest.json":
            "predict-batch-request",
        "endpoint__estimateddeliverydate__BatchPredictEstimatedDeliveryDateResult.json":
            "predict-batch-response",
        "endpoint__notification__AddNotificationRequest.json": "notification-request",
        "endpoint__notification__AddNotificationResult.json": "notification-response",
        "endpoint__notification__GetNotificationResult.json": "notification-response",
        "endpoint__notification__RemoveNotificationRequest.json": "notification-request",
        "endpoint__notification__RemoveNotificationResult.json": "notification-response",
        "endpoint__tracking__CreateTrackingRequest.json": "create-tracking-request",
        "endpoint__tracking__CreateTrackingResult.json": "tracking-response",
        "endpoint__tracking__DeleteTrackingResult.json": "tracking-response",
        "endpoint__tracking__GetTrackingResult.json": "tracking-response",
        "endpoint__tracking__GetTrackingsResult.json": "tracking-list-response",
        "endpoint__tracking__MarkAsCompletedResult.json": "tracking-response",
        "endpoint__tracking__ReTrackResult.json": "tracking-response",
        "endpoint__tracking__UpdateTrackingRequest.json": "update-tracking-request",
        "endpoint__tracking__UpdateTrackingResult.json": "tracking-response",
        "error__Error.json": "error-response",
    },
    "sdk-nodejs-mocks": {
        "getTracking_slug_tn.response.json": "tracking-response",
        "lastCheckpoint.response.json": "last-checkpoint-response",
        "lastCheckpoint_404.response.json": "error-response",
        "listTrackings.response.json": "tracking-list-response",
        "markAsCompleted_partial.response.json": "tracking-response",
        "predictBatch.request.json": "predict-batch-request",
        "predictBatch.response.json": "predict-batch-response",
    },
    "sdk-net-test-strings": {
        "error_meta_4004.json": "error-response",
        "error_meta_4005.json": "error-response",
        "error_meta_401.json": "error-response",
        "error_meta_4012.json": "error-response",
        "error_meta_404.json": "error-response",
    },
}
# Query parameters, not a body.
NOT_BODIES = {"sdk-java-fixtures/endpoint__tracking__GetTrackingParams.json"}


def _need_payloads():
    if not PAYLOADS.is_dir():
        pytest.skip(f"no reference payloads at {PAYLOADS} (set AFTERSHIP_REFERENCE_PAYLOADS)")


def test_every_reference_payload_has_a_kind():
    _need_payloads()
    found = {f"{d}/{p.name}" for d in PAYLOAD_KINDS for p in (PAYLOADS / d).glob("*.json")}
    mapped = {f"{d}/{name}" for d, names in PAYLOAD_KINDS.items() for name in names}
    assert found - NOT_BODIES == mapped


@pytest.mark.parametrize(
    "folder, name, kind",
    [(d, name, kind) for d, names in PAYLOAD_KINDS.items() for name, kind in names.items()],
)
def test_real_v4_payload_fits_its_v4_schema(folder, name, kind):
    _need_payloads()
    document = json.loads((PAYLOADS / folder / name).read_text(encoding="utf-8"))
    assert schemas.validation_errors("v4", kind, document) == []


# ------------------------------------------------------------- 2025-01 strictness

TRACKING_2025 = {
    "id": "0b02015fc7fd4f3c8d5490cece4d124d",
    "legacy_id": "wuuxyb7ohjx55kmpt5r7y017",
    "tracking_number": "3SKAAG5995399",
    "slug": "postnl-3s",
    "active": True,
    "custom_fields": {"product_price": 19.99},
    "customers": [{"role": "buyer", "name": "Jane", "email": "jane@example.com"}],
    "transit_time": 5,
    "origin_country_region": "NLD",
    "courier_estimated_delivery_date": {"estimated_delivery_date": "2021-03-28",
                                        "estimated_delivery_date_min": None,
                                        "estimated_delivery_date_max": None},
    "shipment_weight": {"unit": "kg", "value": 1.16},
    "tag": "InTransit",
    "checkpoints": [{
        "slug": "postnl-3s",
        "checkpoint_time": "2021-03-25T10:59:00+01:00",
        "coordinate": {"latitude": 39.47, "longitude": -0.38},
        "country_region": "ESP",
        "tag": "InTransit",
        "events": [{"code": "A1", "reason": {"code": "R1"}}],
        "source": "carrier",
    }],
    "last_mile": {"tracking_number": "LM1", "slug": "correos", "source": "system"},
    "first_mile": None,
}
RESPONSE_2025 = {"meta": {"code": 200}, "data": TRACKING_2025}


def _with(document, path, value):
    """A deep copy of `document` with `value` set at `path` (keys and list indexes)."""
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def test_a_full_2025_tracking_response_is_valid():
    assert schemas.validation_errors("2025-01", "tracking-response", RESPONSE_2025) == []


CLOSED = "Additional properties are not allowed"


def _errors_at(kind, document, where):
    """The messages of the 2025-01 errors reported exactly at json path `where`."""
    errors = schemas.validation_errors("2025-01", kind, document)
    return [e.split(": ", 1)[1] for e in errors if e.split(": ", 1)[0] == where] or errors


@pytest.mark.parametrize("path, where", [
    (("data", "checkpoints", 0, "coordinate", "altitude"), "$.data.checkpoints[0].coordinate"),
    (("data", "checkpoints", 0, "events", 0, "reason", "text"),
     "$.data.checkpoints[0].events[0].reason"),
    (("data", "customers", 0, "id"), "$.data.customers[0]"),
    (("data", "last_mile", "transit_time_days"), "$.data.last_mile"),
    (("data", "shipment_weight", "weight_unit"), "$.data.shipment_weight"),
    (("meta", "request_id"), "$.meta"),
])
def test_unknown_nested_key_is_rejected(path, where):
    messages = _errors_at("tracking-response", _with(RESPONSE_2025, path, "x"), where)
    assert any(m.startswith(CLOSED) for m in messages), messages


@pytest.mark.parametrize("path, value, where", [
    (("data", "origin_country_iso3"), "NLD", "$.data"),
    (("data", "expected_delivery"), "2021-03-28", "$.data"),
    (("data", "checkpoints", 0, "country_iso3"), "ESP", "$.data.checkpoints[0]"),
    (("data", "checkpoints", 0, "coordinates"), [], "$.data.checkpoints[0]"),
])
def test_v4_field_in_a_2025_tracking_is_rejected(path, value, where):
    messages = _errors_at("tracking-response", _with(RESPONSE_2025, path, value), where)
    assert any(m.startswith(CLOSED) for m in messages), messages


EDD_WITH_V4_ADDRESS = {
    "slug": "fedex",
    "pickup_time": "2021-07-01 15:00:00",
    "origin_address": {"country": "USA", "state": "WA"},
    "destination_address": {"country_region": "USA", "state": "CA"},
}


@pytest.mark.parametrize("kind, document, where", [
    ("tracking-response", _with(RESPONSE_2025, ("data", "shipment_weight"), 1.16),
     "$.data.shipment_weight"),
    ("tracking-response", _with(RESPONSE_2025, ("data", "tag"), "Returned"), "$.data.tag"),
    ("tracking-response", {"meta": {"code": 200}, "data": {"tracking": TRACKING_2025}}, "$.data"),
    ("create-tracking-request", {"slug": "dhl"}, "$"),
    ("create-tracking-request", {"tracking_number": "1", "custom_fields": {"n": 1}},
     "$.custom_fields.n"),
    ("create-tracking-request", {"tracking_number": "1", "slug": ["dhl"]}, "$.slug"),
    ("detect-courier-request", {"tracking_number": "1", "slug": "dhl,ups"}, "$.slug"),
    ("mark-as-completed-request", {"reason": "STOLEN"}, "$.reason"),
    ("predict-batch-request", {"estimated_delivery_dates": []}, "$.estimated_delivery_dates"),
    ("predict-batch-request", {"estimated_delivery_dates": [EDD_WITH_V4_ADDRESS]},
     "$.estimated_delivery_dates[0].origin_address"),
    ("error-response", {"meta": {"code": 200, "message": "OK", "type": "BadRequest"}, "data": {}},
     "$.meta.code"),
    ("webhook", {"event": "tracking_update", "msg": {"origin_country_iso3": "USA"}}, "$.msg"),
])
def test_2025_schema_rejects(kind, document, where):
    errors = schemas.validation_errors("2025-01", kind, document)
    assert any(e.startswith(f"{where}: ") for e in errors), errors


def test_errors_are_sorted_json_paths():
    document = _with(_with(RESPONSE_2025, ("data", "tag"), "Lost"), ("meta", "code"), "200")
    errors = schemas.validation_errors("2025-01", "tracking-response", document)
    assert [e.split(": ", 1)[0] for e in errors] == ["$.data.tag", "$.meta.code"]

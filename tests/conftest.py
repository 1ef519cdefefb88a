"""Shared helpers for the translator tests: fixture paths, the reference corpus, the SDK walker."""

from __future__ import annotations

import json
import os
import sys
import typing
from pathlib import Path
from typing import Any, Iterator

import pytest

try:
    from types import UnionType  # `X | None` annotations (Python 3.10+)
except ImportError:  # pragma: no cover
    UnionType = None

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "json"
ARCHIVES = FIXTURES / "archives"
FIXTURE_DIRS = ("v4", "intermediate", "2025-01")

# The reference corpus of real v4 bodies (never copied into the repo).
DEFAULT_PAYLOADS = REPO.parent / "shared" / "reference" / "payloads"
PAYLOADS = Path(os.environ.get("AFTERSHIP_REFERENCE_PAYLOADS", DEFAULT_PAYLOADS))
CORPUS_DIRS = ("sdk-java-fixtures", "sdk-nodejs-mocks", "sdk-net-test-strings")

# Kinds the translator refuses, and the rule that refuses each.
REFUSED_KINDS = {
    "notification-request": "AS203",
    "notification-response": "AS203",
    "last-checkpoint-response": "AS202",
}
# Fixture file-name prefixes that are not kind names themselves.
PREFIX_KINDS = {"detect-courier-response": "courier-list-response"}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def fixture_kind(path: Path) -> str:
    """The kind a fixture's file name encodes: the part before the first dot."""
    prefix = path.name.split(".", 1)[0]
    return PREFIX_KINDS.get(prefix, prefix)


def fixture_files(*dirs: str) -> list[Path]:
    return sorted(p for d in (dirs or FIXTURE_DIRS) for p in (FIXTURES / d).glob("*.json"))


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def console_script() -> Path:
    """The installed `aftership-migrate` script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("aftership-migrate")
    if not script.exists():
        pytest.skip(f"no aftership-migrate console script next to {sys.executable}")
    return script


def need_payloads() -> Path:
    if not PAYLOADS.is_dir():
        pytest.skip(f"reference payloads not found at {PAYLOADS} (set AFTERSHIP_REFERENCE_PAYLOADS)")
    return PAYLOADS


def walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any, Any]]:
    """(path, key, value) for every key of every object at any depth."""
    if isinstance(value, dict):
        for key, child in value.items():
            here = f"{path}.{key}"
            yield here, key, child
            yield from walk(child, here)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, f"{path}[{index}]")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# ------------------------------------------------------------------- the official SDK

def _strip_optional(annotation):
    """`Optional[X]` -> X; other unions keep their non-None members."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or (UnionType is not None and origin is UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]
    return annotation


def unknown_keys(annotation, value: Any, path: str = "$") -> list[str]:
    """Paths of keys in `value` that the SDK `annotation` (a model, List, Optional...) lacks.

    Walks pydantic `model_fields` alongside the dict; `Any` and plain dicts stop the walk.
    """
    from pydantic import BaseModel

    annotation = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    found: list[str] = []
    if value is None or annotation is typing.Any:
        return found
    if origin in (list, typing.List) and isinstance(value, list):
        (item,) = typing.get_args(annotation) or (typing.Any,)
        for index, element in enumerate(value):
            found += unknown_keys(item, element, f"{path}[{index}]")
    elif origin is typing.Union:
        # A union of several types: a key is unknown only if every branch lacks it.
        branches = [unknown_keys(a, value, path) for a in typing.get_args(annotation)]
        return min(branches, key=len)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        fields = annotation.model_fields
        for key, child in value.items():
            names = {name: f for name, f in fields.items() if (f.alias or name) == key}
            if not names:
                found.append(f"{path}.{key}")
                continue
            (field,) = names.values()
            found += unknown_keys(field.annotation, child, f"{path}.{key}")
    return found


def sdk_model(name: str):
    """An SDK model by `module.Class` under tracking.models."""
    import importlib

    module, cls = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"tracking.models.{module}"), cls)


# For each kind: which part of the body is which SDK model ("" is the whole body).
SDK_PARTS: dict[str, dict[str, str]] = {
    "tracking": {"": "tracking.Tracking"},
    "tracking-response": {"meta": "meta_v1.MetaV1", "data": "tracking.Tracking"},
    "tracking-list-response": {
        "meta": "meta_v1.MetaV1",
        "data": "data_tracking_response_get_multiple_v1.DataTrackingResponseGetMultipleV1",
    },
    "create-tracking-request": {"": "create_tracking_request.CreateTrackingRequest"},
    "update-tracking-request": {"": "update_tracking_by_id_request.UpdateTrackingByIdRequest"},
    "detect-courier-request": {"": "detect_courier_request.DetectCourierRequest"},
    "mark-as-completed-request": {
        "": "mark_tracking_completed_by_id_request.MarkTrackingCompletedByIdRequest"},
    "courier-list-response": {"meta": "meta_v1.MetaV1", "data": "data_courier_response_v1.DataCourierResponseV1"},
    "predict-batch-request": {"": "predict_batch_request.PredictBatchRequest"},
    "predict-batch-response": {"meta": "meta_v1.MetaV1", "data": "predict_batch_response.PredictBatchResponse"},
    "webhook": {"msg": "tracking.Tracking"},
    "error-response": {"meta": "meta_v1.MetaV1"},
}
# Keys an envelope may hold besides the modelled parts.
ENVELOPE_KEYS = {
    "webhook": {"event", "event_id", "is_tracking_first_tag", "msg", "ts"},
    "error-response": {"meta", "data"},
}


def sdk_problems(kind: str, document: Any) -> list[str]:
    """Keys the official SDK models do not define, and SDK validation errors, for a body."""
    problems: list[str] = []
    parts = SDK_PARTS[kind]
    if "" not in parts:
        allowed = ENVELOPE_KEYS.get(kind, set(parts))
        problems += [f"$.{k}: not in the envelope" for k in document if k not in allowed]
    for key, name in parts.items():
        model = sdk_model(name)
        value = document if key == "" else document.get(key)
        where = "$" if key == "" else f"$.{key}"
        if value is None and key != "":
            continue
        problems += [f"{p}: unknown to {model.__name__}" for p in unknown_keys(model, value, where)]
        try:
            model.model_validate(value)
        except Exception as error:  # pydantic.ValidationError
            problems.append(f"{where}: {model.__name__} rejects it: {error}")
    return problems



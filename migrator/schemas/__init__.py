"""JSON Schemas (draft 2020-12) of the v4 and 2025-01 bodies, shipped as package data.

v4 schemas are permissive (they recognise stored input); 2025-01 schemas are strict (they
check translated output against the official SDK's models).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from referencing import Registry

VERSIONS = ("v4", "2025-01")


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"unknown API version {version!r}; expected one of {', '.join(VERSIONS)}")


# The schemas are files beside this module (the package is always installed unpacked);
# reading them directly takes 3 ms where importlib.resources took 20 ms, paid by every worker.
_FOLDER = Path(__file__).parent


@lru_cache(maxsize=None)
def _names(version: str) -> tuple[str, ...]:
    _check_version(version)
    return tuple(sorted(p.name[:-5] for p in (_FOLDER / version).iterdir() if p.name.endswith(".json")))


def schema_names(version: str) -> list[str]:
    """The schema kinds shipped for `version`, sorted."""
    return list(_names(version))


@lru_cache(maxsize=None)
def load_schema(version: str, kind: str) -> dict:
    """The schema of `kind` in `version`, parsed once; treat it as read-only."""
    if kind not in _names(version):
        raise ValueError(f"no {version} schema for {kind!r}; known: {', '.join(_names(version))}")
    text = (_FOLDER / version / f"{kind}.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def schemas_by_id() -> dict[str, dict]:
    """Every packaged schema (both versions) under its $id: cross-file $refs resolve offline."""
    return {load_schema(v, k)["$id"]: load_schema(v, k) for v in VERSIONS for k in _names(v)}


@lru_cache(maxsize=None)
def _registry() -> Registry:
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    # Every packaged schema under its $id, so cross-file $refs never touch the network.
    resources = [DRAFT202012.create_resource(schema) for schema in schemas_by_id().values()]
    return Registry().with_resources((r.id(), r) for r in resources)


@lru_cache(maxsize=None)
def validator(version: str, kind: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for `kind` in `version`, resolving $refs across packaged files."""
    # Imported here: jsonschema is slow to import and most commands never validate.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(version, kind), registry=_registry())


def validation_errors(version: str, kind: str, document: Any) -> list[str]:
    """Every way `document` breaks the schema, as "<json path>: <message>", sorted by path."""
    errors = validator(version, kind).iter_errors(document)
    found = sorted((error.json_path, error.message) for error in errors)
    return [f"{path}: {message}" for path, message in found]

"""Check a translated body against the strict 2025-01 schema of its kind (rule AS900).

Keys the schema does not define are dropped and reported; anything else it rejects is an
error of the document, never written out as if it were valid.
"""

from __future__ import annotations

from typing import Any, Iterator

from migrator.payload.ops import Context, Path, is_empty
from migrator.schemas import validator
from migrator.schemas.fastcheck import fast_check

UNKNOWN_FIELD_RULE = "AS900"
_MAX_ROUNDS = 8  # each round removes every unknown key it sees; nesting rarely needs two


def _unknown_key_errors(errors) -> Iterator:
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            yield error
        elif error.context:
            yield from _unknown_key_errors(error.context)


def enforce_2025_01(kind: str, document: Any, ctx: Context) -> list[str]:
    """Drop keys unknown to 2025-01 (reported on `ctx`); return what still fails the schema."""
    return _schema_errors(kind, document, ctx) + _one_courier(kind, document)


def _one_courier(kind: str, document: Any) -> list[str]:
    """A tracking is created (or updated) for one courier; a comma in its `slug` names several,
    which only detect takes. The schema says string, so this is checked here: written out, such
    a body would read as a detect request on a second translation."""
    if kind not in _ONE_COURIER or not isinstance(document, dict):
        return []
    slug = document.get("slug")
    if isinstance(slug, str) and "," in slug:
        return [f"$.slug: {slug!r} names several couriers; a {kind} takes one "
                f"(--kind detect-courier-request if it is a detect body)"]
    return []


_ONE_COURIER = frozenset({"create-tracking-request", "update-tracking-request"})


def _schema_errors(kind: str, document: Any, ctx: Context) -> list[str]:
    try:
        fast = fast_check("2025-01", kind)  # cached per kind: this runs for every document
    except ValueError:
        return [f"no 2025-01 schema for {kind}"]
    if fast is not None and fast(document):
        return []  # the common case; jsonschema is asked only to explain a rejection
    check = validator("2025-01", kind)
    for _ in range(_MAX_ROUNDS):
        errors = list(check.iter_errors(document))
        unknown = list(_unknown_key_errors(errors))
        if not unknown:
            return sorted(f"{e.json_path}: {e.message}" for e in errors)
        ctx.rule = UNKNOWN_FIELD_RULE
        for error in unknown:
            allowed = set(error.schema.get("properties", ()))
            for key in [k for k in error.instance if k not in allowed]:
                value = error.instance.pop(key)
                ctx.touch()
                if not is_empty(value):
                    path: Path = ctx.input_path(tuple(error.absolute_path) + (key,))
                    ctx.report("dropped", path, value, "no such field in the 2025-01 contract")
    return sorted(f"{e.json_path}: {e.message}" for e in check.iter_errors(document))

"""Document kinds: how each AfterShip body is laid out, and how to recognise one by its shape.

A `Node` says which scopes of changes apply to an object and where its child objects sit.
Recognition is by shape only (envelope keys, wrappers). A body may fit several kinds (a
request holding only courier-detection keys is a create or a detect body): `candidates` lists
them all, and the translator decides (`engine.Translator.translate`): the body is translated
when every candidate gives the same 2025-01 body, refused otherwise unless a kind given by
context (--kind, a `kinds` mapping, an endpoint: `migrator.payload.endpoints`) says which. A
body that fits no kind is reported as unrecognised, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping


@dataclass(frozen=True)
class Node:
    scopes: tuple[str, ...] = ()
    children: Mapping[str, "Node"] = field(default_factory=dict)
    # The child is a list and the node applies to each element.
    each: bool = False


CHECKPOINT = Node(("checkpoint",), each=True)
TRACKING_CHILDREN = {
    "checkpoints": CHECKPOINT,
    "aftership_estimated_delivery_date": Node(("aftership-edd",)),
    "first_estimated_delivery": Node(("estimated-delivery",)),
    "latest_estimated_delivery": Node(("estimated-delivery",)),
}
TRACKING = Node(("tracking",), TRACKING_CHILDREN)
# `data` of a single-tracking response: v4 wraps the tracking in `data.tracking`.
TRACKING_DATA = Node(("response-envelope", "tracking"), TRACKING_CHILDREN)
EDD_ADDRESSES = {"origin_address": Node(("edd-address",)), "destination_address": Node(("edd-address",))}

STRUCTURES: Mapping[str, Node] = {
    "tracking": TRACKING,
    "tracking-response": Node(children={"data": TRACKING_DATA}),
    "tracking-list-response": Node(children={
        "data": Node(("list-data",), {"trackings": Node(("tracking",), TRACKING_CHILDREN, each=True),
                                      "pagination": Node(("list-pagination",))}),
    }),
    "create-tracking-request": Node(("request-envelope", "create-request")),
    "update-tracking-request": Node(("request-envelope", "update-request")),
    "detect-courier-request": Node(("request-envelope", "detect-request")),
    "mark-as-completed-request": Node(("mark-as-completed-request",)),
    "courier-list-response": Node(children={
        "data": Node(children={"couriers": Node(("courier",), each=True)}),
    }),
    "predict-batch-request": Node(("predict-batch",), {
        "estimated_delivery_dates": Node(("edd-request-item",), EDD_ADDRESSES, each=True),
    }),
    "predict-batch-response": Node(children={
        "data": Node(("predict-batch",), {
            "estimated_delivery_dates": Node(("edd-response-item",), EDD_ADDRESSES, each=True),
        }),
    }),
    "webhook": Node(("webhook",), {"msg": TRACKING}),
    # v4 errors echo the offending body in `data.tracking`; it is translated like a tracking.
    "error-response": Node(children={"data": TRACKING_DATA}),
}

# Bodies of v4 endpoints that 2025-01 removed: recognised, then refused by their rule.
REMOVED_KINDS: Mapping[str, str] = {
    "notification-request": "AS203",
    "notification-response": "AS203",
    "last-checkpoint-response": "AS202",
}

KINDS: tuple[str, ...] = tuple(STRUCTURES) + tuple(REMOVED_KINDS)

# Keys a v4 detect body may hold (api-mapping §5.2); a wrapped body with any other key is a create.
DETECT_KEYS = frozenset({
    "tracking_number", "slug", "slug_group", "tracking_postal_code", "tracking_ship_date",
    "tracking_account_number", "tracking_key", "tracking_state", "tracking_origin_country",
    "tracking_destination_country", "tracking_origin_country_region",
    "tracking_destination_country_region", "origin_country_iso3", "destination_country_iso3",
    "origin_country_region", "destination_country_region",
})
# Keys only a stored tracking has (not a request body).
TRACKING_ONLY_KEYS = frozenset({
    "id", "created_at", "updated_at", "checkpoints", "tag", "subtag", "active", "legacy_id",
    "tracked_count", "unique_token",
})


@lru_cache(maxsize=1)
def _tracking_keys() -> frozenset[str]:
    """Fields of a tracking in v4 or 2025-01 spelling (from the packaged schemas)."""
    from migrator.schemas import load_schema

    return frozenset(load_schema("v4", "tracking")["properties"]) | frozenset(
        load_schema("2025-01", "tracking")["properties"])


@lru_cache(maxsize=1)
def _update_keys() -> frozenset[str]:
    """Fields an update body may carry, in v4 or 2025-01 spelling (from the packaged schemas)."""
    from migrator.schemas import load_schema

    v4 = load_schema("v4", "update-tracking-request")["properties"]["tracking"].get("properties", {})
    new = load_schema("2025-01", "update-tracking-request")["properties"]
    return frozenset(v4) | frozenset(new)


class Unrecognised(ValueError):
    """The body fits no known kind (or several, for Ambiguous); the message says why."""


class Ambiguous(Unrecognised):
    """The body fits several kinds whose translations differ; `kinds` names them."""

    def __init__(self, message: str, kinds: tuple[str, ...]) -> None:
        super().__init__(message)
        self.kinds = kinds


def _is_success(meta: Any) -> bool:
    code = meta.get("code") if isinstance(meta, dict) else None
    return isinstance(code, int) and 200 <= code < 300


# Create is listed first: where both readings agree, a stored request is named a create.
CREATE_OR_DETECT = ("create-tracking-request", "detect-courier-request")


def _request_kinds(body: dict) -> tuple[str, ...]:
    """create, update or detect, from the keys of a (wrapped or bare) tracking request.

    Only keys decide: a body with only courier-detection keys fits both create and detect,
    whatever its `slug` holds (v4 create also took a list of slugs, and a comma string).
    """
    keys = body.keys()
    if "tracking_number" not in keys:
        return ("update-tracking-request",)
    if keys <= DETECT_KEYS:
        return CREATE_OR_DETECT
    return ("create-tracking-request",)


def candidates(document: Any) -> tuple[str, ...]:
    """Every kind the shape of `document` fits, the likelier first; Unrecognised when none."""
    if not isinstance(document, dict):
        raise Unrecognised(f"a JSON {type(document).__name__}, not an object")
    if "meta" in document and "data" in document:  # the API envelope: most stored bodies
        meta, data = document["meta"], document["data"]
        if not _is_success(meta):
            return ("error-response",)
        if not isinstance(data, dict):
            raise Unrecognised("`data` is not an object")
        if isinstance(data.get("tracking"), dict):
            return ("tracking-response",)
        if "trackings" in data:
            return ("tracking-list-response",)
        if "couriers" in data:
            return ("courier-list-response",)
        if "estimated_delivery_dates" in data:
            return ("predict-batch-response",)
        if "notification" in data:
            return ("notification-response",)
        if "checkpoint" in data and "tracking_number" in data:
            return ("last-checkpoint-response",)
        if "tracking_number" in data or "legacy_id" in data or data.keys() <= _tracking_keys():
            # A tracking of either version, however few of its fields it holds (`{"tracking":
            # {"slug": "ups"}}` becomes `{"slug": "ups"}`, which must read back as itself).
            return ("tracking-response",)
        raise Unrecognised("an API envelope whose `data` holds no known body")
    keys = set(document)
    if {"event", "msg"} <= keys:
        return ("webhook",)
    if keys == {"tracking"} and isinstance(document["tracking"], dict):
        return _request_kinds(document["tracking"])
    if keys == {"notification"}:
        return ("notification-request",)
    if "reason" in keys and keys <= {"reason", "event_datetime"}:
        return ("mark-as-completed-request",)
    if keys == {"estimated_delivery_dates"}:
        return ("predict-batch-request",)
    if "tracking_number" in keys:
        return ("tracking",) if keys & TRACKING_ONLY_KEYS else _request_kinds(document)
    if keys and keys <= _update_keys():
        return ("update-tracking-request",)
    raise Unrecognised("no AfterShip envelope, wrapper or tracking fields")


def recognise(document: Any) -> str:
    """The one kind the shape of `document` fits; Ambiguous when it fits several."""
    fitting = candidates(document)
    if len(fitting) > 1:
        raise Ambiguous(f"the body fits {' and '.join(fitting)}; its shape alone does not say which", fitting)
    return fitting[0]

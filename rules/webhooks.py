"""Guide §13: webhook bodies."""

from migrator.catalogue import PayloadExample, Rule

WEBHOOK_MESSAGE = Rule(
    code="AS701",
    name="webhook-msg",
    title="Webhook `msg` takes the 2025-01 tracking shape; the envelope is unchanged",
    guide="§13 Webhook Changes",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
`event`, `event_id`, `is_tracking_first_tag` and `ts` are kept; `msg` is translated by every
tracking rule. The signature header `aftership-hmac-sha256` is unchanged; deliveries add
`as-webhook-version` (AS104).
""",
    examples=(
        PayloadExample(
            kind="webhook",
            before={"event": "tracking_update", "event_id": "5f0a7c1e-8d1f-4b7e-9a55-0c2f2d1b9e10",
                    "is_tracking_first_tag": False, "ts": 1712741696,
                    "msg": {"id": "q8v3c0n6x2m4z7b1k9j5h2g4", "tracking_number": "CX1", "tag": "InTransit",
                            "origin_country_iso3": "CHN", "emails": ["x@y.io"]}},
            after={"event": "tracking_update", "event_id": "5f0a7c1e-8d1f-4b7e-9a55-0c2f2d1b9e10",
                   "is_tracking_first_tag": False, "ts": 1712741696,
                   "msg": {"id": "q8v3c0n6x2m4z7b1k9j5h2g4", "tracking_number": "CX1", "tag": "InTransit",
                           "origin_country_region": "CHN", "legacy_id": "q8v3c0n6x2m4z7b1k9j5h2g4",
                           "customers": [{"email": "x@y.io"}]}},
        ),
    ),
)

UNKNOWN_FIELDS = Rule(
    code="AS900",
    name="field-not-in-2025-01",
    title="A field the 2025-01 contract does not define is dropped and reported",
    guide="not in guide: every value must have a place in 2025-01 (the 2025-01 schemas are strict)",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
After the other rules, the body is checked against the 2025-01 JSON schema of its kind; a key
that schema does not define (a field no rule maps, a custom key) is dropped and reported, never
passed to an API that would answer 400. Anything else the schema rejects fails the document.
""",
    examples=(
        PayloadExample(
            kind="tracking",
            before={"tracking_number": "T", "my_warehouse_note": "shelf 4"},
            after={"tracking_number": "T"},
            reported=("dropped:$.my_warehouse_note",),
        ),
    ),
)

RULES = (WEBHOOK_MESSAGE, UNKNOWN_FIELDS)

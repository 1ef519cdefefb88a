"""Guide §11-§12: estimated delivery date (predict-batch) bodies."""

from migrator.catalogue import CodeExample, PayloadExample, Rule
from migrator.payload.ops import Rename, Reshape, is_empty

ADDRESS_COUNTRY = Rule(
    code="AS601",
    name="edd-address-country-region",
    title="EDD `origin_address.country` / `destination_address.country` become `country_region`",
    guide="§11 Estimated Delivery Date Endpoint fields Renamed",
    engines=frozenset({"code", "payload"}),
    residual=("edd-address-country",),
    residual_skip=("country",),
    safety="safe",
    summary="""
Applies to predict-batch requests and responses. 2025-01 requires `country_region` in both
addresses. In code the key is renamed in dict literals sent to /estimated-delivery-date/.
""",
    changes=(Rename("country", "country_region", ("edd-address",)),),
    examples=(
        PayloadExample(
            kind="predict-batch-request",
            before={"estimated_delivery_dates": [{"slug": "fedex", "pickup_time": "2024-07-01 15:00:00",
                                                  "origin_address": {"country": "USA", "state": "WA"},
                                                  "destination_address": {"country": "USA", "state": "CA"}}]},
            after={"estimated_delivery_dates": [{"slug": "fedex", "pickup_time": "2024-07-01 15:00:00",
                                                 "origin_address": {"country_region": "USA", "state": "WA"},
                                                 "destination_address": {"country_region": "USA", "state": "CA"}}]},
        ),
        CodeExample(
            before='import requests\nrequests.post("https://api.aftership.com/v4/estimated-delivery-date/predict-batch", json={\n'
                   '    "estimated_delivery_dates": [{"slug": "ups", "origin_address": {"country": "USA", "state": "NY"},\n'
                   '                                  "destination_address": {"country": "USA", "state": "CA"}}]})\n',
            after='import requests\nrequests.post("https://api.aftership.com/tracking/2025-01/estimated-delivery-date/predict-batch", json={\n'
                  '    "estimated_delivery_dates": [{"slug": "ups", "origin_address": {"country_region": "USA", "state": "NY"},\n'
                  '                                  "destination_address": {"country_region": "USA", "state": "CA"}}]})\n',
        ),
    ),
)

PREDICT_BATCH_WRAPPER = Rule(
    code="AS602",
    name="predict-batch-keeps-wrapper",
    title="Predict-batch bodies keep their `estimated_delivery_dates` wrapper",
    guide="not in guide: api-mapping §6.1 (the wrapper is the same in both versions)",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
A guard: only tracking wrappers were removed (AS401, AS402); `estimated_delivery_dates` stays in
requests and in `data` of responses.
""",
    examples=(
        PayloadExample(
            kind="predict-batch-response",
            before={"meta": {"code": 200}, "data": {"estimated_delivery_dates": [
                {"slug": "dhl", "estimated_delivery_date": "2024-07-05"}]}},
            after={"meta": {"code": 200}, "data": {"estimated_delivery_dates": [
                {"slug": "dhl", "estimated_delivery_date": "2024-07-05"}]}},
        ),
    ),
)

def _request_pickup(item: dict, path, ctx) -> dict:
    pickup = item.get("estimated_pickup")
    if not isinstance(pickup, dict):
        return item
    if "pickup_time" in pickup:
        value = pickup.pop("pickup_time")
        ctx.touch()
        if not is_empty(value):
            ctx.report("dropped", path + ("estimated_pickup", "pickup_time"), value,
                       "2025-01 computes estimated_pickup.pickup_time; requests cannot send it")
    if all(is_empty(v) for v in pickup.values()):
        del item["estimated_pickup"]  # carries nothing, and 2025-01 requires order_time when present
        ctx.touch()
    return item


REQUEST_PICKUP = Rule(
    code="AS603",
    name="edd-request-estimated-pickup",
    title="Predict-batch requests cannot send `estimated_pickup.pickup_time`",
    guide="not in guide: api-mapping §6.1 (pickup_time is response-only in 2025-01)",
    engines=frozenset({"payload"}),
    safety="safe",
    summary="""
v4 clients echoed the whole `estimated_pickup` object, response fields included. 2025-01 request
items take `{order_time, order_cutoff_time, business_days, order_processing_time}`: a
`pickup_time` inside is dropped (reported unless empty), and an `estimated_pickup` left with no
values is removed, since 2025-01 would require its `order_time`.
""",
    changes=(Reshape(("estimated_pickup",), _request_pickup, ("edd-request-item",), replaces_keys=False),),
    examples=(
        PayloadExample(
            kind="predict-batch-request",
            before={"estimated_delivery_dates": [{
                "slug": "fedex", "pickup_time": "2024-07-01 15:00:00",
                "origin_address": {"country": "USA", "state": "WA"},
                "destination_address": {"country": "USA", "state": "CA"},
                "estimated_pickup": {"order_processing_time": {}, "pickup_time": ""}}]},
            after={"estimated_delivery_dates": [{
                "slug": "fedex", "pickup_time": "2024-07-01 15:00:00",
                "origin_address": {"country_region": "USA", "state": "WA"},
                "destination_address": {"country_region": "USA", "state": "CA"}}]},
        ),
    ),
)

RULES = (ADDRESS_COUNTRY, PREDICT_BATCH_WRAPPER, REQUEST_PICKUP)

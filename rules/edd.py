"""Guide §11-§12: estimated delivery date (predict-batch) bodies."""

from migrator.catalogue import CodeExample, PayloadExample, Rule
from migrator.payload.ops import Rename

ADDRESS_COUNTRY = Rule(
    code="AS601",
    name="edd-address-country-region",
    title="EDD `origin_address.country` / `destination_address.country` become `country_region`",
    guide="§11 Estimated Delivery Date Endpoint fields Renamed",
    engines=frozenset({"code", "payload"}),
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

RULES = (ADDRESS_COUNTRY, PREDICT_BATCH_WRAPPER)

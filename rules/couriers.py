"""Guide §9-§10: the courier model."""

from migrator.catalogue import CodeExample, PayloadExample, Rule
from migrator.payload.ops import Rename, RenameValue

SERVICE_COUNTRIES = Rule(
    code="AS501",
    name="courier-service-from-country-regions",
    title="`service_from_country_iso3` becomes `service_from_country_regions`",
    guide="§9 Courier Model Fields Renamed (the guide writes service_from_country_region; "
          "the 2025-01 contract says service_from_country_regions)",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    summary="""
The guide names the new field `service_from_country_region`, but every 2025-01 SDK model names it
`service_from_country_regions` (plural). We follow the contract.
""",
    changes=(Rename("service_from_country_iso3", "service_from_country_regions", ("courier",)),),
    examples=(
        PayloadExample(
            kind="courier-list-response",
            before={"meta": {"code": 200}, "data": {"total": 1, "couriers": [
                {"slug": "dhl", "name": "DHL", "service_from_country_iso3": ["DEU", "USA"]}]}},
            after={"meta": {"code": 200}, "data": {"total": 1, "couriers": [
                {"slug": "dhl", "name": "DHL", "service_from_country_regions": ["DEU", "USA"]}]}},
        ),
        CodeExample(
            before='import requests\n\ndef origins():\n'
                   '    couriers = requests.get("https://api.aftership.com/v4/couriers").json()["data"]["couriers"]\n'
                   '    return {c["slug"]: c["service_from_country_iso3"] for c in couriers}\n',
            after='import requests\n\ndef origins():\n'
                  '    couriers = requests.get("https://api.aftership.com/tracking/2025-01/couriers").json()["data"]["couriers"]\n'
                  '    return {c["slug"]: c["service_from_country_regions"] for c in couriers}\n',
        ),
    ),
)

_FIELD_LISTS = ("required_fields", "optional_fields")

REQUIRED_FIELD_NAMES = Rule(
    code="AS502",
    name="courier-required-field-names",
    title="Courier `required_fields` values `tracking_*_country` become `tracking_*_country_region`",
    guide="§9 Courier Model Fields Renamed (required_fields enum values)",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    residual=("courier-field-values",),
    summary="""
The enum values name the detect/create request fields, which were renamed (AS314, AS315); the
same applies to `optional_fields`. In code, comparisons with the old values are rewritten.
""",
    changes=tuple(
        RenameValue(field, old, old + "_region", ("courier",))
        for field in _FIELD_LISTS
        for old in ("tracking_origin_country", "tracking_destination_country")
    ),
    examples=(
        PayloadExample(
            kind="courier-list-response",
            before={"meta": {"code": 200}, "data": {"total": 1, "couriers": [
                {"slug": "ups-mi", "required_fields": ["tracking_postal_code", "tracking_destination_country"],
                 "optional_fields": ["tracking_origin_country"]}]}},
            after={"meta": {"code": 200}, "data": {"total": 1, "couriers": [
                {"slug": "ups-mi", "required_fields": ["tracking_postal_code", "tracking_destination_country_region"],
                 "optional_fields": ["tracking_origin_country_region"]}]}},
        ),
        CodeExample(
            before='import requests\n\ndef needs_country(slug):\n'
                   '    for c in requests.get("https://api.aftership.com/v4/couriers").json()["data"]["couriers"]:\n'
                   '        if c["slug"] == slug:\n'
                   '            return "tracking_destination_country" in c["required_fields"]\n',
            after='import requests\n\ndef needs_country(slug):\n'
                  '    for c in requests.get("https://api.aftership.com/tracking/2025-01/couriers").json()["data"]["couriers"]:\n'
                  '        if c["slug"] == slug:\n'
                  '            return "tracking_destination_country_region" in c["required_fields"]\n',
        ),
    ),
)

RULES = (SERVICE_COUNTRIES, REQUIRED_FIELD_NAMES)

"""Properties of the translator over random v4 trackings (api-mapping §4.1, §4.3).

Generated trackings hold a random subset of the v4 fields with plausible values, plus random
keys no version defines. For each one:

(a) nothing non-empty vanishes without a report: every input key is in the output under its own
    or its mapped name, or an event names it, or its value was empty;
(b) translating the output again changes nothing;
(c) the output fits the 2025-01 schema;
(d) the same for a single-tracking response envelope and a webhook body.
"""

from __future__ import annotations

import copy
import datetime
import re
import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import is_empty
from migrator import schemas
from migrator.payload.engine import Translator
from migrator.payload.kinds import recognise

TRANSLATOR = Translator()
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------- strategies

TAGS = ["Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered",
        "AvailableForPickup", "Exception", "Expired"]
ISO3 = st.sampled_from(["USA", "CAN", "DEU", "NLD", "CHN", "HKG", "GBR", "IRL", "FRA", "BRA", "JPN"])
WORD = st.text(string.ascii_letters + string.digits + " -", min_size=1, max_size=12)
SHORT = st.text(string.ascii_letters + string.digits + " .,#-éø", max_size=20)
ID24 = st.text(string.ascii_lowercase + string.digits, min_size=24, max_size=24)
SLUG = st.sampled_from(["ups", "fedex", "dhl", "usps", "postnl-3s", "4px", "canada-post", "gls"])
NUMBER = st.text("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", min_size=6, max_size=22)


DATES = st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2025, 12, 31))


@st.composite
def timestamps(draw):
    day = draw(DATES)
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    zone = draw(st.sampled_from(["+00:00", "+01:00", "-05:00", "+08:00", ""]))
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00{zone}"


DAY = DATES.map(lambda d: d.isoformat())
EDD_DATE = st.one_of(st.none(), DAY, timestamps())
EMAIL = st.builds(lambda a, b: f"{a}@{b}", st.text(string.ascii_lowercase, min_size=1, max_size=8),
                  st.sampled_from(["example.com", "example.org", "example.net"]))
PHONE = st.integers(10**9, 10**11).map(lambda n: f"+{n}")


def nullable(strategy):
    return st.one_of(st.none(), strategy)


def recipients(item):
    """v4 `emails`/`smses`: lists of every length around the 3-customer limit, with blanks."""
    return st.lists(st.one_of(item, item, item, st.just("")), max_size=5)


COORDINATE = st.floats(-89.9, 89.9, allow_nan=False).map(lambda f: round(f, 4))
COORDINATES = st.one_of(
    st.just([]),
    st.tuples(COORDINATE, COORDINATE).map(list),
    st.tuples(COORDINATE, COORDINATE).map(lambda p: [f"{p[0]:.4f}", f"{p[1]:.2f}"]),
    st.tuples(COORDINATE, COORDINATE).map(lambda p: [p[0], f"{p[1]}"]),
    st.lists(COORDINATE, min_size=1, max_size=3).filter(lambda c: len(c) != 2),
    st.sampled_from([["", ""], ["north", "east"]]),
)
# Keys no version of the API defines (prefixed so they never collide with a real field).
EXTRA_KEY = st.text(string.ascii_lowercase + "_", min_size=1, max_size=10).map(lambda s: "x_" + s)
EXTRA_VALUE = st.one_of(st.none(), st.just(""), st.just([]), st.just({}), SHORT, st.integers(-5, 500),
                        st.booleans(), st.lists(WORD, max_size=2), st.dictionaries(WORD, WORD, max_size=2))


def with_extras(fields: dict):
    """A strategy for a dict holding a random subset of `fields` and random unknown keys."""
    return st.tuples(
        st.fixed_dictionaries({}, optional=fields),
        st.dictionaries(EXTRA_KEY, EXTRA_VALUE, max_size=2),
    ).map(lambda pair: {**pair[0], **pair[1]})


CHECKPOINT_FIELDS = {
    "slug": SLUG,
    "created_at": timestamps(),
    "checkpoint_time": st.one_of(DAY, timestamps()),
    "location": nullable(SHORT),
    "city": nullable(WORD),
    "state": nullable(WORD),
    "zip": nullable(WORD),
    "country_iso3": nullable(ISO3),
    "country_name": nullable(WORD),
    "message": SHORT,
    "tag": st.sampled_from(TAGS),
    "subtag": st.sampled_from(["InTransit_001", "Delivered_001", "Pending_001", "Exception_011"]),
    "subtag_message": nullable(SHORT),
    "raw_tag": nullable(WORD),
    "coordinates": COORDINATES,
}
NEXT_COURIER = st.fixed_dictionaries(
    {"slug": SLUG, "tracking_number": NUMBER},
    optional={"source": st.sampled_from(["system", "user"])},
)
ESTIMATE = st.fixed_dictionaries({
    "type": st.sampled_from(["specific", "range"]),
    "source": st.sampled_from(["AI Predictive EDD", "Carrier EDD", "Custom EDD", "AfterShip EDD"]),
    "datetime": EDD_DATE, "datetime_min": EDD_DATE, "datetime_max": EDD_DATE,
})
TRACKING_FIELDS = {
    "id": ID24,
    "created_at": timestamps(),
    "updated_at": timestamps(),
    "last_updated_at": timestamps(),
    "tracking_number": NUMBER,
    "slug": SLUG,
    "active": st.booleans(),
    "android": st.lists(WORD, max_size=2),
    "ios": st.lists(WORD, max_size=2),
    "custom_fields": nullable(st.dictionaries(WORD, st.one_of(WORD, st.integers(), st.booleans()), max_size=3)),
    "customer_name": nullable(st.one_of(st.just(""), SHORT)),
    "delivery_time": st.one_of(st.integers(0, 60), st.none()),
    "emails": recipients(EMAIL),
    "smses": recipients(PHONE),
    "origin_country_iso3": nullable(ISO3),
    "destination_country_iso3": nullable(ISO3),
    "courier_destination_country_iso3": nullable(ISO3),
    "origin_state": nullable(WORD), "origin_city": nullable(WORD),
    "origin_postal_code": nullable(WORD), "origin_raw_location": nullable(SHORT),
    "destination_state": nullable(WORD), "destination_city": nullable(WORD),
    "destination_postal_code": nullable(WORD), "destination_raw_location": nullable(SHORT),
    "expected_delivery": EDD_DATE,
    "note": nullable(SHORT), "order_id": nullable(WORD), "order_id_path": nullable(SHORT),
    "order_number": nullable(WORD), "title": nullable(SHORT), "signed_by": nullable(WORD),
    "source": st.sampled_from(["api", "web", "email", "shopify"]),
    "subtag": st.sampled_from(["InTransit_001", "Delivered_001", "Pending_001"]),
    "subtag_message": nullable(SHORT),
    "order_date": nullable(timestamps()),
    "shipment_package_count": nullable(st.integers(0, 5)),
    "shipment_pickup_date": nullable(timestamps()),
    "shipment_delivery_date": nullable(timestamps()),
    "shipment_type": nullable(WORD),
    "shipment_weight": st.one_of(st.none(), st.integers(0, 40),
                                 st.floats(0, 100, allow_nan=False).map(lambda f: round(f, 2))),
    "shipment_weight_unit": st.sampled_from(["kg", "lb", None]),
    "tag": st.sampled_from(TAGS),
    "tracked_count": st.integers(0, 100),
    "last_mile_tracking_supported": nullable(st.booleans()),
    "language": nullable(st.sampled_from(["en", "nl", "de", "da"])),
    "unique_token": st.just("deprecated"),
    "checkpoints": st.lists(with_extras(CHECKPOINT_FIELDS), max_size=4),
    "subscribed_smses": st.lists(PHONE, max_size=2),
    "subscribed_emails": st.lists(EMAIL, max_size=2),
    "return_to_sender": st.booleans(),
    "order_promised_delivery_date": nullable(DAY),
    "delivery_type": nullable(st.sampled_from(["pickup_at_store", "pickup_at_courier", "door_to_door"])),
    "pickup_location": nullable(SHORT), "pickup_note": nullable(SHORT),
    "courier_tracking_link": nullable(SHORT), "courier_redirect_link": nullable(SHORT),
    "first_attempted_at": nullable(timestamps()),
    "tracking_account_number": nullable(WORD), "tracking_key": nullable(WORD),
    "tracking_postal_code": nullable(WORD), "tracking_state": nullable(WORD),
    "tracking_origin_country": nullable(ISO3), "tracking_destination_country": nullable(ISO3),
    "tracking_ship_date": nullable(DAY.map(lambda d: d.replace("-", ""))),
    "on_time_status": nullable(st.sampled_from(["on-time", "late", "pending"])),
    "on_time_difference": nullable(st.integers(-5, 5)),
    "order_tags": st.lists(WORD, max_size=2),
    "aftership_estimated_delivery_date": nullable(st.fixed_dictionaries({
        "estimated_delivery_date": EDD_DATE,
        "estimated_delivery_date_min": EDD_DATE, "estimated_delivery_date_max": EDD_DATE,
    }, optional={"confidence_score": nullable(st.floats(0, 1, allow_nan=False))})),
    "custom_estimated_delivery_date": nullable(st.fixed_dictionaries({
        "type": st.sampled_from(["specific", "range"]),
        "datetime": EDD_DATE, "datetime_min": EDD_DATE, "datetime_max": EDD_DATE})),
    "first_estimated_delivery": nullable(ESTIMATE),
    "latest_estimated_delivery": nullable(ESTIMATE),
    "shipment_tags": st.lists(WORD, max_size=3),
    "courier_connection_id": nullable(WORD),
    "next_couriers": st.lists(NEXT_COURIER, max_size=3),
}
V4_TRACKINGS = with_extras(TRACKING_FIELDS)


@st.composite
def webhooks(draw):
    return {
        "event": "tracking_update",
        "event_id": str(draw(st.uuids(version=4))),
        "is_tracking_first_tag": draw(st.booleans()),
        "msg": draw(V4_TRACKINGS),
        "ts": draw(st.integers(1_500_000_000, 1_800_000_000)),
    }


@st.composite
def responses(draw):
    meta = draw(st.sampled_from([{"code": 200}, {"code": 201}]))
    return {"meta": meta, "data": {"tracking": draw(V4_TRACKINGS)}}


# ------------------------------------------------- where each v4 key's value goes in 2025-01

RENAMED = {
    "origin_country_iso3": "origin_country_region",
    "destination_country_iso3": "destination_country_region",
    "courier_destination_country_iso3": "courier_destination_country_region",
    "tracking_origin_country": "tracking_origin_country_region",
    "tracking_destination_country": "tracking_destination_country_region",
    "country_iso3": "country_region",
    "country_name": "country_region_name",
}
SAME_TRACKING_KEYS = set(TRACKING_FIELDS) - set(RENAMED) - {
    "id", "checkpoints", "customer_name", "emails", "smses", "delivery_time", "expected_delivery",
    "shipment_weight", "shipment_weight_unit", "next_couriers", "aftership_estimated_delivery_date",
    "first_estimated_delivery", "latest_estimated_delivery", "android", "ios", "last_updated_at",
}
SAME_CHECKPOINT_KEYS = set(CHECKPOINT_FIELDS) - set(RENAMED) - {"coordinates"}


def split(value):
    return [v for v in value if not is_empty(v)] if isinstance(value, list) else []


def carried(key, value, old: dict, new: dict) -> bool:
    """Whether the non-empty v4 `value` of `key` in object `old` is found in `new`."""
    customers = new.get("customers") or []
    if key in RENAMED:
        return new.get(RENAMED[key]) == value
    if key == "id":
        return new.get("id") == value and new.get("legacy_id") == value
    if key == "customer_name":
        return bool(customers) and customers[0].get("name") == value
    if key in ("emails", "smses"):
        field = "email" if key == "emails" else "phone_number"
        return [c.get(field) for c in customers if c.get(field)] == split(value)
    if key == "delivery_time":
        # v4's 0 meant "no data", which 2025-01 spells null; any other new value is a different
        # number of days (v4 counted one day more) and must be reported.
        return new.get("transit_time") == (None if value == 0 else value) and "transit_time" in new
    if key == "expected_delivery":
        return (new.get("courier_estimated_delivery_date") or {}).get("estimated_delivery_date") == value
    if key == "shipment_weight":
        return (new.get("shipment_weight") or {}).get("value") == value
    if key == "shipment_weight_unit":
        return (new.get("shipment_weight") or {}).get("unit") == value
    if key == "next_couriers":
        first = value[0]
        return new.get("last_mile") == {k: first[k] for k in ("tracking_number", "slug", "source") if k in first}
    if key == "coordinates":
        coordinate = new.get("coordinate") or {}
        try:
            return [coordinate.get("latitude"), coordinate.get("longitude")] == [float(v) for v in value]
        except ValueError:
            return False
    if key == "aftership_estimated_delivery_date":
        return new.get(key) == {k: v for k, v in value.items() if k != "confidence_score"}
    if key in ("first_estimated_delivery", "latest_estimated_delivery"):
        source = {"AI Predictive EDD": "AfterShip EDD"}.get(value["source"], value["source"])
        return new.get(key) == {**value, "source": source}
    if key in SAME_TRACKING_KEYS or key in SAME_CHECKPOINT_KEYS:
        return new.get(key) == value
    return False  # a key no rule maps (android, ios, last_updated_at, unknown keys)


def reported(paths: set[str], place: str) -> bool:
    """Whether an event names `place` or something inside it."""
    return any(p == place or p.startswith(place + ".") or p.startswith(place + "[") for p in paths)


def vanished(old: dict, new: dict, places: tuple[str, ...], paths: set[str]) -> list[str]:
    """Keys of `old` whose non-empty values are neither carried into `new` nor reported.

    `places` are the json paths the events may use for `old`.
    """
    lost = []
    for key, value in old.items():
        if is_empty(value):
            continue
        if key == "checkpoints" and isinstance(new.get("checkpoints"), list):
            for index, (a, b) in enumerate(zip(value, new["checkpoints"])):
                lost += vanished(a, b, tuple(f"{p}.checkpoints[{index}]" for p in places), paths)
            if len(value) != len(new["checkpoints"]):
                lost.append(f"{places[0]}.checkpoints: {len(value)} became {len(new['checkpoints'])}")
            continue
        if carried(key, value, old, new):
            continue
        if not any(reported(paths, f"{place}.{key}") for place in places):
            lost.append(f"{places[0]}.{key} = {value!r}")
        elif key.startswith("x_") and key in new:
            lost.append(f"{places[0]}.{key}: reported as dropped but still in the output")
    return lost


def check_body(kind: str, body: dict, tracking_in, tracking_out, places: tuple[str, ...]):
    """(a), (b) and (c) for one body whose tracking is at `tracking_in`/`tracking_out`."""
    original = copy.deepcopy(body)
    result = TRANSLATOR.translate(body, None if kind != "tracking" else kind)
    assert result.kind == kind
    # (c) valid 2025-01, with no error left for the user
    assert result.errors == []
    assert schemas.validation_errors("2025-01", kind, result.document) == []
    # (a) nothing non-empty vanishes unreported
    paths = {event.path for event in result.events}
    lost = vanished(tracking_in(original), tracking_out(result.document), places, paths)
    assert lost == [], f"values lost without an event: {lost}"
    # (b) a second translation changes nothing.
    again = TRANSLATOR.translate(copy.deepcopy(result.document), kind)
    assert again.document == result.document
    assert again.changed is False and again.version == "2025-01"
    assert again.events == [] and again.errors == []
    return result


# ------------------------------------------------------------------------------ the tests

@SETTINGS
@given(V4_TRACKINGS)
def test_a_nothing_vanishes_without_a_report(tracking):
    original = copy.deepcopy(tracking)
    result = TRANSLATOR.translate(tracking, "tracking")
    paths = {event.path for event in result.events}
    assert vanished(original, result.document, ("$",), paths) == []
    if {"customer_name", "emails", "smses"} & set(original):
        # One customer per email/phone pair (or for the name alone), at most 3 (AS307).
        wanted = max(len(split(original.get("emails"))), len(split(original.get("smses"))),
                     0 if is_empty(original.get("customer_name")) else 1)
        assert len(result.document["customers"]) == min(wanted, 3)
    for path, key, _ in _keys(result.document):
        assert not key.startswith("x_"), f"unknown key kept at {path}"


@SETTINGS
@given(V4_TRACKINGS)
def test_b_translating_twice_changes_nothing(tracking):
    first = TRANSLATOR.translate(tracking, "tracking")
    snapshot = copy.deepcopy(first.document)
    again = TRANSLATOR.translate(first.document, "tracking")
    assert again.document == snapshot
    assert again.events == []
    assert again.errors == []


@SETTINGS
@given(V4_TRACKINGS)
def test_c_output_fits_the_2025_01_schema(tracking):
    result = TRANSLATOR.translate(tracking, "tracking")
    assert result.errors == []
    assert schemas.validation_errors("2025-01", "tracking", result.document) == []


@SETTINGS
@given(V4_TRACKINGS)
def test_c_output_event_actions_are_known(tracking):
    result = TRANSLATOR.translate(tracking, "tracking")
    for event in result.events:
        assert event.action in {"dropped", "approximated", "defaulted", "coerced", "superseded", "recomputed"}
        assert re.fullmatch(r"AS\d{3}", event.rule)
        assert event.message


@SETTINGS
@given(responses())
def test_d_tracking_response_envelope(response):
    assert recognise(response) == "tracking-response"
    # Events name the place in the input (`$.data.tracking.<key>`).
    result = check_body("tracking-response", response, lambda d: d["data"]["tracking"], lambda d: d["data"],
                        ("$.data.tracking",))
    assert set(result.document) == {"meta", "data"}
    assert "tracking" not in result.document["data"]


@SETTINGS
@given(webhooks())
def test_d_webhook(webhook):
    assert recognise(webhook) == "webhook"
    result = check_body("webhook", webhook, lambda d: d["msg"], lambda d: d["msg"], ("$.msg",))
    for key in ("event", "event_id", "is_tracking_first_tag", "ts"):
        assert result.document[key] == webhook[key]


@SETTINGS
@given(V4_TRACKINGS)
def test_d_bare_tracking(tracking):
    check_body("tracking", tracking, lambda d: d, lambda d: d, ("$",))


@SETTINGS
@given(responses())
@example({"meta": {"code": 200}, "data": {"tracking": {"tracking_number": "T1", "x_note": "shelf 4"}}})
@example({"meta": {"code": 200}, "data": {"tracking": {
    "tracking_number": "T2", "emails": ["", "a@example.com", "b@example.com", "c@example.com", "d@example.com"]}}})
def test_event_paths_name_the_reported_value_in_the_input(response):
    original = copy.deepcopy(response)
    result = TRANSLATOR.translate(response)
    for event in result.events:
        assert _resolve(original, event.path) == event.value, event


def _resolve(document, path: str):
    """The value at a `$.a.b[0]` path of `document`, or a marker when nothing is there."""
    value = document
    try:
        for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:]):
            value = value[int(index)] if index else value[name]
    except (KeyError, IndexError, TypeError):
        return f"<nothing at {path}>"
    return value


def _keys(value, path="$"):
    if isinstance(value, dict):
        for key, child in value.items():
            yield f"{path}.{key}", key, child
            yield from _keys(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _keys(child, f"{path}[{index}]")

"""The hand-written fixtures (fixtures/json/{v4,intermediate,2025-01}) through the translator."""

from __future__ import annotations

import copy

import pytest

from conftest import (
    REFUSED_KINDS, fixture_files, fixture_id, fixture_kind, load_json, sdk_problems, walk,
)
from migrator import schemas
from migrator.payload.engine import Refused, Translator
from migrator.payload.kinds import Ambiguous, candidates, recognise

TRANSLATOR = Translator()

ALL = fixture_files()
REFUSED = [p for p in ALL if fixture_kind(p) in REFUSED_KINDS]
TRANSLATED = [p for p in ALL if fixture_kind(p) not in REFUSED_KINDS]

# v4 bodies whose shape did not change in 2025-01: they come out equal and count as unchanged.
SAME_IN_BOTH = {"v4/error-response.401.json", "v4/error-response.404.json",
                "v4/mark-as-completed-request.json"}

# Detect bodies whose shape fits a create too (only detection keys; v4 create also took a list
# or comma string of slugs) and which the two read differently: their file name gives the kind.
SHAPE_UNDECIDED = {"v4/detect-courier-request.comma-slug.json", "v4/detect-courier-request.list-slug.json"}


def params(paths):
    return [pytest.param(p, id=fixture_id(p)) for p in paths]


def translate(path):
    """A fixture translated as a run would: by its shape, or by the kind its name gives (as a
    `kinds` mapping would) where the shape does not decide."""
    context = fixture_kind(path) if fixture_id(path) in SHAPE_UNDECIDED else None
    return TRANSLATOR.translate(load_json(path), context)


def test_every_fixture_folder_has_fixtures():
    for folder in ("v4", "intermediate", "2025-01"):
        assert fixture_files(folder), f"no fixtures in fixtures/json/{folder}"
    assert len(REFUSED) == 3


@pytest.mark.parametrize("path", params(ALL))
def test_fixture_is_recognised_as_its_file_name_says(path):
    if fixture_id(path) in SHAPE_UNDECIDED:
        assert fixture_kind(path) in candidates(load_json(path))
        with pytest.raises(Ambiguous, match=r"`\$\.slug`"):
            TRANSLATOR.translate(load_json(path))
    else:
        assert recognise(load_json(path)) == fixture_kind(path)


@pytest.mark.parametrize("path", params(REFUSED))
def test_removed_endpoint_body_is_refused(path):
    kind = fixture_kind(path)
    with pytest.raises(Refused) as refused:
        translate(path)
    assert refused.value.rule == REFUSED_KINDS[kind]
    assert kind in str(refused.value)
    # Refused even when the kind is forced: there is nothing to translate it to.
    with pytest.raises(Refused):
        TRANSLATOR.translate(load_json(path), kind)


@pytest.mark.parametrize("path", params(TRANSLATED))
def test_fixture_translates_without_errors(path):
    result = translate(path)
    assert result.kind == fixture_kind(path)
    assert result.errors == []


@pytest.mark.parametrize("path", params(TRANSLATED))
def test_output_fits_the_2025_01_schema(path):
    result = translate(path)
    assert schemas.validation_errors("2025-01", result.kind, result.document) == []


@pytest.mark.parametrize("path", params(TRANSLATED))
def test_output_fits_the_official_sdk_models(path):
    pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is missing")
    result = translate(path)
    assert sdk_problems(result.kind, result.document) == []


@pytest.mark.parametrize("path", params(TRANSLATED))
def test_translating_the_output_again_keeps_it(path):
    first = translate(path)
    again = TRANSLATOR.translate(copy.deepcopy(first.document), first.kind)
    assert again.document == first.document
    assert again.events == []
    assert again.errors == []


@pytest.mark.parametrize("path", params(fixture_files("2025-01")))
def test_2025_01_fixture_comes_out_equal(path):
    original = load_json(path)
    result = translate(path)
    assert result.document == original
    assert result.events == []


@pytest.mark.parametrize("path", params(fixture_files("2025-01")))
def test_2025_01_fixture_is_reported_unchanged(path):
    result = translate(path)
    assert result.version == "2025-01"
    assert result.changed is False, f"rules applied: {result.applied}"


@pytest.mark.parametrize("path", params(fixture_files("intermediate")))
def test_intermediate_fixture_is_reported_intermediate(path):
    result = translate(path)
    assert result.version == "intermediate"
    assert result.changed


@pytest.mark.parametrize("path", params(p for p in fixture_files("v4") if p in TRANSLATED))
def test_v4_fixture_is_reported_v4(path):
    original = load_json(path)
    result = translate(path)
    if fixture_id(path) in SAME_IN_BOTH:
        assert result.document == original
        assert result.version == "2025-01"
    else:
        assert result.document != original
        assert result.version == "v4"


# ------------------------------------------- the full v4 single-tracking response, in detail

GET = "v4/tracking-response.get.json"


@pytest.fixture(scope="module")
def get_response():
    from conftest import FIXTURES

    original = load_json(FIXTURES / GET)
    result = TRANSLATOR.translate(copy.deepcopy(original), "tracking-response")
    return original["data"]["tracking"], result


def test_get_response_is_unwrapped(get_response):
    v4, result = get_response
    assert set(result.document) == {"meta", "data"}
    assert "tracking" not in result.document["data"]
    assert result.document["data"]["tracking_number"] == v4["tracking_number"] == "4PX3001172846301CN"


def test_get_response_customers_follow_as307(get_response):
    v4, result = get_response
    data = result.document["data"]
    # customer i gets emails[i] and smses[i]; customer_name goes to the first one.
    assert data["customers"] == [
        {"name": v4["customer_name"], "phone_number": v4["smses"][0], "email": v4["emails"][0]},
        {"email": v4["emails"][1]},
    ]
    assert all("role" not in c for c in data["customers"])  # no role is invented
    for key in ("customer_name", "emails", "smses"):
        assert key not in data


def test_get_response_coordinates(get_response):
    v4, result = get_response
    checkpoints = result.document["data"]["checkpoints"]
    assert len(checkpoints) == len(v4["checkpoints"]) == 6
    assert [c["coordinate"] for c in checkpoints] == [
        None,
        {"latitude": 22.6098, "longitude": 114.0631},
        None,
        None,
        {"latitude": 52.37, "longitude": 4.89},
        None,
    ]
    assert all("coordinates" not in c for c in checkpoints)
    coerced = [e for e in result.events if e.rule == "AS301"]
    assert [(e.action, e.path, e.value) for e in coerced] == [
        ("coerced", "$.data.tracking.checkpoints[4].coordinates", ["52.37", "4.89"])]


def test_get_response_checkpoint_fields(get_response):
    v4, result = get_response
    checkpoints = result.document["data"]["checkpoints"]
    for old, new in zip(v4["checkpoints"], checkpoints):
        assert new["country_region"] == old["country_iso3"]
        assert new["country_region_name"] == old["country_name"]
        assert new["zip"] == old["zip"]  # `zip` keeps its name in 2025-01 (AS322)
        assert ("raw_tag" in new) == ("raw_tag" in old)


def test_get_response_last_mile_from_the_first_next_courier(get_response):
    v4, result = get_response
    first, second = v4["next_couriers"]
    assert result.document["data"]["last_mile"] == {
        "tracking_number": first["tracking_number"], "slug": first["slug"], "source": first["source"]}
    dropped = [e for e in result.events if e.rule == "AS306"]
    assert [(e.action, e.path, e.value) for e in dropped] == [
        ("dropped", "$.data.tracking.next_couriers[1]", second)]
    assert "next_couriers" not in result.document["data"]


def test_get_response_shipment_weight_object(get_response):
    v4, result = get_response
    data = result.document["data"]
    assert data["shipment_weight"] == {"value": 1.35, "unit": "kg"}
    assert "shipment_weight_unit" not in data


def test_get_response_ids(get_response):
    v4, result = get_response
    data = result.document["data"]
    assert data["legacy_id"] == data["id"] == v4["id"]
    assert len(data["legacy_id"]) == 24


def test_get_response_renamed_and_restructured_fields(get_response):
    v4, result = get_response
    data = result.document["data"]
    assert data["origin_country_region"] == v4["origin_country_iso3"] == "CHN"
    assert data["destination_country_region"] == v4["destination_country_iso3"] == "NLD"
    assert data["courier_destination_country_region"] == v4["courier_destination_country_iso3"]
    assert data["tracking_origin_country_region"] == v4["tracking_origin_country"]
    assert data["tracking_destination_country_region"] == v4["tracking_destination_country"]
    assert data["courier_estimated_delivery_date"] == {
        "estimated_delivery_date": v4["expected_delivery"],
        "estimated_delivery_date_min": None, "estimated_delivery_date_max": None}
    # Pickup 2024-03-05 and delivery 2024-03-13 give the 2025-01 transit time exactly.
    assert data["transit_time"] == 8
    assert [(e.action, e.value) for e in result.events if e.rule == "AS309"] == [("recomputed", 8)]
    assert data["first_estimated_delivery"]["source"] == "AfterShip EDD"
    assert data["latest_estimated_delivery"]["source"] == "Carrier EDD"
    assert "confidence_score" not in data["aftership_estimated_delivery_date"]
    assert data["aftership_estimated_delivery_date"]["estimated_delivery_date"] == "2024-03-13"
    # A response's ship date passes through (AS308 applies to requests only).
    assert data["tracking_ship_date"] == v4["tracking_ship_date"]
    assert data["custom_fields"] == v4["custom_fields"]


def test_get_response_keeps_every_unchanged_field(get_response):
    v4, result = get_response
    data = result.document["data"]
    moved = {"id", "checkpoints", "shipment_weight", "aftership_estimated_delivery_date",
             "first_estimated_delivery"}
    for key, value in v4.items():
        if key in data and key not in moved:
            assert data[key] == value, key


def test_get_response_has_no_v4_only_field_anywhere(get_response):
    _, result = get_response
    gone = {"delivery_time", "expected_delivery", "android", "ios", "last_updated_at",
            "next_couriers", "coordinates", "confidence_score", "shipment_weight_unit",
            "customer_name", "emails", "smses"}
    offending = [path for path, key, _ in walk(result.document) if key in gone or key.endswith("_iso3")]
    assert offending == []


def test_get_response_reports_exactly_the_lossy_changes(get_response):
    _, result = get_response
    assert sorted(f"{e.rule} {e.action}:{e.path}" for e in result.events) == sorted([
        "AS306 dropped:$.data.tracking.next_couriers[1]",
        "AS309 recomputed:$.data.tracking.delivery_time",
        "AS321 dropped:$.data.tracking.ios",  # android is [] and is not reported
        "AS321 dropped:$.data.tracking.last_updated_at",
        "AS301 coerced:$.data.tracking.checkpoints[4].coordinates",
        "AS318 dropped:$.data.tracking.aftership_estimated_delivery_date.confidence_score",
    ])


def test_a_kind_without_a_2025_01_schema_is_an_error_not_a_pass():
    from migrator.payload.ops import Context
    from migrator.payload.validate import enforce_2025_01

    assert enforce_2025_01("no-such-kind", {}, Context()) == ["no 2025-01 schema for no-such-kind"]

"""A tracking list response's envelope: every value of it is carried into 2025-01 `pagination`
where it has a place, or reported (issue 13, point 4).

The shapes are small ones of what was stored: v4's echo of the query (api-mapping §8), the
`pagination{page, limit, total, has_next_page}` the 2024-04/2024-07 SDKs built, the cursor
pagination of 2024-10, and bodies holding both.
"""

from __future__ import annotations

import copy

import pytest

from conftest import is_empty, sdk_problems
from migrator import schemas
from migrator.payload.engine import Translator

TRANSLATOR = Translator()
KIND = "tracking-list-response"
TRACKING = {"id": "5b74f4958776db0e00b6f5ed", "tracking_number": "1111111111111", "slug": "fedex"}
ECHO = {"keyword": "mug", "slug": "fedex,ups", "origin": ["USA"], "destination": [], "tag": "InTransit",
        "fields": "", "created_at_min": "2024-05-19T06:23:00+00:00",
        "created_at_max": "2024-08-17T06:23:59+00:00", "last_updated_at": None, "return_to_sender": [],
        "courier_destination_country_iso3": ["DEU"]}

SHAPES = [
    pytest.param({"page": 1, "limit": 100, "count": 3, **ECHO}, id="v4-last-page"),
    pytest.param({"page": 2, "limit": 2, "count": 9, **ECHO}, id="v4-more-pages"),
    pytest.param({"page": "1", "limit": "100", "count": "3"}, id="v4-strings"),
    pytest.param({"pagination": {"page": 1, "limit": 50, "total": 120, "has_next_page": True}},
                 id="2024-04-sdk-pagination"),
    pytest.param({"page": 1, "limit": 50, "count": 120,
                  "pagination": {"page": 1, "limit": 50, "total": 120, "has_next_page": True}},
                 id="2024-07-both-agreeing"),
    pytest.param({"page": 1, "limit": 50, "count": 121,
                  "pagination": {"total": 120, "next_cursor": None, "has_next_page": True}},
                 id="count-differs-from-total"),
    pytest.param({"count": 7, "pagination": {"total": None, "has_next_page": False}}, id="total-missing"),
    pytest.param({"page": 1, "limit": 100, "count": 3, "pagination": None}, id="pagination-null"),
    pytest.param({"limit": 25, "pagination": {"total": 57, "next_cursor": "WzE3MzMwNTE2NzIwMDBd",
                                              "has_next_page": True}}, id="2024-10-cursor-and-limit"),
]


def response(data: dict) -> dict:
    return {"meta": {"code": 200}, "data": {**copy.deepcopy(data), "trackings": [dict(TRACKING)]}}


def where_it_went(before: dict, result) -> list[str]:
    """Every non-empty envelope value of `before`: at its place in the output's pagination, or
    named by a report entry; the ones that are neither."""
    pagination = result.document["data"].get("pagination") or {}
    reported = {event.path for event in result.events}
    places = {"count": "total"}
    lost = []
    for key, value in before.items():
        if key == "trackings" or is_empty(value):
            continue
        if key == "pagination":
            for inner, inner_value in value.items():
                if is_empty(inner_value) or pagination.get(inner) == inner_value:
                    continue
                if f"$.data.pagination.{inner}" not in reported:
                    lost.append(f"pagination.{inner}")
        elif key in places and pagination.get(places[key]) == value and type(value) is int:
            continue
        elif f"$.data.{key}" not in reported:
            lost.append(key)
    return lost


@pytest.mark.parametrize("data", SHAPES)
def test_every_envelope_value_is_carried_or_reported(data):
    result = TRANSLATOR.translate(response(data))
    assert result.kind == KIND and result.errors == []
    assert where_it_went(data, result) == []


@pytest.mark.parametrize("data", SHAPES)
def test_the_output_is_a_2025_01_list_response(data):
    result = TRANSLATOR.translate(response(data))
    assert schemas.validation_errors("2025-01", KIND, result.document) == []
    assert set(result.document["data"]) == {"pagination", "trackings"}
    assert isinstance(result.document["data"]["pagination"], dict)
    pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is missing")
    assert sdk_problems(KIND, result.document) == []


@pytest.mark.parametrize("data", SHAPES)
def test_translating_the_output_again_changes_nothing(data):
    first = TRANSLATOR.translate(response(data))
    again = TRANSLATOR.translate(copy.deepcopy(first.document))
    assert again.document == first.document and again.events == [] and not again.changed


def test_the_counters_of_an_sdk_built_pagination_are_reported_by_the_pagination_rule():
    result = TRANSLATOR.translate(response({"pagination": {"page": 3, "limit": 50, "total": 120,
                                                           "has_next_page": False}}))
    assert result.document["data"]["pagination"] == {"total": 120, "has_next_page": False}
    assert sorted((e.rule, e.action, e.path, e.value) for e in result.events) == [
        ("AS404", "dropped", "$.data.pagination.limit", 50),
        ("AS404", "dropped", "$.data.pagination.page", 3),
    ]


def test_a_count_beside_a_pagination_fills_its_total_or_is_reported():
    filled = TRANSLATOR.translate(response({"count": 7, "pagination": {"has_next_page": False}}))
    assert filled.document["data"]["pagination"] == {"total": 7, "has_next_page": False}
    assert filled.events == []
    differing = TRANSLATOR.translate(response({"count": 121, "pagination": {"total": 120}}))
    assert differing.document["data"]["pagination"] == {"total": 120}
    assert [(e.rule, e.action, e.path, e.value) for e in differing.events] == [
        ("AS404", "superseded", "$.data.count", 121)]


def test_a_null_pagination_beside_v4_counters_is_built_from_them():
    result = TRANSLATOR.translate(response({"page": 1, "limit": 2, "count": 3, "pagination": None}))
    assert result.document["data"]["pagination"] == {"total": 3, "next_cursor": None, "has_next_page": True}

"""How the translator decides what a body is when its shape fits several kinds (issue 13, point 4).

A body that fits several kinds is translated when they all give the same 2025-01 body; when they
differ it is refused, naming the kinds and the key that parts them, unless a kind given by
context decides. The bodies are small ones in the shapes stored from v4 and from the
intermediate versions (2023-10 to 2024-10: SDK examples, unwrapped requests).
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from conftest import sdk_problems
from migrator import schemas
from migrator.cli import main
from migrator.payload.engine import Translator
from migrator.payload.kinds import Ambiguous, candidates

TRANSLATOR = Translator()
CREATE, DETECT = "create-tracking-request", "detect-courier-request"


def translate(document, kind=None):
    return TRANSLATOR.translate(copy.deepcopy(document), kind)


def valid_as(kind: str, document) -> None:
    """The 2025-01 schema of `kind` and the official SDK's model both take `document`."""
    assert schemas.validation_errors("2025-01", kind, document) == []
    pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is missing")
    assert sdk_problems(kind, document) == []


# ------------------------------------------------ several kinds, one translation: translated

AGREEING = [
    # v4 and the SDK examples of 2023-10..2024-07: the wrapped create/detect body of a number
    pytest.param({"tracking": {"tracking_number": "1Z999AA10123456784"}},
                 {"tracking_number": "1Z999AA10123456784"}, id="wrapped-number"),
    # the unwrapped body of the later intermediate versions, already valid for both
    pytest.param({"tracking_number": "1Z999AA10123456784"},
                 {"tracking_number": "1Z999AA10123456784"}, id="unwrapped-number"),
    # detection keys both kinds rename alike
    pytest.param({"tracking": {"tracking_number": "RR123456789DE", "tracking_postal_code": "10115",
                               "tracking_destination_country": "DEU", "origin_country_iso3": "USA"}},
                 {"tracking_number": "RR123456789DE", "tracking_postal_code": "10115",
                  "tracking_destination_country_region": "DEU", "origin_country_region": "USA"},
                 id="renamed-detection-keys"),
]


@pytest.mark.parametrize("body, after", AGREEING)
def test_a_body_every_fitting_kind_translates_alike_is_translated(body, after):
    assert candidates(body) == (CREATE, DETECT)
    result = translate(body)
    assert result.errors == []
    assert result.document == after
    assert result.kinds == (CREATE, DETECT)
    for kind in (CREATE, DETECT):
        valid_as(kind, result.document)
        assert translate(body, kind).document == after  # each reading alone gives it too


@pytest.mark.parametrize("body, after", AGREEING)
def test_translating_the_agreed_translation_again_changes_nothing(body, after):
    again = translate(translate(body).document)
    assert again.document == after and again.events == [] and again.errors == []
    assert again.changed is False and again.version == "2025-01"


def test_an_unwrapped_body_already_valid_for_both_kinds_is_unchanged_by_the_cli(tmp_path):
    source = tmp_path / "requests.jsonl"
    text = '{"tracking_number": "1Z999AA10123456784"}\n{"tracking": {"tracking_number": "RA1"}}\n'
    source.write_text(text)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["translate", str(source), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ['{"tracking_number": "1Z999AA10123456784"}', '{"tracking_number":"RA1"}']
    assert "2 documents in 1 files: 1 converted, 1 unchanged, 0 failed" in result.stderr


# ------------------------------------------------- several kinds, different translations: refused

DIFFERING = [
    # a slug string: one string for create, a list for detect
    pytest.param({"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups"}}, id="slug-string"),
    pytest.param({"tracking_number": "1Z999AA10123456784", "slug": "ups"}, id="unwrapped-slug-string"),
    # a slug list is no proof of detect: v4 create took a list too (api-mapping §4.5)
    pytest.param({"tracking": {"tracking_number": "786514290133", "slug": ["fedex", "usps"],
                               "tracking_postal_code": "94107"}}, id="slug-list"),
    pytest.param({"tracking": {"tracking_number": "786514290133", "slug": ["fedex"]}}, id="one-slug-list"),
    # nor is a comma string
    pytest.param({"tracking": {"tracking_number": "1Z4W8E670498214637", "slug": "dhl,ups"}}, id="comma-slug"),
]


@pytest.mark.parametrize("body", DIFFERING)
def test_a_body_whose_readings_differ_is_refused_naming_the_kinds_and_the_key(body):
    with pytest.raises(Ambiguous) as refused:
        translate(body)
    message = str(refused.value)
    assert refused.value.kinds == (CREATE, DETECT)
    assert CREATE in message and DETECT in message
    assert "`$.slug`" in message  # the key that parts them
    assert "--kind" in message and "kinds" in message  # and how to say which it is


@pytest.mark.parametrize("body", DIFFERING)
@pytest.mark.parametrize("kind", [CREATE, DETECT])
def test_a_kind_given_by_context_decides(body, kind):
    slug = (body.get("tracking") or body)["slug"]
    result = translate(body, kind)
    if kind == CREATE and isinstance(slug, str) and "," in slug:
        # a create names one courier: a comma string fails as a create, saying so
        assert result.errors and "names several couriers" in result.errors[0]
        return
    assert result.errors == []
    assert result.kind == kind and result.kinds == ()
    valid_as(kind, result.document)
    slug = result.document["slug"]
    assert isinstance(slug, str) if kind == CREATE else isinstance(slug, list)


def test_a_create_body_with_a_slug_list_is_not_taken_for_a_detect_body():
    # Found on a stored v4 create: taken for a detect body because of its slug list alone, its
    # output failed the create model. Its other keys (title, order_id) say it is a create.
    body = {"tracking": {"tracking_number": "786514290133", "slug": ["fedex", "usps"],
                         "title": "Order 1001", "order_id": "1001"}}
    assert candidates(body) == (CREATE,)
    result = translate(body)
    assert result.kind == CREATE and result.errors == []
    assert result.document == {"tracking_number": "786514290133", "slug": "fedex",
                               "title": "Order 1001", "order_id": "1001"}
    assert [(e.rule, e.action, e.path, e.value) for e in result.events] == [
        ("AS323", "dropped", "$.tracking.slug[1]", "usps")]
    valid_as(CREATE, result.document)


def test_the_cli_refuses_a_differing_body_and_writes_it_back(tmp_path):
    body = {"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups"}}
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["translate", "-", "--report", str(report)], input=json.dumps(body))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == body
    (entry,) = json.loads(report.read_text())["documents"]
    assert entry["status"] == "failed"
    assert entry["errors"][0].startswith("ambiguous: ")
    assert CREATE in entry["errors"][0] and DETECT in entry["errors"][0] and "`$.slug`" in entry["errors"][0]
    assert "ambiguous: " in result.stderr


def test_the_cli_with_a_kind_translates_it():
    body = {"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups"}}
    result = CliRunner().invoke(main, ["translate", "-q", "--kind", DETECT, "-"], input=json.dumps(body))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"tracking_number": "1Z999AA10123456784", "slug": ["ups"]}


# ----------------------------------------------------------- custom_fields: [] in a request

UPDATE = "update-tracking-request"


@pytest.mark.parametrize("body, kind, after", [
    # what one SDK sends for "no custom fields" (PHP's json_encode writes an empty map as [])
    pytest.param({"tracking": {"title": "Blue mug", "custom_fields": []}}, UPDATE,
                 {"title": "Blue mug", "custom_fields": {}}, id="wrapped-update"),
    pytest.param({"note": "left at the door", "custom_fields": []}, UPDATE,
                 {"note": "left at the door", "custom_fields": {}}, id="unwrapped-update"),
    pytest.param({"tracking": {"custom_fields": []}}, UPDATE, {"custom_fields": {}}, id="alone"),
    pytest.param({"tracking": {"tracking_number": "1Z999AA10123456784", "title": "t", "custom_fields": []}},
                 CREATE, {"tracking_number": "1Z999AA10123456784", "title": "t", "custom_fields": {}}, id="create"),
])
def test_an_empty_custom_fields_list_becomes_an_empty_object(body, kind, after):
    assert candidates(body) == (kind,)
    result = translate(body)
    assert result.kind == kind and result.errors == []
    assert result.document == after
    assert result.events == []  # nothing was lost: [] and {} both hold no field
    valid_as(kind, result.document)
    again = translate(result.document)
    assert again.document == after and not again.changed


def test_a_custom_fields_list_with_values_fails_naming_the_key():
    # Which keys the values belong to is not known: no guess, the body fails.
    result = translate({"tracking": {"title": "Blue mug", "custom_fields": ["gift"]}})
    assert result.kind == UPDATE
    assert result.errors and result.errors[0].startswith("$.custom_fields:")


def test_a_body_failing_alike_in_every_reading_fails_once_and_its_entry_lists_the_kinds(tmp_path):
    body = {"tracking": {"tracking_number": "1Z999AA10123456784", "slug_group": "no-such-group"}}
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["translate", "-q", "-", "--report", str(report)], input=json.dumps(body))
    assert result.exit_code == 1
    (entry,) = json.loads(report.read_text())["documents"]
    assert entry["status"] == "failed" and entry["kinds"] == [CREATE, DETECT]
    assert entry["errors"][0].startswith("$.slug_group:")  # the fault itself, not an ambiguity

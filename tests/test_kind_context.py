"""Kinds given by context: the endpoint a body was sent to or came from (issue 13, point 4).

`kind_for_request(method, url, direction, status)` is what cassettes and HTTP mocks call; its
answer is passed to the translator as the body's kind.
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, load_json, sdk_problems
from migrator import schemas
from migrator.cli import main
from migrator.config import ConfigError, load_config
from migrator.payload import run as archive_run
from migrator.payload.endpoints import kind_for_request
from migrator.payload.engine import Refused, Translator
from migrator.payload.kinds import Ambiguous

TRANSLATOR = Translator()
V4 = "https://api.aftership.com/v4"

TABLE = [
    # method, path after the base, request kind, response kind
    ("POST", "/trackings", "create-tracking-request", "tracking-response"),
    ("GET", "/trackings", None, "tracking-list-response"),
    ("GET", "/trackings?page=2&limit=50&slug=ups,fedex", None, "tracking-list-response"),
    ("GET", "/trackings/5b74f4958776db0e00b6f5ed", None, "tracking-response"),
    ("PUT", "/trackings/5b74f4958776db0e00b6f5ed", "update-tracking-request", "tracking-response"),
    ("DELETE", "/trackings/5b74f4958776db0e00b6f5ed", None, "tracking-response"),
    ("GET", "/trackings/ups/1Z999AA10123456784", None, "tracking-response"),
    ("PUT", "/trackings/ups/1Z999AA10123456784", "update-tracking-request", "tracking-response"),
    ("DELETE", "/trackings/ups/1Z999AA10123456784", None, "tracking-response"),
    ("POST", "/trackings/5b74f4958776db0e00b6f5ed/retrack", None, "tracking-response"),
    ("POST", "/trackings/5b74f4958776db0e00b6f5ed/mark-as-completed", "mark-as-completed-request",
     "tracking-response"),
    ("POST", "/trackings/ups/1Z999AA10123456784/mark-as-completed", "mark-as-completed-request",
     "tracking-response"),
    ("GET", "/couriers", None, "courier-list-response"),
    ("GET", "/couriers/all", None, "courier-list-response"),
    ("POST", "/couriers/detect", "detect-courier-request", "courier-list-response"),
    ("POST", "/estimated-delivery-date/predict-batch", "predict-batch-request", "predict-batch-response"),
    ("GET", "/last_checkpoint/5b74f4958776db0e00b6f5ed", None, "last-checkpoint-response"),
    ("GET", "/last_checkpoint/ups/1Z999AA10123456784", None, "last-checkpoint-response"),
    ("POST", "/notifications/ups/1Z999AA10123456784/add", "notification-request", "notification-response"),
    ("GET", "/notifications/ups/1Z999AA10123456784", None, "notification-response"),
    # not endpoints of either version, or a method the endpoint does not take
    ("GET", "/couriers/detect", None, None),
    ("PATCH", "/trackings/5b74f4958776db0e00b6f5ed", None, None),
    ("POST", "/trackings/ups/1Z999AA10123456784", None, None),
    ("POST", "/trackings/ups/1Z999AA10123456784/retrack", None, "tracking-response"),
    ("POST", "/no-such-resource", None, None),
]


@pytest.mark.parametrize("method, path, request_kind, response_kind", TABLE)
def test_the_endpoint_gives_the_kind(method, path, request_kind, response_kind):
    assert kind_for_request(method, V4 + path, "request") == request_kind
    assert kind_for_request(method, V4 + path, "response") == response_kind
    assert kind_for_request(method, V4 + path, "response", 200) == response_kind
    assert kind_for_request(method.lower(), V4 + path, "response", 201) == response_kind


@pytest.mark.parametrize("base", [
    "http://api.aftership.com/v4", "https://API.AfterShip.com:443/v4",
    "https://api.aftership.com/tracking/2024-04", "https://api.aftership.com/tracking/2025-01",
    "/v4", "/tracking/2023-10",  # a path alone, as some cassettes and mocks hold it
])
def test_any_version_and_spelling_of_the_base(base):
    assert kind_for_request("POST", base + "/couriers/detect", "request") == "detect-courier-request"


@pytest.mark.parametrize("url", [
    "https://api.example.com/v4/trackings", "https://aftership.com.evil.test/v4/trackings",
    "https://api.aftership.com/v3/trackings", "https://api.aftership.com/trackings",
    "/trackings", "not a url",
])
def test_other_hosts_and_paths_give_no_kind(url):
    assert kind_for_request("POST", url, "request") is None
    assert kind_for_request("POST", url, "response") is None


@pytest.mark.parametrize("status", [400, 401, 404, 422, 429, 500, 503])
def test_an_error_status_gives_an_error_response(status):
    assert kind_for_request("GET", V4 + "/trackings", "response", status) == "error-response"
    assert kind_for_request("POST", V4 + "/trackings", "response", status) == "error-response"
    # the request sent is what it was, whatever came back
    assert kind_for_request("POST", V4 + "/trackings", "request", status) == "create-tracking-request"


def test_a_direction_that_is_neither_is_a_programming_error():
    with pytest.raises(ValueError, match="direction"):
        kind_for_request("POST", V4 + "/trackings", "body")


# ------------------------------------------------------------ the kind decides, by running

AMBIGUOUS = {"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups"}}


@pytest.mark.parametrize("path, kind, after", [
    ("/trackings", "create-tracking-request", {"tracking_number": "1Z999AA10123456784", "slug": "ups"}),
    ("/couriers/detect", "detect-courier-request", {"tracking_number": "1Z999AA10123456784", "slug": ["ups"]}),
])
def test_the_endpoint_decides_a_body_its_shape_does_not(path, kind, after):
    with pytest.raises(Ambiguous):
        TRANSLATOR.translate(copy.deepcopy(AMBIGUOUS))
    given = kind_for_request("POST", V4 + path, "request")
    assert given == kind
    result = TRANSLATOR.translate(copy.deepcopy(AMBIGUOUS), given)
    assert result.errors == [] and result.document == after
    assert schemas.validation_errors("2025-01", kind, result.document) == []
    pytest.importorskip("tracking", reason="the official SDK (aftership-tracking-sdk) is missing")
    assert sdk_problems(kind, result.document) == []


@pytest.mark.parametrize("method, path, status, fixture", [
    ("GET", "/trackings/4px/4PX3001172846301CN", 200, "v4/tracking-response.get.json"),
    ("GET", "/trackings", 200, "v4/tracking-list-response.json"),
    ("POST", "/couriers/detect", 200, "v4/detect-courier-response.json"),
    ("POST", "/estimated-delivery-date/predict-batch", 200, "v4/predict-batch-response.json"),
    ("GET", "/trackings/nope", 404, "v4/error-response.404.json"),
    ("POST", "/trackings", 400, "v4/error-response.4003.json"),
])
def test_recorded_responses_translate_as_their_endpoint_says(method, path, status, fixture):
    body = load_json(FIXTURES / fixture)
    kind = kind_for_request(method, V4 + path, "response", status)
    result = TRANSLATOR.translate(copy.deepcopy(body), kind)
    assert result.errors == []
    assert result.document == TRANSLATOR.translate(copy.deepcopy(body)).document  # the shape agrees
    assert schemas.validation_errors("2025-01", kind, result.document) == []


def test_a_removed_endpoint_body_is_refused_by_its_rule():
    kind = kind_for_request("GET", V4 + "/last_checkpoint/ups/1Z999AA10123456784", "response", 200)
    with pytest.raises(Refused) as refused:
        TRANSLATOR.translate(load_json(FIXTURES / "v4" / "last-checkpoint-response.json"), kind)
    assert refused.value.rule == "AS202"


# ------------------------------------------------- `kinds` in [tool.aftership-migrate], by path

DETECTED = {"tracking_number": "1Z999AA10123456784", "slug": ["ups"]}
CREATED = {"tracking_number": "1Z999AA10123456784", "slug": "ups"}
MAPPING = ('[tool.aftership-migrate]\n'
           'kinds = {"queue/detect/**" = "detect-courier-request", "queue/**/create-*.json" = "create-tracking-request"}\n')


@pytest.fixture
def project(tmp_path):
    """A project whose stored requests are ambiguous by shape; the mapping says which is which."""
    (tmp_path / "pyproject.toml").write_text(MAPPING)
    for folder in ("queue/detect/2024", "queue/outbox", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
    line = json.dumps(AMBIGUOUS)
    (tmp_path / "queue/detect/2024/a.jsonl").write_text(f"{line}\n{line}\n")
    (tmp_path / "queue/outbox/create-7.json").write_text(line)
    (tmp_path / "queue/outbox/other.json").write_text(line)
    (tmp_path / "elsewhere/detect.json").write_text(line)
    return tmp_path


def translate_cli(*args):
    return CliRunner().invoke(main, ["translate", *map(str, args)], catch_exceptions=False)


def test_the_kinds_table_is_read_in_order(tmp_path):
    (tmp_path / "pyproject.toml").write_text(MAPPING)
    config = load_config([str(tmp_path)])
    assert config.kinds == (("queue/detect/**", "detect-courier-request"),
                            ("queue/**/create-*.json", "create-tracking-request"))


@pytest.mark.parametrize("text, named", [
    ('kinds = {"a/**" = "detect"}', "'detect'"),
    ('kinds = {"a/**" = 3}', "'a/**'"),
    ('kinds = ["a/**"]', "kinds"),
])
def test_a_bad_kinds_table_names_the_file_and_the_key(tmp_path, text, named):
    (tmp_path / "pyproject.toml").write_text(f"[tool.aftership-migrate]\n{text}\n")
    with pytest.raises(ConfigError) as error:
        load_config([str(tmp_path)])
    assert str(tmp_path / "pyproject.toml") in str(error.value) and named in str(error.value)
    result = translate_cli(tmp_path)
    assert result.exit_code == 2 and "kinds" in result.output


def test_each_file_gets_the_kind_its_path_maps_to(project, monkeypatch):
    monkeypatch.chdir(project)
    report = project / "report.json"
    result = translate_cli("queue", "elsewhere", "-o", project / "out", "--report", report)
    assert result.exit_code == 1  # the unmapped files stay ambiguous
    out = project / "out"
    assert [json.loads(x) for x in (out / "detect/2024/a.jsonl").read_text().splitlines()] == [DETECTED, DETECTED]
    assert json.loads((out / "outbox/create-7.json").read_text()) == CREATED
    failed = {entry["document"] for entry in json.loads(report.read_text())["documents"]
              if entry["status"] == "failed"}
    assert failed == {"queue/outbox/other.json", "elsewhere/detect.json"}
    assert "5 documents in 4 files: 3 converted, 0 unchanged, 2 failed" in result.stderr


def test_patterns_are_relative_to_the_configuration_not_the_working_directory(project, monkeypatch):
    monkeypatch.chdir(project / "queue")
    result = translate_cli("-q", "detect/2024/a.jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0]) == DETECTED


def test_kind_on_the_command_line_wins_over_the_mapping(project, monkeypatch):
    monkeypatch.chdir(project)
    result = translate_cli("-q", "--kind", "create-tracking-request", "queue/detect/2024/a.jsonl")
    assert result.exit_code == 0, result.output
    assert [json.loads(x) for x in result.stdout.splitlines()] == [CREATED, CREATED]


def test_worker_processes_get_the_kind_of_their_file(project, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.setattr(archive_run, "PARALLEL_BYTES", 1)  # worker processes for any size
    result = translate_cli("-q", "--jobs", "2", "queue/detect/2024/a.jsonl", "queue/outbox/create-7.json",
                           "-o", project / "out")
    assert result.exit_code == 0, result.output
    lines = (project / "out/a.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in lines] == [DETECTED, DETECTED]

"""Test data files through `aftership-migrate rewrite`: hostile cassettes (invalid YAML, bodies that
are no JSON, binary, compressed garbage, huge, CRLF, BOM, JSON cassettes), endpoints that cannot
move, the kind a cassette's URI gives, and JSON fixtures: what is AfterShip's, what may be, what
is not, which JSON files a test names (issue 13, points 1, 3 and 4)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from conftest import FIXTURES
from migrator.cli import main

API = "https://api.aftership.com"
V4_BODY = '{"meta": {"code": 200}, "data": {"tracking": {"id": "t1", "tracking_number": "1Z9", "origin_country_iso3": "USA"}}}'


def rewrite(root: Path, *args: str):
    old = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(main, ["rewrite", "--jobs", "1", *args, "."], catch_exceptions=False)
    finally:
        os.chdir(old)


def cassette(*interactions: dict) -> str:
    return yaml.dump({"interactions": list(interactions), "version": 1})


def interaction(uri: str, body, method: str = "GET", status: int = 200, request_body=None, headers=None) -> dict:
    return {"request": {"body": request_body, "headers": {"aftership-api-key": ["k"], **(headers or {})},
                        "method": method, "uri": uri},
            "response": {"body": {"string": body}, "headers": {"Content-Type": ["application/json"]},
                         "status": {"code": status, "message": "OK"}}}


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# ---------------------------------------------------------------------------------- cassettes

def test_invalid_yaml_naming_aftership_is_skipped_with_its_line_and_fails_check(tmp_path):
    text = f"interactions:\n- request:\n    uri: {API}/v4/trackings\n    method: [GET\n"
    path = write(tmp_path, "tests/cassettes/broken.yaml", text)
    done = rewrite(tmp_path)
    assert "tests/cassettes/broken.yaml: skipped: cannot read the cassette: invalid YAML" in done.output
    assert path.read_text() == text
    checked = rewrite(tmp_path, "--check")
    assert checked.exit_code == 2 and "broken.yaml:5:1: E001" in checked.output, checked.output


def test_a_yaml_file_that_is_no_cassette_is_never_touched(tmp_path):
    text = f"deploy:\n  interactions: 3\n  url: {API}/v4/trackings\n"
    path = write(tmp_path, ".github/workflows/ci.yml", text)
    done = rewrite(tmp_path)
    assert done.exit_code == 0 and path.read_text() == text and "ci.yml" not in done.output


def test_bodies_that_are_no_json_are_reported_and_kept_byte_for_byte(tmp_path):
    noise = os.urandom(64).replace(b"\x1f", b"\x00")  # not gzip, not UTF-8
    text = cassette(
        interaction(f"{API}/v4/trackings/a", gzip.compress(b"<html>upstream error</html>"), status=502),
        interaction(f"{API}/v4/trackings/b", b"\x1f\x8b" + noise),
        interaction(f"{API}/v4/trackings/c", noise),
        interaction(f"{API}/v4/trackings/d", "Service Unavailable", status=503),
    )
    path = write(tmp_path, "tests/cassettes/noise.yaml", text)
    done = rewrite(tmp_path)
    assert done.exit_code == 1, done.output
    reasons = [line for line in done.output.splitlines() if " AS805 " in line]
    assert len(reasons) == 4, done.output
    assert "invalid JSON" in reasons[0] and "does not decompress" in reasons[1] and "binary body" in reasons[2]
    new = yaml.safe_load(path.read_text())
    old = yaml.safe_load(text)
    for before, after in zip(old["interactions"], new["interactions"]):
        assert after["response"] == before["response"]  # the bodies, as recorded
        assert after["request"]["uri"].startswith(f"{API}/tracking/2025-01/")


def test_a_huge_body_is_translated(tmp_path):
    trackings = [{"id": f"t{i}", "tracking_number": f"N{i}", "origin_country_iso3": "USA", "title": "x" * 300}
                 for i in range(8000)]
    body = json.dumps({"meta": {"code": 200}, "data": {"page": 1, "limit": 8000, "count": 8000,
                                                        "trackings": trackings}})
    path = write(tmp_path, "tests/cassettes/big.yaml", cassette(interaction(f"{API}/v4/trackings?limit=8000", body)))
    assert path.stat().st_size > 2 << 20  # larger than --max-file-size's default: test data is not code
    done = rewrite(tmp_path)
    assert done.exit_code == 1, done.output
    answer = json.loads(yaml.safe_load(path.read_text())["interactions"][0]["response"]["body"]["string"])
    assert len(answer["data"]["trackings"]) == 8000
    assert answer["data"]["trackings"][7999]["origin_country_region"] == "USA"
    assert answer["data"]["pagination"] == {"total": 8000, "next_cursor": None, "has_next_page": False}


def test_crlf_and_bom_are_kept_and_only_changed_scalars_differ(tmp_path):
    text = cassette(interaction(f"{API}/v4/trackings/t1", V4_BODY)).replace("\n", "\r\n")
    path = write(tmp_path, "tests/cassettes/windows.yaml", "\ufeff".encode() + text.encode())
    assert rewrite(tmp_path).exit_code == 1
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\n" not in data.replace(b"\r\n", b"")
    new = yaml.safe_load(data.decode("utf-8-sig"))["interactions"][0]
    assert new["request"]["uri"] == f"{API}/tracking/2025-01/trackings/t1"
    assert json.loads(new["response"]["body"]["string"])["data"]["origin_country_region"] == "USA"


def test_a_vcrpy_json_cassette_keeps_its_indentation(tmp_path):
    document = {"interactions": [interaction(f"{API}/v4/trackings/t1", V4_BODY)], "version": 1}
    text = json.dumps(document, indent=4) + "\n"
    path = write(tmp_path, "tests/cassettes/test_get.json", text)
    assert rewrite(tmp_path).exit_code == 1
    new = path.read_text()
    changed = [(a, b) for a, b in zip(text.splitlines(), new.splitlines()) if a != b]
    assert len(text.splitlines()) == len(new.splitlines())
    assert [a.strip().split('"')[1] for a, _ in changed] == ["aftership-api-key", "uri", "string"]


def test_endpoints_that_cannot_move_are_reported_at_their_uri(tmp_path):
    text = cassette(
        interaction(f"{API}/v4/trackings/ups/1Z9", V4_BODY),
        interaction(f"{API}/v4/last_checkpoint/t1", '{"meta": {"code": 200}, "data": {}}'),
        interaction(f"{API}/v4/notifications/t1/add", "{}", method="POST", request_body='{"notification": {}}'),
    )
    path = write(tmp_path, "tests/cassettes/removed.yaml", text)
    done = rewrite(tmp_path, "--check")
    assert done.exit_code == 1 and path.read_text() == text
    lines = text.splitlines()
    for code, place in (("AS201", "/v4/trackings/ups/1Z9"), ("AS202", "/v4/last_checkpoint/t1"),
                        ("AS203", "/v4/notifications/t1/add")):
        number = next(n for n, line in enumerate(lines, 1) if line.strip() == f"uri: {API}{place}")
        assert f"removed.yaml:{number}:10: {code} the recorded" in done.output, done.output


def test_the_uri_decides_a_body_its_shape_does_not(tmp_path):
    """A detect request whose slug is a comma string fits create and detect, which differ on it;
    sent to /couriers/detect it is a detect body."""
    body = '{"tracking": {"tracking_number": "1Z9", "slug": "ups,fedex"}}'
    answer = '{"meta": {"code": 200}, "data": {"total": 0, "couriers": []}}'
    path = write(tmp_path, "tests/cassettes/detect.yaml",
                 cassette(interaction(f"{API}/v4/couriers/detect", answer, method="POST", request_body=body)))
    assert rewrite(tmp_path).exit_code == 1
    request = yaml.safe_load(path.read_text())["interactions"][0]["request"]
    assert json.loads(request["body"]) == {"tracking_number": "1Z9", "slug": ["ups", "fedex"]}


def test_query_renames_follow_the_code_fix_safety(tmp_path):
    text = cassette(interaction(f"{API}/v4/trackings?delivery_time=3&courier_destination_country_iso3=USA",
                                '{"meta": {"code": 200}, "data": {"trackings": []}}'))
    path = write(tmp_path, "tests/cassettes/list.yaml", text)
    done = rewrite(tmp_path)
    uri = yaml.safe_load(path.read_text())["interactions"][0]["request"]["uri"]
    assert uri == f"{API}/tracking/2025-01/trackings?delivery_time=3&courier_destination_country_region=USA"
    assert "AS309 query parameter `delivery_time` is `transit_time` in 2025-01" in done.output
    path.write_text(text)
    rewrite(tmp_path, "--unsafe-fixes")
    uri = yaml.safe_load(path.read_text())["interactions"][0]["request"]["uri"]
    assert uri == f"{API}/tracking/2025-01/trackings?transit_time=3&courier_destination_country_region=USA"


def test_ignoring_the_rules_leaves_cassettes_alone(tmp_path):
    text = cassette(interaction(f"{API}/v4/trackings/t1", V4_BODY))
    path = write(tmp_path, "tests/cassettes/get.yaml", text)
    assert rewrite(tmp_path, "--ignore", "AS8").exit_code == 0 and path.read_text() == text


# ----------------------------------------------------------------------------------- fixtures

def test_v4_and_intermediate_fixtures_are_translated_and_2025_01_ones_left(tmp_path):
    folder = tmp_path / "tests" / "fixtures"
    for version in ("v4", "intermediate", "2025-01"):
        shutil.copytree(FIXTURES / version, folder / version)
    before = {path: path.read_bytes() for path in folder.rglob("*.json")}
    done = rewrite(tmp_path)
    changed = {path for path, data in before.items() if path.read_bytes() != data}
    names = {f"{path.parent.name}/{path.name}" for path in changed}
    assert not any(name.startswith("2025-01/") for name in names)
    assert "v4/tracking-response.get.json" in names and "intermediate/tracking-response.2023-10.json" in names
    refused = [line for line in done.output.splitlines() if " AS203 " in line or " AS202 " in line]
    assert {line.split(":")[0].rsplit("/", 1)[1] for line in refused} >= {
        "notification-request.add.json", "notification-response.json", "last-checkpoint-response.json"}
    for path in folder.glob("v4/notification-*.json"):
        assert path.read_bytes() == before[path]
    assert rewrite(tmp_path).exit_code in (0, 1)
    assert all(path.read_bytes() == data for path, data in {p: p.read_bytes() for p in changed}.items())


def test_a_fixture_keeps_indentation_line_endings_and_bom(tmp_path):
    text = json.dumps(json.loads(V4_BODY), indent="\t").replace("\n", "\r\n") + "\r\n"
    path = write(tmp_path, "tests/fixtures/get.json", "\ufeff".encode() + text.encode())
    assert rewrite(tmp_path).exit_code == 1
    data = path.read_bytes().decode("utf-8")
    assert data.startswith("\ufeff{\r\n\t\"meta\"") and data.endswith("}\r\n") and "\n" not in data.replace("\r\n", "")
    assert json.loads(data[1:])["data"] == {"id": "t1", "tracking_number": "1Z9", "origin_country_region": "USA"}


def test_a_bare_body_is_reported_only_in_a_project_naming_aftership_and_never_translated(tmp_path):
    bare = '{"tracking_number": "1Z9", "slug": "ups", "origin_country_iso3": "USA"}\n'
    path = write(tmp_path, "tests/fixtures/shipment.json", bare)
    alone = rewrite(tmp_path, "--check")
    assert alone.exit_code == 0 and "AS806" not in alone.output
    write(tmp_path, "shop.py", 'import requests\nAPI = "https://api.aftership.com/tracking/2025-01"\n')
    named = rewrite(tmp_path, "--check")
    assert "tests/fixtures/shipment.json:1:1: AS806 may be a v4 AfterShip body" in named.output, named.output
    assert path.read_text() == bare


def test_json_outside_test_folders_counts_only_when_a_test_names_it(tmp_path):
    named = write(tmp_path, "samples/hook.json", (FIXTURES / "v4" / "webhook.tracking_update.json").read_text())
    other = write(tmp_path, "samples/other.json", (FIXTURES / "v4" / "webhook.tracking_update.json").read_text())
    original = other.read_text()
    write(tmp_path, "tests/test_hooks.py", 'import json\nfrom pathlib import Path\n\n'
                                          'def test_hook():\n    json.loads((Path("samples") / "hook.json").read_text())\n')
    assert rewrite(tmp_path).exit_code == 1
    assert "origin_country_region" in named.read_text() and other.read_text() == original


def test_what_is_not_aftership_json_is_left_without_a_word(tmp_path):
    files = {"tests/fixtures/config.json": '{"tracking": true, "retries": 3}',
             "tests/fixtures/broken.json": '{"tracking_number": ',
             "tests/fixtures/list.json": '[1, 2, "tracking_number"]',
             "tests/fixtures/carrier.json": '{"shipment": {"tracking_number": "X", "events": []}}'}
    for name, text in files.items():
        write(tmp_path, name, text)
    done = rewrite(tmp_path, "--check")
    assert done.exit_code == 0
    assert all((tmp_path / name).read_text() == text for name, text in files.items())
    assert not any(name in done.output for name in files)


def test_a_fixture_that_fails_is_reported_at_line_1_and_left(tmp_path):
    text = '{"tracking": {"tracking_number": "1Z9", "slug": "ups,fedex"}}\n'
    path = write(tmp_path, "tests/fixtures/request.json", text)
    done = rewrite(tmp_path, "--check")
    assert "tests/fixtures/request.json:1:1: AS805 an AfterShip body left as it is: ambiguous:" in done.output
    assert path.read_text() == text


def test_flow_style_anchors_and_python_objects(tmp_path):
    """A cassette written by hand in flow style stays on its lines; an anchored body is replaced
    once, its alias following it; an old vcrpy's BytesIO request body is reported, not guessed."""
    flow = ('{"interactions": [{"request": {"body": null, "headers": {"aftership-api-key": ["k"]}, "method": "GET", '
            f'"uri": "{API}/v4/trackings/t1"}}, "response": {{"body": {{"string": {json.dumps(V4_BODY)}}}, '
            '"headers": {}, "status": {"code": 200}}}]}\n')
    anchored = (f"interactions:\n- request:\n    body: null\n    headers: {{}}\n    method: GET\n"
                f"    uri: &u {API}/v4/trackings/t1\n  response:\n    body:\n      string: &b '{V4_BODY}'\n"
                "    headers: {}\n    status: {code: 200}\n"
                "- request:\n    body: null\n    headers: {}\n    method: GET\n    uri: *u\n"
                "  response:\n    body:\n      string: *b\n    headers: {}\n    status: {code: 200}\n")
    python = ("interactions:\n- request:\n    body: !!python/object/new:_io.BytesIO\n"
              "      state: [!!binary 'eyJ0cmFja2luZyI6IHt9fQ==']\n    headers: {}\n    method: POST\n"
              f"    uri: {API}/v4/trackings\n  response:\n    body: {{string: ''}}\n    headers: {{}}\n"
              "    status: {code: 201}\n")
    paths = [write(tmp_path, f"tests/cassettes/{name}.yaml", text)
             for name, text in (("flow", flow), ("anchored", anchored), ("python", python))]
    done = rewrite(tmp_path)
    assert done.exit_code == 1, done.output
    assert paths[0].read_text().count("\n") == 1 and "origin_country_region" in paths[0].read_text()
    replayed = yaml.safe_load(paths[1].read_text())["interactions"]
    assert replayed[0]["response"] == replayed[1]["response"]
    assert "origin_country_region" in replayed[1]["response"]["body"]["string"]
    assert "*b" in paths[1].read_text() and "&b '" in paths[1].read_text()
    assert "python.yaml:3:11: AS805 the recorded request body of POST /v4/trackings is stored in a form" in done.output
    assert "!!python/object/new:_io.BytesIO" in paths[2].read_text()


def test_an_array_of_aftership_bodies_is_translated_body_by_body(tmp_path):
    hook = json.loads((FIXTURES / "v4" / "webhook.tracking_update.json").read_text())
    refused = json.loads((FIXTURES / "v4" / "notification-request.add.json").read_text())
    path = write(tmp_path, "tests/fixtures/hooks.json", json.dumps([hook, refused, hook], indent=4) + "\n")
    done = rewrite(tmp_path)
    assert done.exit_code == 1, done.output
    after = json.loads(path.read_text())
    assert after[1] == refused and after[0] == after[2] != hook
    assert "origin_country_region" in after[0]["msg"] and path.read_text().startswith('[\n    {\n        "event"')
    assert "hooks.json:" in done.output and " AS203 an AfterShip body left as it is ([1]): refused" in done.output
    mixed = write(tmp_path, "tests/fixtures/mixed.json", json.dumps([hook, {"id": 1}]))
    rewrite(tmp_path)
    assert json.loads(mixed.read_text()) == [hook, {"id": 1}]


def test_the_kinds_table_decides_a_fixture_whose_shape_does_not(tmp_path):
    """A stored detect body with only detection keys and a slug list is a create or a detect body:
    the configuration's `kinds` table says which, for rewrite as for translate."""
    import json as _json
    import subprocess as _subprocess
    import sys as _sys

    body = {"tracking": {"tracking_number": "1Z999AA10123456784", "slug": ["ups", "fedex"],
                         "tracking_origin_country": "USA"}}
    fixture = tmp_path / "tests" / "fixtures" / "detect.json"
    fixture.parent.mkdir(parents=True)
    fixture.write_text(_json.dumps(body, indent=2) + "\n")
    (tmp_path / "conftest.py").write_text("AFTERSHIP = 'https://api.aftership.com/v4'\n")
    (tmp_path / "pyproject.toml").write_text("")
    run = lambda: _subprocess.run([_sys.executable, "-m", "migrator", "rewrite", "--no-cache", "."],  # noqa: E731
                                  cwd=tmp_path, capture_output=True, text=True)
    first = run()
    assert _json.loads(fixture.read_text()) == body and "detect.json" in first.stdout, first.stdout + first.stderr
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aftership-migrate]\nkinds = {"tests/fixtures/detect.json" = "detect-courier-request"}\n')
    second = run()
    assert second.returncode == 1, second.stdout + second.stderr
    assert _json.loads(fixture.read_text()) == {"tracking_number": "1Z999AA10123456784", "slug": ["ups", "fedex"],
                                                "tracking_origin_country_region": "USA"}

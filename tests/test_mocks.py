"""AS810: the bodies of HTTP mocks registered for AfterShip URLs, in each mocking library's idioms."""

from __future__ import annotations

import ast

import pytest

from migrator.api import rewrite_code

V4 = "https://api.aftership.com/v4"
TRACKING = '{"meta": {"code": 200}, "data": {"tracking": {"id": "t1", "title": "A", "origin_country_iso3": "USA"}}}'
TRANSLATED = '{"meta": {"code": 200}, "data": {"id": "t1", "title": "A", "origin_country_region": "USA"}}'


def _rewritten(source: str, **options):
    result = rewrite_code(source, **options)
    ast.parse(result.code)
    again = rewrite_code(result.code, **options)
    assert again.code == result.code, "a second run changed the file"
    return result


@pytest.mark.parametrize("registration", [
    f'responses.add(responses.GET, "{V4}/trackings/t1", json={TRACKING})',
    f'responses.get("{V4}/trackings/t1", json={TRACKING}, status=200)',
    f'rsps.add(method="GET", url="{V4}/trackings/t1", json={TRACKING})',
    f'requests_mock.get("{V4}/trackings/t1", json={TRACKING})',
    f'm.register_uri("GET", "{V4}/trackings/t1", json={TRACKING}, status_code=200)',
    f'respx.get("{V4}/trackings/t1").mock(return_value=httpx.Response(200, json={TRACKING}))',
    f'respx_mock.get("{V4}/trackings/t1").respond(200, json={TRACKING})',
    f'aresponses.add("api.aftership.com", "/v4/trackings/t1", "get", aresponses.Response(text=json.dumps({TRACKING})))',
    f'httpserver.expect_request("/v4/trackings/t1").respond_with_json({TRACKING}); '
    'monkeypatch.setenv("AFTERSHIP_API", httpserver.url_for("/v4"))',
])
def test_each_library_s_answer_is_translated_by_its_endpoint(registration):
    imports = "import json\n\nimport httpx\nimport requests_mock\nimport responses\nimport respx\n\n" \
        if not registration.startswith(("m.", "rsps.")) else \
        ("import requests_mock\n\n" if registration.startswith("m.") else "import responses\n\n")
    source = f"{imports}\ndef test_it(requests_mock, aresponses, httpserver, respx_mock, m, rsps, monkeypatch):  # aftership\n" \
             f"    {registration}\n"
    result = _rewritten(source)
    assert TRANSLATED in result.code, result.code
    assert "/v4/" not in result.code and not result.findings, result.findings


def test_a_multi_line_body_keeps_its_layout_and_quotes():
    source = ("import responses\n\n\ndef test_it():\n    responses.add(\n        responses.GET,\n"
              f"        '{V4}/trackings/t1',\n        json={{\n            'meta': {{'code': 200}},\n"
              "            'data': {'tracking': {'id': 't1', 'emails': ['a@example.com']}},\n        },\n    )\n")
    result = _rewritten(source)
    assert ("        json={\n            'meta': {'code': 200},\n"
            "            'data': {'id': 't1', 'customers': [{'email': 'a@example.com'}]},\n        },\n") in result.code


def test_a_body_assigned_to_a_name_once_is_translated_where_it_is_written():
    source = (f"import responses\n\nBODY = {TRACKING}\n\n\ndef test_it():\n"
              f"    responses.add(responses.GET, '{V4}/trackings/t1', json=BODY)\n")
    assert f"BODY = {TRANSLATED}\n" in _rewritten(source).code


def test_request_bodies_a_mock_matches_on_are_unwrapped():
    source = ("import responses\nfrom responses import matchers\n\n\ndef test_it():\n"
              f"    responses.post('{V4}/trackings', json={TRACKING}, status=201,\n"
              "                   match=[matchers.json_params_matcher({'tracking': {'tracking_number': '1Z', "
              "'emails': ['a@example.com']}})])\n")
    result = _rewritten(source)
    assert "json_params_matcher({'tracking_number': '1Z', 'customers': [{'email': 'a@example.com'}]})" in result.code


def test_unittest_mock_return_values_and_assertions():
    source = ("from unittest import mock\n\nimport shop\n\n\n@mock.patch('shop.requests.post')\ndef test_it(post):\n"
              f"    post.return_value.json.return_value = {TRACKING}\n"
              "    shop.create('1Z')\n"
              f"    post.assert_called_once_with('{V4}/trackings', json={{'tracking': {{'tracking_number': '1Z', "
              "'title': 'x'}}, headers={'aftership-api-key': 'k'})\n")
    result = _rewritten(source)
    assert f"post.return_value.json.return_value = {TRANSLATED}" in result.code
    assert ("post.assert_called_once_with('https://api.aftership.com/tracking/2025-01/trackings', "
            "json={'tracking_number': '1Z', 'title': 'x'}, headers={'as-api-key': 'k'})") in result.code


@pytest.mark.parametrize("body", ["load_fixture(name)", "make_body()", "{**BASE, 'data': {}}"])
def test_a_body_the_tool_cannot_evaluate_is_reported_at_its_line(body):
    source = f"import responses\n\n\ndef test_it():\n    responses.add(responses.GET, '{V4}/trackings/t1',\n" \
             f"                  json={body})\n"
    result = _rewritten(source)
    assert [(f.line, f.code) for f in result.findings] == [(6, "AS810")]


def test_a_refused_body_and_a_lost_value_are_reported():
    removed = f"import responses\n\n\ndef test_it():\n    responses.get('{V4}/notifications/t1', json={{'meta': {{'code': 200}}, " \
              "'data': {'notification': {'emails': []}}})\n"
    assert "AS810" in {f.code for f in _rewritten(removed).findings}
    lossy = f"import responses\n\n\ndef test_it():\n    responses.get('{V4}/trackings/t1', json={{'meta': {{'code': 200}}, " \
            "'data': {'tracking': {'id': 't1', 'aftership_estimated_delivery_date': {'confidence_score': 0.8}}}})\n"
    result = _rewritten(lossy)
    assert [f.code for f in result.findings] == ["AS810"] and "confidence_score" in result.findings[0].message


@pytest.mark.parametrize("source", [
    # another API's mock, even with AfterShip-like keys
    "import responses\n\n\ndef test_it():\n    responses.get('https://api.example.com/v4/trackings/t1', "
    "json={'data': {'tracking': {'origin_country_iso3': 'USA'}}})\n",
    # a return value in a file that never names AfterShip
    "from unittest import mock\n\n\ndef test_it(get):\n    get.return_value.json.return_value = "
    "{'meta': {'code': 200}, 'data': {'tracking': {'id': 't1'}}}\n",
])
def test_mocks_of_other_apis_are_left_alone(source):
    result = rewrite_code(source)
    assert result.code == source and not result.findings


def test_an_error_answer_with_no_status_given_is_translated_by_its_shape():
    source = (f"import responses\n\n\ndef test_it():\n    responses.get('{V4}/trackings/t1', json={{'meta': {{'code': 4004, "
              "'type': 'NotFound', 'message': 'Tracking does not exist.'}, 'data': {'tracking': {'id': 't1', "
              "'origin_country_iso3': 'USA'}}})\n")
    result = _rewritten(source)
    assert "'data': {'id': 't1', 'origin_country_region': 'USA'}" in result.code and not result.findings


def test_a_crlf_file_keeps_its_line_endings_and_a_tab_indented_one_its_tabs():
    source = ("import responses\n\n\ndef test_it():\n\tresponses.get(\n\t\t'" + V4 + "/trackings/t1',\n\t\tjson={\n"
              "\t\t\t'meta': {'code': 200},\n\t\t\t'data': {'tracking': {'id': 't1', 'origin_country_iso3': 'USA'}},\n"
              "\t\t},\n\t)\n")
    result = _rewritten(source.replace("\n", "\r\n"))
    assert result.code.count("\n") == result.code.count("\r\n")
    assert "\t\tjson={\r\n\t\t\t'meta': {'code': 200},\r\n\t\t\t'data': {'id': 't1', 'origin_country_region': 'USA'},\r\n\t\t},\r\n" \
        in result.code


def test_a_body_read_from_a_json_file_is_left_to_the_fixture_rules():
    source = f"import json\nimport responses\n\n\ndef test_it():\n    responses.add(responses.GET, '{V4}/trackings/t1',\n" \
             "                  json=json.loads((FIXTURES / 'tracking.json').read_text()))\n"
    assert not _rewritten(source).findings


def test_a_respx_side_effect_is_reported_as_computed():
    source = ("import respx\n\n\ndef answer(request):\n    return httpx.Response(200, json={})\n\n\n"
              f"def test_it():\n    respx.get('{V4}/trackings/t1').mock(side_effect=answer)\n")
    assert [(f.line, f.code) for f in _rewritten(source).findings] == [(9, "AS810")]


def test_a_bare_return_value_is_not_translated_by_guess_in_a_file_that_names_aftership():
    """No URL says whose it is, and it has no structure only AfterShip gives (envelope, webhook,
    wrapper): a carrier's own API answers like this too. It is reported, as a bare JSON fixture is."""
    source = ("from unittest import mock\n\nSERVICE = 'aftership'\n\n\ndef test_it(get):\n"
              "    get.return_value.json.return_value = {'tracking_number': '1Z', 'origin_country_iso3': 'USA'}\n")
    result = rewrite_code(source)
    assert result.code == source and [(f.line, f.code) for f in result.findings] == [(7, "AS810")]


def test_a_return_value_in_a_function_with_no_other_aftership_code_is_translated():
    """The function registers nothing else, so the walk would skip it: the plan walks it."""
    source = (f"from unittest import mock\n\nSERVICE = 'aftership'\n\n\ndef test_it(get):\n"
              f"    get.return_value.json.return_value = {TRACKING}\n")
    assert f"get.return_value.json.return_value = {TRANSLATED}" in _rewritten(source).code


def test_a_mocked_body_follows_the_run_s_rule_selection():
    """--ignore AS311: the rename is not applied to the mock either; as `translate --ignore AS311`
    does, the 2025-01 contract has no place for the old name, and the value is reported, not kept."""
    source = f"import responses\n\n\ndef test_it():\n    responses.get('{V4}/trackings/t1', json={TRACKING})\n"
    result = rewrite_code(source, ignore=["AS311"])
    assert '"data": {"id": "t1", "title": "A"}' in result.code and "origin_country_region" not in result.code
    assert [f.code for f in result.findings] == ["AS810"] and "origin_country_iso3" in result.findings[0].message


def test_a_request_sent_in_a_file_that_imports_a_mocking_library_is_no_mock():
    """`session.post(url, json=...)` beside `import responses` is a request the HTTP rules rewrite,
    not a registration whose body AS810 would take for an answer."""
    source = ("import requests\nimport responses\n\nsession = requests.Session()\n\n\ndef send(n):\n"
              f"    return session.post('{V4}/trackings', json={{'tracking': {{'tracking_number': n}}}}).json()\n")
    result = _rewritten(source)
    assert "json={'tracking_number': n}" in result.code and "AS810" not in {f.code for f in result.findings}


@pytest.mark.parametrize("source", [
    "import requests_mock\n\n\n@requests_mock.Mocker()\ndef test_it(m):\n    m.get('{url}', json={body})\n",
    "import requests_mock\n\n\ndef test_it():\n    with requests_mock.Mocker() as m:\n        m.get('{url}', json={body})\n",
    "import responses\n\n\ndef test_it():\n    rsps = responses.RequestsMock()\n    rsps.get('{url}', json={body})\n",
])
def test_a_mocking_object_by_another_name_is_a_mock(source):
    result = _rewritten(source.format(url=f"{V4}/trackings/t1", body=TRACKING))
    assert TRANSLATED in result.code and not result.findings

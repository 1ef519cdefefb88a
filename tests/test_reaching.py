"""A name rebound call after call (`r` for the couriers, then for a tracking): each use is read
through the binding that reaches it, when straight-line code says which; otherwise it is not
traced, and what is left of v4 there is reported."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator.api import rewrite_code
from migrator.codemod.shapes import ScopeScanner

HEAD = 'import requests\n\nB = "https://api.aftership.com/v4"\n\n\n'
COURIERS = 'requests.get(B + "/couriers").json()'
TRACKING = 'requests.get(f"{B}/trackings/{tid}").json()'


def test_each_use_reads_the_binding_before_it():
    result = rewrite_code(HEAD + f'def show(tid):\n    r = {COURIERS}\n'
                          '    names = [c["service_from_country_iso3"] for c in r["data"]["couriers"]]\n'
                          f'    r = {TRACKING}\n    return names, r["data"]["tracking"]["origin_country_iso3"]\n')
    assert 'c["service_from_country_regions"]' in result.code
    assert 'r["data"]["origin_country_region"]' in result.code
    assert result.findings == []


@pytest.mark.parametrize("body", [
    # a later round of the loop reads the tracking bound at the end of the one before
    f'    r = {COURIERS}\n    for tid in ids:\n        print(r["data"]["couriers"][0]["service_from_country_iso3"])\n'
    f'        r = {TRACKING}\n',
    # either branch may have run
    f'    if ids:\n        r = {COURIERS}\n    else:\n        r = {TRACKING}\n'
    '    print(r["data"]["couriers"][0]["service_from_country_iso3"])\n',
    # rebound in a branch between the binding and the use
    f'    r = {COURIERS}\n    if ids:\n        r = {TRACKING}\n'
    '    print(r["data"]["couriers"][0]["service_from_country_iso3"])\n',
])
def test_a_use_two_bindings_may_reach_is_reported_not_rewritten(body):
    result = rewrite_code(HEAD + 'def show(ids, tid=None):\n' + body)
    assert '"service_from_country_iso3"' in result.code
    assert [f.code for f in result.findings] == ["AS501"]


def test_reaching_binding_of_a_name_in_a_loop_body():
    module = cst.parse_module("def f(items):\n    x = 1\n    for i in items:\n        x = i\n        y = x\n    z = x\n")
    scanner = ScopeScanner()
    scanner.scan(module)
    [function] = [s for s in scanner.scopes.values() if isinstance(s.node, cst.FunctionDef)]
    body = function.node.body.body
    in_loop = body[1].body.body[1].body[0].value  # y = x inside the loop
    after = body[2].body[0].value  # z = x after it
    how, value = function.bindings.reaching("x", in_loop)
    assert (how, value.value) == ("value", "i")
    assert function.bindings.reaching("x", after) is None  # the loop may not have run


CONN = 'import http.client, json\n\nconn = http.client.HTTPSConnection("api.aftership.com")\n\n\n'


def test_a_connections_response_is_its_request_made_last_before_it():
    """http.client: `conn.getresponse()` answers the `conn.request(...)` made last before it."""
    result = rewrite_code(CONN + 'def show(tid):\n    conn.request("GET", "/v4/couriers")\n'
                          '    couriers = json.loads(conn.getresponse().read())["data"]["couriers"]\n'
                          '    conn.request("GET", "/v4/trackings/" + tid)\n'
                          '    tracking = json.loads(conn.getresponse().read())["data"]["tracking"]\n'
                          '    return [c["service_from_country_iso3"] for c in couriers], tracking["origin_country_iso3"]\n')
    assert 'c["service_from_country_regions"]' in result.code
    assert 'tracking = json.loads(conn.getresponse().read())["data"]\n' in result.code
    assert 'tracking["origin_country_region"]' in result.code and result.findings == []


def test_a_response_a_later_request_in_a_loop_may_answer_is_not_traced():
    result = rewrite_code(CONN + 'def show(ids):\n    conn.request("GET", "/v4/couriers")\n    for tid in ids:\n'
                          '        body = json.loads(conn.getresponse().read())\n'
                          '        print([c["service_from_country_iso3"] for c in body["data"].get("couriers", [])])\n'
                          '        conn.request("GET", "/v4/couriers/all")\n')
    assert 'c["service_from_country_iso3"]' in result.code
    assert [f.code for f in result.findings] == ["AS501"]

"""The fake AfterShip API of the behaviour harness (tests/behaviour/fakeapi.py) and its redirect."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request

import pytest

from behaviour import dataset, harness
from behaviour.fakeapi import FakeAfterShip
from migrator.api import translate_document

V4_KEY = {"aftership-api-key": "test-key"}
NEW_KEY = {"as-api-key": "test-key"}
UPS_ID, FEDEX_ID = "5b7c8d9e0f1a2b3c4d5e6f70", "5b7c8d9e0f1a2b3c4d5e6f71"
EDD_ITEM = {"slug": "ups", "service_type_name": "UPS Ground",
            "origin_address": {"country": "USA", "state": "NJ", "postal_code": "07102"},
            "destination_address": {"country": "USA", "state": "CA", "postal_code": "94107"},
            "weight": {"unit": "kg", "value": 1.5}, "package_count": 1,
            "pickup_time": "2025-03-01T14:00:00-05:00"}


# The fake is on 127.0.0.1: a proxy from the environment must not stand in between.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def fake():
    with FakeAfterShip() as server:
        yield server


def call(fake, method, path, headers=None, body=None):
    """(HTTP status, parsed JSON body) of one request to the fake."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(fake.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with DIRECT.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def v4(fake, method, path, body=None):
    return call(fake, method, "/v4" + path, V4_KEY, body)


def new(fake, method, path, body=None):
    return call(fake, method, "/tracking/2025-01" + path, NEW_KEY, body)


# ---- the dataset ---------------------------------------------------------------------------


def test_dataset_matches_the_spec():
    trackings = dataset.fresh()["trackings"]
    summary = [(t["slug"], t["tracking_number"], t["id"], t["tag"], len(t["checkpoints"])) for t in trackings]
    assert summary == [
        ("ups", "1Z999AA10123456784", "5b7c8d9e0f1a2b3c4d5e6f70", "InTransit", 3),
        ("fedex", "449044304137821", "5b7c8d9e0f1a2b3c4d5e6f71", "Delivered", 4),
        ("dhl", "1234567890", "5b7c8d9e0f1a2b3c4d5e6f72", "OutForDelivery", 2),
        ("usps", "9400110200881234567890", "5b7c8d9e0f1a2b3c4d5e6f73", "Exception", 2),
        ("royal-mail", "RR123456789GB", "5b7c8d9e0f1a2b3c4d5e6f74", "Pending", 0),
    ]
    assert trackings[1]["delivery_time"] == 3
    assert dataset.fresh() is not dataset.fresh() and dataset.fresh() == dataset.fresh()


def test_every_seeded_body_translates_cleanly():
    for tracking in dataset.fresh()["trackings"]:
        translation = translate_document({"meta": {"code": 200}, "data": {"tracking": tracking}})
        assert translation.errors == [] and translation.kind == "tracking-response"


# ---- both versions answer every endpoint family ----------------------------------------------


def test_trackings_crud_v4(fake):
    assert v4(fake, "GET", "/trackings/ups/1Z999AA10123456784")[1]["data"]["tracking"]["id"] == UPS_ID
    assert v4(fake, "GET", f"/trackings/{UPS_ID}")[1]["data"]["tracking"]["slug"] == "ups"
    status, body = v4(fake, "POST", "/trackings", {"tracking": {
        "tracking_number": "1Z999AA10123456799", "customer_name": "Ana", "emails": ["ana@example.com"]}})
    assert (status, body["meta"]["code"]) == (201, 201)
    created = body["data"]["tracking"]
    assert (created["slug"], created["customer_name"], created["tag"]) == ("ups", "Ana", "Pending")
    status, body = v4(fake, "PUT", "/trackings/ups/1Z999AA10123456799", {"tracking": {"title": "Mug"}})
    assert (status, body["data"]["tracking"]["title"]) == (200, "Mug")
    assert v4(fake, "PUT", f"/trackings/{created['id']}", {"tracking": {"note": "n"}})[1]["data"]["tracking"]["note"] == "n"
    assert v4(fake, "DELETE", f"/trackings/{created['id']}")[0] == 200
    status, body = v4(fake, "GET", f"/trackings/{created['id']}")
    assert (status, body["meta"]["code"], body["meta"]["type"]) == (404, 4004, "NotFound")
    assert v4(fake, "DELETE", "/trackings/dhl/1234567890")[0] == 200


def test_trackings_crud_2025_01(fake):
    status, body = new(fake, "GET", f"/trackings/{UPS_ID}")
    assert status == 200 and body["data"]["legacy_id"] == UPS_ID and "tracking" not in body["data"]
    status, body = new(fake, "POST", "/trackings", {
        "tracking_number": "449044304137899", "slug": "fedex", "origin_country_region": "USA",
        "customers": [{"name": "Ana", "email": "ana@example.com", "phone_number": "+15550100"}]})
    assert status == 201
    created = body["data"]
    assert created["customers"] == [{"name": "Ana", "phone_number": "+15550100", "email": "ana@example.com"}]
    assert created["origin_country_region"] == "USA"
    status, body = new(fake, "PUT", f"/trackings/{created['id']}", {"title": "Mug", "destination_country_region": "DEU"})
    assert (status, body["data"]["title"], body["data"]["destination_country_region"]) == (200, "Mug", "DEU")
    assert new(fake, "DELETE", f"/trackings/{created['id']}")[0] == 200
    assert new(fake, "GET", f"/trackings/{created['id']}")[0] == 404


def test_2025_01_responses_are_the_translated_v4_ones(fake):
    old = v4(fake, "GET", f"/trackings/{FEDEX_ID}")[1]
    assert new(fake, "GET", f"/trackings/{FEDEX_ID}")[1] == translate_document(old).document
    old = v4(fake, "GET", "/couriers/all")[1]
    assert new(fake, "GET", "/couriers/all")[1] == translate_document(old).document


@pytest.mark.parametrize("api", [v4, new], ids=["v4", "2025-01"])
def test_retrack_and_mark_as_completed(fake, api):
    status, body = api(fake, "POST", f"/trackings/{UPS_ID}/retrack")
    assert (status, body["meta"]["code"]) == (400, 4013)  # active: no retrack
    assert api(fake, "POST", f"/trackings/{FEDEX_ID}/retrack")[0] == 200
    status, body = api(fake, "POST", f"/trackings/{UPS_ID}/mark-as-completed", {"reason": "LOST"})
    tracking = body["data"].get("tracking", body["data"])
    assert (status, tracking["tag"], tracking["active"]) == (200, "Exception", False)


def test_v4_slug_number_paths(fake):
    assert v4(fake, "POST", "/trackings/fedex/449044304137821/retrack")[0] == 200
    status, body = v4(fake, "POST", "/trackings/dhl/1234567890/mark-as-completed", {"reason": "DELIVERED"})
    assert (status, body["data"]["tracking"]["tag"]) == (200, "Delivered")


def test_v4_last_checkpoint(fake):
    status, body = v4(fake, "GET", "/last_checkpoint/fedex/449044304137821")
    assert status == 200 and body["data"]["checkpoint"]["tag"] == "Delivered" and body["data"]["id"] == FEDEX_ID
    assert v4(fake, "GET", f"/last_checkpoint/{UPS_ID}")[1]["data"]["checkpoint"]["city"] == "Hodgkins"
    assert v4(fake, "GET", "/last_checkpoint/royal-mail/RR123456789GB")[1]["data"]["checkpoint"] is None


def test_v4_notifications(fake):
    path = "/notifications/ups/1Z999AA10123456784"
    assert v4(fake, "GET", path)[1]["data"]["notification"]["emails"] == ["mina@example.com", "orders@example.com"]
    body = v4(fake, "POST", path + "/add", {"notification": {"emails": ["new@example.com"], "smses": []}})[1]
    assert body["data"]["notification"]["emails"][-1] == "new@example.com"
    body = v4(fake, "POST", path + "/remove", {"notification": {"emails": ["mina@example.com"]}})[1]
    assert body["data"]["notification"]["emails"] == ["orders@example.com", "new@example.com"]
    assert v4(fake, "POST", path + "/add", {"emails": ["x@example.com"]})[0] == 400  # not wrapped


@pytest.mark.parametrize("path", ["/trackings/ups/1Z999AA10123456784", "/last_checkpoint/ups/1Z999AA10123456784",
                                  f"/last_checkpoint/{UPS_ID}", "/notifications/ups/1Z999AA10123456784",
                                  "/no/such/path"])
def test_2025_01_has_no_removed_endpoints(fake, path):
    status, body = new(fake, "GET", path)
    assert (status, body["meta"]["code"], body["meta"]["type"], body["data"]) == (404, 404, "NotFound", {})


def test_v4_unknown_path(fake):
    status, body = v4(fake, "GET", "/trackings/ups/1Z999AA10123456784/nothing")
    assert (status, body["meta"]["code"]) == (404, 404) and body["data"] == {}


@pytest.mark.parametrize("api", [v4, new], ids=["v4", "2025-01"])
def test_couriers(fake, api):
    assert [c["slug"] for c in api(fake, "GET", "/couriers")[1]["data"]["couriers"]] == ["ups", "fedex", "dhl"]
    every = api(fake, "GET", "/couriers/all")[1]["data"]
    assert every["total"] == 5 and every["couriers"][4]["required_fields"][0] == "tracking_postal_code"


def test_detect(fake):
    body = v4(fake, "POST", "/couriers/detect", {"tracking": {"tracking_number": "1234567890", "slug": "ups,dhl"}})[1]
    assert [c["slug"] for c in body["data"]["couriers"]] == ["dhl"]
    body = new(fake, "POST", "/couriers/detect", {"tracking_number": "RR123456789GB"})[1]
    assert [c["slug"] for c in body["data"]["couriers"]] == ["royal-mail"]
    assert "service_from_country_regions" in body["data"]["couriers"][0]


def test_predict_batch(fake):
    old = v4(fake, "POST", "/estimated-delivery-date/predict-batch", {"estimated_delivery_dates": [EDD_ITEM]})
    assert old[0] == 200 and old[1]["data"]["estimated_delivery_dates"][0]["estimated_delivery_date"] == "2025-03-03"
    item = json.loads(json.dumps(EDD_ITEM).replace('"country"', '"country_region"'))
    status, body = new(fake, "POST", "/estimated-delivery-date/predict-batch", {"estimated_delivery_dates": [item]})
    assert status == 200 and body["data"]["estimated_delivery_dates"][0]["estimated_delivery_date"] == "2025-03-03"
    status, body = new(fake, "POST", "/estimated-delivery-date/predict-batch", {"estimated_delivery_dates": [EDD_ITEM]})
    assert (status, body["meta"]["code"]) == (400, 4001)  # v4 `country` in a 2025-01 body


# ---- lists ---------------------------------------------------------------------------------


def test_v4_list_pages(fake):
    seen, page = [], 1
    while True:
        data = v4(fake, "GET", f"/trackings?limit=2&page={page}")[1]["data"]
        assert (data["count"], data["limit"], data["page"]) == (5, 2, page)
        seen += [t["tracking_number"] for t in data["trackings"]]
        if page * data["limit"] >= data["count"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 5
    assert [t["slug"] for t in v4(fake, "GET", "/trackings?tag=Delivered")[1]["data"]["trackings"]] == ["fedex"]
    assert v4(fake, "GET", "/trackings?limit=500")[0] == 400


def test_2025_01_list_cursor_and_filters(fake):
    seen, cursor = [], ""
    while True:
        data = new(fake, "GET", f"/trackings?limit=2&cursor={cursor}")[1]["data"]
        assert data["pagination"]["total"] == 5 and set(data) == {"pagination", "trackings"}
        seen += [t["tracking_number"] for t in data["trackings"]]
        if not data["pagination"]["has_next_page"]:
            break
        cursor = data["pagination"]["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    data = new(fake, "GET", "/trackings?tracking_numbers=1234567890,RR123456789GB")[1]["data"]
    assert [t["slug"] for t in data["trackings"]] == ["royal-mail", "dhl"]
    data = new(fake, "GET", "/trackings?slug=ups&tracking_numbers=1Z999AA10123456784")[1]["data"]
    assert [t["id"] for t in data["trackings"]] == [UPS_ID]
    assert new(fake, "GET", "/trackings?created_at_min=2025-03-01T00:00:00+00:00")[0] == 400  # unescaped +


# ---- request bodies and headers ---------------------------------------------------------------


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/trackings", {"tracking": {"tracking_number": "1Z999AA10123456799"}}),
    ("PUT", f"/trackings/{UPS_ID}", {"tracking": {"title": "Mug"}}),
    ("POST", "/couriers/detect", {"tracking": {"tracking_number": "1234567890"}}),
    ("POST", "/trackings", {"tracking_number": "1Z999AA10123456799", "emails": ["a@example.com"]}),
])
def test_2025_01_rejects_v4_bodies(fake, method, path, body):
    status, answer = new(fake, method, path, body)
    assert (status, answer["meta"]["code"], answer["meta"]["type"]) == (400, 4001, "BadRequest")
    assert "tracking" in answer["meta"]["message"] or "emails" in answer["meta"]["message"]


def test_v4_rejects_unwrapped_bodies(fake):
    status, body = v4(fake, "POST", "/trackings", {"tracking_number": "1Z999AA10123456799"})
    assert (status, body["meta"]["code"]) == (400, 4006)
    status, body = v4(fake, "POST", "/trackings", {"tracking": {"tracking_number": "1Z999AA10123456784"}})
    assert (status, body["meta"]["code"]) == (400, 4003) and body["data"]["tracking"]["id"] == UPS_ID


@pytest.mark.parametrize("prefix,headers", [
    ("/v4", {}), ("/v4", NEW_KEY), ("/v4", {"aftership-api-key": ""}),
    ("/tracking/2025-01", {}), ("/tracking/2025-01", V4_KEY),
])
def test_wrong_or_missing_key_is_401(fake, prefix, headers):
    status, body = call(fake, "GET", prefix + "/couriers", headers)
    assert (status, body["meta"]["code"], body["meta"]["type"]) == (401, 401, "Unauthorized")


def test_each_instance_has_its_own_state():
    with FakeAfterShip() as first, FakeAfterShip() as second:
        assert v4(first, "DELETE", f"/trackings/{UPS_ID}")[0] == 200
        assert v4(first, "GET", f"/trackings/{UPS_ID}")[0] == 404
        assert v4(second, "GET", f"/trackings/{UPS_ID}")[0] == 200
    assert dataset.fresh()["trackings"][0]["id"] == UPS_ID


def test_runaway_loops_are_cut_by_rate_limit(fake):
    for _ in range(300):
        v4(fake, "GET", "/couriers")
    status, body = v4(fake, "GET", "/couriers")
    assert (status, body["meta"]["code"], body["meta"]["type"]) == (429, 429, "TooManyRequests")


def test_runs_as_a_script():
    process = subprocess.Popen([sys.executable, str(harness.HERE / "fakeapi.py")], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        with DIRECT.open(urllib.request.Request(
                f"http://127.0.0.1:{port}/v4/couriers", headers=V4_KEY), timeout=5) as response:
            assert json.loads(response.read())["data"]["total"] == 3
    finally:
        process.kill()
        process.wait()


# ---- the redirect (sitecustomize) ---------------------------------------------------------------

SNIPPETS = {
    "requests": """
        import requests
        r = requests.get("https://API.AfterShip.com/v4/couriers?x=1", headers=KEY)
        print(r.status_code, r.json()["data"]["total"])
        """,
    "requests-session": """
        import requests
        with requests.Session() as s:
            s.headers.update(KEY)
            print(s.get("http://api.aftership.com/v4/couriers/all").json()["data"]["total"])
        """,
    "httpx": """
        import httpx
        with httpx.Client(base_url="https://api.aftership.com/v4", headers=KEY) as c:
            print(c.get("/couriers").json()["data"]["total"])
        """,
    "httpx-async": """
        import asyncio, httpx
        async def main():
            async with httpx.AsyncClient(headers=KEY) as c:
                print((await c.get("https://api.aftership.com/v4/couriers")).json()["data"]["total"])
        asyncio.run(main())
        """,
    "aiohttp": """
        import asyncio, aiohttp
        async def main():
            async with aiohttp.ClientSession(headers=KEY) as s:
                async with s.get("https://api.aftership.com/v4/couriers") as r:
                    print((await r.json())["data"]["total"])
        asyncio.run(main())
        """,
    "aiohttp-base-url": """
        import asyncio, aiohttp
        async def main():
            async with aiohttp.ClientSession(base_url="https://api.aftership.com", headers=KEY) as s:
                async with s.get("/v4/couriers") as r:
                    print((await r.json())["data"]["total"])
        asyncio.run(main())
        """,
    "urllib": """
        import json, urllib.request
        request = urllib.request.Request("https://api.aftership.com/v4/couriers", headers=KEY)
        print(json.load(urllib.request.urlopen(request))["data"]["total"])
        """,
    "http.client": """
        import http.client, json
        conn = http.client.HTTPSConnection("api.aftership.com", timeout=10)
        conn.request("GET", "/v4/couriers", headers=KEY)
        print(json.loads(conn.getresponse().read())["data"]["total"])
        """,
}
EXPECTED = {"requests": "200 3", "requests-session": "5"}


def _run_snippet(fake, code: str) -> subprocess.CompletedProcess:
    source = 'KEY = {"aftership-api-key": "test-key"}\n' + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", source], env=harness.client_env(fake.port),
                          capture_output=True, text=True, timeout=20)


@pytest.mark.parametrize("name", SNIPPETS)
def test_redirect_library(fake, name):
    done = _run_snippet(fake, SNIPPETS[name])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == EXPECTED.get(name, "3")
    assert fake.requests and fake.requests[-1][1].startswith("/v4/couriers")


@pytest.mark.parametrize("library,code", [
    ("requests", 'import requests; requests.get("https://example.com/")'),
    ("httpx", 'import httpx; httpx.get("https://track.aftership.com/x")'),
    ("aiohttp", 'import asyncio, aiohttp\nasync def m():\n    async with aiohttp.ClientSession() as s:\n'
                '        await s.get("https://example.com")\nasyncio.run(m())'),
    ("urllib", 'import urllib.request; urllib.request.urlopen("https://example.com/")'),
    ("http.client", 'import http.client; http.client.HTTPSConnection("192.0.2.1", timeout=1).request("GET", "/")'),
    ("socket", 'import socket; socket.create_connection(("192.0.2.1", 443), timeout=1)'),
])
def test_other_hosts_are_refused(fake, library, code):
    done = _run_snippet(fake, code)
    assert done.returncode != 0 and "RuntimeError: network disabled in the behaviour harness" in done.stderr


def test_after_the_rewrite_v4_is_retired():
    """The after-run's fake answers v4 with 404, as AfterShip's API does since 2025-10-09."""
    with FakeAfterShip(v4_retired=True) as retired:
        status, _ = v4(retired, "GET", "/trackings")
        assert status == 404 and retired.refused[-1].path.startswith("/v4/")
        assert new(retired, "GET", "/trackings")[0] == 200

"""Cassettes migrate with the code (issue 13, point 1), tested by running: a v4 client
(tests/data_files/shop.py) is recorded by vcrpy and by betamax against the fake v4 API (and a
second, non-AfterShip service), then `aftership-migrate rewrite --unsafe-fixes` rewrites the
client and its cassette in one run, and the migrated client replays the cassette with no network:
every request it makes must be found in the cassette, matched on method, URI, JSON body and the
`as-api-key` header, and it gets the same answers as the v4 client did."""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import betamax
import pytest
import vcr
import yaml

from behaviour.fakeapi import FakeAfterShip

HERE = Path(__file__).resolve().parent
TOOL = str(Path(sys.executable).with_name("aftership-migrate"))
AFTERSHIP, OTHER = "https://api.aftership.com", "https://status.example.com"


class _Status(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        payload = b'{"ok": true, "tracking_number": "not AfterShip\'s"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def servers(monkeypatch):
    """The fake AfterShip v4 API and another service, both on 127.0.0.1; the client's requests to
    their public hosts are sent there (recorded under the public hosts: before_record_request)."""
    import requests

    other = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    threading.Thread(target=other.serve_forever, args=(0.02,), daemon=True).start()
    with FakeAfterShip() as fake:
        local = {AFTERSHIP: fake.base_url, OTHER: f"http://127.0.0.1:{other.server_address[1]}"}
        send = requests.Session.request

        def redirected(self, method, url, *args, **kwargs):
            for public, address in local.items():
                url = url.replace(public, address)
            return send(self, method, url, *args, **kwargs)

        monkeypatch.setattr(requests.Session, "request", redirected)
        yield local
    monkeypatch.undo()
    other.shutdown()
    other.server_close()


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def public(uri: str, local: dict) -> str:
    for host, address in local.items():
        uri = uri.replace(address, host)
    return uri


def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "tests" / "cassettes").mkdir(parents=True)
    shutil.copy(HERE / "data_files" / "shop.py", root / "shop.py")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    return root


def rewrite(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([TOOL, "rewrite", "--unsafe-fixes", "."], cwd=root, capture_output=True, text=True,
                          timeout=300)


def _api_key(live, recorded):
    """vcrpy matcher: the migrated client sends the 2025-01 header, with the recorded value (the
    interaction with another host keeps what it recorded: the session sent its header there too)."""
    assert "aftership-api-key" not in live.headers
    if recorded.host == "api.aftership.com":
        assert "aftership-api-key" not in recorded.headers
        assert live.headers.get("as-api-key") == recorded.headers.get("as-api-key") == "test-key"


def _gzipped(response):
    body = response["body"]["string"]
    response["body"]["string"] = gzip.compress(body, mtime=1_700_000_000)
    response["headers"]["Content-Encoding"] = ["gzip"]
    response["headers"]["Content-Length"] = [str(len(response["body"]["string"]))]
    return response


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_vcrpy_cassette_replays_against_the_migrated_client(tmp_path, servers, monkeypatch, compressed):
    root = project(tmp_path)
    cassette = root / "tests" / "cassettes" / "test_shop.yaml"

    def as_public(request):
        request.uri = public(request.uri, servers)
        return request

    recorder = vcr.VCR(record_mode="all", before_record_request=as_public,
                       before_record_response=_gzipped if compressed else None)
    with recorder.use_cassette(str(cassette)):
        before = load(root / "shop.py", f"shop_v4_{compressed}").scenario()
    recorded = cassette.read_text()
    assert ("!!binary" in recorded) == compressed and recorded.count("aftership-api-key") == 6

    done = rewrite(root)
    assert done.returncode == 1, done.stdout + done.stderr  # files changed
    assert "tests/cassettes/test_shop.yaml" in done.stderr or "AS803" in done.stderr, done.stderr

    monkeypatch.undo()  # the replay reaches no server: every answer comes from the cassette
    # vcrpy hands a recorded gzip body to urllib3 2.x undecoded unless asked to decode it on load.
    player = vcr.VCR(record_mode="none", decode_compressed_response=compressed,
                     match_on=["method", "scheme", "host", "port", "path", "query", "body", "api_key"])
    player.register_matcher("api_key", _api_key)
    with player.use_cassette(str(cassette)) as replayed:
        after = load(root / "shop.py", f"shop_2025_{compressed}").scenario()
        assert replayed.all_played and replayed.play_count == 6
    assert after == before

    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    requests_made = [interaction["request"] for interaction in interactions]
    aftership = [request for request in requests_made if "aftership" in request["uri"]]
    assert len(aftership) == 5 and all(r["uri"].startswith(f"{AFTERSHIP}/tracking/2025-01/") for r in aftership)
    assert all(r["headers"]["as-api-key"] == ["test-key"] for r in aftership)
    bodies = [json.loads(r["body"]) for r in aftership if r["body"]]
    assert bodies and not any("tracking" in body for body in bodies)  # unwrapped
    other = [request for request in requests_made if request["uri"] == f"{OTHER}/ping"]
    assert len(other) == 1  # another host's interaction, left as recorded
    responses = [interaction["response"] for interaction in interactions]
    for response in responses:
        body = response["body"]["string"]
        size = len(body if isinstance(body, bytes) else body.encode())
        assert response["headers"]["Content-Length"] == [str(size)]
        if compressed:
            assert isinstance(body, bytes) and body[:2] == b"\x1f\x8b"


def test_an_untouched_cassette_is_byte_identical_and_a_changed_one_differs_only_in_changed_scalars(tmp_path, servers):
    root = project(tmp_path)
    cassette = root / "tests" / "cassettes" / "test_shop.yaml"

    def as_public(request):
        request.uri = public(request.uri, servers)
        return request

    with vcr.VCR(record_mode="all", before_record_request=as_public).use_cassette(str(cassette)):
        load(root / "shop.py", "shop_splice").scenario()
    before = cassette.read_text()
    assert rewrite(root).returncode == 1
    after = cassette.read_text()
    # Outside the scalars that changed, the two texts are the same, character for character.
    old, new = yaml.compose(before), yaml.compose(after)
    changed = [(key, old_node, new_node) for key, old_node, new_node in _pairs(old, new)
               if old_node.value != new_node.value]
    assert {key for key, _, _ in changed} == {"uri", "", "body", "string", "Content-Length"}  # "": a header name
    assert {old_node.value for key, old_node, _ in changed if key == ""} == {"aftership-api-key"}
    assert _cut(before, [old_node for _, old_node, _ in changed]) == _cut(after, [new_node for _, _, new_node in changed])
    # A second run, and a run over a cassette of other hosts only, change no byte.
    assert rewrite(root).returncode == 0 and cassette.read_text() == after
    other = root / "tests" / "cassettes" / "test_other.yaml"
    text = before.replace("api.aftership.com", "api.example.com")
    other.write_text(text)
    assert rewrite(root).returncode == 0 and other.read_text() == text


def _pairs(old, new, key=""):
    """(the key it is the value of, old node, new node) for every scalar of two documents of one shape."""
    if isinstance(old, yaml.MappingNode):
        for (old_key, old_value), (new_key, new_value) in zip(old.value, new.value, strict=True):
            yield from _pairs(old_key, new_key, "")
            yield from _pairs(old_value, new_value, old_key.value)
    elif isinstance(old, yaml.SequenceNode):
        for old_item, new_item in zip(old.value, new.value, strict=True):
            yield from _pairs(old_item, new_item, key)
    else:
        yield key, old, new


def _cut(text: str, nodes) -> str:
    out, at = [], 0
    for node in sorted(nodes, key=lambda node: node.start_mark.index):
        out.append(text[at:node.start_mark.index])
        at = node.end_mark.index
    return "".join(out) + text[at:]


def test_a_betamax_cassette_replays_against_the_migrated_client(tmp_path, servers, monkeypatch):
    root = project(tmp_path)
    folder = root / "tests" / "cassettes"
    shop = load(root / "shop.py", "shop_betamax_v4")
    with betamax.Betamax(shop.SESSION, cassette_library_dir=str(folder)) as recorder:
        recorder.use_cassette("shop", record="all", serialize_with="json")
        before = shop.scenario()
    cassette = folder / "shop.json"
    # Recorded where the redirect sent it: written as a recording against the public hosts.
    text = cassette.read_text()
    for host, address in servers.items():
        text = text.replace(address, host)
    cassette.write_text(text)
    assert text.count("api.aftership.com/v4") >= 10

    assert rewrite(root).returncode == 1
    monkeypatch.undo()  # the replay reaches no server: every answer comes from the cassette
    migrated = load(root / "shop.py", "shop_betamax_2025")
    with betamax.Betamax(migrated.SESSION, cassette_library_dir=str(folder)) as player:
        player.use_cassette("shop", record="none", match_requests_on=["method", "uri"])
        sent = []
        migrated.SESSION.hooks["response"].append(lambda response, *args, **kwargs: sent.append(response.request))
        after = migrated.scenario()
    assert after == before
    document = json.loads(cassette.read_text())
    recorded = [i["request"] for i in document["http_interactions"] if "aftership" in i["request"]["uri"]]
    assert all("/tracking/2025-01/" in r["uri"] and "as-api-key" in r["headers"] for r in recorded)
    assert all(request.headers["as-api-key"] == "test-key" and "aftership-api-key" not in request.headers
               for request in sent if "aftership" in request.url)
    assert [json.loads(r["body"]["string"]) for r in recorded if r["body"]["string"]] == \
        [json.loads(request.body) for request in sent if request.body]
    assert all("/tracking/2025-01/" in i["response"]["url"] for i in document["http_interactions"]
               if "aftership" in i["response"]["url"])


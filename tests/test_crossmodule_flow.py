"""AfterShip data across modules: a function's return in one module, its parameter in another."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.codemod.runner import Settings, rewrite_files, select_candidates

CLIENT = ('import requests\n\nAPI = "https://api.aftership.com/v4"\n\n\n'
          'def fetch(tracking_id):\n'
          '    return requests.get(f"{API}/trackings/{tracking_id}").json()["data"]["tracking"]\n')
REPORT = 'def route(tracking):\n    return tracking["origin_country_iso3"], tracking["country_name_unrelated"]\n'


def run(tmp_path: Path, files: dict[str, str]) -> dict[str, tuple[str, list]]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    sources, imported, _ = select_candidates(sorted(tmp_path.rglob("*.py")))
    return {Path(r.path).relative_to(tmp_path).as_posix(): (r.new_source.decode(), [(f.line, f.code) for f in r.findings])
            for r in rewrite_files(sources, imported, Settings())}


def rewrite_unsafe(tmp_path: Path, source: str):
    """(new text, report) of `source` as client.py, rewritten with --unsafe-fixes."""
    (tmp_path / "client.py").write_text(source)
    sources, imported, _ = select_candidates([tmp_path / "client.py"])
    [report] = rewrite_files(sources, imported, Settings(unsafe_fixes=True))
    return report.new_source.decode(), report


def test_return_of_one_module_is_traced_in_the_module_calling_it(tmp_path):
    main = 'from client import fetch\n\n\ndef show(tid):\n    t = fetch(tid)\n    return t["destination_country_iso3"]\n'
    out = run(tmp_path, {"client.py": CLIENT, "main.py": main})
    assert 't["destination_country_region"]' in out["main.py"][0]
    assert out["main.py"][1] == []


def test_a_parameter_every_caller_of_the_run_gives_a_tracking_is_traced(tmp_path):
    """`report.route(fetch(tid))`: what the other modules of the run pass a function types its
    parameter, as its own module's calls do."""
    main = ('import report\nfrom client import fetch\n\n\n'
            'def show(tid):\n    return report.route(fetch(tid))\n')
    out = run(tmp_path, {"client.py": CLIENT, "main.py": main, "report.py": REPORT})
    text, findings = out["report.py"]
    assert 'tracking["origin_country_region"]' in text
    assert findings == []


@pytest.mark.parametrize("other", [
    # another module of the run passes its own rows
    'import report\n\nROWS = [{"origin_country_iso3": "USA"}]\n\n\ndef mine():\n    return report.route(ROWS[0])\n',
    # a callback: what it gets is not seen
    'import report\n\n\ndef mine(rows):\n    return list(map(report.route, rows))\n',
    # a file the rewrite leaves out (nothing of AfterShip in it) calls it with its own rows
    'import report\n\n\ndef mine(rows):\n    return report.route(rows[0])\n',
    # `*args`: which parameter gets what is not seen
    'import report\n\n\ndef mine(args):\n    return report.route(*args)\n',
])
def test_a_parameter_some_caller_gives_something_else_is_reported_not_rewritten(tmp_path, other):
    main = ('import report\nfrom client import fetch\n\n\n'
            'def show(tid):\n    return report.route(fetch(tid))\n')
    out = run(tmp_path, {"client.py": CLIENT, "main.py": main, "report.py": REPORT, "other.py": other})
    text, findings = out["report.py"]
    assert 'tracking["origin_country_iso3"]' in text
    assert (2, "AS311") in findings


def test_a_relative_import_is_resolved_in_its_own_package(tmp_path):
    """`from .config import X` in billing/ is billing.config, not the AfterShip shop/config.py."""
    files = {"shop/__init__.py": "", "shop/config.py": 'API = "https://api.aftership.com/v4"\n',
             "shop/client.py": "from .config import API\n", "billing/__init__.py": "",
             "billing/config.py": 'ROWS = [{"origin_country_iso3": "USA"}]\n',
             "billing/report.py": "from .config import ROWS\n"}
    out = run(tmp_path, files)
    assert "billing/config.py" not in out and "billing/report.py" not in out


def test_a_method_name_is_not_borrowed_by_another_object(tmp_path):
    """`db.fetch_one(key)` is not `Shop.fetch_one`: its rows are the program's own."""
    client = ('import requests\n\nAPI = "https://api.aftership.com/v4"\n\n\nclass Shop:\n'
              '    def fetch_one(self, tid):\n'
              '        return requests.get(f"{API}/trackings/{tid}").json()["data"]["tracking"]\n\n\n'
              'def own(db, key):\n    row = db.fetch_one(key)\n    return row["origin_country_iso3"]\n')
    text, findings = run(tmp_path, {"client.py": client})["client.py"]
    assert 'row["origin_country_iso3"]' in text  # not rewritten
    assert (13, "AS311") in findings  # but reported: the module talks to AfterShip


def test_a_module_importing_aftership_code_reads_its_envelope_and_field_names(tmp_path):
    """A helper of a module that imports AfterShip code, handed a body by a caller the run may
    not see: `["data"]["tracking"]` is AfterShip's envelope there, and its own field names are
    v4's (rewritten when traced through the envelope, reported otherwise), never left silent."""
    fetching = ('import requests\n\nAPI = "https://api.aftership.com/v4"\n\n\n'
                'def fetch(tid):\n    return requests.get(f"{API}/trackings/{tid}").json()\n')
    report = ('from client import fetch\n\n\n'
              'def render(body):\n    t = body["data"]["tracking"]\n    return t["destination_country_iso3"]\n\n\n'
              'def row(t):\n    return t["origin_country_iso3"], t["count"]\n')
    text, findings = run(tmp_path, {"client.py": fetching, "report.py": report})["report.py"]
    assert 't = body["data"]\n' in text and 't["destination_country_region"]' in text
    assert findings == [(10, "AS311")]  # `count` is an ordinary word in a module that does not call AfterShip


def test_a_request_wrapper_named_like_an_http_method_is_still_a_wrapper(tmp_path):
    """`def get(path): return requests.get(BASE + path, ...)`: a call `get("/trackings/...")` is
    the wrapper's request, not an HTTP call of its own to a relative URL."""
    client = ('import requests\n\nBASE = "https://api.aftership.com/v4"\n\n\n'
              'def get(path):\n    return requests.get(BASE + path).json()["data"]\n\n\n'
              'def journey(slug, number):\n    return get("/trackings/%s/%s" % (slug, number))["tracking"]["tag"]\n')
    text, report = rewrite_unsafe(tmp_path, client)
    assert 'get(f"/trackings/{tracking_id}")["tag"]' in text and "tracking_numbers" in text
    assert report.findings == []


CLIENT_CLASS = ('import requests\n\n\nclass Shop:\n'
                '    BASE = "https://api.aftership.com/v4"\n\n'
                '    def fetch_one(self, tid):\n'
                '        return requests.get(f"{self.BASE}/trackings/{tid}").json()["data"]["tracking"]\n\n\n'
                'class Store:\n    def load(self, key):\n        return {"origin_country_iso3": key}\n\n\n')


def test_a_method_called_on_an_instance_of_a_module_class_is_resolved(tmp_path):
    """`shop = Shop(); shop.fetch_one(tid)` returns what `Shop.fetch_one` returns; a name bound
    to an instance of another class (or to anything else) borrows nothing."""
    main = CLIENT_CLASS + ('def show(tid):\n    shop = Shop()\n    return shop.fetch_one(tid)["destination_country_iso3"]\n\n\n'
                           'def own(key):\n    store = Store()\n    return store.fetch_one(key)["origin_country_iso3"]\n')
    text, findings = run(tmp_path, {"main.py": main})["main.py"]
    assert 'shop.fetch_one(tid)["destination_country_region"]' in text
    assert 'store.fetch_one(key)["origin_country_iso3"]' in text  # Store has no fetch_one of Shop's
    assert (23, "AS311") in findings  # an AfterShip field name in an AfterShip file is still reported


def test_a_wrapper_returning_status_and_body_gets_the_lookup_through_its_body(tmp_path):
    """`status, body = call("GET", f"trackings/{slug}/{number}")` with `return r.status_code,
    r.json()`: the names unpacked are traced, and the lookup reads the body element, None-safe."""
    client = ('import requests\nAPI = "https://api.aftership.com/v4"\n\n\n'
              'def call(method, path):\n    r = requests.request(method, f"{API}/{path}")\n'
              '    return r.status_code, r.json()\n\n\n'
              'def show(slug, number):\n    status, body = call("GET", f"trackings/{slug}/{number}")\n'
              '    return status, body["data"]["tracking"]["origin_country_iso3"]\n')
    text, report = rewrite_unsafe(tmp_path, client)
    assert '[1] or {}).get("data") or {}).get("trackings") or [])' in text
    assert 'status, body = call("GET", f"trackings/{tracking_id}")' in text
    assert 'body["data"]["origin_country_region"]' in text and report.findings == []


def test_a_module_s_own_gather_is_not_asyncio_s(tmp_path):
    """`gather(fetch(a), fetch(b))` is a list of what fetch gives only for asyncio's gather."""
    client = ('import asyncio\nimport requests\nAPI = "https://api.aftership.com/v4"\n\n\n'
              'async def fetch(tid):\n    return requests.get(f"{API}/trackings/{tid}").json()["data"]["tracking"]\n\n\n'
              'def gather(*parts):\n    return {"parts": len(parts), "items": [{"emails": 1}]}\n\n\n'
              'async def main(a, b):\n    own = gather(fetch(a), fetch(b))\n    theirs = await asyncio.gather(fetch(a), fetch(b))\n'
              '    return own[0]["emails"], theirs[0]["emails"]\n')
    text, report = rewrite_unsafe(tmp_path, client)
    assert 'own[0]["emails"]' in text  # not AfterShip's: reported (its name), never rewritten
    assert '[c["email"] for c in theirs[0].get("customers")' in text


def test_an_instance_handed_to_a_helper_resolves_its_methods(tmp_path):
    """`show(api, tid)` with `api = Api(key)`, and `for a in [Api(k), Api(j)]`: the methods are
    Api's wherever the instance goes; a parameter also given another object resolves nothing."""
    client = ('import types\n\nimport requests\n\n\nclass Api:\n    def tracking(self, tid):\n'
              '        return requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()["data"]["tracking"]\n\n\n'
              'def rows():\n    return types.SimpleNamespace(tracking=lambda key: {"destination_country_iso3": key})\n\n\n'
              'def show(api, tid):\n    return api.tracking(tid)["origin_country_iso3"]\n\n\n'
              'def mixed(source, tid):\n    return source.tracking(tid)["destination_country_iso3"]\n\n\n'
              'def main():\n    show(Api(), "x")\n    mixed(Api(), "y")\n    mixed(rows(), "z")\n'
              '    for a in [Api(), Api()]:\n        print(a.tracking("y")["destination_country_iso3"])\n')
    text, findings = run(tmp_path, {"client.py": client})["client.py"]
    assert 'api.tracking(tid)["origin_country_region"]' in text
    assert 'a.tracking("y")["destination_country_region"]' in text
    assert 'source.tracking(tid)["destination_country_iso3"]' in text and (20, "AS312") in findings


def test_an_instance_of_another_modules_class_carries_its_data_down_a_chain_of_modules(tmp_path):
    """main makes `Order`s (shop's class), hands each to `shop.card`, which loads a tracking
    through `client.fetch` and hands it to `report.route`: each module learns from the one before."""
    shop = ('import client\nimport report\n\n\nclass Order:\n    def __init__(self, tid):\n        self.tid = tid\n\n'
            '    def load(self):\n        return client.fetch(self.tid)\n\n\n'
            'def card(order):\n    return report.route(order.load())\n')
    main = ('from client import fetch\nfrom shop import Order, card\n\nORDERS = [Order("a"), Order("b")]\n\n\n'
            'def main():\n    for o in ORDERS:\n        card(o)\n    return fetch("c")["tag"]\n')
    out = run(tmp_path, {"client.py": CLIENT, "shop.py": shop, "main.py": main, "report.py": REPORT})
    text, findings = out["report.py"]
    assert 'tracking["origin_country_region"]' in text and findings == []
    # main.py left out of the run (nothing of AfterShip in it): what it gives card is not seen
    main_alone = main.replace('from client import fetch\n', '').replace('    return fetch("c")["tag"]\n', '')
    out = run(tmp_path, {"main.py": main_alone})
    assert 'tracking["origin_country_iso3"]' in out["report.py"][0]

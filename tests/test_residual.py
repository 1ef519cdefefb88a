"""The residual pass: every v4 construct left after the rewrite is a finding, traced or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.api import rewrite_code
from migrator.codemod.runner import Settings, rewrite_files, select_candidates

HEAD = 'import requests\nAPI = "https://api.aftership.com/v4"\n'

# (what is left, a line of code that leaves it, the rule that must report it)
LEFT = [
    ("untraced read", 'def f(t):\n    return t["customer_name"]\n', "AS307"),
    (".get of a renamed key", 'def f(t):\n    return t.get("origin_country_iso3")\n', "AS311"),
    ("`in` test", 'def f(t):\n    return "expected_delivery" in t\n', "AS305"),
    ("dict literal key", 'BODY = {"smses": []}\n', "AS307"),
    ("dict() keyword", 'BODY = dict(emails=[])\n', "AS307"),
    ("field tuple", 'FIELDS = ("title", "tracking_destination_country")\n', "AS315"),
    ("fields string", 'PARAMS = {"fields": "title,country_name"}\n', "AS317"),
    ("keyword of a model", 'def f(Shipment, t):\n    return Shipment(confidence_score=t)\n', "AS318"),
    ("wrapper built by dict()", 'BODY = dict(tracking=dict(title="x"))\n', "AS401"),
    ("wrapper filled key by key", 'body = {}\nbody["tracking"] = {}\nbody["tracking"]["title"] = "x"\n', "AS401"),
    ("envelope read", 'def f(payload):\n    return payload.get("tracking")\n', "AS402"),
    ("mocked envelope", 'MOCK = {"data": {"tracking": {}}}\n', "AS402"),
    ("slug/number by concatenation", 'def f(s, n):\n    return "trackings/" + s + "/" + n\n', "AS201"),
    ("slug/number by %", 'def f(s, n):\n    return "trackings/%s/%s" % (s, n)\n', "AS201"),
    ("slug/number by .format", 'def f(s, n):\n    return "/trackings/{}/{}".format(s, n)\n', "AS201"),
    ("relative path to a helper", 'def f(c, s, n):\n    return c._request("GET", f"trackings/{s}/{n}")\n', "AS201"),
    ("last_checkpoint", 'def f(c, i):\n    return c._get("last_checkpoint/" + i)\n', "AS202"),
    ("notifications", 'def f(c, s, n):\n    return c._post(f"notifications/{s}/{n}/add")\n', "AS203"),
    ("page query", 'def f(c, p):\n    return c._get(f"{API}/trackings?page={p}")\n', "AS404"),
    ("page read", 'def f(d):\n    return d["data"]["page"]\n', "AS404"),
    ("id length", 'def f(i):\n    return len(i) == 24\n', "AS302"),
    ("comma slug constant", 'DETECT_SLUGS = "ups,fedex"\n', "AS303"),
    ("integer time bound", 'import time\nPARAMS = {"created_at_min": int(time.time())}\n', "AS405"),
    ("v4 path fragment", 'VERSION = "v4"\n', "AS101"),
    ("custom field number", 'BODY = {"title": "x", "custom_fields": {"qty": 2}}\n', "AS106"),
    ("compact ship date", 'BODY = {"tracking_ship_date": "20240131"}\n', "AS308"),
    ("custom field number in dict()", 'BODY = dict(custom_fields=dict(qty=2))\n', "AS106"),
    ("ship date set key by key", 'body = {}\nbody["tracking_ship_date"] = "20240131"\n', "AS308"),
    ("courier fields read whole", 'def f(c):\n    print(c["required_fields"])\n', "AS502"),
    ("EDD address built", 'WAREHOUSE = {"origin_address": {"country": "USA"}}\n', "AS601"),
    ("EDD address read", 'def f(item):\n    return item["destination_address"].get("country")\n', "AS601"),
    ("wrapper in JSON text", 'def f(n):\n    return "{\\"tracking\\": {\\"tracking_number\\": \\"" + n + "\\"}}"\n', "AS401"),
    ("removed endpoint after a host value", 'def f(host, i):\n    return f"{host}/v4/last_checkpoint/{i}"\n', "AS202"),
    ("v4 path after a host value", 'def f(host, i):\n    return host + "/v4/couriers/detect"\n', "AS101"),
    ("v4 key in JSON text", 'BODY = \'{"slug": "ups", "smses": ["+1"]}\'\n', "AS307"),
]


@pytest.mark.parametrize("code, expected", [(c, e) for _, c, e in LEFT], ids=[i for i, _, _ in LEFT])
def test_left_construct_is_reported(code, expected):
    result = rewrite_code(HEAD + code)
    codes = {f.code for f in result.findings}
    assert expected in codes, result.findings
    line = next(f.line for f in result.findings if f.code == expected)
    assert line > 2, "reported at the construct, not at the header lines"


@pytest.mark.parametrize("code, expected", [(c, e) for _, c, e in LEFT], ids=[i for i, _, _ in LEFT])
def test_nothing_is_reported_where_aftership_is_not_called(code, expected):
    """The same code in a module that never names AfterShip's API is none of our business."""
    assert rewrite_code("# mentions AfterShip in a comment only\n" + code).findings == []


def test_second_run_reports_what_the_first_left():
    source = HEAD + 'def f(t):\n    return t["coordinates"], requests.get(API + "/couriers").json()["data"]\n'
    first = rewrite_code(source)
    second = rewrite_code(first.code)
    assert [(f.line, f.code) for f in second.findings] == [(f.line, f.code) for f in first.findings] != []


def test_add_todo_marks_residues_once():
    source = HEAD + 'def f(t):\n    return t["customer_name"]\n'
    once = rewrite_code(source, add_todo=True).code
    assert once.count("TODO(aftership-migrate): AS307") == 1
    assert rewrite_code(once, add_todo=True).code == once


def test_module_imported_by_aftership_code_reports_aftership_field_names(tmp_path: Path):
    (tmp_path / "client.py").write_text(HEAD + "from models import to_row\n\n"
                                        "def rows(tid):\n    return to_row(requests.get(API + '/trackings/' + tid).json())\n")
    (tmp_path / "models.py").write_text('def to_row(t):\n    return t["origin_country_iso3"], t["count"], t["tracking"]\n')
    (tmp_path / "other.py").write_text('def to_row(t):\n    return t["origin_country_iso3"]\n')
    sources, imported, _ = select_candidates(sorted(tmp_path.glob("*.py")))
    found = {Path(r.path).name: [(f.line, f.code) for f in r.findings]
             for r in rewrite_files(sources, imported, Settings())}
    # Only AfterShip's own field names: `count` and `tracking` are ordinary words in a module
    # that does not talk to AfterShip itself. A module nobody AfterShip imports is not read.
    assert found["models.py"] == [(2, "AS311")]
    assert "other.py" not in found


def test_ordinary_words_only_where_aftership_data_is_handled():
    """`count` in the module's own bookkeeping is its business; in a function that calls
    AfterShip, or read off a `["data"]` envelope, it is v4's list count."""
    own = 'def tally(rows):\n    result = {"count": 0}\n    result["count"] += len(rows)\n    return result\n'
    theirs = 'def total():\n    return requests.get(API + "/trackings").json()["data"]["count"]\n'
    assert rewrite_code(HEAD + own).findings == []
    assert [f.code for f in rewrite_code(HEAD + theirs).findings] == ["AS404"]
    # AfterShip's own field names are reported anywhere in the module.
    assert [f.code for f in rewrite_code(HEAD + 'def f(r):\n    return r["origin_country_iso3"]\n').findings] == ["AS311"]


def test_a_value_test_on_required_fields_is_not_a_whole_list_read():
    source = HEAD + 'def f(c):\n    return "tracking_postal_code" in c["required_fields"]\n'
    assert rewrite_code(source).findings == []


def test_positions_of_agrees_with_libcst_on_every_fixture():
    """findings.printed_with_positions is a cheaper PositionProvider: same answer for every body
    node, and the same code as libcst prints."""
    import random

    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from migrator.codemod.findings import printed_with_positions
    from migrator.codemod.shapes import iter_nodes

    repo = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted((repo / "fixtures").rglob("*.py")):
        try:
            module = cst.parse_module(path.read_bytes())
        except Exception:  # noqa: BLE001 - the fixtures that must not parse
            continue
        full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        nodes = [n for statement in module.body for n in iter_nodes(statement)]
        sample = random.Random(path.name).sample(nodes, min(60, len(nodes)))
        printed, got = printed_with_positions(module, sample)
        assert printed == module.code, path
        for node in sample:
            assert got[id(node)] == (full[node].start.line, full[node].start.column), (path, node)
            checked += 1
    assert checked > 1000


def test_a_key_2025_01_keeps_with_another_type_is_reported_only_in_code_on_v4():
    """`shipment_weight` is a number in v4 and an object in 2025-01: an untraced read of it in
    v4 code is v4's (reported), in code already on 2025-01 it is 2025-01's (left alone)."""
    read = 'def weight(t):\n    return t["shipment_weight"]\n'
    assert [f.code for f in rewrite_code(HEAD + read).findings] == ["AS320"]
    current = HEAD.replace("https://api.aftership.com/v4", "https://api.aftership.com/tracking/2025-01")
    assert current != HEAD
    assert rewrite_code(current + read).findings == []


@pytest.mark.parametrize("fmt, reported", [("%Y%m%d", True), ("%Y-%m-%d", False)])
def test_a_ship_date_set_key_by_key_is_checked_like_one_in_a_literal(fmt, reported):
    """`body["tracking_ship_date"] = d.strftime(...)` on a create body: the format tells whether
    the value is the YYYYMMDD 2025-01 refuses."""
    source = HEAD + ('def create(n, d):\n    t = {"tracking_number": n}\n'
                     f'    t["tracking_ship_date"] = d.strftime("{fmt}")\n'
                     '    return requests.post(API + "/trackings", json={"tracking": t})\n')
    codes = [f.code for f in rewrite_code(source).findings]
    assert codes == (["AS308"] if reported else [])


def test_a_model_field_named_after_a_v4_key_is_reported():
    """A pydantic model, dataclass or TypedDict filled from AfterShip data by field name."""
    source = HEAD + ("from pydantic import BaseModel\n\n\nclass Tracking(BaseModel):\n"
                     "    tracking_number: str\n    origin_country_iso3: str = ''\n    count: int = 0\n\n\n"
                     "def load(tid):\n    return Tracking(**requests.get(f'{API}/trackings/{tid}').json()['data']['tracking'])\n")
    assert [(f.line, f.code) for f in rewrite_code(source).findings] == [(8, "AS311")]


def test_integer_subscripts_in_any_notation_are_read():
    """`x[0xa0]`, `x[1_000]`, `x[-0o7]`: libcst keeps the literal's spelling."""
    source = HEAD + 'x = {}\nx[0xa0] = x[1_000] = x[-0o7] = 1\n'
    assert rewrite_code(source).findings == []


def test_an_ordinary_word_at_the_top_level_counts_only_where_aftership_is_called_there():
    own = HEAD + 'print({"name": "apple", "count": 1})\n'
    theirs = HEAD + 'data = requests.get(API + "/trackings").json()["data"]\nprint(data["count"])\n'
    assert rewrite_code(own).findings == []
    assert [f.code for f in rewrite_code(theirs).findings] == ["AS404"]


def test_a_wrapped_body_read_to_be_updated_is_resolved_by_the_unwrap():
    """`body["tracking"].update(extra)` reads the key (an envelope-like read), but the request
    unwrap rewrote it: nothing is left to report."""
    source = HEAD + ('def create(number, **extra):\n    body = {"tracking": {"tracking_number": number}}\n'
                     '    body["tracking"].update(extra)\n'
                     '    return requests.post(API + "/trackings", json=body).json()["data"]["tracking"]\n')
    result = rewrite_code(source)
    assert "body.update(extra)" in result.code and result.findings == []


def test_a_migrated_structured_read_is_quiet_but_a_v4_key_so_read_is_not():
    """`(t.get("shipment_weight") or {}).get("value")` is how AS320's fix reads 2025-01's object;
    the same form around a v4-only key is still v4 (the envelope `tracking` here)."""
    from migrator.codemod.engine import rewrite_source
    from migrator.codemod.runner import Settings, _rules

    head = 'import requests\nAPI = "https://api.aftership.com/tracking/2025-01"\n\ndef f(t, data):\n'
    quiet = rewrite_source((head + '    return (t.get("shipment_weight") or {}).get("value")\n').encode(), _rules(Settings()))
    assert [f.code for f in quiet.findings] == []
    loud = rewrite_source((head + '    return (data.get("tracking") or {}).get("slug")\n').encode(), _rules(Settings()))
    assert [f.code for f in loud.findings] == ["AS402"]

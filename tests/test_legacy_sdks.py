"""Code on the legacy SDKs (issue 12): every import, client, call and `except` of `aftership`
(0.x and 1.x) and `pyaftership` is reported at its line with what replaces it on the official
2025-01 SDK; the tables behind the messages are checked against the real packages."""

from __future__ import annotations

import datetime
import inspect

import pytest

from migrator.api import rewrite_code
from migrator.rules import legacy_sdks


def findings(source: str) -> list[tuple[int, str, str]]:
    return [(f.line, f.code, f.message) for f in rewrite_code(source).findings]


def test_the_module_api_table_names_the_real_functions_of_aftership_1_x():
    aftership = pytest.importorskip("aftership")
    for operation in legacy_sdks.MODULE_API:
        module, function = operation.split(".")
        assert inspect.isfunction(getattr(getattr(aftership, module), function)), operation
    public = {f"{module}.{name}" for module in ("tracking", "courier", "notification", "estimated_delivery_date")
              for name, value in vars(getattr(aftership, module)).items()
              if inspect.isfunction(value) and value.__module__ == f"aftership.{module}" and not name.startswith("_")}
    assert public == set(legacy_sdks.MODULE_API)


def test_the_pyaftership_table_names_its_real_methods():
    pyaftership = pytest.importorskip("pyaftership")
    from pyaftership.couriers import AfterShipCouriers
    from pyaftership.trackings import AfterShipTrackings

    real = {f"trackings.{name}" for name in vars(AfterShipTrackings) if not name.startswith("_")}
    real |= {f"couriers.{name}" for name in vars(AfterShipCouriers) if not name.startswith("_")}
    assert real == set(legacy_sdks.PYAFTERSHIP)
    assert inspect.iscoroutinefunction(AfterShipTrackings.list) and "AfterShip" in dir(pyaftership)


def test_the_error_table_names_real_exceptions_on_both_sides():
    aftership = pytest.importorskip("aftership")
    pyaftership = pytest.importorskip("pyaftership")
    import httpx
    import tracking.exceptions

    legacy = {(package.__name__, name) for package, module in ((aftership, aftership.exception),
                                                                (pyaftership, pyaftership.exceptions))
              for name, value in vars(module).items() if inspect.isclass(value) and issubclass(value, Exception)}
    assert legacy <= set(legacy_sdks.ERROR_MAPPING), legacy - set(legacy_sdks.ERROR_MAPPING)
    for replacements in legacy_sdks.ERROR_MAPPING.values():
        for replacement in replacements:
            module = httpx if replacement.startswith("httpx.") else tracking.exceptions
            assert inspect.isclass(getattr(module, replacement.rsplit(".", 1)[-1]))


@pytest.mark.parametrize("operation", sorted(legacy_sdks.MODULE_API))
def test_each_module_api_call_is_reported_with_its_replacement(operation):
    source = f"import aftership\n\n\ndef run(x):\n    return aftership.{operation}(x)\n"
    found = [(line, message) for line, code, message in findings(source) if code == "AS107"]
    assert (5, found[-1][1]) == found[-1] and legacy_sdks.MODULE_API[operation].split("(")[0] in found[-1][1]


def test_calls_through_imported_names_and_aliases():
    source = ("from aftership import tracking as t\nfrom aftership.courier import detect_courier\n\n\n"
              "def run(slug, number):\n    t.retrack(slug=slug, tracking_number=number)\n"
              "    return detect_courier({'tracking_number': number})\n")
    lines = {line for line, code, _ in findings(source) if code == "AS107"}
    # retrack by slug and number stays, with the import it needs; detect_courier moves (AS110),
    # and its import, left unused, goes without a word about it
    assert lines == {1, 6}
    moved = rewrite_code(source).code
    assert "aftership_tracking_client().courier.detect_courier(" in moved and "aftership.courier" not in moved


PYAFTERSHIP_SENSOR = ("from pyaftership import AfterShip\n\n\nclass Shipments:\n    def __init__(self, session, key):\n"
                      "        self._api = AfterShip(api_key=key, session=session)\n\n"
                      "    async def count(self):\n        data = await self._api.trackings.list()\n"
                      "        return len(data['trackings'])\n\n"
                      "    async def add(self, number):\n        return await self._api.trackings.add(number)\n")


def test_pyaftership_clients_held_by_an_object_move_with_their_methods():
    result = rewrite_code(PYAFTERSHIP_SENSOR)
    assert not result.findings and "pyaftership" not in result.code
    assert "self._api = aftership_sdk.Client(aftership_sdk.Configuration(api_key=key))" in result.code
    assert "await asyncio.to_thread(lambda: self._api.tracking.get_trackings()" in result.code
    assert 'self._api.tracking.create_tracking({"tracking_number": number})' in result.code


def test_a_client_handed_on_or_used_otherwise_stays_reported():
    handed = PYAFTERSHIP_SENSOR + "\n    def raw(self):\n        return self._api\n"
    said = {line: message for line, code, message in findings(handed) if code == "AS107"}
    assert set(said) == {1, 6, 9, 13} and "asyncio.to_thread(client.tracking.get_trackings)" in said[9]
    other_method = PYAFTERSHIP_SENSOR + "\n    async def drop(self, n):\n        await self._api.trackings.remove(n, 'ups')\n"
    assert rewrite_code(other_method).code == other_method


def test_apiv4_paths_and_errors():
    source = ("import aftership\n\napi = aftership.APIv4('KEY')\ntry:\n"
              "    api.trackings.post(tracking={'tracking_number': 'x'})\n    api.last_checkpoint.get('ups', 'x')\n"
              "except aftership.APIv4RequestException as error:\n    print(error)\n")
    said = {line: message for line, code, message in findings(source) if code == "AS107"}
    assert set(said) == {1, 3, 5, 6, 7}
    assert "create_tracking" in said[5] and "is removed" in said[6] and "ApiException" in said[7]


@pytest.mark.parametrize("source", [
    # A class of the project's own called AfterShip, and the official SDK's package `tracking`.
    "class AfterShip:\n    def list(self):\n        return []\n\n\nclient = AfterShip()\nclient.trackings = client.list()\n",
    "import tracking\n\nclient = tracking.Client(tracking.Configuration(api_key='k'))\n"
    "client.tracking.get_tracking_by_id('abc')\n",
    "from myshop import aftership\n\naftership.tracking.get_tracking(tracking_id='x')\n",
])
def test_code_not_on_a_legacy_sdk_is_not_reported(source):
    assert not [f for f in findings(source) if f[1] == "AS107"]


def _first_argument(code: str, method: str):
    """The literal passed to `.method(...)` in rewritten code, evaluated."""
    import ast

    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
            return ast.literal_eval(node.args[-1])
    raise AssertionError(f"no call of {method}")


@pytest.mark.parametrize(("call", "method", "model"), [
    ("aftership.tracking.create_tracking(tracking={'tracking_number': '1Z9', 'slug': 'ups', 'emails': ['a@b.c'], "
     "'tracking_ship_date': '20250301', 'origin_country_iso3': 'USA'})", "create_tracking", "CreateTrackingRequest"),
    ("aftership.tracking.update_tracking(tracking_id='abc', tracking={'title': 'T', 'customer_name': 'Mina'})",
     "update_tracking_by_id", "UpdateTrackingByIdRequest"),
    ("aftership.courier.detect_courier({'tracking_number': '1Z9', 'slug': 'ups,fedex'})", "detect_courier",
     "DetectCourierRequest"),
    ("aftership.estimated_delivery_date.batch_predict_estimated_delivery_date([{'slug': 'ups', "
     "'origin_address': {'country': 'USA'}, 'destination_address': {'country': 'DEU'}, "
     "'pickup_time': '2025-03-01 10:00:00'}])", "predict_batch", "PredictBatchRequest"),
])
def test_bodies_sent_to_the_official_sdk_fit_its_models(call, method, model):
    """The official SDK's pydantic request models are the oracle: no unknown key, every value valid."""
    models = pytest.importorskip("tracking.models")
    result = rewrite_code(f"import aftership\n\nresult = {call}\n", unsafe_fixes=True)
    body = _first_argument(result.code, method)
    validated = getattr(models, model).model_validate(body)
    assert validated.model_dump(exclude_unset=True, mode="json") == body, (body, result.findings)


def test_inserted_code_follows_the_files_line_endings(tmp_path):
    from click.testing import CliRunner

    from migrator.cli import main

    path = tmp_path / "crlf.py"
    path.write_bytes(b'"""Doc."""\r\nimport aftership\r\n\r\n\r\ndef t(tid, slug, number):\r\n'
                     b'    return aftership.tracking.get_tracking(tracking_id=tid)["tracking"]["tag"], '
                     b'aftership.tracking.get_tracking(slug=slug, tracking_number=number)\r\n')
    CliRunner().invoke(main, ["rewrite", "--unsafe-fixes", str(path)])
    written = path.read_bytes()
    assert b"aftership_tracking_id(" in written and written.count(b"\n") == written.count(b"\r\n")


def test_pyaftership_remove_by_number_and_slug_moves_with_the_lookup_under_unsafe_fixes():
    source = PYAFTERSHIP_SENSOR + "\n    async def drop(self, n):\n        await self._api.trackings.remove(n, 'ups')\n"
    assert rewrite_code(source).code == source  # safe: the whole client stays, reported
    moved = rewrite_code(source, unsafe_fixes=True)
    assert "delete_tracking_by_id(aftership_tracking_id(self._api, 'ups', n))" in moved.code
    assert "def aftership_tracking_id(client" in moved.code and not moved.findings


def test_an_0x_client_beside_moved_1x_calls_keeps_the_legacy_errors_and_key():
    source = ("import aftership\n\naftership.api_key = KEY\napi = aftership.APIv4(KEY)\n\n\ndef tag(tid):\n    try:\n"
              "        return aftership.tracking.get_tracking(tracking_id=tid)['tracking']['tag']\n"
              "    except aftership.APIv4RequestException:\n        return api.trackings.get(page=2)['trackings'][0]['tag']\n")
    result = rewrite_code(source)  # paging by `page`: the 0.x client cannot move
    assert "except aftership.APIv4RequestException" in result.code  # the 0.x call may still raise it
    assert 'aftership.api_key = os.environ["AFTERSHIP_TRACKING_SDK_API_KEY"] = KEY' in result.code
    assert {f.line for f in result.findings if f.code == "AS107"} >= {1, 4, 10, 11}


def test_0x_errors_map_once_the_client_moves_and_their_methods_become_attributes():
    source = ("from aftership import APIv4, APIv4RequestException\n\napi = APIv4(KEY, datetime_convert=False)\n\n\n"
              "def tag(tid):\n    try:\n        return api.trackings.get(tid)['tracking']['tag']\n"
              "    except APIv4RequestException as error:\n        print(error.code(), error.message(), error.type())\n"
              "        return error['meta']\n")
    result = rewrite_code(source)
    assert "except aftership_sdk.exceptions.ApiException as error:" in result.code
    assert "print(error.meta_code, error.message, error.type())" in result.code
    assert [(f.line, f.code) for f in result.findings] == [(10, "AS112"), (11, "AS112")]


@pytest.mark.parametrize("source", [
    # every call moved, but the module still names the legacy package: the import stays, reported
    "import aftership\n\n\ndef t(tid):\n    try:\n"
    "        return aftership.tracking.get_tracking(tracking_id=tid)['tracking']['tag']\n"
    "    except Exception as e:\n        return None if isinstance(e, aftership.exception.NotFound) else 1\n",
    "from pyaftership import AfterShip\nfrom pyaftership.const import BASE_URL\n\n\nasync def n(s):\n"
    "    c = AfterShip(api_key='k', session=s)\n    print(BASE_URL)\n    return await c.trackings.list()\n",
])
def test_an_import_the_rewrite_keeps_is_reported(source):
    result = rewrite_code(source)
    kept = [line for line in result.code.splitlines() if "aftership" in line and "import" in line
            and "aftership_sdk" not in line]
    assert kept and any(f.code == "AS107" for f in result.findings), (result.code, result.findings)


def test_the_inserted_0x_dates_helper_parses_what_0x_parsed_and_keeps_the_rest():
    from migrator.rules.legacy_apiv4 import APIV4_DATES, APIV4_DATES_DEFINITION

    space: dict = {"datetime": datetime}
    exec(APIV4_DATES_DEFINITION, space)
    dated = space[APIV4_DATES]({
        "created_at": "2025-03-01T09:15:00+00:00", "updated_at": "2025-03-02T10:00:00Z", "tracking_ship_date": "20250301",
        "title": "2025-03-01", "checkpoints": [{"checkpoint_time": "2025-03-01T19:25:03-05:00", "created_at": "garbage"}],
        "courier_estimated_delivery_date": {"estimated_delivery_date": "2025-03-05", "estimated_delivery_date_min": "x"},
        "aftership_estimated_delivery_date": {"estimated_delivery_date": "2025-03-06"}})
    utc = datetime.timezone.utc
    assert dated["created_at"] == datetime.datetime(2025, 3, 1, 9, 15, tzinfo=utc)
    assert dated["updated_at"] == datetime.datetime(2025, 3, 2, 10, 0, tzinfo=utc)
    assert dated["tracking_ship_date"] == datetime.datetime(2025, 3, 1)
    assert dated["title"] == "2025-03-01"  # not a date key of 0.x
    assert dated["checkpoints"][0]["checkpoint_time"].utcoffset() == datetime.timedelta(hours=-5)
    assert dated["checkpoints"][0]["created_at"] == "garbage"  # 0.x kept what dateutil could not parse
    assert dated["courier_estimated_delivery_date"] == {"estimated_delivery_date": datetime.datetime(2025, 3, 5),
                                                        "estimated_delivery_date_min": "x"}
    assert dated["aftership_estimated_delivery_date"] == {"estimated_delivery_date": "2025-03-06"}  # a string in v4


@pytest.mark.parametrize("use", [
    "audit(api)",  # handed on: the other code would meet the new type
    "api.trackings.get(page=2)",  # paging by page: no official equivalent
    "api.notifications[slug][number].get()",  # removed endpoint
    "api.trackings.get(created_at_min=since)",  # 0.x turned a datetime into a string: not carried
])
def test_an_0x_client_used_beyond_the_official_methods_stays_whole_and_reported(use):
    source = (f"from aftership import APIv4\n\napi = APIv4(KEY)\n\n\ndef run(tid, slug, number, since):\n"
              f"    print(api.trackings.get(tid)['tracking']['title'])\n    return {use}\n")
    result = rewrite_code(source, unsafe_fixes=True)
    assert result.code == source
    assert {f.line for f in result.findings if f.code == "AS107"} >= {1, 3}


def test_0x_list_values_are_joined_as_0x_did_and_couriers_carry_no_dates_helper():
    source = ("import aftership\n\napi = aftership.APIv4(KEY)\n\n\ndef run(slugs):\n"
              "    listed = api.trackings.get(slug=slugs, fields=['title', 'tag'])['trackings']\n"
              "    return listed, api.couriers.all.get()['couriers']\n")
    result = rewrite_code(source)
    assert ('api.tracking.get_trackings(slug=",".join(slugs) if isinstance(slugs, list) else slugs, fields="title,tag")'
            in result.code)
    assert "aftership_v4_dates(api.tracking.get_trackings(" in result.code
    assert "api.courier.get_all_couriers().model_dump(" in result.code
    assert "aftership_v4_dates(api.courier" not in result.code and not result.findings


def test_0x_mark_as_completed_becomes_the_official_method_with_its_keywords_as_the_body():
    source = ("from aftership import APIv4\n\napi = APIv4(KEY)\n\n\ndef done(tid):\n"
              "    return api.trackings[tid]['mark-as-completed'].post(reason='DELIVERED')['tracking']['tag']\n")
    result = rewrite_code(source)
    assert ("aftership_v4_dates(api.tracking.mark_tracking_completed_by_id(tid, {\"reason\": 'DELIVERED'})"
            ".model_dump(mode=\"json\", exclude_unset=True))['tag']") in result.code
    assert not result.findings


def test_a_module_level_client_other_modules_import_stays_whole_run_or_single_file(tmp_path):
    """Another module calling `api.trackings.get(...)` would meet the new type: the client stays."""
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "sdk.py").write_text(
        "from aftership import APIv4\n\napi = APIv4(KEY)\n_own = APIv4(KEY)\n\n\ndef title(tid):\n"
        "    return api.trackings.get(tid)['tracking']['title'], _own.couriers.get()['couriers']\n")
    (tmp_path / "shop" / "report.py").write_text(
        "from shop.sdk import api\n\n\ndef tags():\n    return api.trackings.get(limit=5)['trackings']\n")
    for given in (".", "shop/sdk.py"):
        done = subprocess.run([sys.executable, "-m", "migrator", "rewrite", "--diff", "--no-cache", given],
                              cwd=tmp_path, capture_output=True, text=True)
        assert "+_own = aftership_sdk.Client(" in done.stdout and "-api = APIv4(KEY)" not in done.stdout, given
        assert "shop/sdk.py:3:7: AS107" in done.stdout, given
        # ... and its calls in the module importing it are reported where they are made
        assert ("shop/report.py:5:12: AS107" in done.stdout) == (given == "."), given
    alone = subprocess.run([sys.executable, "-m", "migrator", "rewrite", "--check", "--no-cache", "shop/report.py"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert "shop/report.py:5:12: AS107" in alone.stdout, alone.stdout + alone.stderr

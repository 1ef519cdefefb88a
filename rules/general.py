"""Guide §1: base URL, API key header, rate limits, strict field types, webhook version."""

from migrator.catalogue import CodeExample, PayloadExample, Rule
from migrator.payload.ops import Reshape

from ._scopes import WRITE


BASE_URL = Rule(
    code="AS101",
    name="base-url",
    title="The v4 base URL becomes https://api.aftership.com/tracking/2025-01",
    guide="§1.1 Endpoint Change",
    engines=frozenset({"code"}),
    residual=("v4-base",),
    safety="safe",
    summary="""
Every spelling of the legacy base URL (https, http, no scheme, with or without a trailing
slash) in plain strings, f-strings, concatenations, adjacent literals, %-templates, .format
templates, constants and urljoin bases is rewritten; the rest of the string is kept.
http becomes https; a URL written without a scheme (or with `//`) keeps that form, since the
code adds the scheme elsewhere.
""",
    examples=(
        CodeExample(
            before='BASE_URL = "https://api.aftership.com/v4"\n',
            after='BASE_URL = "https://api.aftership.com/tracking/2025-01"\n',
        ),
        CodeExample(
            before='import requests\nr = requests.get(f"https://api.aftership.com/v4/trackings/{tid}")\n',
            after='import requests\nr = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}")\n',
        ),
        CodeExample(
            before='from urllib.parse import urljoin\nurl = urljoin("http://api.aftership.com/v4/", "couriers")\n',
            after='from urllib.parse import urljoin\nurl = urljoin("https://api.aftership.com/tracking/2025-01/", "couriers")\n',
        ),
    ),
)

API_KEY_HEADER = Rule(
    code="AS102",
    name="api-key-header",
    title="The `aftership-api-key` header becomes `as-api-key`",
    guide="§1.1 Endpoint Change (API Key header's key)",
    engines=frozenset({"code"}),
    residual=("v4-header",),
    safety="safe",
    summary="""
2025-01 rejects `aftership-api-key`. The key is renamed wherever it names a request header:
dict literals, constants, `headers[...] = ...`, `.update(...)`, session and client defaults.
""",
    examples=(
        CodeExample(
            before='HEADERS = {"aftership-api-key": API_KEY, "Content-Type": "application/json"}\n'
                   'URL = "https://api.aftership.com/v4/couriers"\n',
            after='HEADERS = {"as-api-key": API_KEY, "Content-Type": "application/json"}\n'
                  'URL = "https://api.aftership.com/tracking/2025-01/couriers"\n',
        ),
        CodeExample(
            before='import requests\ns = requests.Session()\ns.headers["aftership-api-key"] = key\n',
            after='import requests\ns = requests.Session()\ns.headers["as-api-key"] = key\n',
        ),
    ),
)

LEGACY_ONLY_KEYS = Rule(
    code="AS103",
    name="legacy-only-api-keys",
    title="API keys marked 'Legacy Tracking API access only' stop working",
    guide="§1.1 Endpoint Change (API Key header's value)",
    engines=frozenset({"code"}),
    safety="manual",
    default=False,
    summary="""
A key created for the legacy API only is rejected by 2025-01: create a new key. Reported where
the key header is sent, since the code cannot tell which kind of key it holds.
""",
    examples=(
        CodeExample(
            before='HEADERS = {"as-api-key": API_KEY}\nURL = "https://api.aftership.com/tracking/2025-01/couriers"\n',
            after='HEADERS = {"as-api-key": API_KEY}\nURL = "https://api.aftership.com/tracking/2025-01/couriers"\n',
            findings=("AS103",),
        ),
    ),
)

WEBHOOK_VERSION = Rule(
    code="AS104",
    name="webhook-version-header",
    title="Webhook handlers should read the `as-webhook-version` header",
    guide="§1.1 Endpoint Change (as-webhook-version), §13 Webhook Changes",
    engines=frozenset({"code"}),
    safety="manual",
    summary="""
2025-01 deliveries carry `as-webhook-version: 2025-01` and a 2025-01 `msg`. A handler that
verifies `aftership-hmac-sha256` is reported so it can branch on the version while webhook URLs
are switched over in the admin.
""",
    examples=(
        CodeExample(
            before='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n',
            after='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n',
            findings=("AS104",),
        ),
    ),
)

RATE_LIMITS = Rule(
    code="AS105",
    name="per-endpoint-rate-limits",
    title="Rate limits are per endpoint (GET /trackings 6/s, POST /couriers/detect 3/s, ...)",
    guide="§1.2 Rate Limit Policy",
    engines=frozenset({"code"}),
    safety="manual",
    default=False,
    summary="""
v4 shared one limit between endpoints; 2025-01 gives each its own (GET /trackings 6/s,
POST /trackings 20/s, GET /trackings/:id 5/s, POST /couriers/detect 3/s, predict-batch 20/s,
others 5/s). Reported where code throttles AfterShip calls with a fixed sleep.
""",
    examples=(
        CodeExample(
            before='import time, requests\nfor n in numbers:\n'
                   '    requests.post("https://api.aftership.com/tracking/2025-01/couriers/detect", json={"tracking_number": n})\n'
                   '    time.sleep(0.1)\n',
            after='import time, requests\nfor n in numbers:\n'
                  '    requests.post("https://api.aftership.com/tracking/2025-01/couriers/detect", json={"tracking_number": n})\n'
                  '    time.sleep(0.1)\n',
            findings=("AS105",),
        ),
    ),
)


def _stringify_custom_fields(obj: dict, path, ctx) -> dict:
    fields = obj.get("custom_fields")
    if not isinstance(fields, dict):
        return obj
    import json

    out = {}
    for key, value in fields.items():
        if isinstance(value, str):
            out[key] = value
        elif value is None:
            ctx.touch()
            ctx.report("dropped", path + ("custom_fields", key), value,
                       "2025-01 custom_fields values must be strings; a null value is left out")
        else:
            text = json.dumps(value) if not isinstance(value, bool) else ("true" if value else "false")
            out[key] = text
            ctx.touch()
            ctx.report("coerced", path + ("custom_fields", key), value,
                       f"2025-01 rejects non-string custom_fields values; sent as {text!r}")
    obj["custom_fields"] = out
    return obj


STRICT_FIELD_TYPES = Rule(
    code="AS106",
    name="custom-fields-strings",
    title="Request `custom_fields` values must be strings",
    guide="§1.3 Enhanced field type verification",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    residual=("custom-field-value",),
    trusts_expressions=True,
    summary="""
v4 ignored wrongly typed request fields; 2025-01 answers 400. v4 allowed numbers and booleans
in `custom_fields`, 2025-01 takes strings only: values are stringified (JSON spelling) and
reported as coerced; null values are left out and reported.
In code, a body literal with a number or boolean there is reported (the value is the
code's to choose); a value given by an expression is taken for a string.
""",
    changes=(Reshape(("custom_fields",), _stringify_custom_fields, WRITE, replaces_keys=False),),
    examples=(
        CodeExample(
            before='import requests\n\ndef create(n):\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", '
                   'json={"tracking": {"tracking_number": n, "custom_fields": {"qty": 2}}})\n',
            after='import requests\n\ndef create(n):\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", '
                  'json={"tracking_number": n, "custom_fields": {"qty": 2}})\n',
            findings=("AS106",),
        ),
        PayloadExample(
            kind="update-tracking-request",
            before={"tracking": {"custom_fields": {"sku": "A-1", "qty": 2, "gift": True}}},
            after={"custom_fields": {"sku": "A-1", "qty": "2", "gift": "true"}},
            reported=("coerced:$.tracking.custom_fields.qty", "coerced:$.tracking.custom_fields.gift"),
        ),
    ),
)

LEGACY_SDK = Rule(
    code="AS107",
    name="legacy-sdk",
    title="The v4 `aftership` SDK is replaced by `aftership-tracking-sdk` (package `tracking`)",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="manual",
    summary="""
The v4 Python SDK (`import aftership`) calls the removed API and returns v4 dicts; the 2025-01
SDK returns typed models with other method names, so calls are reported, not rewritten.
""",
    examples=(
        CodeExample(
            before='import aftership\n\naftership.api_key = KEY\nt = aftership.tracking.get_tracking(tracking_id=tid)\n',
            after='import aftership\n\naftership.api_key = KEY\nt = aftership.tracking.get_tracking(tracking_id=tid)\n',
            findings=("AS107",),
        ),
    ),
)

OTHER_VERSION = Rule(
    code="AS108",
    name="other-api-version",
    title="Code on another AfterShip API version is left as it is",
    guide="not in guide: this tool migrates v4 code; v1-v3 were retired before v4",
    engines=frozenset({"code"}),
    safety="manual",
    summary="""
A file whose AfterShip URLs name another version than v4 (v3, a dated version such as
2024-04, or a version held in a variable) is not rewritten at all: no header rename, no
unwrap, since its bodies follow that version's contract. A retired version (v1-v3) is reported
once, at its URL; a dated version still answers and is left in silence. A file with the
`aftership-api-key` header but no URL of its own keeps it when the run's AfterShip URLs are
all of another version.
""",
    examples=(
        CodeExample(
            before='import requests\nAPI = "https://api.aftership.com/v3"\n'
                   'r = requests.get(API + "/trackings", headers={"aftership-api-key": KEY})\n',
            after='import requests\nAPI = "https://api.aftership.com/v3"\n'
                  'r = requests.get(API + "/trackings", headers={"aftership-api-key": KEY})\n',
            findings=("AS108",),
        ),
        CodeExample(
            before='import requests\nAPI = "https://api.aftership.com/tracking/2024-04"\n'
                   'tracking = requests.get(f"{API}/trackings/{tid}", headers={"as-api-key": KEY}).json()["data"]\n',
            after='import requests\nAPI = "https://api.aftership.com/tracking/2024-04"\n'
                  'tracking = requests.get(f"{API}/trackings/{tid}", headers={"as-api-key": KEY}).json()["data"]\n',
        ),
    ),
)

RULES = (BASE_URL, API_KEY_HEADER, LEGACY_ONLY_KEYS, WEBHOOK_VERSION, RATE_LIMITS, STRICT_FIELD_TYPES, LEGACY_SDK,
         OTHER_VERSION)

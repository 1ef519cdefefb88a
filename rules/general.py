"""Guide §1: base URL, API key header, rate limits, strict field types, webhook version."""

import re

from migrator.catalogue import CodeExample, Fixer, PayloadExample, Rule, fixes
from migrator.lazy import lazy_module
from migrator.payload.ops import Reshape

from ._scopes import WRITE

cst = lazy_module("libcst")
edits = lazy_module("migrator.codemod.edits")
flow = lazy_module("migrator.codemod.flow")
shapes = lazy_module("migrator.codemod.shapes")
urls = lazy_module("migrator.codemod.urls")


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
templates, constants and urljoin bases is rewritten; the rest of the string is kept. A string
going on to an endpoint 2025-01 removed (`/v4/last_checkpoint...`, `/v4/notifications...`)
keeps its v4 base: 2025-01 has no such path, so it changes only with its endpoint (AS202) or is
reported (AS202, AS203).
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
        CodeExample(  # a path sent on a connection to the host, as AfterShip's own http.client snippets do
            before='import http.client\nconn = http.client.HTTPSConnection("api.aftership.com")\n'
                   'conn.request("GET", "/v4/trackings/" + tid, headers=H)\n',
            after='import http.client\nconn = http.client.HTTPSConnection("api.aftership.com")\n'
                  'conn.request("GET", "/tracking/2025-01/trackings/" + tid, headers=H)\n',
        ),
        CodeExample(  # 2025-01 has no /last_checkpoint: the URL waits for AS202's replacement
            before='LAST_CHECKPOINT_URL = "https://api.aftership.com/v4/last_checkpoint"\n',
            after='LAST_CHECKPOINT_URL = "https://api.aftership.com/v4/last_checkpoint"\n',
            findings=("AS202",),
        ),
        CodeExample(
            before='from urllib.parse import urljoin\nurl = urljoin("http://api.aftership.com/v4/", "couriers")\n',
            after='from urllib.parse import urljoin\nurl = urljoin("https://api.aftership.com/tracking/2025-01/", "couriers")\n',
        ),
    ),
)


@fixes(BASE_URL)
class BaseUrlFixer(Fixer):
    """The v4 base in every string form: a literal, an f-string's text, a `/v4` path written
    after an AfterShip host (`f"{HOST}/v4/..."`, `HOST + "/v4/..."`, adjacent literals), and a
    `/v4` path sent on a client bound to the host (`conn.request("GET", "/v4/trackings")`)."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.paths: set[int] = set()  # `/v4/...` texts starting the URL of a call on an AfterShip host

    def visit_request(self, call, shape) -> None:
        first = flow.url_argument(self.file.tracer, call)  # a wrapper's path argument too
        while isinstance(first, (cst.BinaryOperation, cst.ConcatenatedString)):
            first = first.left
        if isinstance(first, cst.FormattedString) and first.parts:
            first = first.parts[0]
        text = shapes.string_key(first) if isinstance(first, cst.SimpleString) else getattr(first, "value", None)
        if (isinstance(text, str) and urls.V4_PATH.match(text) and not urls.removed_endpoint(text)
                and urls.V4_BASE.search(self.file.tracer.call_template(call))):
            self.paths.add(id(first))

    def leave_SimpleString(self, original, updated):
        if id(original) in self.paths and self.fix(original):
            return edits.with_body(updated, urls.rewrite_path)
        value = shapes.string_key(original)
        if value is not None and urls.V4_BASE.search(value) and not urls.removed_endpoint(value) and self.fix(original):
            return edits.with_body(updated, urls.rewrite_base)
        return updated

    def leave_FormattedStringText(self, original, updated):
        if id(original) in self.paths and self.fix(original):
            return updated.with_changes(value=urls.rewrite_path(original.value))
        if (urls.V4_BASE.search(original.value) and not urls.removed_endpoint(original.value)
                and self.fix(original)):
            return updated.with_changes(value=urls.rewrite_base(original.value))
        return updated

    def leave_FormattedString(self, original, updated):
        parts = list(updated.parts)
        for i in range(1, len(parts)):
            before, text = original.parts[i - 1], parts[i]
            if (isinstance(before, cst.FormattedStringExpression) and isinstance(text, cst.FormattedStringText)
                    and self._is_host(before.expression) and urls.V4_PATH.match(text.value)
                    and not urls.removed_endpoint(text.value) and self.fix(original)):
                parts[i] = text.with_changes(value=urls.rewrite_path(text.value))
        return updated if parts == list(updated.parts) else updated.with_changes(parts=parts)

    def leave_BinaryOperation(self, original, updated):
        right = self._path_after_host(original, updated.right) if isinstance(original.operator, cst.Add) else None
        return updated.with_changes(right=right) if right is not None else updated

    def leave_ConcatenatedString(self, original, updated):
        right = self._path_after_host(original, updated.right)
        return updated.with_changes(right=right) if right is not None else updated

    def _path_after_host(self, original, right):
        """The literal after an AfterShip host with its `/v4` path rewritten, or None."""
        if not isinstance(right, cst.SimpleString) or not self._is_host(original.left):
            return None
        text = shapes.string_key(right)
        if text is None or not urls.V4_PATH.match(text) or urls.removed_endpoint(text) or not self.fix(original):
            return None
        return edits.with_body(right, urls.rewrite_path)

    def _is_host(self, expr) -> bool:
        """An expression holding an AfterShip host with no API version path after it."""
        template = self.file.tracer.template_of(expr)
        return bool(template) and urls.path_of(template) in ("", "/")

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


@fixes(API_KEY_HEADER)
class ApiKeyHeaderFixer(Fixer):
    """Renamed only where the header goes with the file's URLs to v4 (walk.header_to_v4)."""

    def leave_SimpleString(self, original, updated):
        if (shapes.string_key(original) or "").lower() != urls.HEADER_OLD:
            return updated
        if not self.file.header_to_v4:
            self.report(original, "`aftership-api-key` kept: this run's AfterShip URLs are of another version; "
                                  "rename it where it is sent to v4")
            return updated
        return edits.with_text(updated, urls.HEADER_NEW) if self.fix(original) else updated

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


@fixes(LEGACY_ONLY_KEYS)
class LegacyOnlyKeysFixer(Fixer):
    def visit_SimpleString(self, node) -> None:
        header = (shapes.string_key(node) or "").lower()
        if header == urls.HEADER_NEW or (header == urls.HEADER_OLD and self.file.header_to_v4):
            self.report(node)

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
are switched over in the admin; a module that reads `as-webhook-version` does so already.
""",
    examples=(
        CodeExample(
            before='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n',
            after='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n',
            findings=("AS104",),
        ),
        CodeExample(
            before='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n'
                   '    version = request.headers.get("as-webhook-version")\n',
            after='def hook(request):\n    sig = request.headers["aftership-hmac-sha256"]\n'
                  '    version = request.headers.get("as-webhook-version")\n',
            findings=(),
        ),
    ),
)


@fixes(WEBHOOK_VERSION)
class WebhookVersionFixer(Fixer):
    def visit_SimpleString(self, node) -> None:
        if (shapes.string_key(node) or "").lower() in urls.WEBHOOK_SIGNATURE_NAMES \
                and not self.file.scanner.reads_webhook_version:
            self.report(node, "webhook handler: 2025-01 deliveries send `as-webhook-version` and a 2025-01 `msg`")

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


@fixes(RATE_LIMITS)
class RateLimitsFixer(Fixer):
    """A sleep in code that calls AfterShip is a hand-made rate limit: 2025-01's are per endpoint."""

    def visit_Call(self, node) -> None:
        if shapes.dotted(node.func) in ("time.sleep", "sleep", "asyncio.sleep") and self.file.tracer.calls_aftership:
            self.report(node)


def _stringify_custom_fields(obj: dict, path, ctx) -> dict:
    fields = obj.get("custom_fields")
    if fields == []:
        # How one SDK says "none" (PHP's json_encode writes an empty map as []): no field is lost.
        obj["custom_fields"] = {}
        ctx.touch()
        return obj
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
reported as coerced; null values are left out and reported. An empty list, which one SDK sent
for no custom fields, becomes `{}`; a list with values fails its body.
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
        PayloadExample(
            kind="update-tracking-request",
            before={"tracking": {"title": "Blue mug", "custom_fields": []}},
            after={"title": "Blue mug", "custom_fields": {}},
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


@fixes(OTHER_VERSION)
class OtherVersionFixer(Fixer):
    """The walk skips a file on another version (walk.other_version); a retired one is reported once."""

    def visit_Module(self, node) -> None:
        version = self.file.other_version
        site = self.file.scanner.version_sites.get(version) if version else None
        if site is not None and re.fullmatch(r"v[0-3]", version):
            self.report(site, f"AfterShip API {version} is retired: move this code to 2025-01 by hand "
                              "(this tool migrates v4)")

RULES = (BASE_URL, API_KEY_HEADER, LEGACY_ONLY_KEYS, WEBHOOK_VERSION, RATE_LIMITS, STRICT_FIELD_TYPES, OTHER_VERSION)

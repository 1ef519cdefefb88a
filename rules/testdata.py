"""Tests migrate with the code: recorded cassettes (vcrpy, pytest-recording, betamax) and JSON
fixtures. Applied by `rewrite` to test data files (`migrator.datafiles`); HTTP mock registrations
in test code are the codemod's."""

from migrator.catalogue import FileExample, Rule

_GUIDE = "§1.1 Endpoint Change"

_GET_BY_ID = """\
interactions:
- request:
    body: null
    headers:
      Accept:
      - application/json
    method: GET
    uri: https://api.aftership.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 404
      message: Not Found
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.example.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 404
      message: Not Found
version: 1
"""

_LIST_FIELDS = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.aftership.com/v4/trackings?fields=title%2Corigin_country_iso3&limit=1
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 500
      message: Internal Server Error
version: 1
"""

_BY_SLUG_AND_NUMBER = """\
interactions:
- request:
    body: null
    headers:
      aftership-api-key:
      - my-key
    method: GET
    uri: https://api.aftership.com/v4/trackings/ups/1Z999AA10123456784
  response:
    body:
      string: '{"meta": {"code": 200}, "data": {"tracking": {"tracking_number": "1Z999AA10123456784"}}}'
    headers: {}
    status:
      code: 200
      message: OK
version: 1
"""

_API_KEY = """\
interactions:
- request:
    body: null
    headers:
      Aftership-Api-Key:
      - my-key
      User-Agent:
      - python-requests/2.32.3
    method: GET
    uri: https://api.aftership.com/v4/couriers
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 401
      message: Unauthorized
version: 1
"""

_CREATE = """\
interactions:
- request:
    body: '{"tracking": {"tracking_number": "1Z999AA10123456784", "slug": "ups", "emails": ["mina@example.com"]}}'
    headers:
      Content-Length:
      - '102'
      Content-Type:
      - application/json
    method: POST
    uri: https://api.aftership.com/v4/trackings
  response:
    body:
      string: '{"meta": {"code": 201}, "data": {"tracking": {"id": "5b7c8d9e0f1a2b3c4d5e6f70", "tracking_number":
        "1Z999AA10123456784", "slug": "ups", "emails": ["mina@example.com"], "origin_country_iso3":
        "USA", "expected_delivery": "2025-03-14"}}}'
    headers:
      Content-Length:
      - '213'
      Content-Type:
      - application/json
    status:
      code: 201
      message: Created
version: 1
"""

_BETAMAX_GZIP = (
    '{"http_interactions": [{"request": {"body": {"encoding": "utf-8", "string": ""}, "headers": {"Accept": '
    '["application/json"]}, "method": "GET", "uri": "https://api.aftership.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70"}'
    ', "response": {"body": {"encoding": null, "base64_string": "H4sIAAAAAAACAz2MQQ6DIBRE7/LXmgCCijvP0HTTDUH4GlIVg9D'
    'UGO9emibdzcx7mRMWjBq6E4y3CB0j5CrA6t8WgzZPt07f7Cx0IIbGtFYiGalmQ2W4FViPDYHi76o1LQOGLNOHlLLvKaGs4qJuWp61fU75DtK25+K'
    'Dm9yqjE9rDIdyu68yu9/6zPC9oYlolcXZvTAcmTDCREmqknK4rusDfcxoJrwAAAA="}, "headers": {"Content-Encoding": ["gzip"], '
    '"Content-Length": ["170"], "Content-Type": ["application/json"]}, "status": {"code": 200, "message": "OK"}, '
    '"url": "https://api.aftership.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70"}, "recorded_at": "2025-03-05T12:00:00"}'
    '], "recorded_with": "betamax/0.9.0"}\n'
)

_TIMEOUT = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.aftership.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: upstream request timeout
    headers: {}
    status:
      code: 504
      message: Gateway Timeout
version: 1
"""

_FIXTURE = """\
{
  "meta": {
    "code": 200
  },
  "data": {
    "tracking": {
      "id": "5b7c8d9e0f1a2b3c4d5e6f70",
      "tracking_number": "1Z999AA10123456784",
      "slug": "ups",
      "origin_country_iso3": "USA",
      "my_warehouse_note": "shelf 4"
    }
  }
}
"""

_BARE = '{"tracking_number": "1Z999AA10123456784", "slug": "ups", "origin_country_iso3": "USA"}\n'

_GET_BY_ID_AFTER = """\
interactions:
- request:
    body: null
    headers:
      Accept:
      - application/json
    method: GET
    uri: https://api.aftership.com/tracking/2025-01/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 404
      message: Not Found
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.example.com/v4/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 404
      message: Not Found
version: 1
"""

_LIST_FIELDS_AFTER = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.aftership.com/tracking/2025-01/trackings?fields=title%2Corigin_country_region&limit=1
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 500
      message: Internal Server Error
version: 1
"""

_API_KEY_AFTER = """\
interactions:
- request:
    body: null
    headers:
      As-Api-Key:
      - my-key
      User-Agent:
      - python-requests/2.32.3
    method: GET
    uri: https://api.aftership.com/tracking/2025-01/couriers
  response:
    body:
      string: ''
    headers: {}
    status:
      code: 401
      message: Unauthorized
version: 1
"""

_CREATE_AFTER = """\
interactions:
- request:
    body: '{"tracking_number": "1Z999AA10123456784", "slug": "ups", "customers": [{"email":
      "mina@example.com"}]}'
    headers:
      Content-Length:
      - '102'
      Content-Type:
      - application/json
    method: POST
    uri: https://api.aftership.com/tracking/2025-01/trackings
  response:
    body:
      string: '{"meta": {"code": 201}, "data": {"id": "5b7c8d9e0f1a2b3c4d5e6f70", "tracking_number":
        "1Z999AA10123456784", "slug": "ups", "legacy_id": "5b7c8d9e0f1a2b3c4d5e6f70",
        "courier_estimated_delivery_date": {"estimated_delivery_date": "2025-03-14",
        "estimated_delivery_date_min": null, "estimated_delivery_date_max": null},
        "customers": [{"email": "mina@example.com"}], "origin_country_region": "USA"}}'
    headers:
      Content-Length:
      - '394'
      Content-Type:
      - application/json
    status:
      code: 201
      message: Created
version: 1
"""

_BETAMAX_GZIP_AFTER = (
    '{"http_interactions": [{"request": {"body": {"encoding": "utf-8", "string": ""}, "headers": {"Accept": ["appli'
    'cation/json"]}, "method": "GET", "uri": "https://api.aftership.com/tracking/2025-01/trackings/5b7c8d9e0f1a2b3c'
    '4d5e6f70"}, "response": {"body": {"encoding": null, "base64_string": "H4sIAAAAAAACA4WQMQ7CMAxF7+IZpCRtKe3WMyAW'
    'lihNTGSRpihNEAj17hgxA6P9nr6//IQJs4H+CXZ2CL0SYt2AM58dOeihGVu7dx2KszRqrGztGtydWwEbyMnYC0WvY5lGTCzLU9d1wyCFVFXd7N'
    'p9zdoSimdWrgsPAb2xD/0v2s4lESaNS6bJZHTaYaAbpofmdvhu9xWBEqrZimor39e/aHqiCH0sIfxQzP2j8E/mRJ6i5l4xM0/oaeYAOB4GWNcX'
    'a2Jx5kgBAAA="}, "headers": {"Content-Encoding": ["gzip"], "Content-Length": ["203"], "Content-Type": ["applica'
    'tion/json"]}, "status": {"code": 200, "message": "OK"}, "url": "https://api.aftership.com/tracking/2025-01/tra'
    'ckings/5b7c8d9e0f1a2b3c4d5e6f70"}, "recorded_at": "2025-03-05T12:00:00"}], "recorded_with": "betamax/0.9.0"}\n'
)

_TIMEOUT_AFTER = """\
interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://api.aftership.com/tracking/2025-01/trackings/5b7c8d9e0f1a2b3c4d5e6f70
  response:
    body:
      string: upstream request timeout
    headers: {}
    status:
      code: 504
      message: Gateway Timeout
version: 1
"""

_FIXTURE_AFTER = """\
{
  "meta": {
    "code": 200
  },
  "data": {
    "id": "5b7c8d9e0f1a2b3c4d5e6f70",
    "tracking_number": "1Z999AA10123456784",
    "slug": "ups",
    "legacy_id": "5b7c8d9e0f1a2b3c4d5e6f70",
    "origin_country_region": "USA"
  }
}
"""

RECORDED_URL = Rule(
    code="AS801",
    name="recorded-request-url",
    title="A recorded AfterShip v4 request's URI becomes its 2025-01 URI",
    guide=_GUIDE,
    engines=frozenset({"data"}),
    safety="safe",
    summary="""
In a VCR-style cassette (vcrpy and pytest-recording YAML or JSON, betamax JSON), the request URI
of each interaction with api.aftership.com/v4 moves to /tracking/2025-01 (http becomes https),
so that a replay matches what the migrated code sends; GET /trackings query parameters are
renamed as the codemod renames them in code (an unsafe rename only with --unsafe-fixes), betamax's
copy of the URI (`response.url`) moves with it. Interactions with other hosts or API versions
are left alone. An interaction addressed by slug and number (AS201), or with an endpoint 2025-01
removed (AS202, AS203), is reported and left as recorded: the migrated code makes other
requests, so record it again.
""",
    examples=(
        FileExample("tests/cassettes/test_get.yaml", _GET_BY_ID, _GET_BY_ID_AFTER),
        FileExample("tests/cassettes/test_list.yaml", _LIST_FIELDS, _LIST_FIELDS_AFTER),
        FileExample("tests/cassettes/test_by_number.yaml", _BY_SLUG_AND_NUMBER, _BY_SLUG_AND_NUMBER, ("AS201",)),
    ),
)

RECORDED_API_KEY = Rule(
    code="AS802",
    name="recorded-api-key-header",
    title="A recorded `aftership-api-key` request header becomes `as-api-key`, its value kept",
    guide="§1.1 Endpoint Change (API Key header's key)",
    engines=frozenset({"data"}),
    safety="safe",
    summary="""
The header's name keeps its case style (`Aftership-Api-Key` becomes `As-Api-Key`) and its
recorded value (often a placeholder a cassette filter wrote). An interaction that records both
headers is reported.
""",
    examples=(FileExample("tests/cassettes/test_couriers.yaml", _API_KEY, _API_KEY_AFTER),),
)

RECORDED_BODIES = Rule(
    code="AS803",
    name="recorded-bodies",
    title="Recorded AfterShip request and response bodies are translated to 2025-01, stored as they were",
    guide="§7 Request and Response Body Changes",
    engines=frozenset({"data"}),
    safety="safe",
    summary="""
Each body of an AfterShip v4 interaction goes through the payload translator (`translate`) as the
kind its method, URI and status give (a create request, a tracking response, an error...). It
is written back as it was stored: plain text, YAML `!!binary`, betamax `base64_string`, gzip or
zlib compressed, in the JSON style it had (one line with or without spaces, or indented); the
Content-Length header is set to the new size. Values the translation drops or changes are
reported by their rules; a body that cannot be translated is reported (AS805) and left.
""",
    examples=(
        FileExample("tests/cassettes/test_create.yaml", _CREATE, _CREATE_AFTER),
        FileExample("tests/cassettes/test_get.json", _BETAMAX_GZIP, _BETAMAX_GZIP_AFTER),
    ),
)

JSON_FIXTURES = Rule(
    code="AS804",
    name="json-fixtures",
    title="A JSON test fixture holding a v4 AfterShip body is translated in place",
    guide="§7 Request and Response Body Changes",
    engines=frozenset({"data"}),
    safety="safe",
    summary="""
JSON files under a folder named fixtures, tests, test, testdata or test_data (at any depth),
or named by a string literal in a test (`open("data/tracking.json")`), are translated by the
translator `translate` uses, with its rules: the file keeps its indentation, line endings and
BOM; a body that fails is reported (AS805) and left as it is. Only a body with structure only
AfterShip gives is translated: the `meta`/`data` envelope, a webhook, a request wrapped in
`tracking`; a bare object with tracking fields may be anyone's (AS806). A body already in
2025-01 shape is left as it is.
""",
    examples=(FileExample("tests/fixtures/tracking.json", _FIXTURE, _FIXTURE_AFTER, ("AS900",)),),
)

UNTRANSLATED = Rule(
    code="AS805",
    name="untranslated-test-data",
    title="A recorded body or JSON fixture of AfterShip's that cannot be translated is reported and left",
    guide="not in guide: every value must have a place in 2025-01",
    engines=frozenset({"data"}),
    safety="manual",
    summary="""
A body that is not JSON (an error page, a binary or brotli body, gzip data that is no text), one
that fits several kinds the translator cannot choose between, or one that would not be valid
2025-01 after translation: reported at its line with the translator's reason, and left as it
was. Replace or record it again by hand.
""",
    examples=(FileExample("tests/cassettes/test_timeout.yaml", _TIMEOUT, _TIMEOUT_AFTER, ("AS805",)),),
)

MAYBE_AFTERSHIP = Rule(
    code="AS806",
    name="maybe-aftership-fixture",
    title="A JSON fixture that may be an AfterShip body, without AfterShip's structure, is reported",
    guide="not in guide: a body is never given a kind its shape does not decide",
    engines=frozenset({"data"}),
    safety="manual",
    summary="""
A bare object with tracking fields (no `meta`/`data` envelope, no webhook, no `tracking`
wrapper) in a project that names AfterShip elsewhere: it may be a v4 AfterShip body or another
carrier's, so it is reported, never translated by guess. If it is AfterShip's, translate it with
`aftership-migrate translate --in-place --kind KIND`.
""",
    examples=(FileExample("tests/fixtures/shipment.json", _BARE, _BARE, ("AS806",)),),
)

RULES = (RECORDED_URL, RECORDED_API_KEY, RECORDED_BODIES, JSON_FIXTURES, UNTRANSLATED, MAYBE_AFTERSHIP)

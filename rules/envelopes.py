"""Guide §7-§8: request and response wrappers, list pagination, list query parameters."""

import re

from migrator.catalogue import CodeExample, Fixer, PayloadExample, Rule, fixes
from migrator.lazy import lazy_module
from migrator.payload.ops import Remove, Reshape, Unwrap, is_empty

bodies = lazy_module("migrator.codemod.bodies")
cst = lazy_module("libcst")
shapes = lazy_module("migrator.codemod.shapes")
urls = lazy_module("migrator.codemod.urls")

REQUEST_WRAPPER = Rule(
    code="AS401",
    name="request-unwrap",
    title="Create, update and detect bodies lose their `{\"tracking\": ...}` wrapper",
    guide="§7.3 Removed the tracking object wrapper from the request body",
    engines=frozenset({"code", "payload"}),
    residual=("tracking-wrapper",),
    safety="safe",
    summary="""
POST /trackings, PUT /trackings/{id} and POST /couriers/detect take the fields directly.
Mark-as-completed (AS403) and predict-batch (AS602) bodies keep their shape. In code, a dict
literal sent to one of those endpoints is unwrapped, also when the body is built over several
statements of one function.
""",
    changes=(Unwrap("tracking", ("request-envelope",)),),
    examples=(
        PayloadExample(
            kind="update-tracking-request",
            before={"tracking": {"title": "Blue mug", "order_id": "1001"}},
            after={"title": "Blue mug", "order_id": "1001"},
        ),
        CodeExample(
            before='import requests\nrequests.post("https://api.aftership.com/v4/trackings", '
                   'json={"tracking": {"tracking_number": n, "slug": "dhl"}}, headers=H)\n',
            after='import requests\nrequests.post("https://api.aftership.com/tracking/2025-01/trackings", '
                  'json={"tracking_number": n, "slug": "dhl"}, headers=H)\n',
        ),
        CodeExample(
            before='import requests\n\ndef create(n):\n    body = {"tracking": {"tracking_number": n}}\n'
                   '    body["tracking"]["title"] = "Order"\n'
                   '    return requests.post("https://api.aftership.com/v4/trackings", json=body)\n',
            after='import requests\n\ndef create(n):\n    body = {"tracking_number": n}\n'
                  '    body["title"] = "Order"\n'
                  '    return requests.post("https://api.aftership.com/tracking/2025-01/trackings", json=body)\n',
        ),
    ),
)


@fixes(REQUEST_WRAPPER)
class RequestWrapperFixer(Fixer):
    """`{"tracking": {...}}` and `dict(tracking=...)` sent as a body lose the wrapper, and so do
    `body["tracking"]` reads and writes of a body built over statements."""

    def leave_body(self, original, updated, how, scope):
        if how != "wrapped" or not self.fix(original):
            return updated
        inner = bodies.literal_items(updated)[0][1]
        return bodies.laid_out_like(inner, original) if isinstance(original, cst.Dict) else inner

    def leave_access(self, access):
        if access.key == "tracking" and access.parent.kind == "request-wrapped" and self.fix(access.original):
            return access.receiver
        return access.updated

RESPONSE_WRAPPER = Rule(
    code="AS402",
    name="response-unwrap",
    title="Single-tracking responses return the tracking in `data`, not `data.tracking`",
    guide="§7.4 Removed the tracking object wrapper from the response body",
    engines=frozenset({"code", "payload"}),
    residual=("tracking-envelope",),
    safety="safe",
    summary="""
`{"meta": ..., "data": {"tracking": {...}}}` becomes `{"meta": ..., "data": {...}}`. In code,
`resp.json()["data"]["tracking"]` becomes `resp.json()["data"]`, including `.get()` chains and
variables assigned from the response in the same function.
""",
    changes=(Unwrap("tracking", ("response-envelope",)),),
    examples=(
        PayloadExample(
            kind="tracking-response",
            before={"meta": {"code": 200}, "data": {"tracking": {"tracking_number": "RA1", "slug": "russian-post"}}},
            after={"meta": {"code": 200}, "data": {"tracking_number": "RA1", "slug": "russian-post"}},
        ),
        CodeExample(
            before='import requests\n\ndef tag(tid):\n'
                   '    body = requests.get(f"https://api.aftership.com/v4/trackings/{tid}").json()\n'
                   '    return body.get("data", {}).get("tracking", {}).get("tag")\n',
            after='import requests\n\ndef tag(tid):\n'
                  '    body = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()\n'
                  '    return body.get("data", {}).get("tag")\n',
        ),
    ),
)


@fixes(RESPONSE_WRAPPER)
class ResponseWrapperFixer(Fixer):
    def leave_access(self, access):
        if access.key == "tracking" and access.parent.kind == "data" and self.fix(access.original):
            return access.receiver
        return access.updated

MARK_AS_COMPLETED = Rule(
    code="AS403",
    name="mark-as-completed-unwrapped",
    title="Mark-as-completed bodies were never wrapped and stay as they are",
    guide="not in guide: api-mapping §9.7 (v4 sent `{\"reason\": ...}` unwrapped)",
    engines=frozenset({"code", "payload"}),
    safety="safe",
    summary="""
A guard against over-eager unwrapping: `{"reason": "DELIVERED"}` passes through; 2025-01 also
accepts an optional `event_datetime` (§8.7.1).
""",
    examples=(
        PayloadExample(kind="mark-as-completed-request", before={"reason": "LOST"}, after={"reason": "LOST"}),
        CodeExample(
            before='import requests\nrequests.post(f"https://api.aftership.com/v4/trackings/{tid}/mark-as-completed", '
                   'json={"reason": "DELIVERED"})\n',
            after='import requests\nrequests.post(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}/mark-as-completed", '
                  'json={"reason": "DELIVERED"})\n',
        ),
    ),
)

# Keys a v4 list response carried besides the page counters: echoes of the query.
_LIST_KEYS = ("trackings", "pagination")


def _whole(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _page_to_cursor(obj: dict, path, ctx) -> dict:
    page, limit, count = obj.pop("page", None), obj.pop("limit", None), obj.pop("count", None)
    for key in [k for k in obj if k not in _LIST_KEYS]:
        value = obj.pop(key)
        if not is_empty(value):
            ctx.report("dropped", path + (key,), value, "2025-01 list responses do not echo query parameters")
    total = _whole(count)
    if total is None and count is not None:
        ctx.report("dropped", path + ("count",), count, "not a whole number: no `pagination.total`")
    numbers = None not in (_whole(page), _whole(limit), total)
    has_next = bool(numbers and page * limit < count)
    pagination = obj.get("pagination")
    if isinstance(pagination, dict):
        # Stored from an intermediate version with its own pagination: that one is kept, and
        # v4's counters fill what it lacks (a count it already holds otherwise is reported).
        if total is not None and pagination.get("total") is None:
            pagination["total"] = total
        elif total is not None and pagination["total"] != total:
            ctx.report("superseded", path + ("count",), count, "`pagination.total` is already present")
        if pagination.get("has_next_page") is None and numbers:
            pagination["has_next_page"] = has_next
        has_next = pagination.get("has_next_page") is True and pagination.get("next_cursor") is None
    elif pagination is None:  # absent, or null beside v4's counters: built from them
        pagination = {"total": total, "next_cursor": None, "has_next_page": has_next}
    if has_next and page is not None:
        ctx.report("defaulted", path + ("page",), page,
                   "a page number has no cursor: next_cursor is null; list again to continue")
    elif page is not None:
        ctx.report("dropped", path + ("page",), page, "2025-01 pages by cursor: a page number has no place")
    if limit is not None:
        ctx.report("dropped", path + ("limit",), limit, "2025-01 list responses do not echo the page size")
    return {"pagination": pagination, "trackings": obj.get("trackings", [])}


PAGINATION = Rule(
    code="AS404",
    name="cursor-pagination",
    title="GET /trackings pages by cursor; `page/limit/count` become `pagination`",
    guide="§8.1.1 Cursor Pagination",
    engines=frozenset({"code", "payload"}),
    residual=("page-query",),
    residual_skip=("limit",),
    safety="unsafe",
    summary="""
A stored list response gets `pagination: {total: count, next_cursor: null, has_next_page:
page*limit < count}`; echoed query parameters, `page` and `limit` are dropped (non-empty ones
reported). A body stored from 2024-04 to 2024-10 keeps its own `pagination`, `count` filling a
missing total (a different one is reported), and loses the `page` and `limit` the 2024-04/07
SDKs put in it (reported). In code,
loops that advance a `page` parameter are reported: iterate with `cursor=next_cursor` until
`has_next_page` is false. A read of the total, `data["count"]`, becomes
`data["pagination"]["total"]` (unsafe: v4 capped the count its pages could reach); the
`page` echo has no 2025-01 value and is reported.
""",
    changes=(
        Reshape(("page", "limit", "count"), _page_to_cursor, ("list-data",)),
        # The 2024-04 and 2024-07 SDKs built pagination{page, limit, total, has_next_page}.
        Remove(("page", "limit"), "2025-01 pages by cursor: its pagination has no page number or size",
               ("list-pagination",)),
    ),
    code_reads={"count": '{obj}["pagination"]["total"]'},
    examples=(
        PayloadExample(
            kind="tracking-list-response",
            before={"meta": {"code": 200}, "data": {"page": 1, "limit": 2, "count": 3, "keyword": "",
                                                    "slug": "ups", "trackings": []}},
            after={"meta": {"code": 200}, "data": {"pagination": {"total": 3, "next_cursor": None,
                                                                  "has_next_page": True}, "trackings": []}},
            reported=("dropped:$.data.slug", "defaulted:$.data.page", "dropped:$.data.limit"),
        ),
        PayloadExample(
            kind="tracking-list-response",
            before={"meta": {"code": 200}, "data": {"pagination": {"page": 2, "limit": 50, "total": 120,
                                                                   "has_next_page": True}, "trackings": []}},
            after={"meta": {"code": 200}, "data": {"pagination": {"total": 120, "has_next_page": True},
                                                   "trackings": []}},
            reported=("dropped:$.data.pagination.page", "dropped:$.data.pagination.limit"),
        ),
        CodeExample(
            before='import requests\n\ndef all_trackings():\n    page = 1\n    while True:\n'
                   '        data = requests.get("https://api.aftership.com/v4/trackings", params={"page": page}).json()["data"]\n'
                   '        yield from data["trackings"]\n'
                   '        if page * data["limit"] >= data["count"]:\n            return\n        page += 1\n',
            after='import requests\n\ndef all_trackings():\n    page = 1\n    while True:\n'
                  '        data = requests.get("https://api.aftership.com/tracking/2025-01/trackings", params={"page": page}).json()["data"]\n'
                  '        yield from data["trackings"]\n'
                  '        if page * data["limit"] >= data["count"]:\n            return\n        page += 1\n',
            findings=("AS404",),
        ),
        CodeExample(
            before='import requests\n\ndef total(tag):\n'
                   '    data = requests.get("https://api.aftership.com/v4/trackings", params={"tag": tag}).json()["data"]\n'
                   '    return data["count"]\n',
            after='import requests\n\ndef total(tag):\n'
                  '    data = requests.get("https://api.aftership.com/tracking/2025-01/trackings", params={"tag": tag}).json()["data"]\n'
                  '    return data["pagination"]["total"]\n',
            unsafe_fixes=True,
        ),
    ),
)


@fixes(PAGINATION)
class PaginationFixer(Fixer):
    def leave_request(self, original, updated, shape):
        if shape.endpoint == "trackings" and shape.method == "get" and self._pages(original):
            self.report(original, "page-number pagination is gone: pass `cursor=data['pagination']['next_cursor']` "
                                  "until `has_next_page` is false")
        return updated

    def _pages(self, call) -> bool:
        if re.search(r"[?&]page=", self.file.tracer.call_template(call)):
            return True
        params = shapes.params_argument(call)
        return isinstance(params, cst.Dict) and any(
            isinstance(e, cst.DictElement) and shapes.string_key(e.key) == "page" for e in params.elements)

TIME_PARAMETERS = Rule(
    code="AS405",
    name="list-time-parameters",
    title="Invalid created_at/updated_at bounds now answer 400; escape `+` as %2B",
    guide="§8.1.2 Parameters validation",
    engines=frozenset({"code"}),
    residual=("integer-time-bound",),
    safety="manual",
    summary="""
v4 replaced an invalid `created_at_min/max` or `updated_at_min/max` with a default; 2025-01
answers 400. A timestamp pasted into a URL string keeps a raw `+`, which is read as a space:
such URLs are reported (passing the value in `params=` lets the HTTP library escape it).
""",
    examples=(
        CodeExample(
            before='import requests\nrequests.get(f"https://api.aftership.com/v4/trackings?created_at_min={since}")\n',
            after='import requests\nrequests.get(f"https://api.aftership.com/tracking/2025-01/trackings?created_at_min={since}")\n',
            findings=("AS405",),
        ),
    ),
)


@fixes(TIME_PARAMETERS)
class TimeParametersFixer(Fixer):
    def visit_request(self, call, shape) -> None:
        if urls.TIME_BOUNDS.search(urls.normalise(self.file.tracer.call_template(call))):
            self.report(call)

RULES = (REQUEST_WRAPPER, RESPONSE_WRAPPER, MARK_AS_COMPLETED, PAGINATION, TIME_PARAMETERS)

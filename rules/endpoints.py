"""Guide §2: endpoints removed in 2025-01 (slug/tracking_number paths, last_checkpoint, notifications)."""

from migrator.catalogue import CodeExample, Fixer, PayloadExample, Rule, fixes
from migrator.lazy import lazy_module

cst = lazy_module("libcst")
edits = lazy_module("migrator.codemod.edits")
flow = lazy_module("migrator.codemod.flow")
lookups = lazy_module("migrator.codemod.lookups")
urls = lazy_module("migrator.codemod.urls")

SLUG_NUMBER_ENDPOINTS = Rule(
    code="AS201",
    name="slug-number-endpoints",
    title="/trackings/{slug}/{tracking_number} endpoints are replaced by /trackings/{id}",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code"}),
    residual=("endpoint:slug-number",),
    safety="unsafe",
    summary="""
GET, PUT and DELETE /trackings/{slug}/{tracking_number}, and its /retrack and
/mark-as-completed, are gone: 2025-01 addresses a tracking by id only. Safe mode reports the
call. With --unsafe-fixes the id is looked up first with
GET /trackings?slug=...&tracking_numbers=... (one more request, in the HTTP library the call
already uses: requests, httpx, aiohttp or urllib) and the call goes to /trackings/{id}.
The lookup keeps the v4 call's error contract: a failed lookup raises the library's HTTP error
(`raise_for_status`; urllib raises HTTPError itself), and a tracking that does not exist gives
an id of None, so the call answers 404 exactly as the v4 call did. Through a request wrapper
(which may return a status and the body, `return r.status_code, r.json()`), the lookup's answer is
read None-safe: an error answer gives no id, and the wrapper answers the call as it answered v4.
""",
    examples=(
        CodeExample(
            before='import requests\n\ndef fetch(slug, number):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/trackings/{slug}/{number}", headers=HEADERS)\n',
            after='import requests\n\ndef fetch(slug, number):\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{slug}/{number}", headers=HEADERS)\n',
            findings=("AS201",),
        ),
        CodeExample(
            before='import requests\n\ndef fetch(slug, number):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/trackings/{slug}/{number}", headers=HEADERS)\n',
            after='import requests\n\ndef fetch(slug, number):\n'
                  '    lookup = requests.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number}, headers=HEADERS)\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}", headers=HEADERS)\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # the URL bound a line above an aiohttp call: the lookup is made as the call is
            before='async def fetch(session, slug, number):\n'
                   '    url = f"https://api.aftership.com/v4/trackings/{slug}/{number}"\n'
                   '    async with session.get(url) as resp:\n        return await resp.json()\n',
            after='async def fetch(session, slug, number):\n'
                  '    async with session.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number}) as lookup:\n'
                  '        lookup.raise_for_status()\n'
                  '        tracking_id = next((item["id"] for item in (await lookup.json())["data"]["trackings"]), None)\n'
                  '    url = f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}"\n'
                  '    async with session.get(url) as resp:\n        return await resp.json()\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # a URL by id in one branch, by slug and number in the other: only that one changes
            before='import requests\n\ndef fetch(tid=None, slug=None, number=None):\n'
                   '    if tid:\n        url = f"https://api.aftership.com/v4/trackings/{tid}"\n'
                   '    else:\n        url = f"https://api.aftership.com/v4/trackings/{slug}/{number}"\n'
                   '    return requests.get(url, timeout=5)\n',
            after='import requests\n\ndef fetch(tid=None, slug=None, number=None):\n'
                  '    if tid:\n        url = f"https://api.aftership.com/tracking/2025-01/trackings/{tid}"\n'
                  '    else:\n'
                  '        lookup = requests.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number}, timeout=5)\n'
                  '        lookup.raise_for_status()\n'
                  '        tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '        url = f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}"\n'
                  '    return requests.get(url, timeout=5)\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # slug and number written in the URL; the comment above heads the lookup
            before='import requests\n\ndef parcel_of_the_day():\n    setup()\n\n    # the parcel of the day\n'
                   '    return requests.get("https://api.aftership.com/v4/trackings/ups/1Z9")\n',
            after='import requests\n\ndef parcel_of_the_day():\n    setup()\n\n    # the parcel of the day\n'
                  '    lookup = requests.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": "ups", "tracking_numbers": "1Z9"})\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}")\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # a base-URL client a factory makes, handed to a helper: looked up through it
            before='import httpx\n\ndef make_client():\n    return httpx.Client(base_url="https://api.aftership.com/v4")\n\n'
                   'def fetch(client, slug, number):\n'
                   '    return client.get(f"/trackings/{slug}/{number}").json()["data"]["tracking"]\n\n'
                   'with make_client() as client:\n    fetch(client, "ups", "1Z9")\n',
            after='import httpx\n\ndef make_client():\n    return httpx.Client(base_url="https://api.aftership.com/tracking/2025-01")\n\n'
                  'def fetch(client, slug, number):\n'
                  '    lookup = client.get("/trackings", params={"slug": slug, "tracking_numbers": number})\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return client.get(f"/trackings/{tracking_id}").json()["data"]\n\n'
                  'with make_client() as client:\n    fetch(client, "ups", "1Z9")\n',
            unsafe_fixes=True,
        ),
    ),
)


@fixes(SLUG_NUMBER_ENDPOINTS)
class SlugNumberFixer(Fixer):
    """The id lookup inserted before a call to /trackings/{slug}/{number}, in the call's own HTTP
    library: requests/httpx (`x.get(...)`, also awaited), aiohttp (`async with session.get(...)`),
    urllib (`Request(...)`, `urlopen(...)`), a request wrapper (`self._request("GET", path)`), or
    before the statement binding the URL a line above the call."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.bound = lookups.BoundUrls()  # URL bindings that get the lookup, by the call they serve

    def plan_request(self, tracer, call, shape) -> None:
        """`url = "%s/trackings/%s/%s" % (...)` then `requests.get(url)`, or `path = ...` then
        `self._request("GET", path)`: with --unsafe-fixes the lookup goes before each binding of
        the name that is a slug/number URL (one per branch of an `if`), which then holds the by-id
        URL (leave_Assign)."""
        if not self.file.rules.unsafe_fixes:
            return
        url = flow.url_argument(tracer, call)
        if not tracer.wraps_request(call) and not (
                isinstance(call.func, cst.Attribute) and call.func.attr.value in ("get", "put", "delete", "post")):
            return
        self.bound.plan(call, [(value, "slug-number") for value in lookups.value_bindings(tracer, url)
                               if urls.relative_endpoint(tracer.template_of(value) or "") == "slug-number"])

    def leave_Assign(self, original, updated):
        found = self.bound.binding(original.value)
        if found is None:
            return updated
        call, _ = found
        if self.file.tracer.wraps_request(call):
            return self._wrapper_binding(original, updated, call, self.file.anchor())
        lookup = lookups.bound_lookup(self.file, call, updated.value)
        if lookup is None or not self.fix(original.value):
            return updated
        anchor, source, new_url = lookup
        self.file.insert_before(anchor, source)
        self.bound.changed(call)
        return updated.with_changes(value=new_url)

    def _wrapper_binding(self, original, updated, call, anchor):
        """`path = "trackings/" + slug + "/" + number` for `self._request("GET", path)`: the
        wrapper's lookup before the binding, the binding given the by-id path."""
        lookup = lookups.wrapped_id_lookup(self.file, call, call, path=updated.value)
        if lookup is None or lookup[0] is not anchor or not self.fix(original.value):
            return updated
        _, source, by_id, imports = lookup
        wrapper = self.file.tracer.summaries.wrapper(call.func, self.file.tracer)
        new_path = by_id.args[flow.bound_positions(call, wrapper.scope)[wrapper.path]].value
        self.file.insert_before(anchor, source, imports)
        self.bound.changed(call)
        return updated.with_changes(value=new_path)

    def leave_request(self, original, updated, shape):
        settled = self.bound.settled(original)
        if settled or (settled is None and shape.endpoint != "slug-number"):
            return updated  # a looked-up call got its URL from its bindings (leave_Assign)
        build = lookups.wrapped_id_lookup if self.file.tracer.wraps_request(original) else lookups.id_lookup
        lookup = build(self.file, original, updated)
        if lookup is not None and self.file.rules.unsafe_fixes and self.fix(original):
            anchor, source, call, imports = lookup
            self.file.insert_before(anchor, source, imports)
            return call
        hint = " (fixable with --unsafe-fixes)" if lookup is not None else ""
        self.report(original, "/trackings/{slug}/{tracking_number} is removed: look the id up with "
                              f"GET /trackings?slug=...&tracking_numbers=... first{hint}")
        return updated


LAST_CHECKPOINT = Rule(
    code="AS202",
    name="last-checkpoint-endpoint",
    title="/last_checkpoint is removed: GET /trackings/{id} and take the last checkpoint",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code", "payload"}),
    residual=("endpoint:last-checkpoint",),
    safety="unsafe",
    summary="""
Use GET /trackings/{id} and read the last element of `checkpoints` instead.
In code, /last_checkpoint/{id} becomes /trackings/{id} with --unsafe-fixes (the response shape
changes: `data.checkpoint` becomes `(data.checkpoints or [None])[-1]`, wherever it is read: in the
function that calls, or in a helper handed the data when every call of the module changes).
The slug/number form gets the AS201 id lookup first (one more request), then the same
/trackings/{id}. A call or read that cannot change is reported, each at its line. Stored last_checkpoint bodies have no 2025-01 counterpart
and are refused: re-fetch the tracking instead.
""",
    examples=(
        CodeExample(
            before='import requests\n\ndef last(tid):\n'
                   '    body = requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}", headers=H).json()\n'
                   '    return body["data"]["checkpoint"]\n',
            after='import requests\n\ndef last(tid):\n'
                  '    body = requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}", headers=H).json()\n'
                  '    return body["data"]["checkpoint"]\n',
            findings=("AS202",),
        ),
        CodeExample(
            before='import requests\n\ndef last(tid):\n'
                   '    body = requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}", headers=H).json()\n'
                   '    return body["data"]["checkpoint"]\n',
            after='import requests\n\ndef last(tid):\n'
                  '    body = requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}", headers=H).json()\n'
                  '    return (body["data"]["checkpoints"] or [None])[-1]\n',
            unsafe_fixes=True,
        ),
        CodeExample(
            before='import requests\n\ndef last(slug, number):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/last_checkpoint/{slug}/{number}").json()["data"]["checkpoint"]\n',
            after='import requests\n\ndef last(slug, number):\n'
                  '    lookup = requests.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number})\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return (requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}")'
                  '.json()["data"]["checkpoints"] or [None])[-1]\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # the data handed to a helper: its read changes with the call
            before='import requests\n\ndef last(tid):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}").json()["data"]\n\n'
                   'def show(tid):\n    print(last(tid)["checkpoint"]["message"])\n',
            after='import requests\n\ndef last(tid):\n'
                  '    return requests.get(f"https://api.aftership.com/tracking/2025-01/trackings/{tid}").json()["data"]\n\n'
                  'def show(tid):\n    print((last(tid)["checkpoints"] or [None])[-1]["message"])\n',
            unsafe_fixes=True,
        ),
        CodeExample(
            before='import requests\n\ndef last(tid):\n'
                   '    return requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}").json()["data"]\n\n'
                   'def show(tid):\n    print(last(tid)["checkpoint"]["message"])\n',
            after='import requests\n\ndef last(tid):\n'
                  '    return requests.get(f"https://api.aftership.com/v4/last_checkpoint/{tid}").json()["data"]\n\n'
                  'def show(tid):\n    print(last(tid)["checkpoint"]["message"])\n',
            findings=("AS202",),
        ),
        CodeExample(  # the host a value: its `/v4` path changes with the endpoint
            before='import requests\n\nHOST = "https://api.aftership.com"\n\ndef last(tid):\n'
                   '    return requests.get(f"{HOST}/v4/last_checkpoint/{tid}").json()["data"]["checkpoint"]\n',
            after='import requests\n\nHOST = "https://api.aftership.com"\n\ndef last(tid):\n'
                  '    return (requests.get(f"{HOST}/tracking/2025-01/trackings/{tid}").json()["data"]["checkpoints"] or [None])[-1]\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # the same by slug and number: the lookup's URLs too
            before='import requests\n\nHOST = "https://api.aftership.com"\n\ndef last(slug, n):\n'
                   '    return requests.get(f"{HOST}/v4/last_checkpoint/{slug}/{n}").json()["data"]["checkpoint"]\n',
            after='import requests\n\nHOST = "https://api.aftership.com"\n\ndef last(slug, n):\n'
                  '    lookup = requests.get(f"{HOST}/tracking/2025-01/trackings", params={"slug": slug, "tracking_numbers": n})\n'
                  '    lookup.raise_for_status()\n'
                  '    tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '    return (requests.get(f"{HOST}/tracking/2025-01/trackings/{tracking_id}").json()["data"]["checkpoints"] or [None])[-1]\n',
            unsafe_fixes=True,
        ),
        CodeExample(  # the URL bound in each branch of an `if`: each binding changes, a constant written out
            before='import httpx\n\nLAST = "https://api.aftership.com/v4/last_checkpoint"\n\n'
                   'def last(client, tid=None, slug=None, number=None):\n'
                   '    if tid:\n        url = f"{LAST}/{tid}"\n'
                   '    else:\n        url = f"{LAST}/{slug}/{number}"\n'
                   '    return client.get(url).json()["data"]["checkpoint"]\n',
            after='import httpx\n\nLAST = "https://api.aftership.com/v4/last_checkpoint"\n\n'
                  'def last(client, tid=None, slug=None, number=None):\n'
                  '    if tid:\n        url = f"https://api.aftership.com/tracking/2025-01/trackings/{tid}"\n'
                  '    else:\n'
                  '        lookup = client.get("https://api.aftership.com/tracking/2025-01/trackings", '
                  'params={"slug": slug, "tracking_numbers": number})\n'
                  '        lookup.raise_for_status()\n'
                  '        tracking_id = next((item["id"] for item in lookup.json()["data"]["trackings"]), None)\n'
                  '        url = f"https://api.aftership.com/tracking/2025-01/trackings/{tracking_id}"\n'
                  '    return (client.get(url).json()["data"]["checkpoints"] or [None])[-1]\n',
            findings=("AS202",),  # the constant, unused now, still names /last_checkpoint
            unsafe_fixes=True,
        ),
        CodeExample(  # an environment variable's default is never written out in its place
            before='import os\nimport httpx\n\nLAST = os.environ.get("LAST_URL", "https://api.aftership.com/v4/last_checkpoint")\n\n'
                   'def last(client, tid):\n'
                   '    url = f"{LAST}/{tid}"\n'
                   '    return client.get(url).json()["data"]["checkpoint"]\n',
            after='import os\nimport httpx\n\nLAST = os.environ.get("LAST_URL", "https://api.aftership.com/v4/last_checkpoint")\n\n'
                  'def last(client, tid):\n'
                  '    url = f"{LAST}/{tid}"\n'
                  '    return client.get(url).json()["data"]["checkpoint"]\n',
            findings=("AS202", "AS202", "AS202"),
            unsafe_fixes=True,
        ),
        PayloadExample(
            kind="last-checkpoint-response",
            before={"meta": {"code": 200}, "data": {"id": "k5x2pq9rt7wz3mn8bv4cy6dj", "tracking_number": "RR1",
                                                    "slug": "royal-mail", "tag": "InTransit",
                                                    "checkpoint": {"message": "Sorted", "tag": "InTransit"}}},
            after=None,
            refused=True,
        ),
    ),
)


@fixes(LAST_CHECKPOINT)
class LastCheckpointFixer(Fixer):
    """/last_checkpoint/{id} -> /trackings/{id}; /last_checkpoint/{slug}/{number} -> the AS201 id
    lookup, then /trackings/{id}; and `data["checkpoint"]` reads -> the last of
    `data["checkpoints"]`. The calls of a function change together, and only if each has a URL
    that can change (an f-string for an id; slug and number told apart); a read follows the
    calls of its own function, or, in a function that makes none (the data came through a
    return or a parameter), every call of the module. A call or read that does not change is
    reported."""

    ENDPOINTS = ("last-checkpoint", "last-checkpoint-slug-number")

    def __init__(self, file) -> None:
        super().__init__(file)
        self.function_rewrites: dict[int, bool] = {}  # id of a tracer making calls -> all rewritable
        self.bound = lookups.BoundUrls()  # `url = ...` bindings (one per branch) that change for their call

    def plan_request(self, tracer, call, shape) -> None:
        if shape.endpoint not in self.ENDPOINTS:
            return
        url, _ = tracer.call_url(call)
        direct = any(a.value is url for a in call.args)
        bound = [(value, urls.endpoint_of(tracer.template_of(value) or "") or "")
                 for value in lookups.value_bindings(tracer, url)]
        if bound and direct and isinstance(call.func, cst.Attribute) and not tracer.wraps_request(call):
            # `url` bound a line above, or in each branch of an `if`: each binding changes (leave_Assign)
            changes = all(kind in self.ENDPOINTS and lookups.changes_to_id(tracer, value, kind, "last_checkpoint")
                          for value, kind in bound)
        elif shape.endpoint == "last-checkpoint":  # the f-string's own text names the endpoint
            changes = direct and isinstance(url, cst.FormattedString) and any(
                isinstance(p, cst.FormattedStringText) and "/last_checkpoint/" in p.value for p in url.parts)
        else:  # the lookup takes the call's own URL expression apart, or the wrapper's path argument
            changes = (direct or tracer.wraps_request(call)) and not isinstance(url, cst.Name)
        ok = changes and self.file.rules.may_fix(self.rule) and self.file.allowed(self.rule.code, call)
        self.function_rewrites[id(tracer)] = self.function_rewrites.get(id(tracer), True) and ok
        if ok and bound:
            self.bound.plan(call, bound)

    def leave_Assign(self, original, updated):
        found = self.bound.binding(original.value)
        if found is None:
            return updated
        call, endpoint = found
        source = None
        if endpoint == "last-checkpoint":
            new_url = lookups.by_id_url(self.file.tracer, updated.value, "last_checkpoint")
        else:
            lookup = lookups.bound_lookup(self.file, call, updated.value, "last_checkpoint")
            anchor, source, new_url = lookup if lookup is not None else (None, None, None)
        if new_url is None or not self.fix(original.value):
            return updated
        if source is not None:
            self.file.insert_before(anchor, source)
        self.bound.changed(call)
        return updated.with_changes(value=new_url)

    def _rewrites(self) -> bool:
        """Whether the calls (and reads) of the function being walked change."""
        own = self.function_rewrites.get(id(self.file.tracer))
        if own is not None:
            return own
        return bool(self.function_rewrites) and all(self.function_rewrites.values())

    def leave_request(self, original, updated, shape):
        if shape.endpoint not in self.ENDPOINTS:
            return updated
        settled = self.bound.settled(original)
        if settled:
            return updated  # its URL name's bindings changed (leave_Assign)
        if settled is None and shape.endpoint == "last-checkpoint-slug-number":
            return self._by_slug_and_number(original, updated)
        if settled is False or not self._rewrites():
            self.report(original, f"{self.rule.title} (rewritten with --unsafe-fixes when every /last_checkpoint "
                                  "call of the function has an f-string URL argument)")
            return updated
        self.fix(original)
        url_index = self.file.url_index(original)
        url = updated.args[url_index].value
        # The base AS101 left on v4 (no 2025-01 path had it) changes with the endpoint: a whole
        # base, or the `/v4` path after a host value (`f"{HOST}/v4/last_checkpoint/{tid}"`).
        parts = []
        for part in url.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("/last_checkpoint/", "/trackings/")
                after_host = bool(parts) and isinstance(parts[-1], cst.FormattedStringExpression)
                part = part.with_changes(value=urls.rewrite_v4(text, after_host))
            parts.append(part)
        args = list(updated.args)
        args[url_index] = args[url_index].with_changes(value=url.with_changes(parts=parts))
        return updated.with_changes(args=args)

    def _by_slug_and_number(self, original, updated):
        build = lookups.wrapped_id_lookup if self.file.tracer.wraps_request(original) else lookups.id_lookup
        lookup = build(self.file, original, updated, "last_checkpoint") if self._rewrites() else None
        if lookup is None:
            self.report(original, f"{self.rule.title}: look the id up with GET /trackings?slug=...&tracking_numbers=... "
                                  "(rewritten with --unsafe-fixes where the URL's slug and number can be told apart)")
            return updated
        self.fix(original)
        anchor, source, call, imports = lookup
        self.file.insert_before(anchor, source, imports)
        return call

    def leave_access(self, access):
        parent = access.parent
        if not (access.key == "checkpoint" and parent.kind == "data" and parent.endpoint in self.ENDPOINTS):
            return access.updated
        key = self.file.fit_quotes('"checkpoints"')
        if not self._rewrites() or key is None or not isinstance(access.original, cst.Subscript) or access.is_write:
            self.report(access.original, "`checkpoint` of a /last_checkpoint response: a tracking from "
                                         "/trackings/{id} has its last checkpoint at `checkpoints[-1]`")
            return access.updated
        self.fix(access.original)
        # v4 answered `checkpoint: null` for a tracking with no checkpoint yet; so does this.
        return cst.parse_expression(f"({edits.code_of(access.updated.value)}[{key}] or [None])[-1]")


NOTIFICATIONS = Rule(
    code="AS203",
    name="notifications-endpoints",
    title="/notifications is removed: update the tracking's `customers` instead",
    guide="§2 API Endpoints Deprecation",
    engines=frozenset({"code", "payload"}),
    residual=("endpoint:notifications",),
    safety="manual",
    summary="""
Use PUT /trackings/{id} with `customers` to add or remove recipients and GET /trackings/{id}
to read them. Add/remove semantics need a read-modify-write, so calls are reported, not
rewritten. Stored notification bodies have no 2025-01 counterpart and are refused.
""",
    examples=(
        CodeExample(
            before='import requests\nrequests.post(f"https://api.aftership.com/v4/notifications/{tid}/add", '
                   'json={"notification": {"emails": [e]}}, headers=H)\n',
            after='import requests\nrequests.post(f"https://api.aftership.com/v4/notifications/{tid}/add", '
                  'json={"notification": {"emails": [e]}}, headers=H)\n',
            findings=("AS203",),
        ),
        PayloadExample(
            kind="notification-request",
            before={"notification": {"emails": ["ana@example.com"], "smses": []}},
            after=None,
            refused=True,
        ),
    ),
)


@fixes(NOTIFICATIONS)
class NotificationsFixer(Fixer):
    def leave_request(self, original, updated, shape):
        if shape.endpoint == "notifications":
            self.report(original, "/notifications is removed: PUT /trackings/{id} with `customers`, "
                                  "or GET /trackings/{id}")
        return updated

RULES = (SLUG_NUMBER_ENDPOINTS, LAST_CHECKPOINT, NOTIFICATIONS)

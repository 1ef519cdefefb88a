"""Guide §3 New SDK: clients of `aftership` 0.x, `APIv4(key)`, whose attribute path is the URL path
(`api.trackings[slug][number].get()` is GET /trackings/{slug}/{number}), move whole to the official
SDK's `Client` (AS113).

Read from `aftership` 0.2 on PyPI: `RequestPart.__getattr__`/`__getitem__` append a path segment,
`get/post/put/delete(*args, **body)` append the positional arguments as more segments and send the
keywords as the query (GET) or as the JSON body; `APIv3.call` returns the response's `data`, with
list values joined by commas, and (by default, `datetime_convert=True`) the dates of the result
parsed into `datetime` objects.
"""

import json
from dataclasses import dataclass

from migrator.catalogue import CodeExample, Fixer, Rule, fixes
from migrator.lazy import lazy_module

from .legacy_sdks import (
    BRIDGE,
    SDK_ALIAS,
    SDK_LOOKUP,
    SDK_LOOKUP_DEFINITION,
    SDK_REWRITES,
    SdkCall,
    assigned_clients,
    bindings,
    call_arguments,
    drop_unused_imports,
    exported_names,
    literal_body,
    lookup_rule,
    partial_clients,
    source_text,
)

bodies = lazy_module("migrator.codemod.bodies")
cst = lazy_module("libcst")
shapes = lazy_module("migrator.codemod.shapes")

# APIv3.call joined list keywords with commas (`fields=["title", "tag"]` -> "title,tag"); the
# official SDK sends a list as repeated parameters, so only a literal is carried (joined).
JOINED = frozenset({"fields", "tracking_numbers", "slug", "tag", "origin", "destination"})
# Query keywords carried to the official method, by the 1.x operation the path is.
QUERIES = {
    "tracking.get_tracking": frozenset({"fields", "lang"}),
    "tracking.list_trackings": frozenset({"limit", "keyword", "tracking_numbers", "slug", "origin", "destination",
                                          "tag", "fields", "return_to_sender"}),
}
# The actions on one tracking, the last segment of their path -> the operation.
ACTIONS = {"retrack": "tracking.retrack", "mark-as-completed": "tracking.mark_as_completed"}
# An endpoint only 0.x could call (1.x had no function for it); its keywords were the body.
MARK_COMPLETED = SdkCall("tracking", "mark_tracking_completed_by_id", "tracking-action", "post",
                         frozenset({"reason", "event_datetime"}))
OPERATIONS = {**SDK_REWRITES, "tracking.mark_as_completed": MARK_COMPLETED}

APIV4_DATES = "aftership_v4_dates"
# 0.x parsed these keys' strings with dateutil (failures kept as strings); 2025-01's
# courier_estimated_delivery_date.estimated_delivery_date is what v4's `expected_delivery` was.
APIV4_DATES_DEFINITION = f'''def {APIV4_DATES}(data, keys=("created_at", "updated_at", "checkpoint_time", "tracking_ship_date")):
    """2025-01 data with its dates as datetime objects, as aftership 0.x's APIv4 returned them."""
    if isinstance(data, list):
        return [{APIV4_DATES}(item) for item in data]
    if not isinstance(data, dict):
        return data
    dated = {{}}
    for key, value in data.items():
        if key == "courier_estimated_delivery_date":  # v4's expected_delivery
            value = {APIV4_DATES}(value, ("estimated_delivery_date",))
        elif key in keys and isinstance(value, str) and value:
            try:
                value = datetime.datetime.strptime(value, "%Y%m%d") if value.isdigit() else \\
                    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        else:
            value = {APIV4_DATES}(value)
        dated[key] = value
    return dated
'''

APIV4_CALLS = Rule(
    code="AS113",
    name="legacy-sdk-apiv4-calls",
    title="`aftership` 0.x `APIv4` clients and their calls become `aftership-tracking-sdk` calls",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="safe",
    summary=f"""
`api = APIv4(KEY)` becomes `api = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))` and
its calls, whose attribute path was the URL, the official SDK's: `api.trackings.post(tracking=
{{...}})` `create_tracking({{...}})` (unwrapped, fields translated as a REST request's),
`api.trackings.get(tid)` `get_tracking_by_id(tracking_id=tid)`, `api.trackings.get(limit=...)`
`get_trackings(...)`, `put`/`delete`/`retrack`/`mark-as-completed` by id, and `api.couriers.get()`,
`api.couriers.all.get()`, `api.couriers.detect.post(tracking={{...}})`. A tracking addressed by
slug and number (`api.trackings[slug][number].get()`) is looked up by id first with
`--unsafe-fixes` (one more request, AS201's change). Each result is bridged to the dict the API
sent, as AS110 does, so reads follow the REST rules; 0.x parsed the dates of its results into
`datetime` objects, so unless the client was built with `datetime_convert=False`, an inserted
`{APIV4_DATES}(...)` does the same (with `datetime.fromisoformat`). 0.x throttled itself to
`max_calls_per_sec`; the official SDK retries on 429 instead, so that argument goes. A client is
moved whole or not at all: one handed on, or used for a call without an equivalent (paging by
`page`, dates passed as query values, notifications, last checkpoints), stays reported by AS107.
""",
    examples=(
        CodeExample(
            before='from aftership import APIv4\n\napi = APIv4(KEY, datetime_convert=False)\n\n\ndef title(tid):\n'
                   '    return api.trackings.get(tid, fields=["title"])["tracking"]["title"]\n',
            after=f'import tracking as {SDK_ALIAS}\n\napi = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))\n\n\n'
                  'def title(tid):\n    return api.tracking.get_tracking_by_id(tracking_id=tid, fields="title")'
                  '.model_dump(mode="json", exclude_unset=True)["title"]\n',
        ),
        CodeExample(
            before='import aftership\n\napi = aftership.APIv4(KEY)\n\n\ndef add(number):\n'
                   '    created = api.trackings.post(tracking={"slug": "ups", "tracking_number": number, '
                   '"origin_country_iso3": "USA"})\n'
                   '    return created["tracking"]["created_at"].year\n',
            after=f'import datetime\nimport tracking as {SDK_ALIAS}\n\n\n{APIV4_DATES_DEFINITION}\n\n'
                  f'api = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))\n\n\ndef add(number):\n'
                  f'    created = {APIV4_DATES}(api.tracking.create_tracking({{"slug": "ups", "tracking_number": number, '
                  '"origin_country_region": "USA"}).model_dump(mode="json", exclude_unset=True))\n'
                  '    return created["created_at"].year\n',
        ),
        CodeExample(
            before='from aftership import APIv4\n\napi = APIv4(KEY, datetime_convert=False)\n\n\ndef tag(slug, number):\n'
                   '    return api.trackings[slug][number].get()["tracking"]["tag"]\n',
            after=f'import tracking as {SDK_ALIAS}\n\n\n{SDK_LOOKUP_DEFINITION}\n\n'
                  f'api = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))\n\n\ndef tag(slug, number):\n'
                  f'    return api.tracking.get_tracking_by_id(tracking_id={SDK_LOOKUP}(api, slug, number))'
                  '.model_dump(mode="json", exclude_unset=True)["tag"]\n',
            unsafe_fixes=True,  # the id is looked up first: one more request (AS201)
        ),
        CodeExample(
            before='from aftership import APIv4\n\napi = APIv4(KEY)\n\n\ndef page(n):\n'
                   '    return api.trackings.get(page=n)["trackings"]\n',
            after='from aftership import APIv4\n\napi = APIv4(KEY)\n\n\ndef page(n):\n'
                  '    return api.trackings.get(page=n)["trackings"]\n',
            findings=("AS107", "AS107"),  # paging by `page` has no SDK call: the client stays whole
        ),
    ),
)


@dataclass(frozen=True)
class Apiv4Call:
    """One call on a 0.x client, read as the URL it requested: the client's dotted name, the HTTP
    method, the path segments after the client (a str for an attribute, an expression for a
    subscript or a positional argument) and the keywords (query or body)."""

    client: str
    method: str
    segments: tuple
    keywords: dict

    def operation(self) -> tuple[str, tuple] | None:
        """(the 1.x operation of the same endpoint, the address expressions: an id, or slug and
        number); None for a URL without an official method."""
        head, rest = (self.segments[0], self.segments[1:]) if self.segments else (None, ())
        action = ACTIONS.get(rest[-1]) if rest and isinstance(rest[-1], str) else None
        address = rest[:-1] if action else rest
        if any(not isinstance(segment, str) for segment in self.segments[:1]):
            return None
        if head == "couriers":
            if any(not isinstance(segment, str) for segment in rest):
                return None
            return {("get", ()): ("courier.list_couriers", ()), ("get", ("all",)): ("courier.list_all_couriers", ()),
                    ("post", ("detect",)): ("courier.detect_courier", ())}.get((self.method, rest))
        if head != "trackings" or len(address) > 2 or any(isinstance(s, str) and s in ACTIONS for s in address):
            return None
        if not address:
            return {"get": ("tracking.list_trackings", ()), "post": ("tracking.create_tracking", ())}.get(
                self.method) if not action else None
        operation = (action if self.method == "post" else None) if action else {
            "get": "tracking.get_tracking", "put": "tracking.update_tracking",
            "delete": "tracking.delete_tracking"}.get(self.method)
        return (operation, address) if operation else None


def _apiv4_call(call, clients) -> Apiv4Call | None:
    """`call` read as a request through one of `clients` (names); None for any other call."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in ("get", "post", "put", "delete") \
            or any(arg.star for arg in call.args):
        return None
    segments: list = []
    node = func.value
    while shapes.dotted(node) not in clients:
        if isinstance(node, cst.Attribute):
            segments.insert(0, node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            value = node.slice[0].slice.value
            segments.insert(0, shapes.string_value(value) if isinstance(value, cst.SimpleString) else value)
            node = node.value
        else:
            return None
    segments.extend(arg.value for arg in call.args if arg.keyword is None)
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    return Apiv4Call(shapes.dotted(node), func.attr.value, tuple(segments), keywords)


def _joined(value):
    """A query value as the official SDK must get it (it would send a list as repeated parameters,
    0.x joined it with commas): a list literal of strings joined, a string literal as is, a name
    joined when it holds a list; None for anything else."""
    if isinstance(value, cst.SimpleString):
        return value
    if isinstance(value, (cst.Name, cst.Attribute)):  # read twice: only side-effect-free names
        text = source_text(value)
        return cst.parse_expression(f'",".join({text}) if isinstance({text}, list) else {text}')
    texts = [shapes.string_value(e.value) if isinstance(e.value, cst.SimpleString) else None
             for e in value.elements] if isinstance(value, cst.List) else [None]
    return cst.SimpleString(json.dumps(",".join(texts))) if texts and None not in texts else None


@fixes(APIV4_CALLS)
class Apiv4CallsFixer(Fixer):
    """Plans the 0.x clients it can move whole (names assigned `APIv4(...)`, every use a call with an
    official equivalent) and their calls, which become sources of AfterShip data; rewrites both."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.module = None  # the module planned, before the walk
        self.constructors: dict[int, dict] = {}  # id of an APIv4(...) call -> its arguments by name
        self.planned: dict[int, tuple] = {}  # id of a call -> (client, SdkCall, address, keywords, dates)

    def plan_sdk_calls(self, module, calls) -> dict:
        self.module = module
        names = {name for name, (package, inside) in bindings(module).items()
                 if package == "aftership" and inside in ("", "APIv4")}
        if not names:
            return {}
        self.constructors, clients, uses = assigned_clients(module, lambda call: self._constructor(call, names),
                                                            exported_names(self.file))
        dates = {name: all(self.constructors[key]["dates"] for key in keys) for name, keys in clients.items()}
        found = {}
        for call in calls:
            request = _apiv4_call(call, clients)
            planned = self._planned(call, request, dates) if request is not None else None
            if planned is not None:
                self.planned[id(call)] = planned
                rewrite = planned[1]
                found[id(call)] = shapes.Shape("data", rewrite.endpoint, rewrite.http)
                if rewrite.body:  # the body's fields are translated as a REST request's are
                    self.file.sdk_bodies[id(call)] = (planned[3].pop("tracking"), rewrite.request)
        # Every use of a client must be a call rewritten here, else none of them is.
        for key in partial_clients(clients, {key: planned[0] for key, planned in self.planned.items()}, uses):
            self.constructors.pop(key, None)
            self.file.sdk_bodies.pop(key, None)
            found.pop(key, None)
            self.planned.pop(key, None)
        self.file.sdk_constructors.update(self.constructors)
        if self.file.legacy_calls_left is not None:  # AS110 counted each APIv4(...) as a call left
            self.file.legacy_calls_left -= len(self.constructors)
        return found

    def _constructor(self, call, names: set[str]) -> dict | None:
        """`APIv4(key, max_calls_per_sec=..., datetime_convert=...)` with a datetime_convert the
        rule can read: {"key": ..., "dates": whether results had datetime objects}."""
        func = shapes.dotted(call.func) or ""
        if not (func in names and func != "aftership") and not (func == "aftership.APIv4" and "aftership" in names):
            return None
        arguments = call_arguments(call, ("key", "max_calls_per_sec", "datetime_convert"), required=("key",))
        if arguments is None or not self.file.allowed(self.rule.code, call):
            return None
        convert = arguments.get("datetime_convert")
        if convert is not None and not (isinstance(convert, cst.Name) and convert.value in ("True", "False")):
            return None
        return {"key": arguments["key"], "dates": convert is None or convert.value == "True"}

    def _planned(self, call, request: Apiv4Call, dates: dict[str, bool]) -> tuple | None:
        found = request.operation()
        if found is None or not self.file.allowed(self.rule.code, call):
            return None
        operation, address = found
        rewrite = OPERATIONS[operation]
        keywords = dict(request.keywords)
        if rewrite is MARK_COMPLETED:  # 0.x turned a datetime into a string: only a literal is carried
            if "reason" not in keywords or not set(keywords) <= rewrite.keywords or not isinstance(
                    keywords.get("event_datetime", cst.SimpleString('""')), cst.SimpleString):
                return None
        elif rewrite.body:
            if set(keywords) != {"tracking"} or not literal_body(keywords["tracking"], rewrite):
                return None
        else:
            allowed = QUERIES.get(operation, frozenset())
            if not set(keywords) <= allowed:
                return None  # `page`, dates as query values, anything the official method lacks
            for name in keywords.keys() & JOINED:
                keywords[name] = _joined(keywords[name])
                if keywords[name] is None:
                    return None
        if len(address) == 2:  # by slug and number: the id looked up first, one more request (AS201)
            if not (self.file.rules.may_fix(lookup_rule()) and self.file.allowed(lookup_rule().code, call)):
                return None
        address = tuple(cst.SimpleString(f'"{a}"') if isinstance(a, str) else a for a in address)
        return request.client, rewrite, address, keywords, dates[request.client]

    def leave_Call(self, original, updated):
        if id(original) in self.constructors and self.fix(original):
            self.file.needed_aliases.add(("tracking", SDK_ALIAS))
            drop_unused_imports(self.file, self.module, "aftership")
            key = source_text(self.constructors[id(original)]["key"])
            return cst.parse_expression(f"{SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key={key}))")
        planned = self.planned.get(id(original))
        if planned is None or not self.fix(original):
            return updated
        client, rewrite, address, keywords, dated = planned
        args = []
        if len(address) == 2:
            self.file.fix(original, lookup_rule())  # counted as AS201's: one more request
            self.file.needed_definitions[SDK_LOOKUP] = SDK_LOOKUP_DEFINITION
            lookup = cst.parse_expression(f"{SDK_LOOKUP}({client}, slug, number)")
            address = (lookup.with_changes(args=[lookup.args[0], cst.Arg(address[0]), cst.Arg(address[1])]),)
        if address:
            positional = rewrite.body or rewrite is MARK_COMPLETED  # the id, then the body
            args.append(cst.Arg(address[0], keyword=None if positional else cst.Name("tracking_id"),
                                equal=cst.MaybeSentinel.DEFAULT if positional else _tight_equal()))
        if rewrite.body:
            args.append(cst.Arg(_body_of(updated)))
        if rewrite is MARK_COMPLETED:  # the keywords were the body
            args.append(cst.Arg(cst.Dict([cst.DictElement(cst.SimpleString(f'"{name}"'), value)
                                          for name, value in keywords.items()])))
            keywords = {}
        args.extend(cst.Arg(value, keyword=cst.Name(name), equal=_tight_equal()) for name, value in keywords.items())
        call = cst.parse_expression(f"{client}.{rewrite.group}.{rewrite.method}()").with_changes(args=args)
        bridged = cst.parse_expression(BRIDGE).with_changes(func=cst.Attribute(value=call, attr=cst.Name("model_dump")))
        if not dated or rewrite.group != "tracking":  # couriers carry no dates
            return bridged
        self.file.needed_imports.add("datetime")
        self.file.needed_definitions[APIV4_DATES] = APIV4_DATES_DEFINITION
        return cst.Call(cst.Name(APIV4_DATES), [cst.Arg(bridged)])


def _body_of(updated):
    """The `tracking=` keyword's value in the call as the walk left it (its fields translated)."""
    return next(arg.value for arg in updated.args if arg.keyword is not None and arg.keyword.value == "tracking")


def _tight_equal():
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


RULES = (APIV4_CALLS,)

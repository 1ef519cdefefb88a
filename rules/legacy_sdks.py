"""Guide §3 New SDK: code on the legacy Python SDKs, AfterShip's own `aftership` (the 0.x `APIv4`
object API and the 1.x module API) and the community `pyaftership` (async, Home Assistant's).

The tables below say what each legacy call becomes on `aftership-tracking-sdk` 5.x (package
`tracking`, API 2025-01). They were read from the packages' sources on PyPI: `aftership` 1.4.1
(`aftership/tracking.py`, `courier.py`, `notification.py`, `estimated_delivery_date.py`) and 0.2
(`APIv4`, whose attribute path is the URL path), `pyaftership` 23.1.0 (`trackings.py`,
`couriers.py`; 21.x has the same methods).

AS107 reports what is not moved, each site with its replacement; AS109 moves the dependency
files; AS110 moves 1.x module calls, AS111 pyaftership clients; 0.x clients (AS113) and the
`except` clauses on the legacy errors (AS112) have modules of their own, `legacy_apiv4` and
`legacy_errors`. The moving rules plan before the walk (`plan_sdk_calls`, in code order) which
calls they rewrite: those calls become sources of AfterShip data, so the REST rules migrate
what the program reads of their results.
"""

from dataclasses import dataclass

from migrator.catalogue import CodeExample, Fixer, Rule, fixes
from migrator.lazy import lazy_module

bodies = lazy_module("migrator.codemod.bodies")
cst = lazy_module("libcst")
index = lazy_module("migrator.codemod.index")
requirements = lazy_module("migrator.codemod.requirements")
shapes = lazy_module("migrator.codemod.shapes")

CLIENT = "client = tracking.Client(tracking.Configuration(api_key=KEY))"
BY_ID = "by id; by slug and number, look the id up with client.tracking.get_trackings(slug=..., tracking_numbers=...) first"

# aftership 1.x: `aftership.<module>.<function>(...)`; each returned the response's `data`.
MODULE_API = {
    "tracking.create_tracking": "client.tracking.create_tracking(body): the body without its {\"tracking\": ...} wrapper",
    "tracking.get_tracking": f"client.tracking.get_tracking_by_id(id) {BY_ID}",
    "tracking.update_tracking": f"client.tracking.update_tracking_by_id(id, body) {BY_ID}",
    "tracking.delete_tracking": f"client.tracking.delete_tracking_by_id(id) {BY_ID}",
    "tracking.retrack": f"client.tracking.retrack_tracking_by_id(id) {BY_ID}",
    "tracking.get_last_checkpoint": "removed: client.tracking.get_tracking_by_id(id) and its last checkpoint (§2)",
    "tracking.list_trackings": "client.tracking.get_trackings(...): pages by `cursor`, not `page` (§8.2)",
    "courier.list_couriers": "client.courier.get_user_couriers()",
    "courier.list_all_couriers": "client.courier.get_all_couriers()",
    "courier.detect_courier": "client.courier.detect_courier(body): the body without its {\"tracking\": ...} wrapper",
    "estimated_delivery_date.batch_predict_estimated_delivery_date":
        "client.estimated_delivery_date.predict_batch({\"estimated_delivery_dates\": [...]})",
    "notification.list_notifications": "removed: read the tracking's `customers` (§2)",
    "notification.add_notification": "removed: update the tracking's `customers` (§2)",
    "notification.remove_notification": "removed: update the tracking's `customers` (§2)",
}
# aftership 0.x: `APIv4(key).<path>.<method>(...)`, the path being the URL's.
APIV4_PATHS = {
    ("trackings", "get"): f"client.tracking.get_trackings(...), or one tracking: client.tracking.get_tracking_by_id(id) {BY_ID}",
    ("trackings", "post"): "client.tracking.create_tracking(body): the body without its {\"tracking\": ...} wrapper",
    ("trackings", "put"): f"client.tracking.update_tracking_by_id(id, body) {BY_ID}",
    ("trackings", "delete"): f"client.tracking.delete_tracking_by_id(id) {BY_ID}",
    ("trackings.retrack", "post"): f"client.tracking.retrack_tracking_by_id(id) {BY_ID}",
    ("couriers", "get"): "client.courier.get_user_couriers()",
    ("couriers.all", "get"): "client.courier.get_all_couriers()",
    ("couriers.detect", "post"): "client.courier.detect_courier(body): the body without its {\"tracking\": ...} wrapper",
    ("last_checkpoint", "get"): "removed: client.tracking.get_tracking_by_id(id) and its last checkpoint (§2)",
    ("notifications", "get"): "removed: read the tracking's `customers` (§2)",
    ("notifications", "post"): "removed: update the tracking's `customers` (§2)",
}
APIV4_METHODS = frozenset({"get", "post", "put", "delete", "request"})
# pyaftership: `AfterShip(api_key=..., session=...).<group>.<method>(...)`, awaited.
# (the official method, its arguments): the SDK is synchronous, so the call goes through
# `await asyncio.to_thread(method, *arguments)` and the coroutine stays a coroutine.
PYAFTERSHIP = {
    "trackings.list": ("client.tracking.get_trackings", "", ""),
    "trackings.add": ("client.tracking.create_tracking", '{"tracking_number": ..., "slug": ..., "title": ...}', ""),
    "trackings.remove": ("client.tracking.delete_tracking_by_id", "id", BY_ID),
    "couriers.detect": ("client.courier.detect_courier", '{"tracking_number": ...}', ""),
}
# Legacy error types -> the official SDK's of the same meaning (`tracking.exceptions.X`), for
# AS107's messages and AS112's rewrite: aftership 1.x raised one per HTTP status, as the official
# SDK does (0.x one for all); pyaftership raised one type for every failure, an API error or the
# network's (httpx's, which the official SDK lets through).
ERROR_MAPPING = {
    ("aftership", "AfterShipError"): ("ApiException",), ("aftership", "BadRequest"): ("BadRequestError",),
    ("aftership", "Unauthorized"): ("UnauthorizedError",), ("aftership", "Forbidden"): ("ForbiddenError",),
    ("aftership", "NotFound"): ("NotFoundError",), ("aftership", "TooManyRequests"): ("TooManyRequestsError",),
    ("aftership", "InternalError"): ("InternalError",), ("aftership", "UnexpectedError"): ("UnknownError",),
    ("aftership", "APIRequestException"): ("ApiException",), ("aftership", "APIv4RequestException"): ("ApiException",),
    ("pyaftership", "AfterShipException"): ("ApiException", "httpx.HTTPError"),
    ("pyaftership", "AfterShipCommunicationException"): ("ApiException", "httpx.HTTPError"),
}
UNKNOWN = "no 2025-01 SDK method is known for it; see the SDK's tracking.Client"
PACKAGES = frozenset({"aftership", "pyaftership"})

LEGACY_SDK = Rule(
    code="AS107",
    name="legacy-sdk",
    title="The legacy `aftership` and `pyaftership` SDKs are replaced by `aftership-tracking-sdk` (package `tracking`)",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="manual",
    summary="""
The legacy SDKs call the removed v4 API and return v4 dicts: `aftership` 1.x (`aftership.
tracking.get_tracking(...)`), 0.x (`APIv4(key).trackings.get(slug, number)`) and `pyaftership`
(`await AfterShip(api_key=..., session=...).trackings.list()`). The 2025-01 SDK
(`aftership-tracking-sdk`, `tracking.Client(tracking.Configuration(api_key=...))`) has other
method names, addresses trackings by id and returns pydantic models. Each import, client
construction, call and `except` on a legacy error type is reported at its line with what
replaces it; the official SDK is synchronous, so `pyaftership`'s awaited calls need
`await asyncio.to_thread(...)`.
""",
    examples=(
        CodeExample(
            before='import aftership\n\naftership.api_key = KEY\n'
                   'last = aftership.tracking.get_last_checkpoint(tracking_id=tid)["checkpoint"]\n',
            after='import aftership\n\naftership.api_key = KEY\n'
                  'last = aftership.tracking.get_last_checkpoint(tracking_id=tid)["checkpoint"]\n',
            findings=("AS107",),
        ),
        CodeExample(
            before='from pyaftership import AfterShip\n\n\nasync def drop(session, number):\n'
                   '    client = AfterShip(api_key=KEY, session=session)\n'
                   '    await client.trackings.remove(number, "ups")\n',
            after='from pyaftership import AfterShip\n\n\nasync def drop(session, number):\n'
                  '    client = AfterShip(api_key=KEY, session=session)\n'
                  '    await client.trackings.remove(number, "ups")\n',
            findings=("AS107",),
        ),
        CodeExample(
            before='from aftership import APIv4, APIv4RequestException\n\napi = APIv4(KEY)\ntry:\n'
                   '    t = api.trackings[slug][number].get()["tracking"]\nexcept APIv4RequestException:\n    t = None\n',
            after='from aftership import APIv4, APIv4RequestException\n\napi = APIv4(KEY)\ntry:\n'
                  '    t = api.trackings[slug][number].get()["tracking"]\nexcept APIv4RequestException:\n    t = None\n',
            findings=("AS107", "AS402"),  # the v4 envelope read from what the call returns
        ),
    ),
)


def _to_thread(method: str, arguments: str, note: str) -> str:
    return " ".join(filter(None, (f"await asyncio.to_thread({', '.join(filter(None, (method, arguments)))})", note)))


def _becomes(operation: str, replacement: str) -> str:
    return f"`{operation}` is {replacement}" if replacement.startswith("removed") else \
        f"`{operation}` becomes {replacement}"


def _path(node) -> list[str] | None:
    """`a.b[x][y].c` -> ["a", "b", "c"]: names and attributes, subscripts skipped (APIv4 reads
    `api.trackings[slug][number]` as the path trackings/slug/number)."""
    parts: list[str] = []
    while True:
        if isinstance(node, cst.Name):
            return [node.value, *reversed(parts)]
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        else:
            return None


@fixes(LEGACY_SDK)
class LegacySdkFixer(Fixer):
    """Names bound to the legacy packages (imports) and to their clients (assignments), in source
    order; every use of them is reported with its replacement."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.bound: dict[str, tuple[str, str]] = {}  # local name -> (package, dotted path inside it)
        self.clients: dict[str, str] = {}  # `api`, `self.api` -> the client's package

    def visit_Module(self, node) -> None:
        # Clients another module of the project builds and this one imports (the run's mark).
        for line in self.file.constants.get(index.LEGACY_CLIENTS, "").split("\n"):
            name, _, package = line.partition(":")
            if name:
                self.clients[name] = package

    def visit_Import(self, node) -> None:
        for alias in node.names:
            name = shapes.dotted(alias.name) or ""
            if name.split(".")[0] in PACKAGES:
                local = shapes.dotted(alias.asname.name) if alias.asname else name.split(".")[0]
                self.bound[local] = (name.split(".")[0], ".".join(name.split(".")[1:]) if alias.asname else "")
                self.file.report_if_kept(node, self.rule, f"`import {name}`: install aftership-tracking-sdk and {CLIENT}",
                                         name)

    def visit_ImportFrom(self, node) -> None:
        module = shapes.dotted(node.module) if node.module is not None and not node.relative else None
        if not module or module.split(".")[0] not in PACKAGES:
            return
        package, inside = module.split(".")[0], ".".join(module.split(".")[1:])
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                local = alias.asname.name.value if alias.asname else alias.name.value
                self.bound[local] = (package, ".".join(filter(None, (inside, alias.name.value))))
        self.file.report_if_kept(node, self.rule, f"`from {module} import ...`: install aftership-tracking-sdk and {CLIENT}",
                                 module)

    def _rewritten_away(self, module: str) -> bool:
        """Whether AS110 (AS111) rewrites every use here of the `aftership` 1.x module API
        (`pyaftership`'s client): the key assignment is then moved too."""
        if module.split(".")[0] == "aftership":
            return self.file.legacy_calls_left == 0 and bool(self.file.sdk_calls)
        return module.split(".")[0] == "pyaftership" and self.file.async_calls_left == 0 \
            and bool(self.file.sdk_constructors)

    def visit_Assign(self, node) -> None:
        if isinstance(node.value, cst.Call):
            package = self._constructed(node.value)
            if package:
                for target in node.targets:
                    name = shapes.dotted(target.target)
                    if name:
                        self.clients[name] = package
        for target in node.targets:  # aftership 1.x: `aftership.api_key = KEY` (AS110 moves it when it can)
            path = self._resolved(target.target)
            if path and path[1] == "api_key" and not self._rewritten_away("aftership"):
                self.report(target.target, f"the 1.x module's key: {CLIENT}")

    def _constructed(self, call) -> str | None:
        path = self._resolved(call.func)
        if path is None:
            return None
        last = path[1].rsplit(".", 1)[-1]
        return path[0] if index.LEGACY_CONSTRUCTORS.get(last) == path[0] else None

    def _resolved(self, func) -> tuple[str, str] | None:
        """(package, dotted path inside it) of an expression rooted at a legacy import."""
        parts = _path(func)
        if not parts or parts[0] not in self.bound:
            return None
        package, inside = self.bound[parts[0]]
        return package, ".".join(filter(None, (inside, *parts[1:])))

    def visit_Call(self, node) -> None:
        if id(node) in self.file.sdk_calls or id(node) in self.file.sdk_constructors:
            return  # AS110 or AS111 rewrites it
        replacement = self._replacement(node)
        if replacement:
            self.report(node, replacement)

    def _replacement(self, call) -> str | None:
        if self._constructed(call):
            return f"a legacy client: {CLIENT}"
        path = self._resolved(call.func)
        if path is not None:
            found = MODULE_API.get(path[1])
            return _becomes(path[1], found) if found else f"`{path[1]}` of the legacy SDK: {UNKNOWN}"
        parts = _path(call.func)
        for length in range(len(parts or ()) - 1, 0, -1):
            package = self.clients.get(".".join(parts[:length]))
            if package is not None:
                return self._client_call(package, parts[length:])
        return None

    @staticmethod
    def _client_call(package: str, rest: list[str]) -> str:
        operation = ".".join(rest)
        if package == "pyaftership":
            found = PYAFTERSHIP.get(operation)
            return _becomes(operation, _to_thread(*found)) if found else \
                f"`{operation}` of the legacy client: {UNKNOWN}"
        found = None
        if len(rest) >= 2 and rest[-1] in APIV4_METHODS:
            path, method = ".".join(rest[:-1]), rest[-1]
            found = APIV4_PATHS.get((path, method)) or APIV4_PATHS.get((rest[0], method))
        return _becomes(operation, found) if found else f"`{operation}` of the legacy client: {UNKNOWN}"

    def visit_ExceptHandler(self, node) -> None:
        if id(node) in self.file.sdk_handlers:
            return  # AS112 maps it
        kinds = node.type.elements if isinstance(node.type, cst.Tuple) else [node.type] if node.type else []
        for kind in kinds:
            expr = kind.value if isinstance(kind, cst.Element) else kind
            path = self._resolved(expr)
            mapped = ERROR_MAPPING.get((path[0], path[1].rsplit(".", 1)[-1])) if path else None
            if mapped:
                kinds = [kind if "." in kind else f"tracking.exceptions.{kind}" for kind in mapped]
                self.report(expr, f"`{path[1].rsplit('.', 1)[-1]}` becomes {' or '.join(kinds)}")


LEGACY_REQUIREMENT = Rule(
    code="AS109",
    name="legacy-sdk-requirement",
    title="Requirements on `aftership` or `pyaftership` become `aftership-tracking-sdk>=5.0.1,<6`",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="safe",
    summary="""
In `requirements*.txt`, `pyproject.toml` (`[project]` dependencies and extras, Poetry's
dependency tables), `setup.cfg` (`install_requires`, `extras_require`, `tests_require`) and the
`install_requires`/`extras_require`/`tests_require` of a `setup(...)` call, a requirement on a
legacy SDK becomes one on the official 2025-01 SDK, its environment marker kept (a second one in
the same file is dropped). Only once no Python file of the project imports the legacy package:
until then the line is reported with the first file still importing it (AS107 lists what to
move). A requirement installed from a URL, a path or in editable mode is reported.
""",
    examples=(
        CodeExample(
            before='from setuptools import setup\n\nsetup(name="shop", install_requires=["requests", "aftership>=1.0"])\n',
            after='from setuptools import setup\n\n'
                  'setup(name="shop", install_requires=["requests", "aftership-tracking-sdk>=5.0.1,<6"])\n',
        ),
        CodeExample(
            before='import aftership\nfrom setuptools import setup\n\nsetup(install_requires=["aftership==1.4.1"])\n',
            after='import aftership\nfrom setuptools import setup\n\nsetup(install_requires=["aftership==1.4.1"])\n',
            findings=("AS107", "AS109"),
        ),
    ),
)

REQUIREMENT_KEYWORDS = frozenset({"install_requires", "extras_require", "tests_require", "setup_requires"})


@fixes(LEGACY_REQUIREMENT)
class LegacyRequirementFixer(Fixer):
    """The requirement strings of a `setup(...)` call (the other files are `requirements.py`'s)."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.requirements: set[int] = set()

    def visit_Call(self, node) -> None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in REQUIREMENT_KEYWORDS:
                for string in _strings(arg.value):
                    text = shapes.string_value(string)
                    if text and requirements.legacy_requirement(text):
                        self._decide(string, text)

    def _decide(self, string, text: str) -> None:
        importers = self.file.legacy_importers
        if not requirements.judged(text):
            self.report(string, f"`{text}` installs the legacy SDK from a URL: require "
                                f"{requirements.NEW_NAME}{requirements.NEW_SPEC} instead")
        elif importers:
            self.report(string, f"`{text}` is the legacy SDK: it becomes {requirements.NEW_NAME}"
                                f"{requirements.NEW_SPEC} once no code imports it (still imported at {importers[0]})")
        else:
            self.requirements.add(id(string))

    def leave_SimpleString(self, original, updated):
        if id(original) in self.requirements and self.fix(original):
            quote = updated.quote
            text = requirements.replacement(shapes.string_value(original))
            return updated.with_changes(value=f"{updated.prefix}{quote}{text}{quote}")
        return updated


def _strings(value) -> list:
    """The string literals of a requirement list, tuple or extras dict (`{"ha": [...]}`)."""
    if isinstance(value, cst.SimpleString):
        return [value]
    if isinstance(value, (cst.List, cst.Tuple)):
        return [s for element in value.elements for s in _strings(element.value)]
    if isinstance(value, cst.Dict):
        return [s for element in value.elements if isinstance(element, cst.DictElement) for s in _strings(element.value)]
    return []


@dataclass(frozen=True)
class SdkCall:
    """What an `aftership` 1.x function becomes: the official SDK's group and method, the endpoint
    family whose `data` it returns (its reads then follow the REST rules), the keyword arguments
    that carry over, and for a call sending a body, the 1.x parameter holding it (unwrapped: the
    1.x SDK wrapped it in {"tracking": ...} itself) and the request it is."""

    group: str
    method: str
    endpoint: str
    http: str
    keywords: frozenset[str] = frozenset()
    body: str | None = None
    request: str | None = None

    @property
    def by_id(self) -> bool:
        return "tracking_id" in self.keywords


LIST_PARAMETERS = frozenset({
    "limit", "keyword", "tracking_numbers", "slug", "origin", "destination", "tag", "created_at_min",
    "created_at_max", "updated_at_min", "updated_at_max", "fields", "return_to_sender",
    "courier_destination_country_iso3"})
# The operations rewritten; the others (addressed by slug and tracking number, paging by `page`,
# notifications, last checkpoint, predictions) and calls passing anything else stay with AS107.
SDK_REWRITES = {
    "tracking.get_tracking": SdkCall("tracking", "get_tracking_by_id", "tracking", "get",
                                     frozenset({"tracking_id", "fields", "lang"})),
    "tracking.delete_tracking": SdkCall("tracking", "delete_tracking_by_id", "tracking", "delete",
                                        frozenset({"tracking_id"})),
    "tracking.retrack": SdkCall("tracking", "retrack_tracking_by_id", "tracking-action", "post",
                                frozenset({"tracking_id"})),
    "tracking.list_trackings": SdkCall("tracking", "get_trackings", "trackings", "get", LIST_PARAMETERS),
    "tracking.create_tracking": SdkCall("tracking", "create_tracking", "trackings", "post", frozenset({"tracking"}),
                                        body="tracking", request="create-request"),
    "tracking.update_tracking": SdkCall("tracking", "update_tracking_by_id", "tracking", "put",
                                        frozenset({"tracking_id", "tracking"}), body="tracking",
                                        request="update-request"),
    "courier.list_couriers": SdkCall("courier", "get_user_couriers", "couriers", "get"),
    "courier.list_all_couriers": SdkCall("courier", "get_all_couriers", "couriers", "get"),
    "courier.detect_courier": SdkCall("courier", "detect_courier", "detect", "post", frozenset({"tracking"}),
                                      body="tracking", request="detect-request"),
    "estimated_delivery_date.batch_predict_estimated_delivery_date": SdkCall(
        "estimated_delivery_date", "predict_batch", "predict-batch", "post", frozenset({"estimated_delivery_dates"}),
        body="estimated_delivery_dates", request="predict-batch"),
}
# The official method takes a body whose one key the 1.x SDK added itself: {key: the argument}.
WRAPPED_BODIES = {"predict_batch": "estimated_delivery_dates"}
# The official SDK returns pydantic models; this dict of one is what the 2025-01 API sent: the
# keys it sent, enums as their values, dates as their strings (what v4's dicts held).
BRIDGE = 'x.model_dump(mode="json", exclude_unset=True)'
SDK_PARAM_RENAMES = {"courier_destination_country_iso3": "courier_destination_country_region"}
SDK_ALIAS = "aftership_sdk"  # `import tracking as ...`: AfterShip code names its own variables `tracking`
SDK_CLIENT = "aftership_tracking_client"
KEY_VARIABLE = "AFTERSHIP_TRACKING_SDK_API_KEY"  # the official SDK's Configuration reads it by default
# Docstrings on one line: a newline inside a string token would not follow a CRLF file's endings.
SDK_CLIENT_DEFINITION = f'''def {SDK_CLIENT}() -> {SDK_ALIAS}.Client:
    """The 2025-01 SDK's client, with the key the v4 SDK used (aftership.api_key, else the env)."""
    return {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(
        api_key=os.environ.get("{KEY_VARIABLE}") or os.environ.get("AFTERSHIP_API_KEY")))
'''

SDK_LOOKUP = "aftership_tracking_id"
SDK_LOOKUP_DEFINITION = f'''def {SDK_LOOKUP}(client: {SDK_ALIAS}.Client, slug: str, tracking_number: str) -> str:
    """The 2025-01 id of the tracking v4 addressed by slug and tracking number (one more request)."""
    found = client.tracking.get_trackings(slug=slug, tracking_numbers=tracking_number).trackings
    if not found:
        raise {SDK_ALIAS}.exceptions.NotFoundError(
            code={SDK_ALIAS}.exceptions.ErrorCodeEnum.TRACKING_DOES_NOT_EXIST,
            message=f"Tracking {{tracking_number}} of {{slug}} does not exist.", status_code=404, meta_code=4004)
    return found[0].id
'''

MODULE_API_CALLS = Rule(
    code="AS110",
    name="legacy-sdk-module-calls",
    title="`aftership` 1.x module calls become `aftership-tracking-sdk` calls",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="safe",
    summary=f"""
`aftership.tracking.get_tracking(tracking_id=...)`, `delete_tracking`, `retrack`,
`update_tracking` (by id), `create_tracking`, `list_trackings(...)`, and
`aftership.courier.list_couriers()`, `list_all_couriers()`, `detect_courier(...)` and
`aftership.estimated_delivery_date.batch_predict_estimated_delivery_date([...])` become
`{SDK_CLIENT}().tracking.get_tracking_by_id(tracking_id=...)` and the like, on a client function
inserted once per module. A body (a dict literal: the 1.x SDK wrapped it itself) goes to the
official method unwrapped, and its fields are translated as a REST request's are. The result
is bridged with `.model_dump(mode="json", exclude_unset=True)`: a dict holding exactly what
the 2025-01 API returned, so the reads of it keep working and are migrated by the REST rules
(`t["tracking"]["title"]` becomes `t["title"]`, renamed fields follow).
`aftership.api_key = KEY` becomes `os.environ["{KEY_VARIABLE}"] = KEY` (kept as well while other
legacy calls still need it). A call addressed by slug and tracking number looks the id up
first with `--unsafe-fixes` (one more request, AS201's change) and stays reported by AS107
otherwise, as do paging by `page`, a body built elsewhere than in the call, notifications and
last checkpoints.
""",
    examples=(
        CodeExample(
            before='import aftership\n\naftership.api_key = KEY\n\n\ndef title(tid):\n'
                   '    return aftership.tracking.get_tracking(tracking_id=tid)["tracking"]["title"]\n',
            after=f'import os\nimport tracking as {SDK_ALIAS}\n\n\n{SDK_CLIENT_DEFINITION}\n\n'
                  f'os.environ["{KEY_VARIABLE}"] = KEY\n\n\ndef title(tid):\n'
                  f'    return {SDK_CLIENT}().tracking.get_tracking_by_id(tracking_id=tid).model_dump(mode="json", exclude_unset=True)["title"]\n',
        ),
        CodeExample(
            before='from aftership import courier, tracking\n\n\ndef overview():\n'
                   '    couriers = [c["slug"] for c in courier.list_couriers()["couriers"]]\n'
                   '    page = tracking.list_trackings(slug="ups", limit=50)\n'
                   '    return couriers, [t["origin_country_iso3"] for t in page["trackings"]]\n',
            after=f'import os\nimport tracking as {SDK_ALIAS}\n\n\n{SDK_CLIENT_DEFINITION}\n\n'
                  f'def overview():\n'
                  f'    couriers = [c["slug"] for c in {SDK_CLIENT}().courier.get_user_couriers().model_dump(mode="json", exclude_unset=True)["couriers"]]\n'
                  f'    page = {SDK_CLIENT}().tracking.get_trackings(slug="ups", limit=50).model_dump(mode="json", exclude_unset=True)\n'
                  f'    return couriers, [t["origin_country_region"] for t in page["trackings"]]\n',
        ),
        CodeExample(
            before='import aftership\n\n\ndef tag(slug, number):\n'
                   '    return aftership.tracking.get_tracking(slug=slug, tracking_number=number)["tracking"]["tag"]\n',
            after='import aftership\n\n\ndef tag(slug, number):\n'
                  '    return aftership.tracking.get_tracking(slug=slug, tracking_number=number)["tracking"]["tag"]\n',
            findings=("AS107", "AS402"),  # the call stays (by slug and number), and so does its v4 read
        ),
        CodeExample(
            before='import aftership\n\n\ndef tag(slug, number):\n'
                   '    return aftership.tracking.get_tracking(slug=slug, tracking_number=number)["tracking"]["tag"]\n',
            after=f'import os\nimport tracking as {SDK_ALIAS}\n\n\n{SDK_CLIENT_DEFINITION}\n\n{SDK_LOOKUP_DEFINITION}\n\n'
                  'def tag(slug, number):\n'
                  f'    return {SDK_CLIENT}().tracking.get_tracking_by_id(tracking_id={SDK_LOOKUP}({SDK_CLIENT}(), slug, number))'
                  '.model_dump(mode="json", exclude_unset=True)["tag"]\n',
            unsafe_fixes=True,  # the id is looked up first: one more request (AS201)
        ),
    ),
)


def legacy_names(module) -> dict[str, str]:
    """Names the module's top-level imports bind to `aftership` 1.x: local name -> dotted path
    inside the package ("" for the package itself)."""
    return {local: inside for local, (package, inside) in bindings(module).items() if package == "aftership"}


@fixes(MODULE_API_CALLS)
class ModuleApiCallsFixer(Fixer):
    """Plans before the walk which calls it rewrites (they become sources of AfterShip data for
    the tracer), then rewrites them and the key assignment."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.planned: dict[int, str] = {}  # id of a call -> its operation
        self.module = None  # the module planned, before the walk
        self.bound: dict[str, str] = {}
        self.unplanned = 0  # legacy calls left as they are (they still read aftership.api_key)
        self.lookups: set[int] = set()  # planned calls addressed by slug and number

    def plan_sdk_calls(self, module, calls) -> dict:
        self.module = module
        self.bound = legacy_names(module)
        if not self.bound or _defines_other(module, SDK_CLIENT):
            return {}
        shapes_of = {}
        for call in calls:
            operation = _operation(call.func, self.bound)
            if operation is None:
                continue
            rewrite = SDK_REWRITES.get(operation)
            if operation in index.LEGACY_CONSTRUCTORS:  # an 0.x client: its calls stay, and what they raise
                self.unplanned += 1
                continue
            if operation == "api_key" or (rewrite is None and "." not in operation):
                continue  # not a call of an operation (aftership.api_key is an assignment)
            arguments = call_arguments(call, (rewrite.body,) if rewrite and rewrite.body else (),
                                   keywords=rewrite.keywords | (ADDRESS if rewrite.by_id else frozenset())
                                   ) if rewrite else None
            if arguments is not None and rewrite.by_id and ADDRESS <= arguments.keys() and "tracking_id" not in arguments:
                # by slug and number: the id looked up first, one more request (AS201's change)
                if not (self.file.rules.may_fix(lookup_rule()) and self.file.allowed(lookup_rule().code, call)):
                    arguments = None
                else:
                    self.lookups.add(id(call))
                    arguments["tracking_id"] = None
            elif arguments is not None and rewrite.by_id and ADDRESS & arguments.keys():
                arguments = None  # a slug or a number alone: not an address the tool can read
            if arguments is None or (rewrite.by_id and "tracking_id" not in arguments) \
                    or (rewrite.body and not literal_body(arguments.get(rewrite.body), rewrite)) \
                    or not self.file.allowed(self.rule.code, call):
                self.unplanned += 1
                continue
            self.planned[id(call)] = operation
            shapes_of[id(call)] = shapes.Shape("data", rewrite.endpoint, rewrite.http)
            if rewrite.body:  # the body's fields are translated as a REST request's are
                self.file.sdk_bodies[id(call)] = (arguments[rewrite.body], rewrite.request)
        # AS107 says nothing of an import this rule's rewrite leaves unused (it is removed).
        self.file.legacy_calls_left = self.unplanned
        return shapes_of

    def leave_Call(self, original, updated):
        operation = self.planned.get(id(original))
        if operation is None or not self.fix(original):
            return updated
        rewrite = SDK_REWRITES[operation]
        args = [self._renamed(original_arg, arg) for original_arg, arg in zip(original.args, updated.args)]
        if id(original) in self.lookups:
            self.file.fix(original, lookup_rule())  # counted as AS201's: one more request
            self.file.needed_definitions[SDK_LOOKUP] = SDK_LOOKUP_DEFINITION
            address = {arg.keyword.value: arg.value for arg in args if arg.keyword and arg.keyword.value in ADDRESS}
            lookup = cst.parse_expression(f"{SDK_LOOKUP}({SDK_CLIENT}(), slug, number)").with_changes(
                args=[cst.Arg(cst.parse_expression(f"{SDK_CLIENT}()")), cst.Arg(address["slug"]),
                      cst.Arg(address["tracking_number"])])
            args = [arg for arg in args if not (arg.keyword and arg.keyword.value in ADDRESS)]
            args.insert(0, cst.Arg(lookup, keyword=cst.Name("tracking_id"), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))))
        if rewrite.body:  # the official method takes the id (if any), then the body, positionally
            by_name = {arg.keyword.value if arg.keyword else rewrite.body: arg.value for arg in args}
            if rewrite.method in WRAPPED_BODIES:
                by_name[rewrite.body] = cst.Dict([cst.DictElement(
                    cst.SimpleString(f'"{WRAPPED_BODIES[rewrite.method]}"'), by_name[rewrite.body])])
            args = [cst.Arg(by_name[name]) for name in ("tracking_id", rewrite.body) if name in by_name]
        self._needs_client()
        call = cst.parse_expression(f"{SDK_CLIENT}().{rewrite.group}.{rewrite.method}()").with_changes(args=args)
        return cst.parse_expression(BRIDGE).with_changes(func=cst.Attribute(value=call, attr=cst.Name("model_dump")))

    def _renamed(self, original, updated):
        """A query parameter 2025-01 renamed, counted as its rename rule's fix (AS313)."""
        new_name = SDK_PARAM_RENAMES.get(updated.keyword.value) if updated.keyword is not None else None
        if new_name is None:
            return updated
        from migrator.catalogue import load_catalogue

        rename = next(rule for rule in load_catalogue() for change in rule.changes
                      if getattr(change, "old", None) == updated.keyword.value and getattr(change, "new", None) == new_name)
        self.file.fix(original.keyword, rename)
        return updated.with_changes(keyword=cst.Name(new_name))

    def leave_Assign(self, original, updated):
        if not self.planned or len(updated.targets) != 1:
            return updated
        target = original.targets[0].target
        if _operation(target, self.bound) != "api_key" or not self.fix(original):
            return updated
        self._needs_client()
        environ = cst.AssignTarget(cst.parse_expression(f'os.environ["{KEY_VARIABLE}"]'))
        others = [place for place in self.file.legacy_importers if place != "this file"]
        keep = self.file.legacy_calls_left or others  # legacy calls here or elsewhere still read aftership.api_key
        return updated.with_changes(targets=[*updated.targets, environ] if keep else [environ])

    def _needs_client(self) -> None:
        self.file.needed_definitions[SDK_CLIENT] = SDK_CLIENT_DEFINITION
        self.file.needed_imports.add("os")
        self.file.needed_aliases.add(("tracking", SDK_ALIAS))
        drop_unused_imports(self.file, self.module, "aftership")


ADDRESS = frozenset({"slug", "tracking_number"})


def lookup_rule() -> Rule:
    """AS201, the REST rule for endpoints addressed by slug and number: the lookup is its change."""
    from .endpoints import SLUG_NUMBER_ENDPOINTS

    return SLUG_NUMBER_ENDPOINTS


def literal_body(value, rewrite: SdkCall) -> bool:
    """Whether the body is written in the call, where its fields can be translated: a dict (a
    list of them for a prediction batch)."""
    if rewrite.request == "predict-batch":
        return isinstance(value, cst.List) and all(bodies.is_dict_literal(e.value) for e in value.elements)
    return bodies.is_dict_literal(value)


def drop_unused_imports(file, module, package: str) -> None:
    """Offer every import of `package` for removal: libcst's RemoveImportsVisitor takes away the
    ones the rewrite left unused, and AS107 reports the others (report_if_kept)."""
    for local, (owner, inside) in bindings(module).items():
        if owner == package:
            file.maybe_unused_imports.add(_import_of(local, package, inside))


def _import_of(local: str, package: str, inside: str) -> tuple[str, str | None, str | None]:
    """(module, name, as-name) of the import that bound `local` (RemoveImportsVisitor's terms)."""
    if not inside:
        return (package, None, None)
    module, _, name = f"{package}.{inside}".rpartition(".")
    return (module, name, local if local != name else None)


def _operation(func, bound: dict[str, str]) -> str | None:
    """`aftership.tracking.get_tracking` -> "tracking.get_tracking" (names bound by imports)."""
    parts = (shapes.dotted(func) or "").split(".")
    if parts[0] not in bound:
        return None
    return ".".join(filter(None, (bound[parts[0]], *parts[1:])))


def _defines_other(module, name: str) -> bool:
    """Whether the module defines `name` itself (not as the client function this rule inserts)."""
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return cst.Module(body=[statement.with_changes(leading_lines=())]).code.strip() != \
                SDK_CLIENT_DEFINITION.strip()
    return False


# pyaftership methods rewritten: (the official group.method, the endpoint family whose `data`
# the call returns, the HTTP method, the parameters in order that become the body's keys (None:
# a call without a body), or, for a tracking addressed by number and slug, those two parameters
# (the id looked up first, with --unsafe-fixes).
ASYNC_REWRITES = {
    "trackings.list": ("tracking.get_trackings", "trackings", "get", None),
    "trackings.add": ("tracking.create_tracking", "trackings", "post",
                      ("tracking_number", "title", "slug", "tracking_postal_code")),
    "couriers.detect": ("courier.detect_courier", "detect", "post", ("tracking_number",)),
    "trackings.remove": ("tracking.delete_tracking_by_id", "tracking", "delete", ("tracking_number", "slug")),
}
ASYNC_LOOKUPS = frozenset({"trackings.remove"})

ASYNC_CALLS = Rule(
    code="AS111",
    name="pyaftership-calls",
    title="`pyaftership` calls become `aftership-tracking-sdk` calls in a worker thread",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="safe",
    summary=f"""
`AfterShip(api_key=..., session=...)` becomes `{SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(
api_key=...))` (the aiohttp session is not needed; a `timeout` in seconds becomes milliseconds),
and its `trackings.list()`, `trackings.add(...)` and `couriers.detect(...)` become the official
SDK's calls. The official SDK is synchronous, so each runs in a worker thread,
`asyncio.to_thread(lambda: ...)`: the code stays async, the `await` stays where it was, and
the event loop is not blocked. The result is bridged to the dict the API sent, as AS110 does,
so reads follow the REST rules. `trackings.remove(number, slug)` addresses a tracking by slug
and number: with `--unsafe-fixes` its id is looked up first (one more request, AS201's change),
otherwise the client stays as it is and AS107 reports it, as it does clients this rule cannot
follow.
""",
    examples=(
        CodeExample(
            before='from pyaftership import AfterShip\n\n\nasync def tags(session):\n'
                   '    client = AfterShip(api_key=KEY, session=session)\n'
                   '    data = await client.trackings.list()\n'
                   '    return [t["tag"] for t in data["trackings"]]\n',
            after=f'import asyncio\nimport tracking as {SDK_ALIAS}\n\n\nasync def tags(session):\n'
                  f'    client = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))\n'
                  f'    data = await asyncio.to_thread(lambda: client.tracking.get_trackings().model_dump(mode="json", exclude_unset=True))\n'
                  '    return [t["tag"] for t in data["trackings"]]\n',
        ),
        CodeExample(
            before='from pyaftership import AfterShip\n\n\nasync def add(session, number):\n'
                   '    client = AfterShip(api_key=KEY, session=session, timeout=5)\n'
                   '    created = await client.trackings.add(number, slug="ups")\n'
                   '    return created["tracking"]["id"]\n',
            after=f'import asyncio\nimport tracking as {SDK_ALIAS}\n\n\nasync def add(session, number):\n'
                  f'    client = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY, timeout=5 * 1000))\n'
                  f'    created = await asyncio.to_thread(lambda: client.tracking.create_tracking({{"tracking_number": number, "slug": "ups"}}).model_dump(mode="json", exclude_unset=True))\n'
                  '    return created["id"]\n',
        ),
    ),
)


@fixes(ASYNC_CALLS)
class AsyncCallsFixer(Fixer):
    """Plans the pyaftership clients it can follow (names assigned a constructor call, all of it
    rewritable) and their method calls; rewrites both."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.constructors: dict[int, dict] = {}  # id of an AfterShip(...) call -> its arguments by name
        self.module = None  # the module planned, before the walk
        self.planned: dict[int, tuple[str, str, dict]] = {}  # id of a method call -> (operation, client, args)

    def plan_sdk_calls(self, module, calls) -> dict:
        self.module = module
        constructor_names = {name for name, (package, inside) in bindings(module).items()
                             if package == "pyaftership" and inside in ("", "AfterShip")}
        if not constructor_names:
            return {}
        self.constructors, clients, uses = assigned_clients(
            module, lambda call: self._constructor(call, constructor_names)
            if self.file.allowed(self.rule.code, call) else None, exported_names(self.file))
        found, left = {}, 0
        for call in calls:
            parts = (shapes.dotted(call.func) or "").split(".")
            client, operation = ".".join(parts[:-2]), ".".join(parts[-2:])
            if self._constructor(call, constructor_names, any_arguments=True) is not None:
                left += id(call) not in self.constructors
                continue
            if client not in clients:
                continue
            rewrite = ASYNC_REWRITES.get(operation)
            arguments = call_arguments(call, rewrite[3] or ()) if rewrite is not None else None
            if operation in ASYNC_LOOKUPS and arguments is not None and not (
                    ADDRESS <= arguments.keys() and self.file.rules.may_fix(lookup_rule())
                    and self.file.allowed(lookup_rule().code, call)):
                arguments = None  # by number and slug: moved only with the lookup (--unsafe-fixes)
            if arguments is None or not self.file.allowed(self.rule.code, call):
                left += 1
                continue
            self.planned[id(call)] = (operation, client, arguments)
            found[id(call)] = shapes.Shape("data", rewrite[1], rewrite[2])
        for key in partial_clients(clients, {key: client for key, (_, client, _) in self.planned.items()}, uses):
            left += found.pop(key, None) is not None or key in self.constructors
            self.constructors.pop(key, None)
            self.planned.pop(key, None)
        self.file.sdk_constructors.update(self.constructors)
        self.file.async_calls_left = left  # AS107 says nothing of an import left unused
        return found

    @staticmethod
    def _constructor(call, names: set[str], any_arguments: bool = False) -> dict | None:
        """The arguments of an `AfterShip(...)` call the rule can rewrite (any call of it, with
        `any_arguments`); None for other calls."""
        func = shapes.dotted(call.func) or ""
        if func not in names and not (func == "pyaftership.AfterShip" and "pyaftership" in names):
            return None
        return {} if any_arguments else call_arguments(call, ("api_key", "session", "timeout"), required=("api_key",))

    def leave_Call(self, original, updated):
        if id(original) in self.constructors and self.fix(original):
            arguments = {name: source_text(value) for name, value in self.constructors[id(original)].items()}
            config = f"api_key={arguments['api_key']}"
            if "timeout" in arguments:  # seconds in pyaftership, milliseconds in the official SDK
                config += f", timeout={arguments['timeout']} * 1000"
            self.file.needed_aliases.add(("tracking", SDK_ALIAS))
            self._may_drop_imports()
            return cst.parse_expression(f"{SDK_ALIAS}.Client({SDK_ALIAS}.Configuration({config}))")
        planned = self.planned.get(id(original))
        if planned is None or not self.fix(original):
            return updated
        operation, client, arguments = planned
        method, _, _, keys = ASYNC_REWRITES[operation]
        call = cst.parse_expression(f"{client}.{method}()")
        if operation in ASYNC_LOOKUPS:  # the id first: one more request (AS201's change)
            self.file.fix(original, lookup_rule())
            self.file.needed_definitions[SDK_LOOKUP] = SDK_LOOKUP_DEFINITION
            lookup = cst.parse_expression(f"{SDK_LOOKUP}({client}, slug, number)")
            lookup = lookup.with_changes(args=[lookup.args[0], cst.Arg(arguments["slug"]),
                                               cst.Arg(arguments["tracking_number"])])
            call = call.with_changes(args=[cst.Arg(lookup)])
        elif keys is not None:
            body = cst.Dict([cst.DictElement(cst.SimpleString(f'"{key}"'), arguments[key])
                             for key in keys if key in arguments])
            call = call.with_changes(args=[cst.Arg(body)])
        bridged = cst.parse_expression(BRIDGE).with_changes(func=cst.Attribute(value=call, attr=cst.Name("model_dump")))
        self.file.needed_imports.add("asyncio")
        return cst.parse_expression("asyncio.to_thread(lambda: x)").with_changes(
            args=[cst.Arg(cst.Lambda(params=cst.Parameters(), body=bridged))])

    def _may_drop_imports(self) -> None:
        drop_unused_imports(self.file, self.module, "pyaftership")


def exported_names(file) -> str:
    """The run's mark of the names other files import from this module (index.EXPORTED)."""
    return file.constants.get(index.EXPORTED, "")


def assigned_clients(module, arguments_of, exported: str = "") -> tuple[dict[int, dict], dict[str, list[int]], dict[str, int]]:
    """The legacy clients a module assigns to a name (`api = APIv4(KEY)`, `self._api = ...`):
    (id of each constructor call `arguments_of` accepts -> its arguments, each name -> the ids of
    the calls assigned to it, every mention of each dotted name). A top-level name other files
    import (`exported`, the run's EXPORTED mark: names one a line, "*" for all) is left out: its
    uses there are out of sight."""
    constructors: dict[int, dict] = {}
    clients: dict[str, list[int]] = {}
    uses: dict[str, int] = {}
    imported = set(exported.split("\n")) - {""}
    shared = {id(small) for statement in module.body if isinstance(statement, cst.SimpleStatementLine)
              for small in statement.body if isinstance(small, cst.Assign) and any(
                  isinstance(t.target, cst.Name) and ("*" in imported or t.target.value in imported)
                  for t in small.targets)} if imported else set()
    for node in shapes.iter_nodes(module):
        if id(node) in shared:
            continue
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = shapes.dotted(node)
            if name:
                uses[name] = uses.get(name, 0) + 1
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and len(node.targets) == 1:
            arguments = arguments_of(node.value)
            target = shapes.dotted(node.targets[0].target)
            if arguments is not None and target:
                constructors[id(node.value)] = arguments
                clients.setdefault(target, []).append(id(node.value))
    return constructors, clients, uses


def partial_clients(clients: dict[str, list[int]], receivers: dict[int, str], uses: dict[str, int]) -> set[int]:
    """The ids (constructions, calls) of clients that cannot move: a client is moved whole or not at
    all, so every mention of its name must be an assignment of a constructor or the receiver of a
    call rewritten (else it is handed on, or another of its methods is called, and would meet the
    new type). `receivers`: id of each call planned -> the client it is called on."""
    dropped: set[int] = set()
    for client, constructed in clients.items():
        rewritten = [key for key, name in receivers.items() if name == client]
        if uses.get(client, 0) != len(constructed) + len(rewritten):
            dropped.update(constructed, rewritten)
    return dropped


def source_text(node) -> str:
    """An expression's source text, parenthesised when an operator could bind into it."""
    text = cst.Module(body=[]).code_for_node(node)
    return text if isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BaseString,
                                     cst.Integer, cst.Float)) else f"({text})"


def bindings(module) -> dict[str, tuple[str, str]]:
    """Top-level import bindings of the legacy packages: local name -> (package, dotted path)."""
    bound: dict[str, tuple[str, str]] = {}
    for statement in module.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = shapes.dotted(alias.name) or ""
                    package, _, inside = name.partition(".")
                    if package in PACKAGES:  # `import aftership.tracking as t` binds t to the module
                        bound[alias.asname.name.value if alias.asname else package] = (
                            package, inside if alias.asname else "")
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative \
                    and not isinstance(small.names, cst.ImportStar):
                module_name = shapes.dotted(small.module) or ""
                if module_name.split(".")[0] in PACKAGES:
                    inside = ".".join(module_name.split(".")[1:])
                    for alias in small.names:
                        local = alias.asname.name.value if alias.asname else alias.name.value
                        bound[local] = (module_name.split(".")[0], ".".join(filter(None, (inside, alias.name.value))))
    return bound


def call_arguments(call, names: tuple[str, ...], required: tuple[str, ...] = (),
               keywords: frozenset[str] = frozenset()) -> dict | None:
    """The call's arguments by parameter name (positional ones in `names` order, keywords among
    `names` and `keywords`); None when it passes anything else (`*args`, `**kwargs`, another
    keyword) or misses a required one."""
    found: dict = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(names):
                return None
            found[names[index]] = arg.value
        elif arg.keyword.value in names or arg.keyword.value in keywords:
            found[arg.keyword.value] = arg.value
        else:
            return None
    return found if all(name in found for name in required) else None


RULES = (LEGACY_SDK, LEGACY_REQUIREMENT, MODULE_API_CALLS, ASYNC_CALLS)

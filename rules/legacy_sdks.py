"""Guide §3 New SDK: code on the legacy Python SDKs, AfterShip's own `aftership` (the 0.x `APIv4`
object API and the 1.x module API) and the community `pyaftership` (async, Home Assistant's).

The tables below say what each legacy call becomes on `aftership-tracking-sdk` 5.x (package
`tracking`, API 2025-01). They were read from the packages' sources on PyPI: `aftership` 1.4.1
(`aftership/tracking.py`, `courier.py`, `notification.py`, `estimated_delivery_date.py`) and 0.2
(`APIv4`, whose attribute path is the URL path), `pyaftership` 23.1.0 (`trackings.py`,
`couriers.py`; 21.x has the same methods).
"""

from migrator.catalogue import CodeExample, Fixer, Rule, fixes
from migrator.lazy import lazy_module

cst = lazy_module("libcst")
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
# The legacy error types and the official SDK's (`tracking.exceptions`) of the same meaning.
ERRORS = {
    "AfterShipError": "tracking.exceptions.ApiException", "BadRequest": "tracking.exceptions.BadRequestError",
    "Unauthorized": "tracking.exceptions.UnauthorizedError", "Forbidden": "tracking.exceptions.ForbiddenError",
    "NotFound": "tracking.exceptions.NotFoundError", "TooManyRequests": "tracking.exceptions.TooManyRequestsError",
    "InternalError": "tracking.exceptions.InternalError", "UnexpectedError": "tracking.exceptions.UnknownError",
    "APIRequestException": "tracking.exceptions.ApiException",
    "APIv4RequestException": "tracking.exceptions.ApiException",
    "AfterShipException": "tracking.exceptions.ApiException",
    "AfterShipCommunicationException": "tracking.exceptions.ApiException (and requests' exceptions: it is synchronous)",
}
UNKNOWN = "no 2025-01 SDK method is known for it; see the SDK's tracking.Client"
CONSTRUCTORS = {"APIv4": "aftership", "APIv3": "aftership", "API": "aftership", "AfterShip": "pyaftership"}
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
            before='import aftership\n\naftership.api_key = KEY\nt = aftership.tracking.get_tracking(tracking_id=tid)\n',
            after='import aftership\n\naftership.api_key = KEY\nt = aftership.tracking.get_tracking(tracking_id=tid)\n',
            findings=("AS107",),
        ),
        CodeExample(
            before='from pyaftership import AfterShip\n\n\nasync def count(session):\n'
                   '    client = AfterShip(api_key=KEY, session=session)\n'
                   '    return len((await client.trackings.list())["trackings"])\n',
            after='from pyaftership import AfterShip\n\n\nasync def count(session):\n'
                  '    client = AfterShip(api_key=KEY, session=session)\n'
                  '    return len((await client.trackings.list())["trackings"])\n',
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

    def visit_Import(self, node) -> None:
        for alias in node.names:
            name = shapes.dotted(alias.name) or ""
            if name.split(".")[0] in PACKAGES:
                local = shapes.dotted(alias.asname.name) if alias.asname else name.split(".")[0]
                self.bound[local] = (name.split(".")[0], ".".join(name.split(".")[1:]) if alias.asname else "")
                self.report(node, f"`import {name}`: install aftership-tracking-sdk and {CLIENT}")

    def visit_ImportFrom(self, node) -> None:
        module = shapes.dotted(node.module) if node.module is not None and not node.relative else None
        if not module or module.split(".")[0] not in PACKAGES:
            return
        package, inside = module.split(".")[0], ".".join(module.split(".")[1:])
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                local = alias.asname.name.value if alias.asname else alias.name.value
                self.bound[local] = (package, ".".join(filter(None, (inside, alias.name.value))))
        self.report(node, f"`from {module} import ...`: install aftership-tracking-sdk and {CLIENT}")

    def visit_Assign(self, node) -> None:
        if isinstance(node.value, cst.Call):
            package = self._constructed(node.value)
            if package:
                for target in node.targets:
                    name = shapes.dotted(target.target)
                    if name:
                        self.clients[name] = package
        for target in node.targets:  # aftership 1.x: `aftership.api_key = KEY`
            path = self._resolved(target.target)
            if path and path[1] == "api_key":
                self.report(target.target, f"the 1.x module's key: {CLIENT}")

    def _constructed(self, call) -> str | None:
        path = self._resolved(call.func)
        if path is None:
            return None
        last = path[1].rsplit(".", 1)[-1]
        return path[0] if CONSTRUCTORS.get(last) == path[0] else None

    def _resolved(self, func) -> tuple[str, str] | None:
        """(package, dotted path inside it) of an expression rooted at a legacy import."""
        parts = _path(func)
        if not parts or parts[0] not in self.bound:
            return None
        package, inside = self.bound[parts[0]]
        return package, ".".join(filter(None, (inside, *parts[1:])))

    def visit_Call(self, node) -> None:
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
        kinds = node.type.elements if isinstance(node.type, cst.Tuple) else [node.type] if node.type else []
        for kind in kinds:
            expr = kind.value if isinstance(kind, cst.Element) else kind
            path = self._resolved(expr)
            name = path[1].rsplit(".", 1)[-1] if path else None
            if name in ERRORS:
                self.report(expr, f"`{name}` becomes {ERRORS[name]}")


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


RULES = (LEGACY_SDK, LEGACY_REQUIREMENT)

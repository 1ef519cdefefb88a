"""Guide §3 New SDK: `except` clauses on the legacy SDKs' errors (AS112), planned after every rule
that moves calls (AS110, AS111, AS113): a handler is mapped only once nothing here still raises the
legacy types."""

from migrator.catalogue import CodeExample, Fixer, Rule, fixes
from migrator.lazy import lazy_module

from .legacy_sdks import ERROR_MAPPING, PACKAGES, SDK_ALIAS, SDK_CLIENT, SDK_CLIENT_DEFINITION, bindings, drop_unused_imports

cst = lazy_module("libcst")
shapes = lazy_module("migrator.codemod.shapes")

# aftership 1.x error attributes -> the official SDK's (`response` has no equivalent: reported).
ERROR_ATTRIBUTES = {"http_status": "status_code", "code": "meta_code"}
# aftership 0.x errors (APIRequestException and its APIv3/APIv4 kinds) had methods: `code()` was
# the meta code, `message()` the meta message; `type()`, `data()` and `error[key]` (the response)
# have no equivalent and are reported.
APIV4_ERRORS = frozenset({"APIRequestException", "APIv3RequestException", "APIv4RequestException"})
APIV4_ERROR_METHODS = {"code": "meta_code", "message": "message"}

ERROR_TYPES = Rule(
    code="AS112",
    name="legacy-sdk-errors",
    title="`except` on the legacy SDKs' errors catches the `aftership-tracking-sdk` exceptions",
    guide="§3 New SDK",
    engines=frozenset({"code"}),
    safety="safe",
    summary=f"""
Once every call of a legacy SDK in a module is rewritten (AS110, AS111, AS113), what they raise is the
official SDK's: `except aftership.exception.NotFound` becomes
`except {SDK_ALIAS}.exceptions.NotFoundError` (one type per HTTP status, as in `aftership` 1.x),
pyaftership's `AfterShipException` becomes `({SDK_ALIAS}.exceptions.ApiException, httpx.HTTPError)`
(it covered network errors too). On the caught error, 1.x's `http_status` becomes `status_code`
and `code` (the meta code) `meta_code`; `response` has no equivalent and is reported. While
legacy calls remain, the handler stays and AS107 reports it.
""",
    examples=(
        CodeExample(
            before='import aftership\nfrom aftership.exception import NotFound\n\n\ndef tag(tid):\n    try:\n'
                   '        return aftership.tracking.get_tracking(tracking_id=tid)["tracking"]["tag"]\n'
                   '    except NotFound as error:\n        return error.http_status\n',
            after=f'import os\nimport tracking as {SDK_ALIAS}\n\n\n{SDK_CLIENT_DEFINITION}\n\ndef tag(tid):\n    try:\n'
                  f'        return {SDK_CLIENT}().tracking.get_tracking_by_id(tracking_id=tid).model_dump(mode="json", exclude_unset=True)["tag"]\n'
                  f'    except {SDK_ALIAS}.exceptions.NotFoundError as error:\n        return error.status_code\n',
        ),
        CodeExample(
            before='from pyaftership import AfterShip\nfrom pyaftership.exceptions import AfterShipException\n\n\n'
                   'async def count(session):\n    client = AfterShip(api_key=KEY, session=session)\n    try:\n'
                   '        return len((await client.trackings.list())["trackings"])\n'
                   '    except AfterShipException:\n        return 0\n',
            after=f'import asyncio\nimport httpx\nimport tracking as {SDK_ALIAS}\n\n\n'
                  f'async def count(session):\n    client = {SDK_ALIAS}.Client({SDK_ALIAS}.Configuration(api_key=KEY))\n    try:\n'
                  f'        return len((await asyncio.to_thread(lambda: client.tracking.get_trackings().model_dump(mode="json", exclude_unset=True)))["trackings"])\n'
                  f'    except ({SDK_ALIAS}.exceptions.ApiException, httpx.HTTPError):\n        return 0\n',
        ),
    ),
)


@fixes(ERROR_TYPES)
class ErrorTypesFixer(Fixer):
    """Plans, after AS110 and AS111 have, the handlers whose legacy types it maps (only for a
    package whose every call here is rewritten); rewrites them and the error's attributes."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.mapped: dict[int, list] = {}  # id of a handler -> the new types, in order
        self.module = None  # the module planned, before the walk

    def plan_sdk_handlers(self, module) -> None:
        self.module = module
        bound = bindings(module)
        moved = {"aftership": self.file.legacy_calls_left == 0 and bool(self.file.sdk_calls),
                 "pyaftership": self.file.async_calls_left == 0 and bool(self.file.sdk_constructors)}
        if not any(moved.values()):
            return
        for node in shapes.iter_nodes(module):
            if not isinstance(node, cst.ExceptHandler) or node.type is None:
                continue
            kinds = [e.value for e in node.type.elements] if isinstance(node.type, cst.Tuple) else [node.type]
            new, methods = [], False
            for kind in kinds:
                parts = (shapes.dotted(kind) or "").split(".")
                package, _ = bound.get(parts[0], ("", ""))
                mapped = ERROR_MAPPING.get((package, parts[-1])) if package and moved.get(package) else None
                if mapped is None:
                    break
                new.extend(m for m in mapped if m not in new)
                methods = methods or parts[-1] in APIV4_ERRORS
            else:
                if self.file.allowed(self.rule.code, node):
                    self.mapped[id(node)] = (new, methods)
                    self.file.sdk_handlers.add(id(node))
                    self._report_unmapped(node, methods)

    def _report_unmapped(self, handler, methods: bool) -> None:
        """What the caught error offered and the official SDK's does not: 1.x's `response`, 0.x's
        `type()`, `data()` and `error[key]`."""
        if not (isinstance(handler.name, cst.AsName) and isinstance(handler.name.name, cst.Name)):
            return
        name = handler.name.name.value
        for node in shapes.iter_nodes(handler.body):
            if isinstance(node, cst.Attribute) and node.attr.value == "response" and shapes.is_name(node.value, name):
                self.report(node, "`response` of a legacy SDK error: the official SDK's has `response_body` "
                                  "and `response_header`")
            elif methods and isinstance(node, cst.Attribute) and shapes.is_name(node.value, name) \
                    and node.attr.value in ("type", "data"):
                self.report(node, f"`{node.attr.value}()` of an aftership 0.x error: the official SDK's has "
                                  "`code`, `message`, `meta_code`, `status_code` and `response_body`")
            elif methods and isinstance(node, cst.Subscript) and shapes.is_name(node.value, name):
                self.report(node, "an aftership 0.x error read as the response: the official SDK's has "
                                  "`response_body` (its text)")

    def leave_ExceptHandler(self, original, updated):
        if id(original) not in self.mapped or not self.fix(original):
            return updated
        new, methods = self.mapped[id(original)]
        names = [name if "." in name else f"{SDK_ALIAS}.exceptions.{name}" for name in new]
        if any(name.startswith("httpx.") for name in names):
            self.file.needed_imports.add("httpx")
        self.file.needed_aliases.add(("tracking", SDK_ALIAS))
        for package in PACKAGES:
            drop_unused_imports(self.file, self.module, package)
        kind = cst.parse_expression(names[0] if len(names) == 1 else f"({', '.join(names)})")
        body = updated.body
        if isinstance(updated.name, cst.AsName) and isinstance(updated.name.name, cst.Name):
            body = body.visit(_renaming_error_attributes(updated.name.name.value, methods))
        return updated.with_changes(type=kind, body=body)


def _renaming_error_attributes(name: str, methods: bool):
    """A transformer renaming what is read of the caught `name`: 1.x's attributes, or with `methods`
    0.x's method calls (`error.code()` -> `error.meta_code`). Built on use: libcst is lazy."""

    class ErrorAttributes(cst.CSTTransformer):
        def leave_Call(self, original, updated):
            func = updated.func
            if methods and not updated.args and isinstance(func, cst.Attribute) and shapes.is_name(func.value, name) \
                    and func.attr.value in APIV4_ERROR_METHODS:
                return func.with_changes(attr=cst.Name(APIV4_ERROR_METHODS[func.attr.value]))
            return updated

        def leave_Attribute(self, original, updated):
            renamed = ERROR_ATTRIBUTES.get(updated.attr.value) if not methods else None
            if renamed and isinstance(updated.value, cst.Name) and updated.value.value == name:
                return updated.with_changes(attr=cst.Name(renamed))
            return updated

    return ErrorAttributes()


RULES = (ERROR_TYPES,)

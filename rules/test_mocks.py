"""Not in the guide: a project's tests migrate with its code. HTTP mocks registered in test code for
AfterShip URLs (`responses`, `requests-mock`, `respx`, `aresponses`, `pytest-httpserver`,
`unittest.mock`) get the bodies they answer with, and the request bodies they expect, in the
2025-01 shape, translated by the payload engine with the kind their method and URL give. Their
URLs and headers are the URL and header rules' (AS101, AS102, AS201)."""

import copy
import json
import re

from migrator.catalogue import CodeExample, Fixer, Rule, fixes
from migrator.lazy import lazy_module

cst = lazy_module("libcst")
endpoints = lazy_module("migrator.payload.endpoints")
engine = lazy_module("migrator.payload.engine")
kinds = lazy_module("migrator.payload.kinds")
fixtures = lazy_module("migrator.datafiles.fixtures")
literals = lazy_module("migrator.codemod.literals")
mocks = lazy_module("migrator.codemod.mocks")
recorded = lazy_module("migrator.datafiles.recorded")
shapes = lazy_module("migrator.codemod.shapes")
urls = lazy_module("migrator.codemod.urls")

# A path of AfterShip's API given without its host: the version base first.
API_PATH = re.compile(r"/(?:v4|tracking/\d{4}-\d{2})(?:[/?]|$)")

MOCK_BODIES = Rule(
    code="AS810",
    name="mock-bodies",
    title="Bodies of HTTP mocks for AfterShip URLs take the 2025-01 shape",
    guide="not in guide",
    engines=frozenset({"code"}),
    safety="safe",
    summary="""
A test that mocks `https://api.aftership.com/v4/...` answers with v4 bodies; once the code
under test reads 2025-01 shapes, the test fails, or passes for the wrong reason. The bodies
written in the registration (a dict or list literal, `json.dumps` of one, a JSON string, or a
name assigned one literal in the module) are translated as `translate` would translate them,
the kind taken from the mock's method and URL (a `.json.return_value` of `unittest.mock` by its
shape), and written back in the literal's own layout. Responses of `responses`,
`requests-mock`, `respx` (`.mock(return_value=httpx.Response(...))`, `.respond(...)`),
`aresponses` and `pytest-httpserver`, and the request bodies they match on
(`json_params_matcher`, `respx.post(url, json=...)`, `expect_request(json=...)`,
`assert_called_with(url, json=...)`) are covered. A body the tool cannot evaluate (built by a
function, read from a variable), or that the translator refuses, is reported at its line; so is
a value of it that has no place in 2025-01. One read from a `.json` file the code names is the
fixture rules' (AS804 translates the file).
""",
    examples=(
        CodeExample(
            before='import responses\n\nAPI = "https://api.aftership.com/v4"\n\n\n@responses.activate\ndef test_title():\n'
                   '    responses.add(responses.GET, f"{API}/trackings/t1", json={"meta": {"code": 200}, "data": {\n'
                   '        "tracking": {"id": "t1", "title": "Order 1", "origin_country_iso3": "USA"}}})\n',
            after='import responses\n\nAPI = "https://api.aftership.com/tracking/2025-01"\n\n\n@responses.activate\ndef test_title():\n'
                  '    responses.add(responses.GET, f"{API}/trackings/t1", json={\n'
                  '        "meta": {"code": 200},\n'
                  '        "data": {"id": "t1", "title": "Order 1", "origin_country_region": "USA"},\n'
                  '    })\n',
        ),
        CodeExample(
            before='import json\n\n\ndef test_create(requests_mock):\n'
                   '    requests_mock.post("https://api.aftership.com/v4/trackings", status_code=201,\n'
                   "                       text=json.dumps({'meta': {'code': 201}, 'data': {'tracking': {'id': 'a1', 'emails': ['x@example.com']}}}))\n",
            after='import json\n\n\ndef test_create(requests_mock):\n'
                  '    requests_mock.post("https://api.aftership.com/tracking/2025-01/trackings", status_code=201,\n'
                  "                       text=json.dumps({'meta': {'code': 201}, 'data': {'id': 'a1', 'customers': [{'email': 'x@example.com'}]}}))\n",
        ),
        CodeExample(
            before='import respx\n\n\n@respx.mock\ndef test_list():\n'
                   '    respx.get("https://api.aftership.com/v4/trackings").mock(return_value=httpx.Response(200, json=listed()))\n',
            after='import respx\n\n\n@respx.mock\ndef test_list():\n'
                  '    respx.get("https://api.aftership.com/tracking/2025-01/trackings").mock(return_value=httpx.Response(200, json=listed()))\n',
            findings=("AS810",),  # a body built at run time: the tool cannot see it
        ),
    ),
)


@fixes(MOCK_BODIES)
class MockBodiesFixer(Fixer):
    """Finds the registrations while walking (visit), translates their literal bodies at once, and
    swaps each literal in when the walk leaves the argument, assignment or item holding it."""

    def __init__(self, file) -> None:
        super().__init__(file)
        self.module = None
        self.imported: frozenset[str] = frozenset()
        self.replacements: dict[int, object] = {}  # id of a literal -> its 2025-01 expression
        self.assignments: dict[str, list] | None = None  # name -> the values the module assigns it
        self.return_values: dict[int, list] = {}  # a scope's node id -> its `.json.return_value` bodies

    def plan_scope(self, scope, tracer) -> bool:
        """Before the walk (a body assigned to a name may come first): translate the bodies of the
        scope's registrations. A scope holding one is walked, whatever else it does."""
        if self.module is None:  # planned before the walk visits the module
            root = scope
            while root.parent is not None:
                root = root.parent
            self.module, self.imported = root.node, frozenset(_imported_roots(root.node))
            self.return_values = mocks.json_return_values(root.node) if self.file.names_aftership else {}
        # `.json.return_value = {...}`: no URL, so the body's shape decides (only AfterShip's structure).
        returned = self.return_values.get(id(scope.node), ())
        for value in returned:
            self._plan(value, None, v4=False, shape_only=True)
        found = bool(returned)
        for call in scope.calls:
            if tracer.http_call(call) is not None and not _mock_object(call, scope, tracer):
                continue  # a request sent (session.post(...) in a file importing responses): the HTTP rules'
            registration = mocks.registration(call, self.imported)
            url = self._url(registration, tracer) if registration is not None else None
            if url is None:
                continue
            found = True
            v4 = urls.LEGACY in urls.api_versions(url) or url.startswith("/v4")
            if registration.path_node is not None and v4:
                self._plan_path(registration.path_node, url)
            for body in registration.bodies:
                kind = endpoints.kind_for_request(registration.method, url, body.direction, body.status) \
                    if registration.method else None
                self._plan(body.node, kind, v4)
        return found

    def _plan_path(self, node, url: str) -> None:
        """A mock's path given apart from its host (`/v4/trackings/t1`): its version base moves."""
        text = shapes.string_value(node) if isinstance(node, cst.SimpleString) else None
        if text is None or not text.startswith("/v4") or id(node) in self.replacements:
            return
        if urls.endpoint_of_path(endpoints.api_path(url) or "/") == "slug-number":
            return  # AS201's: by slug and number is gone, the id is not known here
        if self.fix(node):
            self.replacements[id(node)] = node.with_changes(
                value=node.prefix + node.quote + "/tracking/2025-01" + text[3:] + node.quote)
            self.file.translated.add(id(node))

    def _url(self, found, tracer) -> str | None:
        """The URL template a registration names, when it is AfterShip's API (a path alone, as
        pytest-httpserver and aresponses give it, only in a file that names AfterShip)."""
        template = tracer.template_of(found.url_node)
        if template is None:
            return None
        if found.host_node is not None:
            host = tracer.template_of(found.host_node)
            template = f"https://{host}{template}" if host and urls.is_aftership_url(host) else None
        elif not urls.is_aftership_url(template):
            template = template if API_PATH.match(template) and self.file.names_aftership else None
        return template

    def _plan(self, node, kind: str | None, v4: bool, shape_only: bool = False) -> None:
        """Translate the body `node` holds and keep its replacement (or report why not)."""
        if isinstance(node, cst.Call) and shapes.dotted(node.func) == "json.dumps" and node.args:
            node = node.args[0].value  # the literal inside: json.dumps writes whatever it becomes
        if isinstance(node, cst.Name):
            values = self._assigned().get(node.value, [])
            if len(values) != 1:
                if v4:
                    self.report(node, f"`{node.value}` is assigned {'more than once' if values else 'elsewhere'}: "
                                      "translate the body it holds by hand or with `aftership-migrate translate`")
                return
            node = values[0]
        if id(node) in self.replacements:
            return
        text = None
        try:
            if isinstance(node, cst.SimpleString) and shapes.string_value(node) is not None:
                text = shapes.string_value(node)
                value = json.loads(text)
            else:
                value = literals.literal_value(node)
        except ValueError:  # json's errors are ValueErrors too
            if v4 and not _names_json_file(node):  # a fixture file: AS804 translates it where it lies
                self.report(node, "a mocked body built where the tool cannot evaluate it: translate what it "
                                  "loads with `aftership-migrate translate`")
            return
        if shape_only and not fixtures.has_aftership_structure(value):
            # No URL says whose it is: translated only with a structure only AfterShip gives, as a
            # JSON fixture is (AS806); one the translator would change is reported, never guessed.
            try:
                would_change = _translated(self._translator(), copy.deepcopy(value), None).changed
            except (kinds.Unrecognised, engine.Refused):
                would_change = False
            if would_change:
                self.report(node, "may be a v4 AfterShip body, but holds no structure only AfterShip gives "
                                  "(envelope, webhook, wrapper): not translated by guess")
            return
        try:
            translation = _translated(self._translator(), value, kind)
        except (kinds.Unrecognised, engine.Refused) as why:
            if not shape_only:
                self.report(node, f"a mocked AfterShip body the translator refuses: {why}")
            return
        if not translation.changed:
            return  # nothing of v4 in it (a partial body a test wrote is its own business)
        if translation.errors:
            self.report(node, "a mocked AfterShip body whose translation fails 2025-01: " + "; ".join(translation.errors))
            return
        if not self.fix(node):
            return
        lost = translation.lossy_events
        if lost:
            self.report(node, "values of this mocked body have no place in 2025-01: "
                        + "; ".join(f"{event.path} ({event.action}: {event.message})" for event in lost))
        self.replacements[id(node)] = self._written(node, translation.document, text)
        self.file.translated.update(id(inner) for inner in shapes.iter_nodes(node))

    def _written(self, node, value, text: str | None):
        if text is not None:
            new_text = recorded.dumps_like(value, text)
            prefix = node.prefix.replace("r", "").replace("R", "")
            quote = node.quote[0]
            return cst.SimpleString(prefix + literals.string_literal(new_text, quote))
        if "\n" in cst.Module(body=[]).code_for_node(node):  # spread over lines: where does it start? (one codegen)
            from migrator.codemod.findings import printed_with_positions

            printed, where = printed_with_positions(self.module, [node])
            layout = literals.Layout.of(node, printed.splitlines(), *where[id(node)])
        else:
            layout = literals.Layout.of(node)
        written = cst.parse_expression(literals.python_literal(value, layout))
        # libcst adds the block's indentation to a continuation line: these are absolute.
        return written.visit(literals.absolute_continuations()) if layout.multiline else written

    def _translator(self):
        """The payload rules this run enables (--select/--ignore), as `translate` and the
        cassettes apply them: a body ignored there is ignored here."""
        enabled = frozenset(self.file.rules.enabled)
        if enabled not in _TRANSLATORS:
            _TRANSLATORS[enabled] = engine.Translator(self.file.rules.catalogue, enabled)
        return _TRANSLATORS[enabled]

    def _assigned(self) -> dict[str, list]:
        if self.assignments is None:
            self.assignments = {}
            for found in shapes.iter_nodes(self.module):
                if isinstance(found, cst.Assign):
                    for target in found.targets:
                        if isinstance(target.target, cst.Name):
                            self.assignments.setdefault(target.target.value, []).append(found.value)
        return self.assignments

    def _swapped(self, original, updated):
        """An argument, assignment or dict item holding a translated literal: it holds the new one."""
        replacement = self.replacements.get(id(original.value))
        return updated.with_changes(value=replacement) if replacement is not None else updated

    leave_Arg = leave_Assign = leave_DictElement = _swapped


def _names_json_file(node) -> bool:
    """Whether an expression names a `.json` file (`load("tracking.json")`, `FIXTURES / "t.json"`)."""
    return any(isinstance(inner, cst.SimpleString) and (shapes.string_value(inner) or "").endswith(".json")
               for inner in shapes.iter_nodes(node))


def _mock_object(call, scope, tracer) -> bool:
    """Whether the object a call is made on is a mocking library's: its name is the library's or
    a fixture's, it was built by the library (`with requests_mock.Mocker() as m`), or the function
    is decorated by the library (`@requests_mock.Mocker()` hands it `m`)."""
    root = mocks.root_name(call.func)
    if root in mocks.LIBRARIES:
        return True
    node = scope.node
    if isinstance(node, cst.FunctionDef) and any(mocks.root_name(d.decorator) in mocks.LIBRARIES
                                                 for d in node.decorators):
        return True
    while tracer is not None:
        for _, value in tracer.bindings.values.get(root, ()):
            if isinstance(value, cst.Call) and mocks.root_name(value.func) in mocks.LIBRARIES:
                return True
        tracer = tracer.outer
    return False


_TRANSLATORS: dict = {}  # the payload rules a run enables -> their translator (one per process)


def _translated(translator, value, kind: str | None):
    """The translation by the endpoint's kind; where that fails (a mock answering an error body
    without saying its status, say), by the body's own shape."""
    try:
        translation = translator.translate(copy.deepcopy(value), kind)
        if not translation.errors or not translation.changed or kind is None:
            return translation
    except (kinds.Unrecognised, engine.Refused):
        if kind is None:
            raise
    return translator.translate(value, None)


def _imported_roots(module):
    """The top-level module names a module imports (`responses`, `respx`, ...)."""
    for statement in module.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import):
                yield from ((shapes.dotted(alias.name) or "").split(".")[0] for alias in small.names)
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                yield (shapes.dotted(small.module) or "").split(".")[0]


RULES = (MOCK_BODIES,)

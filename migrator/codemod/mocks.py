"""HTTP mock registrations in test code: which endpoint a mocked body belongs to, and where the body is.

A test registers a fake answer (or an expected request) for a URL with one of the mocking
libraries; read from their documented call shapes:

- `responses`: `responses.add(responses.GET, url, json=..., body=..., status=...)`, `responses.get(url, ...)`,
  `rsps.add(...)`; request bodies in `match=[matchers.json_params_matcher({...})]`;
- `requests-mock`: `m.get(url, json=..., text=..., status_code=...)`, `m.register_uri("GET", url, ...)`;
- `respx`: `respx.get(url, json=<request>).mock(return_value=httpx.Response(200, json=...))`, `.respond(...)`;
- `aresponses`: `aresponses.add(host, path, method, aresponses.Response(text=..., status=...))`;
- `pytest-httpserver`: `httpserver.expect_request(path, method=..., json=<request>).respond_with_json(...)`;
- `unittest.mock`: `get.return_value.json.return_value = {...}` and `post.assert_called_with(url, json=...)`.

The kind of each body comes from the method and URL (`migrator.payload.endpoints.kind_for_request`);
where the call names neither (unittest.mock's return values), the body's shape decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrator.codemod.shapes import dotted, string_value

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})
REQUEST, RESPONSE = "request", "response"
# The libraries, by the names their objects go by: module names and pytest fixtures.
LIBRARIES = {"responses": "responses", "requests_mock": "requests_mock", "respx": "respx", "respx_mock": "respx",
             "aresponses": "aresponses", "httpserver": "httpserver"}
# Keyword arguments holding an answer's body, and the ones holding its status, per library.
RESPONSE_BODIES = {"responses": ("json", "body"), "requests_mock": ("json", "text", "content"),
                   "httpx": ("json", "text", "content"), "aiohttp": ("text", "body")}
STATUS_KEYWORDS = ("status", "status_code")
RESPX_ANSWERS = frozenset({"mock", "respond"})
HTTPSERVER_ANSWERS = {"respond_with_json": "json", "respond_with_data": "text"}
HTTPSERVER_EXPECTS = frozenset({"expect_request", "expect_oneshot_request", "expect_ordered_request"})
ASSERTIONS = frozenset({"assert_called_with", "assert_called_once_with", "assert_any_call"})


@dataclass
class Body:
    """A mocked body: the expression holding it, whether it is sent or answered, the answer's status."""

    node: cst.BaseExpression
    direction: str
    status: int | None = None


@dataclass
class Registration:
    """One mock: the method it stands for (None when the call names none), its URL argument (an
    expression the caller evaluates: constants, f-strings), aresponses' separate host, its bodies."""

    method: str | None
    url_node: cst.BaseExpression
    library: str
    bodies: list[Body] = field(default_factory=list)
    host_node: cst.BaseExpression | None = None

    @property
    def path_node(self) -> cst.BaseExpression | None:
        """The URL argument when it is a path given apart from the host (aresponses, httpserver)."""
        return self.url_node if self.host_node is not None or self.library == "httpserver" else None


def _keywords(call: cst.Call) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}


def _positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def _method_value(node: cst.BaseExpression | None) -> str | None:
    """`responses.GET`, `"get"`, `hdrs.METH_POST` -> "GET"/"POST"; None when not a method."""
    if node is None:
        return None
    text = string_value(node) if isinstance(node, cst.SimpleString) else (dotted(node) or "").rsplit(".", 1)[-1]
    text = (text or "").upper().removeprefix("METH_")
    return text if text.lower() in HTTP_METHODS else None


def _status(node: cst.BaseExpression | None) -> int | None:
    return int(node.value) if isinstance(node, cst.Integer) else None


def library_of(call: cst.Call, imported: frozenset[str]) -> tuple[str, str] | None:
    """(library, method name called) of a call on a mocking library's object, by the name the call
    starts at (a module or fixture name; else the one mocking library the file imports)."""
    if not isinstance(call.func, cst.Attribute):
        return None
    name = call.func.attr.value
    root = root_name(call.func.value)
    if root in LIBRARIES:
        return LIBRARIES[root], name
    libraries = {LIBRARIES[module] for module in imported if module in LIBRARIES}
    return (libraries.pop(), name) if len(libraries) == 1 and root else None


def root_name(node: cst.BaseExpression) -> str:
    """The name a chain of attributes and calls starts at (`respx.get(url).mock` -> respx)."""
    while isinstance(node, (cst.Attribute, cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    return node.value if isinstance(node, cst.Name) else ""


def registration(call: cst.Call, imported: frozenset[str]) -> Registration | None:
    """The mock `call` registers, if it is one; its URL argument still an expression (see `url_of`)."""
    found = library_of(call, imported)
    if found is None:
        return _assertion(call)
    library, name = found
    reader = _READERS.get(library)
    return reader(call, name) if reader else None


def _method_and_url(call: cst.Call, name: str, generic: tuple[str, ...], library: str) -> Registration | None:
    """A registration by method name (`m.get(url, ...)`) or by a generic call taking the method
    first (`responses.add(responses.GET, url, ...)`); its bodies are the caller's to add."""
    keywords, positional = _keywords(call), _positional(call)
    if name in generic:
        method = _method_value(keywords.get("method") or (positional[0] if positional else None))
        url = keywords.get("url") or (positional[1] if len(positional) > 1 else None)
    elif name in HTTP_METHODS:
        method, url = name.upper(), keywords.get("url") or (positional[0] if positional else None)
    else:
        return None
    return Registration(method, url, library) if url is not None else None


def _responses(call: cst.Call, name: str) -> Registration | None:
    keywords = _keywords(call)
    found = _method_and_url(call, name, ("add", "replace", "upsert", "add_callback"), "responses")
    if found is None:
        return None
    status = _status(keywords.get("status"))
    found.bodies += [Body(keywords[k], RESPONSE, status) for k in RESPONSE_BODIES["responses"] if k in keywords]
    if name == "add_callback" and "callback" in keywords:
        found.bodies.append(Body(keywords["callback"], RESPONSE))  # computed: reported
    matchers = keywords.get("match")
    for element in matchers.elements if isinstance(matchers, (cst.List, cst.Tuple)) else ():
        value = element.value
        if isinstance(value, cst.Call) and (dotted(value.func) or "").endswith("json_params_matcher"):
            given = _positional(value) or [v for k, v in _keywords(value).items() if k == "params"]
            found.bodies += [Body(given[0], REQUEST)] if given else []
    return found


def _requests_mock(call: cst.Call, name: str) -> Registration | None:
    keywords = _keywords(call)
    found = _method_and_url(call, name, ("register_uri", "request"), "requests_mock")
    if found is None:
        return None
    answers = [call]
    listed = keywords.get("response_list")
    answers += [e.value for e in listed.elements] if isinstance(listed, (cst.List, cst.Tuple)) else []
    for answer in answers:  # the call's own keywords, or each dict of response_list
        given = _keywords(answer) if isinstance(answer, cst.Call) else _dict_keywords(answer)
        status = _status(given.get("status_code"))
        found.bodies += [Body(given[k], RESPONSE, status) for k in RESPONSE_BODIES["requests_mock"] if k in given]
    return found


def _dict_keywords(node: cst.BaseExpression) -> dict[str, cst.BaseExpression]:
    if not isinstance(node, cst.Dict):
        return {}
    return {string_value(e.key): e.value for e in node.elements
            if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)}


def _respx(call: cst.Call, name: str) -> Registration | None:
    if name in RESPX_ANSWERS and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call):
        route = _respx(call.func.value, call.func.value.func.attr.value) \
            if isinstance(call.func.value.func, cst.Attribute) else None
        if route is None:
            return None
        route.bodies = []  # the route's own request patterns are the inner call's registration
        keywords, positional = _keywords(call), _positional(call)
        if name == "mock":
            answer = keywords.get("return_value")
            if isinstance(answer, cst.Call) and (dotted(answer.func) or "").endswith("Response"):
                route.bodies += _httpx_response(answer)
            elif "side_effect" in keywords:  # computed per request: reported
                route.bodies.append(Body(keywords["side_effect"], RESPONSE))
        else:
            status = _status(keywords.get("status_code") or (positional[0] if positional else None))
            route.bodies += [Body(keywords[k], RESPONSE, status) for k in RESPONSE_BODIES["httpx"] if k in keywords]
        return route
    keywords, positional = _keywords(call), _positional(call)
    if name in HTTP_METHODS:
        method, url = name.upper(), keywords.get("url") or (positional[0] if positional else None)
    elif name in ("route", "request"):
        method = _method_value(keywords.get("method") or (positional[0] if positional and name == "request" else None))
        url = keywords.get("url") or (positional[1] if name == "request" and len(positional) > 1 else None)
    else:
        return None
    if url is None:
        return None
    found = Registration(method, url, "respx")
    found.bodies += [Body(keywords[k], REQUEST) for k in ("json", "content", "data") if k in keywords]
    return found


def _httpx_response(answer: cst.Call) -> list[Body]:
    keywords, positional = _keywords(answer), _positional(answer)
    status = _status(keywords.get("status_code") or (positional[0] if positional else None))
    return [Body(keywords[k], RESPONSE, status) for k in RESPONSE_BODIES["httpx"] if k in keywords]


def _aresponses(call: cst.Call, name: str) -> Registration | None:
    if name != "add":
        return None
    keywords, positional = _keywords(call), _positional(call)
    host = keywords.get("host_pattern") or (positional[0] if positional else None)
    path = keywords.get("path_pattern") or (positional[1] if len(positional) > 1 else None)
    method = _method_value(keywords.get("method_pattern") or (positional[2] if len(positional) > 2 else None))
    answer = keywords.get("response") or (positional[3] if len(positional) > 3 else None)
    if host is None or path is None:
        return None
    found = Registration(method, path, "aresponses", host_node=host)
    if isinstance(answer, cst.Call) and (dotted(answer.func) or "").endswith(("Response", "json_response")):
        given, first = _keywords(answer), _positional(answer)
        status = _status(given.get("status"))
        if (dotted(answer.func) or "").endswith("json_response"):
            found.bodies += [Body(given.get("data") or first[0], RESPONSE, status)] if given.get("data") or first else []
        else:
            found.bodies += [Body(given[k], RESPONSE, status) for k in RESPONSE_BODIES["aiohttp"] if k in given]
    elif answer is not None:  # a str or a dict given as the answer itself
        found.bodies.append(Body(answer, RESPONSE))
    return found


def _httpserver(call: cst.Call, name: str) -> Registration | None:
    if name in HTTPSERVER_ANSWERS and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call) \
            and isinstance(call.func.value.func, cst.Attribute) and call.func.value.func.attr.value in HTTPSERVER_EXPECTS:
        expected = _httpserver(call.func.value, call.func.value.func.attr.value)
        if expected is None:
            return None
        keywords, positional = _keywords(call), _positional(call)
        body = keywords.get("response_json" if name == "respond_with_json" else "response_data") or \
            (positional[0] if positional else None)
        expected.bodies = [Body(body, RESPONSE, _status(keywords.get("status")))] if body is not None else []
        return expected
    if name == "url_for" and call.args:  # the base URL handed to the code under test
        return Registration(None, call.args[0].value, "httpserver")
    if name not in HTTPSERVER_EXPECTS:
        return None
    keywords, positional = _keywords(call), _positional(call)
    url = keywords.get("uri") or (positional[0] if positional else None)
    if url is None:
        return None
    found = Registration(_method_value(keywords.get("method")), url, "httpserver")
    found.bodies += [Body(keywords[k], REQUEST) for k in ("json", "data") if k in keywords]
    return found


def _assertion(call: cst.Call) -> Registration | None:
    """`post.assert_called_with(url, json=...)`: the request a test expects its code to send."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in ASSERTIONS:
        return None
    keywords, positional = _keywords(call), _positional(call)
    url = keywords.get("url") or (positional[0] if positional else None)
    if url is None:
        return None
    mock_name = (dotted(call.func.value) or "").lower()
    method = next((m.upper() for m in HTTP_METHODS if m in mock_name.rsplit(".", 1)[-1]), None)
    found = Registration(method, url, "unittest.mock")
    found.bodies += [Body(keywords[k], REQUEST) for k in ("json", "data") if k in keywords]
    return found


def json_return_values(module: cst.Module) -> dict[int, list[cst.BaseExpression]]:
    """The bodies of every `mocked.return_value.json.return_value = {...}` of a module, by the id of
    the function (or module) whose statements hold them. Statements only are walked, not the
    expressions inside them: this runs before the walk, on every file that names AfterShip."""
    found: dict[int, list[cst.BaseExpression]] = {}
    pending: list[tuple[cst.CSTNode, int]] = [(module, id(module))]
    while pending:
        node, owner = pending.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                value = json_return_value(small) if isinstance(small, cst.Assign) else None
                if value is not None:
                    found.setdefault(owner, []).append(value)
            continue
        owner = id(node) if isinstance(node, cst.FunctionDef) else owner
        for part in ("body", "orelse", "handlers", "finalbody"):
            child = getattr(node, part, None)
            if isinstance(child, cst.CSTNode) and not isinstance(child, cst.BaseExpression):
                pending.append((child, owner))
            elif isinstance(child, (list, tuple)):
                pending.extend((item, owner) for item in child if isinstance(item, cst.CSTNode))
    return found


def json_return_value(node: cst.Assign) -> cst.BaseExpression | None:
    """The body of `mocked.return_value.json.return_value = {...}`: what a mocked response's
    `.json()` gives."""
    if len(node.targets) == 1 and (dotted(node.targets[0].target) or "").endswith(".json.return_value"):
        return node.value
    return None


_READERS = {"responses": _responses, "requests_mock": _requests_mock, "respx": _respx,
            "aresponses": _aresponses, "httpserver": _httpserver}

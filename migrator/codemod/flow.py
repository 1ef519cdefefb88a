"""AfterShip data across the functions of one module: what a function returns, what its
parameters receive (CodeQL's flow steps across calls, local first).

A function whose every non-literal `return` has one shape makes its call sites that shape; a
parameter whose every call site passes one shape has it (also `map(fn, items)`, `filter`,
`sorted(key=fn)`). A name defined twice, a call site passing something untraced, or returns
that disagree leave the shape unknown: the residual pass reports what is then left of v4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst

from migrator.codemod import urls
from migrator.codemod.shapes import Scope, Shape, Tracer, body_argument, dotted, encoded_body, is_name, string_key

ROUNDS = 4  # helpers calling helpers: each round carries shapes one call deeper
_LITERALS = (cst.Dict, cst.List, cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString,
             cst.FormattedString)  # an error message built with an f-string is text all the same


def _literal(value: cst.BaseExpression) -> bool:
    """A returned value that says nothing of AfterShip data (`{}`, `None`, `(None, 404)`): left out
    of a function's return summary, so an early error return does not hide the real one."""
    if isinstance(value, cst.Tuple):
        return all(_literal(element.value) for element in value.elements)
    return isinstance(value, _LITERALS) or is_name(value, "None", "True", "False")


# Stands for a parameter's value inside a URL template while a wrapper is being read.
_SLOT = "\x00{}\x00"
_SLOTS = re.compile("\x00[^\x00]*\x00")


@dataclass(frozen=True)
class Wrapper:
    """A local function or method that sends an AfterShip request whose path (and method, and
    body) its caller passes: `def _request(self, method, path, body=None)`."""

    scope: Scope
    call: cst.Call  # the HTTP call it makes
    template: str  # that call's URL, the path parameter as a slot
    path: str | None  # the parameter holding the path (None: the wrapper's URL is fixed)
    method: str | None  # the fixed method, when no parameter gives it
    method_param: str | None
    body_param: str | None


@dataclass
class Across:
    """What the other modules of the run say of this one (crossmodule.gather): the shapes the
    functions it imports return, by the dotted name it calls them; and what the other modules
    give its own top-level functions (function -> parameter -> shape, None: not one shape)."""

    returns: dict[str, Shape] = field(default_factory=dict)
    params: dict[str, dict[str, Shape | None]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)  # call name -> a class of another module holding AfterShip data


class Summaries:
    """Return shapes by function key (`name`, or `.name` for a method), parameter shapes by scope,
    and the request wrappers among the functions."""

    def __init__(self, across: Across | None = None) -> None:
        self.across = across or Across()
        self.returns: dict[str, Shape] = {}
        self.functions: dict[str, list[Scope]] = {}
        self.wrappers: dict[str, Wrapper] = {}
        self.tracers: dict[int, Tracer] = {}
        self.methods: dict[str, set[str]] = {}  # class the module defines at its top level -> its methods
        self.method_names: set[str] = set()  # the methods of all of them
        self._busy: set[int] = set()

    def key(self, func: cst.BaseExpression, tracer: Tracer | None = None) -> str | None:
        """`name` for a function; `.name` for a method called on self/cls, or, seen from
        `tracer`, on a name bound only to instances of a class of this module
        (`client = AfterShipClient(...)`). A method called on any other object is not resolved:
        `db.fetch_one(...)` must not borrow `Shop.fetch_one`'s shape."""
        if isinstance(func, cst.Name):
            return func.value
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return None
        if func.value.value in ("self", "cls"):
            return "." + func.attr.value
        # The name's class is looked for only for a method some class of the module defines
        # (`line.split()` must not trace `line`: every call of every file comes here).
        if tracer is not None and func.attr.value in self.method_names \
                and func.attr.value in self.methods.get(tracer.instance_class(func.value.value), ()):
            return "." + func.attr.value
        return None

    def holds_aftership(self, name: str) -> bool:
        """Whether `name` is a class of the module with a method that gives AfterShip data or
        sends requests (so an instance of it is followed to where its methods are called)."""
        return any("." + method in self.returns or "." + method in self.wrappers
                   for method in self.methods.get(name, ()))

    def wrapper(self, func: cst.BaseExpression, tracer: Tracer | None = None) -> Wrapper | None:
        key = self.key(func, tracer)
        return self.wrappers.get(key) if key else None

    def request(self, tracer: Tracer, call: cst.Call) -> tuple[Shape, str] | None:
        """The AfterShip request a call of a wrapper sends: (response shape, URL template)."""
        wrapper = self.wrapper(call.func, tracer)
        if wrapper is None:
            return None
        args = bind(call, wrapper.scope)
        template = wrapper.template
        if wrapper.path is not None:
            path = tracer.template_of(args[wrapper.path]) if wrapper.path in args else None
            template = template.replace(_SLOT.format(wrapper.path), path or "{}")
        template = re.sub(r"(?<!:)/{2,}", "/", _SLOTS.sub("{}", template))
        method = wrapper.method
        if wrapper.method_param is not None and wrapper.method_param in args:
            method = (string_key(args[wrapper.method_param]) or "").lower() or None
        return Shape("response", urls.endpoint_of(template), method), template

    def body(self, call: cst.Call, tracer: Tracer | None = None) -> cst.BaseExpression | None:
        """The body a call of a wrapper passes it."""
        wrapper = self.wrapper(call.func, tracer)
        if wrapper is None or wrapper.body_param is None:
            return None
        body = bind(call, wrapper.scope).get(wrapper.body_param)
        # `call("POST", path, json.dumps(body))` to a wrapper sending its body as is: what it encodes.
        return encoded_body(body, tracer) or body if body is not None else None

    def returned_by_request(self, tracer: Tracer, call: cst.Call) -> Shape | None:
        """What a wrapper returns for this call: its return expressions read with the call's
        request in place of the wrapper's own."""
        wrapper = self.wrapper(call.func, tracer)
        if wrapper is None or id(call) in self._busy:
            return None
        site = self.request(tracer, call)
        inner = self.tracers[id(wrapper.scope.node)]
        saved = inner._http.get(id(wrapper.call))
        self._busy.add(id(call))
        inner._http[id(wrapper.call)] = site
        try:
            shapes = {inner.shape_of(value) for value in wrapper.scope.returns
                      if not _literal(value)}
        finally:
            self._busy.discard(id(call))
            if saved is None:
                inner._http.pop(id(wrapper.call), None)
            else:
                inner._http[id(wrapper.call)] = saved
        return shapes.pop() if len(shapes) == 1 else None

    def returned(self, func: cst.BaseExpression, tracer: Tracer | None = None) -> Shape | None:
        key = self.key(func, tracer)
        found = self.returns.get(key) if key else None
        return found if found is not None else self.across.returns.get(dotted(func) or "")

    def callee(self, func: cst.BaseExpression, tracer: Tracer | None = None) -> Scope | None:
        key = self.key(func, tracer)
        found = self.functions.get(key, []) if key else []
        return found[0] if len(found) == 1 else None  # two definitions of one name: unknown


def summarise(scopes: Iterable[Scope], tracers: dict[int, Tracer], across: Across | None = None) -> Summaries:
    """Fill each tracer's `params` and attach the module's return summaries to every tracer."""
    scopes = list(scopes)
    summaries = Summaries(across)
    for scope in scopes:
        if not isinstance(scope.node, cst.FunctionDef):
            continue
        method = bool(scope.params) and scope.params[0] in ("self", "cls")
        summaries.functions.setdefault(("." if method else "") + scope.node.name.value, []).append(scope)
    summaries.tracers = tracers
    summaries.methods = {statement.name.value: {item.name.value for item in statement.body.body
                                                if isinstance(item, cst.FunctionDef)}
                         for scope in scopes if isinstance(scope.node, cst.Module)
                         for statement in scope.node.body if isinstance(statement, cst.ClassDef)}
    summaries.method_names = set().union(*summaries.methods.values())
    for tracer in tracers.values():
        tracer.summaries = summaries
    if not summaries.functions:
        return summaries
    _find_wrappers(summaries, tracers)
    for _ in range(ROUNDS):
        changed = _returns(summaries, tracers)
        changed |= _parameters(scopes, summaries, tracers)
        if not changed:
            break
        for tracer in tracers.values():
            # `client.get(path)` on a parameter now known to get an AfterShip client: a request after all.
            tracer.forget_misses({name for name, shape in tracer.params.items() if shape.kind == "client"})
    _text_parameters(scopes, summaries, tracers)
    return summaries


def url_argument(tracer: Tracer, call: cst.Call) -> cst.BaseExpression | None:
    """The expression a request call gives as its URL: the path a request wrapper is handed
    (`self._request("GET", path)`), or an HTTP call's URL argument."""
    if tracer.wraps_request(call):
        wrapper = tracer.summaries.wrapper(call.func, tracer)
        index = bound_positions(call, wrapper.scope).get(wrapper.path) if wrapper.path else None
        return call.args[index].value if index is not None else None
    return tracer.call_url(call)[0]


def bind(call: cst.Call, callee: Scope) -> dict[str, cst.BaseExpression]:
    """The callee's parameter names bound to the call's arguments (up to a starred one)."""
    return {name: call.args[index].value for name, index in bound_positions(call, callee).items()}


def bound_positions(call: cst.Call, callee: Scope) -> dict[str, int]:
    """The callee's parameter names bound to the indexes of the call's arguments."""
    offset = 1 if isinstance(call.func, cst.Attribute) and callee.params[:1] in (("self",), ("cls",)) else 0
    bound: dict[str, int] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            break
        name = arg.keyword.value if arg.keyword is not None else (
            callee.params[offset + index] if offset + index < len(callee.params) else None)
        if name is not None:
            bound[name] = index
    return bound


def _find_wrappers(summaries: Summaries, tracers: dict[int, Tracer]) -> None:
    for key, scopes in summaries.functions.items():
        if len(scopes) != 1:
            continue
        scope = scopes[0]
        tracer = tracers[id(scope.node)]
        params = [p for p in scope.params if p not in ("self", "cls")]
        tracer.param_templates = {p: _SLOT.format(p) for p in params}
        try:
            for call in scope.calls:
                wrapper = _wrapper(scope, tracer, call, params)
                if wrapper is not None:
                    summaries.wrappers[key] = wrapper
                    break
        finally:
            tracer.param_templates = {}


def _wrapper(scope: Scope, tracer: Tracer, call: cst.Call, params: list[str]) -> Wrapper | None:
    url, method = tracer.call_url(call)
    template = tracer.full_template(call, url) if url is not None else None
    if not template or not urls.is_aftership_url(template):
        return None
    # The path parameter stands where an endpoint path starts, right after the base URL; a
    # parameter further in (`.../trackings/{slug}/{number}`) is a value, not a path.
    path = next((p for p in params if _SLOT.format(p) in template
                 and (urls.path_of(template.split(_SLOT.format(p))[0]) or "/") == "/"), None)
    chosen = tracer.method_argument(call)
    method_param = chosen.value if isinstance(chosen, cst.Name) and chosen.value in params else None
    body = body_argument(call, tracer)
    body_param = body.value if isinstance(body, cst.Name) and body.value in params else None
    if path is None and body_param is None:
        return None  # a plain AfterShip call: its caller passes nothing that shapes the request
    return Wrapper(scope, call, template, path, None if method_param else method, method_param, body_param)


def _returns(summaries: Summaries, tracers: dict[int, Tracer]) -> bool:
    changed = False
    for key, scopes in summaries.functions.items():
        if len(scopes) != 1 or not scopes[0].returns or key in summaries.wrappers:
            continue
        tracer = tracers[id(scopes[0].node)]
        shapes = {tracer.shape_of(value) for value in scopes[0].returns
                  if not _literal(value)}
        shape = shapes.pop() if len(shapes) == 1 else None
        if shape is not None and summaries.returns.get(key) != shape:
            summaries.returns[key] = shape
            changed = True
    return changed


def _local_calls(scopes: list[Scope], summaries: Summaries, tracers: dict[int, Tracer]):
    """(caller's tracer, call, callee scope) for every call of a function of this module."""
    for scope in scopes:
        tracer = tracers[id(scope.node)]
        for call in scope.calls:
            callee = summaries.callee(call.func, tracer)
            if callee is not None:
                yield tracer, call, callee


def _parameters(scopes: list[Scope], summaries: Summaries, tracers: dict[int, Tracer]) -> bool:
    passed: dict[tuple[int, str], set] = {}
    for scope in scopes:  # what the other modules of the run give the module's top-level functions
        given = summaries.across.params.get(scope.node.name.value) if isinstance(scope.node, cst.FunctionDef) \
            and scope.parent is not None and isinstance(scope.parent.node, cst.Module) else None
        for name, shape in (given or {}).items():
            passed.setdefault((id(scope.node), name), set()).add(shape)
    for tracer, call, callee in _local_calls(scopes, summaries, tracers):
        for name, value in bind(call, callee).items():
            passed.setdefault((id(callee.node), name), set()).add(tracer.shape_of(value))
    for scope in scopes:
        tracer = tracers[id(scope.node)]
        for function, items in scope.applied:
            callee = summaries.callee(cst.Name(function))
            if callee is not None and callee.params:
                shape = tracer.shape_of(items)
                passed.setdefault((id(callee.node), callee.params[0]), set()).add(shape.child(0) if shape else None)
    changed = False
    for (node_id, name), shapes in passed.items():
        shape = shapes.pop() if len(shapes) == 1 else None
        params = tracers[node_id].params
        if shape is not None and params.get(name) != shape:
            params[name] = shape
            changed = True
    return changed


def _text_parameters(scopes: list[Scope], summaries: Summaries, tracers: dict[int, Tracer]) -> None:
    """The parameters every call site of the module gives a string (or leaves to a string
    default): a detect `slug` passed that way can be split as the translator splits it."""
    text: dict[tuple[int, str], bool] = {}
    for tracer, call, callee in _local_calls(scopes, summaries, tracers):
        given = bind(call, callee)
        inner = tracers[id(callee.node)]
        defaults = {n: v for n, entries in inner.bindings.values.items() for how, v in entries if how == "param"}
        for name in callee.params:
            value = given.get(name, defaults.get(name))
            reader = tracer if name in given else inner
            is_text = value is not None and reader.template_of(value) is not None
            key = (id(callee.node), name)
            text[key] = text.get(key, True) and is_text
            if is_text:
                inner.text_sources.setdefault(name, []).append((reader, value))
    for (node_id, name), always in text.items():
        if always:
            tracers[node_id].text_params.add(name)

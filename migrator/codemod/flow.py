"""AfterShip data across the functions of one module: what a function returns, what its
parameters receive (CodeQL's flow steps across calls, local first).

A function whose every non-literal `return` has one shape makes its call sites that shape; a
parameter whose every call site passes one shape has it (also `map(fn, items)`, `filter`,
`sorted(key=fn)`). A name defined twice, a call site passing something untraced, or returns
that disagree leave the shape unknown: the residual pass reports what is then left of v4.
"""

from __future__ import annotations

from typing import Iterable

import libcst as cst

from migrator.codemod.shapes import Scope, Shape, Tracer, is_name

ROUNDS = 4  # helpers calling helpers: each round carries shapes one call deeper
_LITERALS = (cst.Dict, cst.List, cst.Tuple, cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


class Summaries:
    """Return shapes by function key (`name`, or `.name` for a method), parameter shapes by scope."""

    def __init__(self) -> None:
        self.returns: dict[str, Shape] = {}
        self.functions: dict[str, list[Scope]] = {}

    def returned(self, func: cst.BaseExpression) -> Shape | None:
        key = _key(func)
        return self.returns.get(key) if key else None

    def callee(self, func: cst.BaseExpression) -> Scope | None:
        key = _key(func)
        found = self.functions.get(key, []) if key else []
        return found[0] if len(found) == 1 else None  # two definitions of one name: unknown


def _key(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and is_name(func.value, "self", "cls"):
        return "." + func.attr.value
    return None


def summarise(scopes: Iterable[Scope], tracers: dict[int, Tracer]) -> Summaries:
    """Fill each tracer's `params` and attach the module's return summaries to every tracer."""
    scopes = list(scopes)
    summaries = Summaries()
    for scope in scopes:
        if not isinstance(scope.node, cst.FunctionDef):
            continue
        method = bool(scope.params) and scope.params[0] in ("self", "cls")
        summaries.functions.setdefault(("." if method else "") + scope.node.name.value, []).append(scope)
    if not summaries.functions:
        return summaries
    for tracer in tracers.values():
        tracer.summaries = summaries
    for _ in range(ROUNDS):
        changed = _returns(summaries, tracers)
        changed |= _parameters(scopes, summaries, tracers)
        if not changed:
            break
    return summaries


def _returns(summaries: Summaries, tracers: dict[int, Tracer]) -> bool:
    changed = False
    for key, scopes in summaries.functions.items():
        if len(scopes) != 1 or not scopes[0].returns:
            continue
        tracer = tracers[id(scopes[0].node)]
        shapes = {tracer.shape_of(value) for value in scopes[0].returns
                  if not isinstance(value, _LITERALS) and not is_name(value, "None")}
        shape = shapes.pop() if len(shapes) == 1 else None
        if shape is not None and summaries.returns.get(key) != shape:
            summaries.returns[key] = shape
            changed = True
    return changed


def _parameters(scopes: list[Scope], summaries: Summaries, tracers: dict[int, Tracer]) -> bool:
    passed: dict[tuple[int, str], set] = {}
    for scope in scopes:
        tracer = tracers[id(scope.node)]
        for call in scope.calls:
            callee = summaries.callee(call.func)
            if callee is None:
                continue
            offset = 1 if isinstance(call.func, cst.Attribute) and callee.params[:1] in (("self",), ("cls",)) else 0
            for index, arg in enumerate(call.args):
                if arg.star:
                    break
                name = arg.keyword.value if arg.keyword is not None else (
                    callee.params[offset + index] if offset + index < len(callee.params) else None)
                if name is not None:
                    passed.setdefault((id(callee.node), name), set()).add(tracer.shape_of(arg.value))
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

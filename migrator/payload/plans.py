"""A document kind's layout and the changes acting on it, compiled to straight-line Python.

The engine used to walk a plan object per document, calling one closure per change on every
object of an archive. Here each node of a kind's layout becomes one generated function that
tests the trigger keys inline, renames keys inline and calls a rule's function only where its
key is present: the same steps in the same order, without the per-object interpretation.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass
from itertools import count
from typing import Any, Callable

from migrator.payload.kinds import Node
from migrator.payload.ops import Change, Context, Path, Renames

Apply = Callable[[Any, Path, Context], Any]  # (object, its path, context) -> the new object


@dataclass(frozen=True, slots=True)
class Plan:
    """A node of a kind's layout with the changes that act there, in catalogue order."""

    changes: tuple[tuple[str, Change], ...]  # (rule code, change); a Renames step carries its own codes
    children: tuple[tuple[str, "Plan"], ...]
    each: "Plan | None" = None  # a list node: the plan of every element

    @property
    def triggers(self) -> frozenset[str]:
        """Keys that wake any change: an object with none is left alone."""
        return frozenset().union(*(change.triggers for _, change in self.changes))


def build_plan(node: Node, by_scope: dict[str, list[tuple[str, Change]]]) -> Plan:
    """The plan of `node`: the changes of its scopes, and its children's plans."""
    plan = Plan(tuple(pair for scope in node.scopes for pair in by_scope.get(scope, ())),
                tuple((key, build_plan(child, by_scope)) for key, child in node.children.items()))
    return Plan((), (), each=plan) if node.each else plan


_SOURCES = count()


def compile_plan(plan: Plan, name: str) -> Apply:
    """One function applying `plan` to a document: `apply(document, (), ctx) -> document`."""
    writer = _Writer()
    root = writer.node(plan)
    source = "\n".join(writer.lines) + "\n"
    filename = f"<plan {name} #{next(_SOURCES)}>"
    # Tracebacks through the generated code show its lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(writer.constants)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace[root]


class _Writer:
    """Writes the functions of a plan's nodes; rule functions and triggers are passed as names.

    A list's elements are translated in a loop inside their parent's function (a checkpoint is
    one of dozens in a tracking: a call and a path per element cost more than its renames)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names = count()
        # Inside a loop, a rule that changed an element is noted in a local flag and added to
        # ctx.applied once after the loop (one set insertion a rule, not one an element).
        self.flags: list[dict[str, str]] = []

    def _mark(self, code: str) -> str:
        """The line that records a change by rule `code`."""
        if not self.flags:
            return f"applied.add({code!r})"
        flags = self.flags[-1]
        if code not in flags:
            flags[code] = f"changed{next(self.names)}"
        return f"{flags[code]} = True"

    def constant(self, value: Any) -> str:
        name = f"_c{next(self.names)}"
        self.constants[name] = value
        return name

    def node(self, plan: Plan) -> str:
        """The name of the function applying `plan` to a value (written with those of its children)."""
        name = f"_node{next(self.names)}"
        enclosing, self.flags = self.flags, []  # a function of its own: no loop around its lines
        if plan.each is not None:
            body = ["    if not isinstance(obj, list):", "        return obj", "    applied = ctx.applied"]
            body += _indent(self._loop(plan.each, "obj", "path", "", 0), 1)
        else:
            body = ["    if not isinstance(obj, dict):", "        return obj", "    applied = ctx.applied"]
            body += _indent(self._block(plan, "obj", "path", ["return result"], 0, checked=False), 1)
        self.flags = enclosing
        self.lines += [f"def {name}(obj, path, ctx):", *body, "    return obj", ""]
        return name

    def _block(self, plan: Plan, obj: str, path: str, leave: list[str], depth: int, checked: bool) -> list[str]:
        """Lines applying `plan` to the object in variable `obj` at `path`; `leave`: what ends
        the node when a change turned the object into something else (held in `result`);
        `checked`: the object is known to hold a trigger key."""
        out = []
        if plan.changes:
            steps = [line for code, change in plan.changes for line in self._change(code, change, obj, path, leave)]
            if checked:
                out += steps
            else:
                out += [f"if not {obj}.keys().isdisjoint({self.constant(plan.triggers)}):", *_indent(steps, 1)]
        for key, child in plan.children:
            if child.each is not None:
                items = f"items{depth}"
                out += [f"if {key!r} in {obj}:", f"    {items} = {obj}[{key!r}]", f"    if isinstance({items}, list):",
                        *_indent(self._loop(child.each, items, path, f"{key!r}, ", depth + 1), 2)]
            else:
                out += [f"if {key!r} in {obj}:",
                        f"    {obj}[{key!r}] = {self.node(child)}({obj}[{key!r}], {path} + ({key!r},), ctx)"]
        return out

    def _loop(self, item: Plan, items: str, path: str, key: str, depth: int) -> list[str]:
        """Lines applying `item` to each element of the list in variable `items`, which is at
        `path` + `key` (the source of a key and a comma, or nothing)."""
        index, value, where = f"i{depth}", f"value{depth}", f"path{depth}"
        out = [f"for {index}, {value} in enumerate({items}):"]
        if item.children:
            out.append(f"    if isinstance({value}, dict):")
            checked = False
        else:
            # An element holding no trigger key is left as it is: not even its path is built.
            out.append(f"    if isinstance({value}, dict) and not {value}.keys().isdisjoint("
                       f"{self.constant(item.triggers)}):")
            checked = True
        leave = [f"{items}[{index}] = result", "continue"]
        self.flags.append({})
        body = [f"{where} = {path} + ({key}{index},)",
                *self._block(item, value, where, leave, depth, checked),
                f"{items}[{index}] = {value}"]  # the element, or the object a change made of it
        flags = self.flags.pop()
        return ([f"{flag} = False" for flag in flags.values()] + out + _indent(body, 2)
                + [line for code, flag in flags.items() for line in (f"if {flag}:", f"    applied.add({code!r})")])

    def _change(self, code: str, change: Change, obj: str, path: str, leave: list[str]) -> list[str]:
        if isinstance(change, Renames):
            return self._renames(change, obj, path)
        keys, call, marks_consumed = change.trigger()
        function = self.constant(call)
        present = [f"has{i}" for i in range(len(keys))]
        out = []
        if len(keys) == 1:
            out.append(f"if {keys[0]!r} in {obj}:")
        else:
            out += [f"{p} = {key!r} in {obj}" for p, key in zip(present, keys)]
            out.append(f"if {' or '.join(present)}:")
        out += [f"    ctx.rule = {code!r}", f"    result = {function}({obj}, {path}, ctx)",
                f"    if result is not {obj}:"]
        # A Reshape's function edits values without saying so: replacing the object, or taking
        # away a key it found, counts as a change of its rule.
        if marks_consumed:
            out.append(f"        {self._mark(code)}")
        # An object replaced by one of its members (an unwrap) now sits where its wrapper was:
        # both places are remembered, so that reports name the value's place in the input.
        out += ["        if ctx.descended:",
                f"            ctx.moved[{path}] = {path} + ctx.descended",
                f"            {path}, ctx.descended = {path} + ctx.descended, ()",
                "        if not isinstance(result, dict):",
                *_indent(leave, 3),
                f"        {obj} = result"]
        if marks_consumed:
            gone = " or ".join([f"({p} and {key!r} not in {obj})" for p, key in zip(present, keys)] if len(keys) > 1
                               else [f"{keys[0]!r} not in {obj}"])
            out += [f"    elif {gone}:", f"        {self._mark(code)}"]
        return out

    def _renames(self, renames: Renames, obj: str, path: str) -> list[str]:
        out = []
        for old, new, rule, rename in renames.table():
            out += [f"if {old!r} in {obj}:",
                    f"    if {new!r} in {obj}:",  # both present: the single rename decides and reports
                    f"        ctx.rule = {rule!r}",
                    f"        {self.constant(rename.apply)}({obj}, {path}, ctx)",
                    "    else:",
                    f"        {obj}[{new!r}] = {obj}.pop({old!r})",
                    f"        {self._mark(rule)}"]
        return out


def _indent(lines: list[str], levels: int) -> list[str]:
    return ["    " * levels + line for line in lines]

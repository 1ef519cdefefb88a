"""AfterShip data across the modules of a run: a function of one module returning a tracking to
another, or receiving one from it (CodeQL's flow across calls, after the local steps of flow.py).

Before the run rewrites anything, the modules linked by function imports are analysed (no
rewrite): first the imported modules, for what their top-level functions return; then their
importers, with those returns known, for what they pass to those functions. Each module is then
rewritten with an `Across` that says both. One level deep: a function that only forwards what
another module gave it is not followed further (its v4 keys are still reported).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from typing import TYPE_CHECKING

from migrator.codemod.index import imported_functions, module_keys, parse_quietly

if TYPE_CHECKING:  # libcst, which flow needs, is not imported by a run with nothing to link
    from migrator.codemod.flow import Across

_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w.]+))", re.MULTILINE)


@dataclass(frozen=True)
class Link:
    """A call name in one module that stands for a top-level function of another."""

    path: str  # the module defining the function
    function: str
    params: tuple[str, ...]


def gather(sources: dict[str, bytes], imported: dict[str, dict[str, str]], settings) -> dict[str, "Across"]:
    """An `Across` for every module of `sources` that imports a function of another, or whose
    functions another imports; none when no module of the run does."""
    links = _links(sources)
    if not links:
        return {}
    from migrator.codemod.flow import Across, bound_names
    from migrator.codemod.runner import analyse

    callees = {link.path for found in links.values() for link in found.values()}
    returns: dict[str, dict[str, object]] = {path: {} for path in callees}
    for path in sorted(callees):
        if not _calls_aftership(sources[path], imported.get(path, {})):
            continue  # what it returns cannot be AfterShip's unless another module gave it
        scopes = analyse(path, sources[path], imported.get(path, {}), settings, None)
        returns[path] = {scope.node.name.value: tracer.summaries.returns.get(scope.node.name.value)
                         for scope, tracer in scopes if scope.parent is not None and scope.parent.parent is None
                         and hasattr(scope.node, "name")}
    across = {path: Across() for path in {*links, *callees}}
    for path, found in sorted(links.items()):
        known = {name: returns[link.path][link.function] for name, link in found.items()
                 if returns[link.path].get(link.function) is not None}
        across[path].returns.update(known)
        if not known and not _calls_aftership(sources[path], imported.get(path, {})):
            continue  # it has nothing of AfterShip's to pass on
        scopes = analyse(path, sources[path], imported.get(path, {}), settings, Across(returns=dict(known)))
        for _, tracer in scopes:
            for call in tracer.calls:
                link = found.get(_dotted(call.func))
                if link is None:
                    continue
                passed = across[link.path].passed.setdefault(link.function, {})
                for name, value in bound_names(call, link.params).items():
                    passed.setdefault(name, set()).add(tracer.shape_of(value))
    return across


def _calls_aftership(source: bytes, constants: dict[str, str]) -> bool:
    """Whether a module may hold AfterShip data of its own: it names the API, or imports its URL."""
    return b"aftership.com" in source.lower() or any("aftership.com" in v.lower() for v in constants.values())


def _links(sources: dict[str, bytes]) -> dict[str, dict[str, Link]]:
    """For each module, the call names that stand for functions of other modules of the run."""
    by_key: dict[str, str] = {}
    for path in sources:
        for key in module_keys(path):
            by_key.setdefault(key, path)
    packages = {key.rsplit(".", 1)[0] for key in by_key if "." in key}
    trees: dict[str, ast.Module | None] = {}
    links: dict[str, dict[str, Link]] = {}
    for path, source in sources.items():
        # A byte test first: most modules import nothing of the run, and need no parse.
        names = {(m.group(1) or m.group(2)).decode() for m in _IMPORT.finditer(source)}
        if not any(name in by_key or name in packages for name in names):
            continue
        tree = _tree(trees, path, sources)
        if tree is None:
            continue
        for name, (module, function) in imported_functions(tree, path).items():
            # `from pkg import mod` names a module when the run has pkg/mod.py.
            if function is not None and f"{module}.{function}" in by_key:
                module, function = f"{module}.{function}", None
            target = by_key.get(module)
            if target is None or target == path:
                continue
            for function_name, params in _top_level_functions(_tree(trees, target, sources)).items():
                if function is None:  # a module alias: `report.to_row(t)`
                    links.setdefault(path, {})[f"{name}.{function_name}"] = Link(target, function_name, params)
                elif function_name == function:
                    links.setdefault(path, {})[name] = Link(target, function_name, params)
    return links


def _tree(trees: dict[str, ast.Module | None], path: str, sources: dict[str, bytes]) -> ast.Module | None:
    if path not in trees:
        trees[path] = parse_quietly(sources[path])
    return trees[path]


def _top_level_functions(tree: ast.Module | None) -> dict[str, tuple[str, ...]]:
    """The top-level functions of a module with their parameter names in call order."""
    found = {}
    for node in tree.body if tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            found[node.name] = tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
    return found


def _dotted(node) -> str:
    from migrator.codemod.shapes import dotted

    return dotted(node) or ""
